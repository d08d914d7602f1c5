"""Pages and API of the registry: the lookup (open part for anyone; the service part for the
verified owner and staff, decided and audited by the core), the PDF extract, and the check of an
extract's verification code. Every lookup counts against the per-IP and per-session limits."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import current_user

from sep_core import (
    API_PREFIX,
    ApiError,
    RegistryDenied,
    api_doc,
    gettext,
    lazy_gettext,
    plugin_settings,
    registry_extract,
    registry_lookup,
    to_moscow,
)
from sep_core.registry import SERVICE_ROLES, clean_reason

from . import extracts, limiter, records
from .extracts import KIND_LABELS, STATUS_LABELS
from .pdf import FontMissing
from .validation import InvalidQuery, normalise_number, parse_query

_ = gettext
blueprint = Blueprint("epts_registry", __name__, static_folder="static", static_url_path="/static/epts_registry")
api = Blueprint("epts_registry_api", __name__, url_prefix=f"{API_PREFIX}/registry")

RATE_LIMITED = lazy_gettext("Too many lookups from your address or browser. Please wait %(seconds)s seconds "
                            "and try again.")


def vin_mode() -> str:
    return str(plugin_settings("epts_registry")["vin_check_digit"])


def _requester():
    return current_user._get_current_object() if current_user else None


def _is_service_staff() -> bool:
    return bool(getattr(current_user, "is_authenticated", False) and getattr(current_user, "role", None)
                in SERVICE_ROLES)


def _too_many(retry_after: int):
    response = render_template("sep/error.html", status=429, title=_("Too many requests"),
                               text=str(RATE_LIMITED) % {"seconds": retry_after})
    return Response(response, status=429, headers={"Retry-After": str(retry_after)})


#: Fields holding ISO dates (the API keeps ISO; pages show DD.MM.YYYY like the PDF extract).
DATE_FIELDS = ("status_changed_on", "issued_on", "owned_since")


def _date_text(value):
    """``2023-03-01`` -> ``01.03.2023``; anything else unchanged."""
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        year, month, day = value.split("-")
        if (year + month + day).isdigit():
            return f"{day}.{month}.{year}"
    return value


def field_rows(view) -> tuple[list[dict], list[dict], list[dict]]:
    """(public rows, service rows, ownership history) of a RegistryView, labels translated."""
    public, service, history = [], [], []
    for item in view.fields:
        if item.name == "owner_history":
            history = [dict(e) for e in item.value or [] if isinstance(e, dict)] if isinstance(
                item.value, list) else []
            continue
        value = item.value
        if item.name == "status" and isinstance(value, str):
            value = _(STATUS_LABELS.get(value, value))
        elif item.name == "owner_kind" and isinstance(value, str) and value:
            value = _(KIND_LABELS.get(value, value))
        elif item.name in DATE_FIELDS:
            value = _date_text(value)
        row = {"name": item.name, "label": _(item.label or item.name),
               "value": "—" if value in (None, "") else value}
        (public if item.is_public else service).append(row)
    for entry in history:
        kind = entry.get("kind")
        entry["kind_label"] = _(KIND_LABELS.get(kind, kind)) if isinstance(kind, str) and kind else ""
        entry["from"], entry["to"] = _date_text(entry.get("from")), _date_text(entry.get("to"))
    return public, service, history


def staff_reason() -> str:
    """The staff member's reason for seeing the service part. It travels only in a POST body (a
    form field, or ``reason`` of a JSON body): never in the URL, where it would reach access logs,
    the browser's history and Referer headers. POSTs pass the core's CSRF check (the session's
    token) or carry an API token, so a link from another site cannot produce an audited service
    view with a reason it chose; a ``reason`` in the query string is ignored."""
    if request.method != "POST":
        return ""
    if request.is_json:
        data = request.get_json(silent=True)
        value = data.get("reason") if isinstance(data, dict) else None
    else:
        value = request.form.get("reason")
    return clean_reason(value) if isinstance(value, str) else ""


@blueprint.route("/registry", methods=["GET", "POST"])
def search_page():
    """GET ``?q=`` for everybody; staff search with a POST (the reason is in the body)."""
    params = request.form if request.method == "POST" else request.args
    text = params.get("q", "")
    reason = staff_reason()
    context = {"q": text[:64], "reason": reason, "error": None, "view": None, "not_found": False,
               "staff": _is_service_staff()}
    if "q" in params:
        try:
            limiter.guard()
        except limiter.RateLimited as exc:
            return _too_many(exc.retry_after)
        try:
            query = parse_query(text, mode=vin_mode())
        except InvalidQuery as exc:
            context["error"] = _(exc.message)
            return render_template("epts_registry/search.html", **context), 400
        view = registry_lookup(query, _requester(), reason=reason,
                               identity_check_ids=records.identity_check_ids(current_user))
        if view is None:
            context["not_found"] = True
            return render_template("epts_registry/search.html", **context), 404
        public, service, history = field_rows(view)
        context.update(view=view, public=public, service=service, history=history)
    return render_template("epts_registry/search.html", **context)


@blueprint.route("/registry/<number>/extract.pdf", methods=["GET", "POST"])
def extract_pdf(number: str):
    try:
        limiter.guard()
    except limiter.RateLimited as exc:
        return _too_many(exc.retry_after)
    try:
        record_id = normalise_number(number)
    except InvalidQuery:
        abort(404)
    if not getattr(current_user, "is_authenticated", False):
        return render_template("sep/error.html", status=403, title=_("Sign in to get an extract"),
                               text=_("The extract is available to the vehicle's owner whose identity is "
                                      "confirmed, after signing in.")), 403
    try:
        document = registry_extract(record_id, _requester(), reason=staff_reason(),
                                    identity_check_ids=records.identity_check_ids(current_user))
    except RegistryDenied:
        return render_template("sep/error.html", status=403, title=_("Access denied"),
                               text=_("The extract is available only to the vehicle's owner whose identity is "
                                      "confirmed, and to staff.")), 403
    except FontMissing:
        return render_template("sep/error.html", status=503, title=_("Service unavailable"),
                               text=_("Extracts cannot be made right now: the document font is not installed "
                                      "on the server. Please try later.")), 503
    if document is None:
        abort(404)
    return _pdf_response(document)


def _pdf_response(document) -> Response:
    response = Response(document.content, mimetype=document.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Verification-Code"] = document.verification_code
    return response


@blueprint.get("/registry/verify")
def verify_page():
    code = request.args.get("code", "")
    context = {"code": code[:40], "checked": False, "extract": None, "error": None}
    if "code" in request.args:
        try:
            limiter.guard()
        except limiter.RateLimited as exc:
            return _too_many(exc.retry_after)
        if extracts.normalise_code(code) is None:
            context["error"] = _("A verification code has 12 letters and digits, like 7KQ2-M9XA-4TCE.")
            return render_template("epts_registry/verify.html", **context), 400
        found = extracts.verify(code)
        context.update(checked=True, extract=found)
        if found is not None:
            context.update(issued_at=to_moscow(found.issued_at.replace(tzinfo=UTC)),
                           status_label=_(STATUS_LABELS.get(found.status_at_issue, found.status_at_issue)))
        else:
            return render_template("epts_registry/verify.html", **context), 404
    return render_template("epts_registry/verify.html", **context)


def nav_items() -> list[tuple[str, str]]:
    return [(_("ЭПТС lookup"), "/registry")]


# --- JSON API ----------------------------------------------------------------------------------

RECORD_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "description": "The record id (the ЭПТС number)"},
        "access": {"type": "string", "enum": ["public", "owner", "staff"]},
        "fields": {"type": "object", "description": "Field name -> value; service fields only for the verified "
                                                    "owner and staff"},
        "classification": {"type": "object", "description": "Field name -> public | service"},
        "service_withheld": {"type": "boolean"},
    },
}


def _api_guard() -> None:
    try:
        limiter.guard()
    except limiter.RateLimited as exc:
        raise ApiError(429, "rate_limited", f"Too many lookups. Wait {exc.retry_after} seconds and try again.",
                       {"retry_after": exc.retry_after}) from None


LOOKUP_PARAMETERS = [
    {"name": "number", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{15}$"},
     "description": "ЭПТС number (15 digits)"},
    {"name": "vin", "in": "query", "schema": {"type": "string", "pattern": "^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$"},
     "description": "VIN (17 characters, check digit validated)"},
]
REASON_SCHEMA = {"type": "string", "maxLength": 200,
                 "description": "Staff only: why the service part is needed (written to the audit log)"}
LOOKUP_BODY = {"type": "object", "not": {"required": ["number", "vin"]}, "properties": {
    "number": LOOKUP_PARAMETERS[0]["schema"], "vin": LOOKUP_PARAMETERS[1]["schema"], "reason": REASON_SCHEMA}}
LOOKUP_RESPONSES = {404: "No such record", 429: "Too many lookups (per IP address and per session)"}


@api.get("/lookup")
@api_doc("Look up an ЭПТС record by its number or VIN: the open part for anyone, the service part for the "
         "verified owner. Staff see the service part with POST /lookup and a reason in the body",
         tags=["registry"], parameters=LOOKUP_PARAMETERS, response_schema=RECORD_SCHEMA, responses=LOOKUP_RESPONSES)
def api_lookup():
    return _lookup(request.args.get("number", ""), request.args.get("vin", ""))


@api.post("/lookup")
@api_doc("The same lookup with the number or VIN and the staff's reason in a JSON body (never in the URL: "
         "access logs); every service view by staff is audited with the reason",
         tags=["registry"], request_body=LOOKUP_BODY, response_schema=RECORD_SCHEMA, responses=LOOKUP_RESPONSES)
def api_lookup_post():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not all(isinstance(data.get(k, ""), str) for k in ("number", "vin", "reason")):
        raise ApiError(400, "invalid_json", "The body must be a JSON object with 'number' or 'vin' and an "
                                            "optional 'reason', all strings.")
    return _lookup(data.get("number", ""), data.get("vin", ""))


def _lookup(number: str, vin: str):
    _api_guard()
    try:
        query = parse_query(number=number, vin=vin, mode=vin_mode())
    except InvalidQuery as exc:
        raise ApiError(400, exc.code, exc.message) from None
    view = registry_lookup(query, _requester(), reason=staff_reason(),
                           identity_check_ids=records.identity_check_ids(current_user))
    if view is None:
        raise ApiError(404, "not_found", "No ЭПТС record with this number or VIN.")
    body = view.as_dict()
    if view.access.reason_required:
        body["reason_required"] = True
    return jsonify(body)


EXTRACT_RESPONSES = {"200": {"description": "The PDF", "content": {"application/pdf": {}}},
                     401: "Not signed in", 403: "Not the verified owner or staff", 404: "No such record",
                     429: "Too many requests", 503: "No font for the PDF on the server"}
RECORD_ID_PARAMETER = {"name": "record_id", "in": "path", "required": True,
                       "schema": {"type": "string", "pattern": "^[0-9]{15}$"}, "description": "ЭПТС number"}


@api.get("/<record_id>/extract")
@api_doc("The extract of an ЭПТС record as a PDF for its verified owner (audited); staff use POST with a "
         "reason. The verification code is in the X-Verification-Code header and in the document",
         tags=["registry"], parameters=[RECORD_ID_PARAMETER], responses=EXTRACT_RESPONSES)
def api_extract_get(record_id: str):
    return api_extract(record_id)


@api.post("/<record_id>/extract")
@api_doc("The extract as a PDF, with the staff's reason in a JSON body (never in the URL); audited",
         tags=["registry"], parameters=[RECORD_ID_PARAMETER],
         request_body={"type": "object", "properties": {"reason": REASON_SCHEMA}}, responses=EXTRACT_RESPONSES)
def api_extract(record_id: str):
    _api_guard()
    if request.method == "POST":
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not isinstance(data.get("reason", ""), str):
            raise ApiError(400, "invalid_json", "The body must be a JSON object with an optional 'reason' string.")
    try:
        number = normalise_number(record_id)
    except InvalidQuery as exc:
        raise ApiError(400, exc.code, exc.message) from None
    if not getattr(current_user, "is_authenticated", False):
        raise ApiError(401, "unauthorised", "Sign in: the extract is for the verified owner and staff.")
    try:
        document = registry_extract(number, _requester(), reason=staff_reason(),
                                    identity_check_ids=records.identity_check_ids(current_user))
    except RegistryDenied as exc:
        code = "reason_required" if exc.reason_required else "forbidden"
        raise ApiError(403, code, str(exc)) from None
    except FontMissing:
        raise ApiError(503, "unavailable", "No font for the PDF extract on the server.") from None
    if document is None:
        raise ApiError(404, "not_found", "No ЭПТС record with this number.")
    return _pdf_response(document)
