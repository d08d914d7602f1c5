"""Configuration: defaults, the instance file, the environment, then the caller's mapping.

Every setting is documented in ``instance/config.example.py``; a test checks that the two list
the same names.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from .errors import ConfigError

log = logging.getLogger(__name__)


def builtin_plugin_names() -> list[str]:
    """Every installed built-in plugin, in the order the project recommends."""
    from .plugins import installed_plugins

    preferred = [
        "calendar_ru", "sms_gateway", "identity_check", "kb_keyword", "tickets", "client_check",
        "channel_social", "epts_registry", "channel_web",
    ]
    builtin = {name for name, ep in installed_plugins().items() if ep.value.startswith("sep_plugins.")}
    return [n for n in preferred if n in builtin] + sorted(builtin - set(preferred))


DEFAULTS: dict[str, Any] = {
    "SEP_ENV": "development",
    "SEP_PLUGINS": None,  # None: every built-in plugin
    "SEP_PLUGIN_CONFIG": {},
    "SEP_SITE_NAME": "",
    # The site's public address for links in e-mails and chats. None: http://127.0.0.1:5000 in
    # development; in production the address the citizen used (see sep_core.links.public_url).
    "SEP_PUBLIC_URL": None,
    "SQLALCHEMY_DATABASE_URI": None,  # None: SQLite file in the instance folder
    "SECRET_KEY": None,
    "BABEL_DEFAULT_LOCALE": "ru",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Moscow",
    "SEP_LANGUAGES": ["ru", "en"],
    "SEP_MAIL_BACKEND": None,  # None: "file" in development, "smtp" in production
    "SEP_MAIL_SERVER": "127.0.0.1",
    "SEP_MAIL_PORT": 25,
    "SEP_MAIL_USE_TLS": False,
    "SEP_MAIL_USE_SSL": False,
    "SEP_MAIL_USERNAME": "",
    "SEP_MAIL_PASSWORD": "",
    "SEP_MAIL_FROM": "СЭП Help Desk <noreply@localhost>",
    "SEP_MAIL_TIMEOUT": 10,
    "SEP_OUTBOX_MAX_ATTEMPTS": 8,
    "SEP_OUTBOX_BACKOFF_SECONDS": 30,
    "SEP_OUTBOX_BACKOFF_MAX_SECONDS": 3600,
    "SEP_OUTBOX_LEASE_SECONDS": 60,
    "SEP_OUTBOX_RETENTION_DAYS": 30,
    "SEP_OUTBOX_PURGE_INTERVAL_SECONDS": 3600,
    "SEP_OUTBOX_DELIVER_AFTER_REQUEST": None,  # None: on in development only
    "SEP_UNAVAILABLE_RETRY_AFTER": 5,  # seconds, in the Retry-After of a 503 when the database is unreachable
    "SEP_OUTBOX_SWEEP_SECONDS": 30,  # development: also deliver due rows queued elsewhere this often
    "SEP_REDIS_URL": "",
    "SEP_MAX_BODY_BYTES": 60 * 1024 * 1024,  # upload routes only (marked with sep_core.large_body)
    "SEP_MAX_FORM_BYTES": 64 * 1024,  # every other route: JSON and forms, checked before parsing
    "SEP_TRACE_PLUGINS": False,
    "SEP_LOG_BUFFER_ROWS": None,  # anonymous questions logged in batches (None: 500 in production; 0: off)
    "SEP_LOG_BUFFER_SECONDS": 1.0,  # ... at most this long after the first waiting row (the crash loss window)
    "SEP_LOG_BUFFER_ID_BLOCK": 100,  # inquiry ids reserved per round trip (PostgreSQL)
    "SEP_HEALTH_CHECK_SECONDS": 1.0,  # /api/v1/health checks the database at most this often per worker
    "SEP_DB_PING_IDLE_SECONDS": 10,  # ping a pooled connection idle this long before use (None: never)
    "SEP_BOT_CONFIDENCE_THRESHOLD": 0.5,
    "SEP_PASSWORD_HASH_METHOD": "scrypt",
    "SEP_CHAT_LINK_CODE_MINUTES": 15,  # lifetime of a code linking a chat to a cabinet
    "SEP_CHAT_LINK_ATTEMPTS_PER_HOUR": 5,  # wrong linking codes allowed per chat and per account
    "SEP_API_TOKEN_RATE_PER_MINUTE": 120,  # calls per minute of a new API token (each token may have its own)
    "SEP_TRUSTED_PROXIES": 0,  # reverse proxies in front of the app whose X-Forwarded-For/-Proto count
}

ENV_OVERRIDES = {
    "SEP_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SEP_PLUGINS": "SEP_PLUGINS",
    "SEP_SECRET_KEY": "SECRET_KEY",
    "SEP_ENV": "SEP_ENV",
    "SEP_PUBLIC_URL": "SEP_PUBLIC_URL",
    "SEP_MAIL_BACKEND": "SEP_MAIL_BACKEND",
    "SEP_MAIL_SERVER": "SEP_MAIL_SERVER",
    "SEP_MAIL_PORT": "SEP_MAIL_PORT",
    "SEP_MAIL_USERNAME": "SEP_MAIL_USERNAME",
    "SEP_MAIL_PASSWORD": "SEP_MAIL_PASSWORD",
    "SEP_MAIL_FROM": "SEP_MAIL_FROM",
    "SEP_REDIS_URL": "SEP_REDIS_URL",
    "SEP_PLUGIN_CONFIG": "SEP_PLUGIN_CONFIG",  # JSON
    "SEP_TRACE_PLUGINS": "SEP_TRACE_PLUGINS",
    "SEP_TRUSTED_PROXIES": "SEP_TRUSTED_PROXIES",
    "SEP_MAX_FORM_BYTES": "SEP_MAX_FORM_BYTES",
}

INT_SETTINGS = {"SEP_MAIL_PORT", "SEP_TRUSTED_PROXIES", "SEP_MAX_FORM_BYTES"}
JSON_SETTINGS = {"SEP_PLUGIN_CONFIG"}
BOOL_SETTINGS = {"SEP_TRACE_PLUGINS"}


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config``: defaults < instance/config.py < environment < ``overrides``."""
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for env_name, key in ENV_OVERRIDES.items():
        raw = os.environ.get(env_name)
        if raw is None or raw == "":
            continue
        app.config[key] = _parse_env(env_name, key, raw)
    if overrides:
        app.config.update(overrides)
    _finish(app)


