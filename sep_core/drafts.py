"""A request draft kept server-side between pages (issue 17): the consultant's question travels
to the request form through sign-in, registration and contact confirmation without ever going
into a URL, a query string or an access log.

The draft lives in the session (signed, HttpOnly) with the time it was made; it expires after
``DRAFT_TTL_SECONDS``. Sign-in keeps it (``SIGN_IN_KEEPS``), sign-out drops it. ``next`` works
the same way: where to go once the contacts are confirmed (``after_confirmation``)."""

from __future__ import annotations

import time

from flask import session

from .web import safe_next

DRAFT_KEY = "sep_draft"
NEXT_KEY = "sep_next"
DRAFT_TTL_SECONDS = 2 * 3600
MAX_DRAFT_CHARS = 2000
#: Session keys a fresh session on sign-in carries over (the language, the draft, where to go next).
SIGN_IN_KEEPS = ("lang", DRAFT_KEY, NEXT_KEY)


def save_draft(text: str) -> bool:
    """Keep ``text`` as the request draft; False when there is nothing to keep."""
    text = (text or "").strip()[:MAX_DRAFT_CHARS]
    if not text:
        return False
    session[DRAFT_KEY] = {"text": text, "at": int(time.time())}
    return True


def draft() -> str:
    """The live draft's text, or ''."""
    value = session.get(DRAFT_KEY)
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        return ""
    if time.time() - float(value.get("at") or 0) > DRAFT_TTL_SECONDS:
        session.pop(DRAFT_KEY, None)
        return ""
    return value["text"]


def drop_draft() -> None:
    session.pop(DRAFT_KEY, None)


def remember_next(target: str | None) -> None:
    """Where to take the visitor after registration and confirmation (a local path only)."""
    path = safe_next(target, "")
    if path:
        session[NEXT_KEY] = path
    else:
        session.pop(NEXT_KEY, None)


def pop_next(fallback: str) -> str:
    return safe_next(session.pop(NEXT_KEY, None), fallback)


def carried_over() -> dict:
    """The session values a fresh session on sign-in keeps."""
    return {key: session[key] for key in SIGN_IN_KEEPS if key in session}
