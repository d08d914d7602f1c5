"""Delivering codes: e-mail through the core's mail outbox, SMS through the outbox kind "sms".

The development SMS gateway writes one JSON file per message to ``instance/sms/`` (the core's
``/dev/mail`` page shows them next to e-mails). A production gateway is another plugin that
returns ``{"sms": deliver}`` from ``sep_transports`` and is listed before identity_check.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context
from flask_babel import force_locale

from sep_core import DeliveryError, enqueue, now, plugin_settings, send_mail
from sep_core import gettext as _

from .messages import N_

log = logging.getLogger("sep.identity_check")


def sms_folder(app: Flask) -> Path:
    return Path(app.instance_path) / "sms"


def file_sms_gateway(app: Flask):
    """Development delivery: ``instance/sms/<time>-<random>.json`` with kind, to, text. In
    production it refuses (a permanent failure the outbox logs): phone numbers and live codes
    must not pile up on disk because no real gateway plugin was enabled."""

    def deliver(payload: dict[str, Any]) -> None:
        if app.config.get("SEP_ENV") == "production":
            raise DeliveryError("no SMS gateway: enable an SMS gateway plugin before identity_check",
                                permanent=True)
        folder = sms_folder(app)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = app.extensions["sep"].clock().strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.json"
        path.write_text(json.dumps({"kind": "sms", "to": payload["to"], "text": payload["text"]},
                                   ensure_ascii=False), encoding="utf-8")

    return deliver


def send_sms(to: str, text: str, *, secret: bool = False) -> None:
    """Queue an SMS in the current transaction (the caller commits); a ``secret`` text (a code)
    is wiped from the outbox once sent."""
    enqueue("sms", {"to": to, "text": text}, secret=("text",) if secret else ())


PURPOSE_TEXTS = {
    "confirm": N_("to confirm your contact details"),
    "change": N_("to confirm your new contact details"),
    "identity": N_("to confirm your identity at the request of the support centre"),
}


def _purpose_text(purpose: str) -> str:
    return _(PURPOSE_TEXTS.get(purpose.split(":")[0], PURPOSE_TEXTS["confirm"]))


def _locale(user) -> str:
    locale = getattr(user, "locale", None) or "ru"
    return locale if locale in current_app.config["SEP_LANGUAGES"] else "ru"


def deliver_code(user, channel: str, code: str, purpose: str, *, to: str | None = None) -> bool:
    """Queue the code to ``to`` (default: the user's current contact for the channel)."""
    minutes = int(plugin_settings("identity_check")["code_ttl_minutes"])
    address = to or (user.email if channel == "email" else user.phone if channel == "sms" else None)
    if not address or channel not in ("email", "sms"):
        return False
    with _in_locale(_locale(user)):
        site = current_app.config["SEP_SITE_NAME"] or _("SEP Help Desk")
        if channel == "sms":
            send_sms(address, _("%(site)s code: %(code)s. Valid %(minutes)s min. Do not tell it to anyone.",
                                 site=site, code=code, minutes=minutes), secret=True)
        else:
            send_mail(address, _("Your confirmation code: %(code)s", code=code),
                      _("Hello!\n\nYour code %(purpose)s: %(code)s\n\nIt is valid for %(minutes)s minutes "
                        "and can be used once. Staff of the support centre never ask for it.\n\n"
                        "If you did not ask for this code, ignore this message.\n\n%(site)s",
                        purpose=_purpose_text(purpose), code=code, minutes=minutes, site=site), secret=True)
    return True


def send_notice(user, subject: str, body: str, *, to: str | None = None, secret: bool = False,
                **values) -> None:
    """A plain e-mail notice in the user's language (subject and body are English msgids);
    ``secret`` for one carrying a link that grants access (wiped from the outbox once sent)."""
    address = to or user.email
    if not address:
        return
    with _in_locale(_locale(user)):
        site = current_app.config["SEP_SITE_NAME"] or _("SEP Help Desk")
        send_mail(address, _(subject, **values), _(body, site=site, **values), secret=secret)


def _in_locale(locale: str):
    if has_request_context():
        return force_locale(locale)
    return _Nothing()


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def stamp() -> str:
    return now().strftime("%d.%m.%Y %H:%M")
