"""The JSON API: error shape, request helpers and the OpenAPI document generated from the routes.

Every view under ``/api/v1/`` declares its operation with :func:`api_doc`; the OpenAPI document
is built from the URL map, so a plugin's API appears there as soon as its blueprint is enabled
(and a test fails if a route has no documentation).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider

from .errors import ApiError

API_PREFIX = "/api/v1"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "details": {"type": "object"}},
        }
    },
}


def api_doc(
    summary: str,
    *,
    tags: list[str] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    request_body: dict[str, Any] | None = None,
    request_content_type: str = "application/json",
    responses: dict[int | str, dict[str, Any] | str] | None = None,
    response_schema: dict[str, Any] | None = None,
) -> Callable:
    """Attach an OpenAPI operation to a view function.

    ``parameters`` are OpenAPI parameter objects (query ones; path ones are derived from the
    rule). ``request_body`` is a JSON schema. ``responses`` maps status to a description or a
    response object; 200 with ``response_schema`` and the error responses are added.
    """

    def decorate(view: Callable) -> Callable:
        view._sep_openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "tags": tags or [],
            "parameters": parameters or [],
            "request_body": request_body,
            "request_content_type": request_content_type,
            "responses": responses or {},
            "response_schema": response_schema,
        }
        return view

    return decorate


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a document nested too deeply for the parser is invalid JSON
    (a 400 from ``request.get_json``), not a RecursionError (a 500)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


def json_error(status: int, code: str, message: str, details: dict | None = None):
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return jsonify(body), status


def wants_json() -> bool:
    """API paths always get JSON errors; elsewhere, clients that prefer JSON get them too."""
    if request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def json_body(required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object, or an ApiError a client can act on."""
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    missing = [k for k in required if k not in data]
    if missing:
        raise ApiError(400, "missing_field", f"Missing field(s): {', '.join(missing)}.",
                       {"fields": missing})
    return data


_RULE_ARG = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_TYPES = {"int": "integer", "float": "number"}


def _openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for m in _RULE_ARG.finditer(rule):
        params.append({
            "name": m["name"], "in": "path", "required": True,
            "schema": {"type": _CONVERTER_TYPES.get(m["conv"] or "", "string")},
        })
    return _RULE_ARG.sub(lambda m: "{" + m["name"] + "}", rule), params


