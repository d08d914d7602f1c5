"""The CAPTCHA-free abuse guard of the registry pages: fixed-window limits per client IP address
and per browser session, on the core's shared rate limiter (``sep_core.rate_limiter``: Redis when
``SEP_REDIS_URL`` is set, shared by every web worker; in-process otherwise and whenever Redis stops
answering; subjects hashed with the secret key, so no IP address is stored; windows on the app's
clock)."""

from __future__ import annotations

import secrets

from flask import request, session

from sep_core import now, plugin_settings, rate_limiter

SCOPE = "epts_registry:"
SESSION_KEY = "epts_registry_sid"


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("rate limited")
        self.retry_after = retry_after


def session_id() -> str:
    """A random id of this browser session, kept in the signed session cookie."""
    sid = session.get(SESSION_KEY)
    if not isinstance(sid, str) or len(sid) != 32:
        sid = secrets.token_hex(16)
        session[SESSION_KEY] = sid
    return sid


def guard() -> None:
    """Count one lookup for this IP address and this session; RateLimited beyond either limit.
    Refused lookups count too: persisting does not get a flood through."""
    settings = plugin_settings("epts_registry")
    moment = int(now().timestamp())
    waits = []
    for scope, subject, setting in (("ip", request.remote_addr or "?", "lookups_per_ip"),
                                    ("session", session_id(), "lookups_per_session")):
        limit, window = (int(v) for v in settings[setting])
        if not rate_limiter().hit(SCOPE + scope, subject, limit, window):
            waits.append(window - moment % window)
    if waits:
        raise RateLimited(max(waits))