def _parse_env(env_name: str, key: str, raw: str) -> Any:
    if key in INT_SETTINGS:
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"{env_name} must be a whole number, got {raw!r}") from exc
    if key in JSON_SETTINGS:
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"{env_name} must be JSON: {exc}") from exc
    if key in BOOL_SETTINGS:
        return raw.lower() in ("1", "true", "yes", "on")
    return raw


def _finish(app: Flask) -> None:
    cfg = app.config
    env = cfg["SEP_ENV"]
    if env not in ("development", "production", "testing"):
        raise ConfigError(f"SEP_ENV must be development, production or testing, got {env!r}")
    production = env == "production"
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not cfg.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production set SEP_SECRET_KEY in the environment "
                "or SECRET_KEY in instance/config.py (e.g. python -c 'import secrets; "
                "print(secrets.token_hex(32))')."
            )
        cfg["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "sep.sqlite3")
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        # psycopg 3 is the supported driver; accept the plain URL deployers usually have.
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + cfg["SQLALCHEMY_DATABASE_URI"][13:]
    if not cfg.get("SEP_PUBLIC_URL"):
        cfg["SEP_PUBLIC_URL_SET"] = False
        if production:
            log.warning("SEP_PUBLIC_URL is not set: links in e-mails use the address of the page that sent "
                        "them, and password-reset links are not sent as absolute links. Set it to the "
                        "site's https address.")
            cfg["SEP_PUBLIC_URL"] = ""
        else:
            cfg["SEP_PUBLIC_URL"] = "http://127.0.0.1:5000"
    else:
        cfg["SEP_PUBLIC_URL_SET"] = True
    if cfg["SEP_MAIL_BACKEND"] is None:
        cfg["SEP_MAIL_BACKEND"] = "smtp" if production else "file"
    if cfg["SEP_MAIL_BACKEND"] not in ("smtp", "file"):
        raise ConfigError("SEP_MAIL_BACKEND must be 'smtp' or 'file'")
    if cfg["SEP_OUTBOX_DELIVER_AFTER_REQUEST"] is None:
        cfg["SEP_OUTBOX_DELIVER_AFTER_REQUEST"] = env == "development"
    if not isinstance(cfg["SEP_PLUGIN_CONFIG"], dict):
        raise ConfigError("SEP_PLUGIN_CONFIG must be a dict of plugin name -> settings")
    if not isinstance(cfg["SEP_TRUSTED_PROXIES"], int) or cfg["SEP_TRUSTED_PROXIES"] < 0:
        raise ConfigError("SEP_TRUSTED_PROXIES must be a whole number of proxies (0 when none)")
    # pooled connections are pinged only after sitting idle (SEP_DB_PING_IDLE_SECONDS), not on
    # every checkout; set {"pool_pre_ping": True} here to ping always
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    cfg["MAX_CONTENT_LENGTH"] = cfg["SEP_MAX_BODY_BYTES"]
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_SECURE"] = production
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_SECURE"] = production
    cfg["SESSION_COOKIE_NAME"] = "sep_session"
    cfg["WTF_CSRF_TIME_LIMIT"] = None  # the token lives as long as the session
    cfg["TESTING"] = cfg.get("TESTING") or env == "testing"


def _development_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts in development."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