def undocumented_api_rules(app: Flask) -> list[str]:
    """API rules whose view has no :func:`api_doc` (a test keeps this empty)."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX) and not hasattr(app.view_functions[rule.endpoint], "_sep_openapi"):
            missing.append(rule.rule)
    return missing


def build_openapi(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        doc = getattr(view, "_sep_openapi", None) or {"summary": rule.endpoint, "parameters": [],
                                                       "responses": {}, "tags": []}
        path, path_params = _openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            declared = list(doc.get("parameters", []))
            # a view may describe its path parameters more precisely (a pattern, a range)
            precise = {(p["name"], p["in"]) for p in declared}
            op: dict[str, Any] = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": doc["summary"],
                "parameters": [p for p in path_params if (p["name"], "path") not in precise] + declared,
                "responses": _responses(doc, method),
            }
            if doc.get("tags"):
                op["tags"] = doc["tags"]
            scopes = getattr(view, "_sep_scopes", None)
            if scopes == ():  # public: anyone, and any valid token
                op["security"] = [{}, {"bearerAuth": []}]
                op["responses"].setdefault("401", {"description": "An API token was sent and is not valid "
                                                                  "(unauthorized)", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
            elif scopes is not None:
                # an API token with these scopes, or the session cookie (plus X-CSRFToken on writes)
                op["security"] = [{"bearerAuth": list(scopes)}, {"sessionCookie": []}]
                op["description"] = ("Needs an API token with the scope " + ", ".join(f"`{s}`" for s in scopes)
                                     + " (Authorization: Bearer), or a staff session.")
                for status, text in ((401, "No valid token or session (unauthorized): unknown, revoked or expired "
                                           "token"),
                                     (403, "The account's role or the token's scopes do not allow this (forbidden, "
                                           "insufficient_scope)"),
                                     (429, "The token's rate limit (rate_limited; Retry-After)")):
                    op["responses"].setdefault(str(status), {"description": text, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
                    if status == 429:
                        op["responses"]["429"].setdefault("headers", {"Retry-After": {"schema": {"type": "string"}}})
            if doc.get("request_body") and method in ("POST", "PUT", "PATCH"):
                op["requestBody"] = {
                    "required": True,
                    "content": {doc.get("request_content_type", "application/json"): {"schema": doc["request_body"]}},
                }
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SEP Help Desk API",
            "version": "1",
            "description": "JSON API of the help desk. "
                           'Errors are {"error": {"code", "message"}} with a 4xx status.',
        },
        "servers": [{"url": current_app.config.get("SEP_PUBLIC_URL") or "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "An API token (sep tokens create, /staff/tokens): sep_... . Token "
                                              "calls need no CSRF token."},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                                  "description": "A signed-in browser session; writes need X-CSRFToken."},
            },
        },
    }


def _responses(doc: dict[str, Any], method: str = "GET") -> dict[str, Any]:
    out: dict[str, Any] = {}
    ok: dict[str, Any] = {"description": "OK"}
    if doc.get("response_schema"):
        ok["content"] = {"application/json": {"schema": doc["response_schema"]}}
    out["200"] = ok
    for status, value in (doc.get("responses") or {}).items():
        out[str(status)] = value if isinstance(value, dict) else {"description": value}
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    out.setdefault("400", {"description": "Bad request (invalid JSON or parameters; text with NUL, invalid "
                                          "UTF-8 or lone surrogates: invalid_text)"})
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        # the core's rules, before any view: CSRF (400 csrf_failed) and the body limit
        out.setdefault("413", {"description": "Body over the limit (SEP_MAX_FORM_BYTES, or SEP_MAX_BODY_BYTES "
                                              "for uploads)"})
    for status, item in out.items():
        if status.startswith("4") and "content" not in item:
            item["content"] = error_ref
    return out


core_api = Blueprint("sep_api", __name__, url_prefix=API_PREFIX)


def require_scope(*scopes: str):
    from .tokens import require_scope as decorator

    return decorator(*scopes)


@core_api.get("/health")
@require_scope()
@api_doc("Liveness and database check", tags=["core"],
         response_schema={"type": "object", "properties": {"status": {"type": "string"},
                                                            "database": {"type": "string"}}},
         responses={503: {"description": "Database unreachable"}})
def health():
    """The database is checked at most every ``SEP_HEALTH_CHECK_SECONDS`` per worker (the last
    verdict is answered in between): a load balancer or a monitor polling every worker costs the
    database one round trip per interval, not one per poll."""
    import time

    state = current_app.extensions["sep"]
    interval = float(current_app.config["SEP_HEALTH_CHECK_SECONDS"])
    checked_at, ok = state.health
    if checked_at is None or time.monotonic() - checked_at >= interval:
        ok = _database_answers()
        state.health = (time.monotonic(), ok)
    if not ok:
        return jsonify({"status": "degraded", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


def _database_answers() -> bool:
    from sqlalchemy import text

    from .extensions import db

    try:
        # outside the session, in autocommit: one round trip, no BEGIN/ROLLBACK around it
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # the point of the endpoint is to report this, not to crash
        return False
    return True


@core_api.get("/openapi.json")
@require_scope()
@api_doc("This OpenAPI document", tags=["core"], response_schema={"type": "object"})
def openapi():
    return jsonify(build_openapi(current_app))


@core_api.get("/csrf")
@api_doc("A CSRF token for this session; send it as the X-CSRFToken header on POST/PUT/DELETE",
         tags=["core"], response_schema={"type": "object", "properties": {"csrf_token": {"type": "string"}}})
def csrf_token():
    from flask_wtf.csrf import generate_csrf

    return jsonify({"csrf_token": generate_csrf()})
