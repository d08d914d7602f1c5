"""The JSON API: ``GET /api/v1/client-check`` (the caller's checklist) and
``POST /api/v1/client-check/results`` (what the browser-side probes found, or the citizen's
confirmation)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from sep_core import API_PREFIX, ApiError, api_doc, client_requirements, json_body

from . import checklist

api = Blueprint("client_check_api", __name__, url_prefix=API_PREFIX + "/client-check")

MAX_RESULTS = 50
IDENTITY_FIELDS = ("user_id", "user", "owner", "session")

BROWSER_SCHEMA = {
    "type": "object",
    "properties": {"family": {"type": ["string", "null"]}, "version": {"type": ["string", "null"]},
                   "os": {"type": ["string", "null"]}, "supported": {"type": ["boolean", "null"]},
                   "minimum": {"type": ["string", "null"]}},
}
CHECKLIST_SCHEMA = {
    "type": "object",
    "properties": {
        "browser": BROWSER_SCHEMA,
        "requirements": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "met": {"type": ["boolean", "null"]},
            "instructions_html": {"type": "string"}}}},
    },
}
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["results"],
    "properties": {"results": {"type": "array", "minItems": 1, "maxItems": MAX_RESULTS, "items": {
        "type": "object", "required": ["id", "outcome"],
        "properties": {"id": {"type": "string"}, "outcome": {
            "type": "string", "enum": ["present", "absent", "timeout", "error", "confirmed", "declined"]}}}}},
}


def checklist_json(browser) -> dict:
    seen, items = set(), []
    for requirement in client_requirements(request, current_user):
        if requirement.id in seen:
            continue
        seen.add(requirement.id)
        items.append(requirement)
    checklist.sync_server_results(current_user, browser, items)
    return {"browser": browser.to_json(),
            "requirements": [{"id": r.id, "name": r.name, "met": r.met, "instructions_html": r.instructions_html}
                             for r in items]}


@api.get("")
@api_doc("The caller's browser verdict and checklist of requirements", tags=["client_check"],
         response_schema=CHECKLIST_SCHEMA,
         responses={400: "The User-Agent header is missing or too long"})
def get_checklist():
    browser = checklist.current_browser(strict=True)
    return jsonify(checklist_json(browser))


@api.post("/results")
@api_doc("Store browser-side probe results or confirmations for the caller's own checklist",
         tags=["client_check"], request_body=RESULTS_SCHEMA, response_schema=CHECKLIST_SCHEMA,
         responses={400: "Malformed body, bad outcome, or missing/over-long User-Agent",
                    403: "The body names another user or session",
                    404: "A requirement id is not on the caller's checklist",
                    409: "The requirement is checked by the server"})
def post_results():
    browser = checklist.current_browser(strict=True)
    data = json_body(required=("results",))
    for name in IDENTITY_FIELDS:
        if name in data and not (name == "user_id" and checklist.signed_in(current_user)
                                 and data[name] == current_user.id):
            raise ApiError(403, "forbidden", "Results can only be posted for your own checklist.")
    extra = set(data) - {"results", *IDENTITY_FIELDS}
    if extra:
        raise ApiError(400, "unknown_field", "Unknown field(s): " + ", ".join(sorted(map(str, extra)))[:200] + ".")
    results = data["results"]
    if not isinstance(results, list) or not 1 <= len(results) <= MAX_RESULTS \
            or not all(isinstance(r, dict) for r in results):
        raise ApiError(400, "invalid_results", f"'results' must be a list of 1 to {MAX_RESULTS} objects.")
    checklist.post_results(current_user, browser, results)
    return jsonify(checklist_json(browser))
