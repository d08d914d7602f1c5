"""identity_check: registration with confirmed e-mail and phone, sign-in, roles, the personal
cabinet, and identity checks through another channel.

Contributes:
- settings (``sep_config_defaults``) and start-up wiring (throttle backend, remember-me lifetime);
- the web pages and the ``/api/v1/auth/...`` API (``sep_blueprints``);
- tables and their migration branch, message catalog;
- code delivery by e-mail and SMS (``sep_send_code``, ``sep_identity_channels``) and the
  development SMS gateway (``sep_transports``: files in ``instance/sms/``);
- which confirmations a citizen still lacks (``sep_missing_confirmations``);
- the identity-check service (``sep_start_identity_check``, ``sep_verify_identity``,
  ``sep_identity_check_status``);
- navigation items and its own cabinet section (pending identity checks);
- its data in the citizen's download, and erasure on account deletion.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sep_core import hookimpl

from . import delivery, identity, service, views
from .settings import DEFAULTS

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_startup(app):
    settings = app.extensions["sep"].settings("identity_check")
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=int(settings["remember_days"])))


@hookimpl
def sep_blueprints(app):
    from .api import api

    return [views.blueprint, api]


@hookimpl
def sep_migration_dirs():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_identity_check")]


@hookimpl
def sep_transports(app):
    return {"sms": delivery.file_sms_gateway(app)}


@hookimpl
def sep_send_code(user, channel, code, purpose):
    return delivery.deliver_code(user, channel, code, purpose) or None


@hookimpl
def sep_identity_channels(user):
    return [c for c, v in (("email", user.email), ("sms", user.phone)) if v]


@hookimpl
def sep_missing_confirmations(user):
    return service.missing_confirmations(user)


@hookimpl
def sep_start_identity_check(user, channel, requested_by, reason):
    return identity.start(user, channel, requested_by, reason)


@hookimpl
def sep_verify_identity(check_id, code, user):
    return identity.verify(check_id, code, user)


@hookimpl
def sep_identity_check_status(check_id):
    return identity.status(check_id)


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items(user)


@hookimpl
def sep_ui_cabinet_sections(user):
    return views.cabinet_identity_section(user)
