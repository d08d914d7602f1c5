"""Configuration sources and their order; start-up errors that tell the deployer what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from sep_core import ConfigError, create_app
from sep_core.config import DEFAULTS


def base(tmp_path, **extra):
    return {"SEP_INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", **extra}


def test_missing_secret_key_in_production_is_a_startup_error(tmp_path, monkeypatch):
    monkeypatch.delenv("SEP_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app(base(tmp_path, SEP_ENV="production"))


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    first = create_app(base(tmp_path, SEP_ENV="development"))
    second = create_app(base(tmp_path, SEP_ENV="development"))
    key = (tmp_path / "secret_key").read_text()
    assert len(key) == 64
    assert first.secret_key == second.secret_key == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_fresh_instance_enables_every_builtin_plugin_with_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SEP_PLUGINS", raising=False)
    monkeypatch.delenv("SEP_DATABASE_URL", raising=False)
    app = create_app({"SEP_INSTANCE_PATH": str(tmp_path)})
    builtin = sorted(p.name for p in (Path(__file__).parents[1] / "plugins").iterdir()
                     if (p / "__init__.py").exists())
    assert sorted(app.extensions["sep"].pm.plugin_info) == builtin
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/sep.sqlite3"
    assert app.config["SEP_MAIL_BACKEND"] == "file"


def test_order_defaults_then_instance_file_then_environment_then_mapping(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('SEP_SITE_NAME = "from file"\nSEP_MAIL_PORT = 2525\n'
                                        'SEP_PLUGINS = ["channel_web"]\n')
    monkeypatch.setenv("SEP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SEP_MAIL_PORT", "2626")
    monkeypatch.setenv("SEP_DATABASE_URL", "postgresql://u@127.0.0.1:5432/sep")
    app = create_app({"SEP_SITE_NAME": "from mapping"})
    assert app.config["SEP_SITE_NAME"] == "from mapping"
    assert app.config["SEP_MAIL_PORT"] == 2626
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1:5432/sep"
    assert list(app.extensions["sep"].pm.plugin_info) == ["channel_web"]


def test_sep_plugins_environment_variable_is_a_comma_list(tmp_path, monkeypatch):
    monkeypatch.setenv("SEP_PLUGINS", "channel_web, channel_web")
    app = create_app(base(tmp_path))
    assert list(app.extensions["sep"].pm.plugin_info) == ["channel_web"]


@pytest.mark.parametrize(("env", "value", "message"), [
    ("SEP_MAIL_PORT", "twenty-five", "whole number"),
    ("SEP_PLUGIN_CONFIG", "{not json", "must be JSON"),
    ("SEP_ENV", "staging", "SEP_ENV must be"),
    ("SEP_MAIL_BACKEND", "pigeon", "SEP_MAIL_BACKEND"),
    ("SEP_TRUSTED_PROXIES", "nginx", "whole number"),
    ("SEP_TRUSTED_PROXIES", "-1", "SEP_TRUSTED_PROXIES"),
])
def test_bad_environment_values_are_clear_errors(tmp_path, monkeypatch, env, value, message):
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=message):
        create_app(base(tmp_path))


def test_cli_reports_config_errors_without_traceback(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "sep_core.cli", "plugins"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "SEP_INSTANCE_PATH": str(tmp_path),
                                 "SEP_PLUGINS": "no_such_plugin", "HOME": str(tmp_path)}, timeout=60)
    assert result.returncode == 2
    assert "Unknown plugin(s) in SEP_PLUGINS: no_such_plugin" in result.stderr
    assert "Traceback" not in result.stderr


def test_example_config_documents_every_setting():
    example = (Path(__file__).parents[1] / "instance" / "config.example.py").read_text()
    namespace: dict = {}
    exec(compile(example, "config.example.py", "exec"), namespace)  # noqa: S102 - our own file
    documented = {k for k in namespace if k.isupper()}
    assert documented == set(DEFAULTS)
    for key, value in DEFAULTS.items():
        assert namespace[key] == value, key
