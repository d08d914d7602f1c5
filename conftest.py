"""Root conftest: make pytest's view of ``plugins/`` the installed package ``sep_plugins``.

Plugin tests live in ``plugins/<name>/tests/``. With ``--import-mode=importlib`` pytest imports a
test module's parent packages by their folder names (``plugins.<name>``), which would import
each plugin a second time beside ``sep_plugins.<name>`` and define its tables twice. Aliasing
the folder names to the installed modules keeps one copy of every plugin.

Also ``shared_sentence_vectors``: the vectors of the base's texts encoded once per test run (for tests
that build a base with kb_semantic's e5 on without testing the encoder).
"""

import contextlib
import importlib
import os
import sys
from pathlib import Path

import pytest
import sep_plugins

sys.modules.setdefault("plugins", sep_plugins)
for _folder in sorted((Path(__file__).parent / "plugins").iterdir()):
    if (_folder / "__init__.py").is_file():
        # a broken or not yet installed plugin fails its own tests, not the whole collection
        with contextlib.suppress(Exception):
            sys.modules.setdefault(f"plugins.{_folder.name}", importlib.import_module(f"sep_plugins.{_folder.name}"))


# --- the sentence encoder's vectors of base texts, shared by the run's tests ---------------------------


@pytest.fixture(scope="session")
def shared_vectors_folder(tmp_path_factory) -> Path:
    """One folder for the whole run: the xdist workers' base temporary folders share their parent."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "sentence-vectors"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def shared_sentence_vectors(app, register_plugin, shared_vectors_folder):
    """The test's app encodes each base text once per test run (:class:`SharedVectors`), for tests that
    build a base with the encoder on without testing the encoder (kb_semantic's own tests do not use it):
    ``sep_plugins.kb_semantic.testing``."""
    from sep_plugins.kb_semantic.testing import SharedVectorsPlugin

    plugin = SharedVectorsPlugin(app.extensions["sep"].pm, shared_vectors_folder)
    register_plugin(plugin, name="shared_sentence_vectors")
    return plugin
