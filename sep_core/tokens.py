"""API tokens: personal access tokens of staff and service accounts for ``Authorization: Bearer``.

- A token is ``sep_`` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored
  (``ApiToken.token_hash``); the plain token is shown once, when it is created, and never
  written to the database, a log or the session.
- A token carries **scopes** (:data:`SCOPES`). It is accepted only on API routes that declare
  the scope they need with :func:`require_scope`; any other route answers 403 to a token. A
  token call is still bound by its account's role (a specialist's token sees what the
  specialist sees): scopes only narrow what a token may do.
- Revoked, expired or unknown tokens, and tokens of deactivated accounts, get 401 with
  ``WWW-Authenticate: Bearer``; a missing scope is a 403 ``insufficient_scope``.
- Each token has its own rate limit (``rate_per_minute``; ``SEP_API_TOKEN_RATE_PER_MINUTE`` by
  default), a last-used time (written at most once a minute), and an audit trail: creation and
  revocation are audited, and every audit entry written during a token call carries the
  token's id (``AuditEntry.token_id``).
- A token call needs no CSRF token (a browser never adds an ``Authorization`` header by itself,
  so a forged cross-site request cannot carry one) and never reads or writes the session
  cookie; a cookie call keeps CSRF.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import wraps

from flask import Flask, current_app, g, request

from .api import API_PREFIX, json_error
from .audit import audit
from .clock import utcnow_naive
from .errors import ApiError
from .extensions import db
from .models import STAFF_ROLES, ApiToken, User

SCOPES = ("tickets:read", "tickets:write", "kb:read", "kb:write", "reports:read")
PREFIX = "sep_"
#: last_used_at is written at most this often per token (one UPDATE a minute, not one per call)
LAST_USED_EVERY = timedelta(seconds=60)
SECURITY_SCHEME = "bearerAuth"


class TokenError(ValueError):
    """A token cannot be created as asked (unknown scope, an account that may not have one)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, scopes: Iterable[str], *, expires_days: float | None = None, name: str = "",
                 created_by: User | None = None, rate_per_minute: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user`` (committed) and its plain text, to show once."""
    wanted = sorted(set(scopes))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        raise TokenError(f"scopes must be among {', '.join(SCOPES)}")
    if user.role not in STAFF_ROLES:
        raise TokenError("API tokens are for staff and service accounts only")
    if not user.active:
        raise TokenError("the account is deactivated")
    if expires_days is not None and not 0 < expires_days <= 3650:
        raise TokenError("expiry must be between 1 and 3650 days")
    plain = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:100], token_hash=hash_token(plain), prefix=plain[:10],
                   scopes=wanted, created_by_id=getattr(created_by, "id", None),
                   rate_per_minute=rate_per_minute or int(current_app.config["SEP_API_TOKEN_RATE_PER_MINUTE"]),
                   expires_at=utcnow_naive() + timedelta(days=expires_days) if expires_days else None)
    db.session.add(row)
    db.session.flush()
    audit(created_by, "api_token_created", "api_token", row.id, reason=",".join(wanted))
    db.session.commit()
    return row, plain


def revoke_token(row: ApiToken, actor: User | None) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow_naive()
        audit(actor, "api_token_revoked", "api_token", row.id)
    db.session.commit()


def token_state(row: ApiToken, at: datetime | None = None) -> str:
    at = at or utcnow_naive()
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= at:
        return "expired"
    return "active"


def describe(row: ApiToken) -> dict:
    """A token as listings show it (never the token itself)."""
    user = db.session.get(User, row.user_id)

    def iso(value):
        return value.isoformat() + "Z" if value else None

    return {"id": row.id, "name": row.name, "prefix": row.prefix, "user": user.email if user else None,
            "scopes": list(row.scopes or []), "state": token_state(row), "created_at": iso(row.created_at),
            "expires_at": iso(row.expires_at), "last_used_at": iso(row.last_used_at),
            "revoked_at": iso(row.revoked_at), "rate_per_minute": row.rate_per_minute}


# --- request time -----------------------------------------------------------------------------------


def current_token() -> ApiToken | None:
    """The token that authenticated the current request, or None (a cookie call, or none)."""
    return g.get("sep_api_token")


def require_scope(*scopes: str) -> Callable:
    """Let API tokens with all of ``scopes`` call the view (other tokens get 403).

    Cookie sessions are unaffected: they keep their account's permissions and CSRF. Put it under
    the route decorator; the view still checks its account's role as for a session. Without
    scopes, the route is public and accepts any valid token too (the OpenAPI document, health)."""
    for scope in scopes:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = current_token()
            if token is not None and not set(scopes) <= set(token.scopes or []):
                raise ApiError(403, "insufficient_scope", f"The token lacks the scope {', '.join(scopes)}.")
            return view(*args, **kwargs)

        wrapper._sep_scopes = tuple(scopes)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def view_scopes(view: Callable | None) -> tuple[str, ...] | None:
    return getattr(view, "_sep_scopes", None)


def _unauthorized(message: str):
    response, status = json_error(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = f'Bearer realm="{API_PREFIX}", error="invalid_token"'
    return response, status


def authenticate_bearer():
    """before_request (ahead of CSRF): a Bearer token on an API path authenticates the request."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer " or not request.path.startswith(API_PREFIX + "/"):
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:  # 404/405: the usual error answers
        return None
    plain = header[7:].strip()
    row = db.session.execute(db.select(ApiToken).filter_by(token_hash=hash_token(plain))).scalar_one_or_none() \
        if plain.startswith(PREFIX) and len(plain) < 200 else None
    now = utcnow_naive()
    user = db.session.get(User, row.user_id) if row is not None else None
    if row is None or token_state(row, now) != "active" or user is None or not user.active \
            or user.role not in STAFF_ROLES:
        return _unauthorized("The token is unknown, revoked or expired.")
    scopes = view_scopes(view)
    if scopes is None:
        return json_error(403, "forbidden", "This route does not accept API tokens.")
    if not set(scopes) <= set(row.scopes or []):
        return json_error(403, "insufficient_scope", f"The token lacks the scope {', '.join(scopes)}.")
    from .ratelimit import rate_limiter

    if not rate_limiter().hit("api_token", str(row.id), row.rate_per_minute, 60):
        response, status = json_error(429, "rate_limited", "Too many calls with this token; wait a minute.")
        response.headers["Retry-After"] = "60"
        return response, status
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        row.last_used_at = now
        db.session.commit()
    g.sep_api_token = row
    g._login_user = user  # flask-login's current_user for this request only; the session is not read
    return None


def init_app(app: Flask) -> None:
    """Run :func:`authenticate_bearer` right after the input rules and before CSRF."""
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.insert(1 if funcs and funcs[0].__name__ == "check_request" else 0, authenticate_bearer)

    @app.after_request
    def no_session_for_tokens(response):
        if current_token() is not None:
            from flask import session

            session.modified = False  # a token call never sets or refreshes the cookie
            session.accessed = False
        return response
