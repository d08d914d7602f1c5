"""Where an answer may be e-mailed: only to the citizen's own address.

A signed-in citizen with a confirmed e-mail gets it at that address. Anyone else first proves the
address: a six-digit code is mailed to it (rate-limited per client and per address) and typed
back; the address then stays confirmed in this browser session for an hour. Addresses are
validated like registration (email-validator, no DNS look-up): no quoted local parts, no IP
literals, at most 254 characters.

The session keeps only an HMAC of the address and the code (the session cookie is signed, not
encrypted).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from flask import current_app, session

from sep_core import gettext as _
from sep_core import now, plugin_settings, rate_limiter, send_mail

from .engine import PLUGIN

PENDING = "kb_mail_code"
CONFIRMED = "kb_mail_ok"
CODE_TTL = 15 * 60
CONFIRMED_TTL = 60 * 60
MAX_ATTEMPTS = 5


class MailtoError(ValueError):
    """A problem with the address or the code: ``code`` for the API, ``message`` for people."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def clean_address(value: Any) -> str:
    """The normalised address, or MailtoError("invalid_email")."""
    from email_validator import EmailNotValidError, validate_email

    invalid = MailtoError("invalid_email", _("Please enter a valid e-mail address."))
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 254:
        raise invalid
    try:
        result = validate_email(value.strip(), check_deliverability=False, allow_quoted_local=False,
                                allow_domain_literal=False, allow_display_name=False)
    except EmailNotValidError:
        raise invalid from None
    return result.normalized


def _digest(*parts: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).hexdigest()


def own_confirmed_address(user) -> str | None:
    if user is not None and getattr(user, "is_authenticated", False) and user.email and user.email_confirmed_at:
        return user.email
    return None


def is_confirmed(address: str) -> bool:
    stamp = (session.get(CONFIRMED) or {}).get(_digest("ok", address))
    return bool(stamp) and now().timestamp() - float(stamp) < CONFIRMED_TTL


def _remember(address: str) -> None:
    confirmed = {k: v for k, v in (session.get(CONFIRMED) or {}).items()
                 if now().timestamp() - float(v) < CONFIRMED_TTL}
    confirmed[_digest("ok", address)] = now().timestamp()
    session[CONFIRMED] = dict(list(confirmed.items())[-5:])


def send_code(address: str, client: str) -> None:
    """Mail a code to the address, within the per-client and per-address limits."""
    limit, window = plugin_settings(PLUGIN)["mail_codes_per_client"]
    per_address, address_window = plugin_settings(PLUGIN)["mail_codes_per_address"]
    limiter = rate_limiter()
    if not limiter.hit("kb_keyword:mail_code_client", client, int(limit), int(window)) or not limiter.hit(
            "kb_keyword:mail_code_address", address, int(per_address), int(address_window)):
        raise MailtoError("rate_limited", _("Too many codes were sent. Please try again in an hour."), 429)
    code = f"{secrets.randbelow(1_000_000):06d}"
    session[PENDING] = {"a": _digest("addr", address), "h": _digest("code", address, code),
                        "t": now().timestamp(), "n": 0}
    site = current_app.config.get("SEP_SITE_NAME") or _("Support centre")
    send_mail(address, _("Code to confirm your e-mail: %(code)s", code=code),
              _("Your code: %(code)s\n\nType it on the answer page to receive the answer at this address. "
                "The code works for 15 minutes. If you did not ask for it, ignore this message.\n\n— %(site)s",
                code=code, site=site))


def check_code(address: str, code: Any) -> None:
    """Accept the typed code for the address (the address is then confirmed), or MailtoError."""
    pending = dict(session.get(PENDING) or {})
    if not pending or pending.get("a") != _digest("addr", address):
        raise MailtoError("no_code", _("Ask for a code first: it is sent to the address you enter."))
    if now().timestamp() - float(pending.get("t", 0)) > CODE_TTL or int(pending.get("n", 0)) >= MAX_ATTEMPTS:
        session.pop(PENDING, None)
        raise MailtoError("code_expired", _("The code has expired. Ask for a new one."))
    typed = str(code).strip() if isinstance(code, str | int) else ""
    if not hmac.compare_digest(pending["h"], _digest("code", address, typed)):
        pending["n"] = int(pending.get("n", 0)) + 1
        session[PENDING] = pending
        raise MailtoError("wrong_code", _("Wrong code. Check the message and try again."))
    session.pop(PENDING, None)
    _remember(address)


def recipient(user, address: Any, code: Any, client: str) -> str | None:
    """The address to mail the answer to, or None when a code was just sent to confirm it."""
    own = own_confirmed_address(user)
    if own and (not address or (isinstance(address, str) and address.strip().lower() == own.lower())):
        return own
    if not address and user is not None and getattr(user, "is_authenticated", False):
        address = user.email  # signed in, address not yet confirmed: confirm it with a code
    clean = clean_address(address)
    if is_confirmed(clean):
        return clean
    if code not in (None, ""):
        check_code(clean, code)
        return clean
    send_code(clean, client)
    return None
