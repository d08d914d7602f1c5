"""Database outages (a dropped connection, a server restart, a failover, a locked SQLite file)
answer 503 with ``Retry-After``: JSON ``{"error": {"code": "unavailable", ...}}`` on API paths,
a translated page elsewhere. Never a 500 and never an HTML page on an API path, so clients
know that retrying is right (filing is idempotent, see the tickets plugin).

The page is rendered without touching the database: the session is rolled back first, the
language is taken from what the request already knows, and the template has no navigation or
UI slots (plugins may fill those from the database).
"""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request, session
from flask_babel import force_locale
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from .api import json_error, wants_json
from .extensions import db
from .i18n import LANGUAGE_COOKIE
from .i18n import lazy_gettext as _l

#: What counts as "the database is unavailable" (DBAPIError subclasses with a lost connection too).
OUTAGES = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)


def is_outage(exc: BaseException) -> bool:
    """For code that catches broadly and must re-raise outages (so they become a 503)."""
    if isinstance(exc, OUTAGES):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _language() -> str:
    """The page's language without a database read (the signed-in user's row may be expired)."""
    languages = current_app.config["SEP_LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE) or session.get("lang")
    if chosen in languages:
        return chosen
    user = getattr(g, "_login_user", None)
    if user is not None:
        try:
            loaded = inspect(user).dict.get("locale")  # only what is in memory
        except Exception:
            loaded = None
        if loaded in languages:
            return loaded
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def unavailable_response(exc: BaseException):
    retry_after = str(int(current_app.config.get("SEP_UNAVAILABLE_RETRY_AFTER", 5)))
    lang = _language()
    try:
        db.session.rollback()
    except Exception:
        current_app.logger.debug("rollback after an outage failed", exc_info=True)
    # The kind of failure only: the exception's text may quote SQL parameters (personal data).
    current_app.logger.warning("database unavailable (%s) on %s %s", type(exc).__name__, request.method,
                               request.url_rule or "?")
    if wants_json():
        response, status = json_error(503, "unavailable",
                                      "The database is temporarily unavailable; retry after a few seconds.")
    else:
        with force_locale(lang):
            body = render_template("sep/unavailable.html", title=str(_l("Service unavailable")),
                                   text=str(_l("The service is temporarily unavailable. Please try again later.")))
        response, status = current_app.make_response(body), 503
    response.status_code = status
    response.headers["Retry-After"] = retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


def register_outage_handlers(app: Flask) -> None:
    for kind in OUTAGES:
        app.register_error_handler(kind, unavailable_response)
