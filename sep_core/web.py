"""Core web pieces: the language switch, error pages, security headers, UI slots, and the
development-only mail page."""

from __future__ import annotations

import email
import email.policy
import json
import traceback
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Flask, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .api import json_error, wants_json
from .clock import now
from .errors import ApiError
from .i18n import LANGUAGE_COOKIE
from .i18n import gettext as _
from .i18n import lazy_gettext as _l

core_web = Blueprint("sep_web", __name__)

ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what you entered and try again.")),
    401: (_l("Sign-in required"), _l("Sign in to open this page.")),
    403: (_l("Access denied"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("There is no such page. Check the address or go to the home page.")),
    405: (_l("Method not allowed"), _l("This page cannot be used this way.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Too many requests"), _l("Too many attempts. Please wait a little and try again.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side. We are already looking into it.")),
    503: (_l("Service unavailable"), _l("The service is temporarily unavailable. Please try again later.")),
}


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only local paths: no open redirects (and no control characters, which browsers drop and
    response headers refuse)."""
    if not target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def _without_lang(target: str) -> str:
    """The page's own ``?lang=`` outranks the cookie (i18n.select_locale): drop it from the
    address the switch returns to, or the new choice would not show."""
    parts = urlsplit(target)
    if not parts.query:
        return target
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"])
    return urlunsplit(parts._replace(query=query))


@core_web.get("/language/<code>")
def set_language(code: str):
    if code not in current_app.config["SEP_LANGUAGES"]:
        abort(404)
    response = redirect(_without_lang(safe_next(request.args.get("next"))))
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response


def dev_folder_messages(folder: Path, limit: int = 50) -> list[dict]:
    items = []
    for path in sorted(folder.glob("*"), reverse=True)[:limit]:
        if path.suffix == ".eml":
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            items.append({"kind": "email", "name": path.name, "to": msg["To"], "subject": msg["Subject"],
                          "body": body.get_content() if body else ""})
        elif path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            items.append({"kind": data.get("kind", "sms"), "name": path.name, "to": data.get("to", ""),
                          "subject": "", "body": data.get("text", "")})
    return items


@core_web.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: the SVG icon."""
    return redirect(url_for("static", filename="sep/favicon.svg"), 301)


@core_web.get("/dev/mail")
def dev_mail():
    """What the development mail and SMS gateways 'sent' (never available in production)."""
    if current_app.config["SEP_ENV"] == "production":
        abort(404)
    instance = Path(current_app.instance_path)
    messages = dev_folder_messages(instance / "mail") + dev_folder_messages(instance / "sms")
    messages.sort(key=lambda m: m["name"], reverse=True)
    return render_template("sep/dev_mail.html", messages=messages)


#: JSON error messages stay in English: API clients match on the code, developers read the text.
ERROR_CODES_EN = {400: "Bad request", 401: "Sign-in required", 403: "Access denied", 404: "Not found",
                  405: "Method not allowed", 413: "Too large", 429: "Too many requests", 500: "Internal error",
                  503: "Service unavailable"}


def render_error(status: int, description: str | None = None):
    title, text = ERROR_TEXTS.get(status, ERROR_TEXTS[400 if status < 500 else 500])
    if wants_json():
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                413: "too_large", 429: "rate_limited", 503: "unavailable"}.get(status, "error")
        return json_error(status, code, description or ERROR_CODES_EN.get(status, "Error"))
    return render_template("sep/error.html", status=status, title=str(title), text=str(text)), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return json_error(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        if wants_json():
            return json_error(400, "csrf_failed", "CSRF token missing or invalid. Get one from /api/v1/csrf.")
        return render_template("sep/error.html", status=400, title=_("The form has expired"),
                               text=_("Please go back, reload the page and send the form again.")), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        description = exc.description if wants_json() and status != 500 else None
        response = make_response(render_error(status, description if status == 405 or status == 413 else None))
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))  # RFC 9110: a 405 lists them
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # The stack goes to the log; the exception's message and the request's data do not
        # (either may carry personal data).
        stack = "".join(traceback.format_tb(exc.__traceback__))
        app.logger.error("unhandled %s on %s %s\n%s", type(exc).__name__, request.method,
                         request.url_rule or "?", stack)
        return render_error(500)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def register_security_headers(app: Flask) -> None:
    """Strict headers on every response. The list is built once; a response that already set one
    of them (a view's own CSP, say) keeps its value. One pass over the response's headers instead
    of a ``setdefault`` per header: each missing key costs werkzeug an exception."""
    fixed = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if app.config["SEP_ENV"] == "production":
        fixed.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    html_only = [("Cache-Control", "no-store")]

    @app.after_request
    def headers(response):
        present = {key.lower() for key, _ in response.headers}
        wanted = fixed + html_only if response.mimetype == "text/html" else fixed
        for key, value in wanted:
            if key.lower() not in present:
                response.headers.add(key, value)
        return response


def ui_slot(name: str, **kwargs) -> Markup:
    """Render a ``sep_ui_<name>`` slot: the plugins' fragments joined in plugin order."""
    hook = getattr(current_app.extensions["sep"].pm.hook, f"sep_ui_{name}")
    parts = []
    for result in hook(**kwargs):
        for item in result if isinstance(result, list | tuple) else [result]:
            parts.append(item if isinstance(item, Markup) else Markup.escape(item))
    return Markup("\n").join(parts)


#: Where a navigation item goes when its plugin gives no position (0 first, 100 last).
DEFAULT_NAV_POSITION = 50


def nav_items(user) -> list[tuple[str, str]]:
    """``(label, url)`` pairs from every plugin, ordered by their optional third element, the
    position (the home link first, account links last), then by plugin order."""
    items: list[tuple[int, int, str, str]] = []
    for result in current_app.extensions["sep"].pm.hook.sep_ui_nav_items(user=user):
        for item in result or []:
            position = item[2] if len(item) > 2 else DEFAULT_NAV_POSITION
            items.append((position, len(items), item[0], item[1]))
    return [(label, url) for _, _, label, url in sorted(items)]


def register_template_globals(app: Flask) -> None:
    from flask_babel import get_locale
    from flask_login import current_user

    from .labels import channel_label, role_label

    @app.context_processor
    def sep_globals():
        return {
            "ui_slot": ui_slot,
            "nav_items": lambda: nav_items(current_user),
            "now": now,
            "current_locale": str(get_locale() or "ru"),
            "languages": app.config["SEP_LANGUAGES"],
            "site_name": app.config["SEP_SITE_NAME"] or _("SEP Help Desk"),
            "url_for_or_none": url_for_or_none,
            "channel_label": channel_label,
            "role_label": role_label,
        }


def url_for_or_none(endpoint: str, **values) -> str | None:
    """A link to a plugin's page when that plugin is enabled, else None (templates hide it)."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)
