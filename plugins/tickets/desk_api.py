"""The staff desk over REST (``/api/v1/desk/...``): the queue with the desk's filters, one request
with its whole thread and attachments, and every staff action of the desk's pages.

Each route calls the same functions as the pages (``desk_rules`` for the queue and the choices,
``service`` for the actions, ``access`` for who sees what), validates input with the pages' own
forms (without their CSRF field), and audits what the pages audit. Callers are staff with a
session (plus ``X-CSRFToken`` on writes) or API tokens with ``tickets:read`` / ``tickets:write``;
a token acts as its account, so a specialist's token sees what the specialist sees.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from sep_core import (
    API_PREFIX,
    ApiError,
    User,
    api_doc,
    audit,
    db,
    identity_channels,
    large_body,
    now,
    require_scope,
)
from sep_core import gettext as _

from . import access, desk_rules, profiles, service, sla, storage
from .forms import AssignForm, EscalateForm, IdentityForm, RequirementForm, StaffReplyForm, StaffTextForm
from .models import STATUSES, Attachment, HistoryEntry, Ticket
from .service import ActionError, status_label
from .views import locale, refuse_nul_characters

desk_api = Blueprint("tickets_desk_api", __name__, url_prefix=API_PREFIX + "/desk")
desk_api.before_request(refuse_nul_characters)

MAX_PER_PAGE = 100
NUMBER_PARAM = {"name": "number", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{6,12}$"},
                "description": "The request's number", "example": "2026-000001"}
ATTACHMENT_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/tiff")

# --- schemas -----------------------------------------------------------------------------------------

_nullable_str = {"type": ["string", "null"]}
SUMMARY_SCHEMA = {
    "type": "object",
    "required": ["number", "status", "channel", "subject", "overdue"],
    "properties": {
        "number": {"type": "string"}, "status": {"type": "string", "enum": list(STATUSES)},
        "status_label": {"type": "string"}, "channel": {"type": "string"}, "subject": {"type": "string"},
        "category": _nullable_str, "queue": {"type": "string"}, "profile": {"type": "string"},
        "assignee_id": {"type": ["integer", "null"]}, "created_at": {"type": "string", "format": "date-time"},
        "due_at": {"type": ["string", "null"], "format": "date-time"}, "paused": {"type": "boolean"},
        "overdue": {"type": "boolean"}, "hours_left": {"type": ["number", "null"]},
        "url": {"type": "string"},
    },
}
ATTACHMENT_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "filename": {"type": "string"}, "content_type": {"type": "string"},
    "size": {"type": "integer"}, "sha256": {"type": "string"}, "url": {"type": "string"},
    "message_id": {"type": ["integer", "null"]}}}
MESSAGE_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "body": {"type": "string"},
    "internal": {"type": "boolean"}, "from_staff": {"type": "boolean"}, "author_id": {"type": ["integer", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "attachments": {"type": "array", "items": ATTACHMENT_SCHEMA}}}
DETAIL_SCHEMA = {
    "type": "object",
    "required": [*SUMMARY_SCHEMA["required"], "messages", "attachments", "history", "contact"],
    "properties": {
        **SUMMARY_SCHEMA["properties"],
        "description": {"type": "string"},
        "contact": {"type": "object", "properties": {k: {"type": "string"} for k in (
            "surname", "first_name", "patronymic", "email", "phone")}},
        "citizen_id": {"type": ["integer", "null"]},
        "requirements": {"type": "array"},
        "messages": {"type": "array", "items": MESSAGE_SCHEMA},
        "attachments": {"type": "array", "items": ATTACHMENT_SCHEMA},
        "history": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string"}, "actor_id": {"type": ["integer", "null"]}, "data": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"}}}},
        "identity_channels": {"type": "array", "items": {"type": "string"}},
    },
}
ACTION_RESULT_SCHEMA = {"type": "object", "required": ["message", "ticket"], "properties": {
    "message": {"type": "string"},
    "ticket": {"oneOf": [SUMMARY_SCHEMA, {"type": "object", "required": ["number", "visible"], "properties": {
        "number": {"type": "string"}, "visible": {"const": False}}}]}}}

SUMMARY_EXAMPLE = {
    "number": "2026-000001", "status": "in_progress", "status_label": "In progress", "channel": "web",
    "subject": "Cannot download the extract", "category": "extract", "queue": "duty", "profile": "",
    "assignee_id": 7, "created_at": "2026-12-07T09:15:00+03:00", "due_at": "2026-12-08T09:15:00+03:00",
    "paused": False, "overdue": True, "hours_left": -1.5, "url": "/api/v1/desk/tickets/2026-000001",
}
ACTION_RESPONSES = {
    400: "Invalid fields (invalid_fields, with details.fields as on the page's form)",
    401: "No valid token or session", 403: "Not a desk account (duty, specialist, admin), or the token's scope",
    404: "No such request, or not one the account may see",
    409: "The desk refuses the action now (action_refused): a closed request, someone not on shift, ...",
}


def _example_result(message: str) -> dict:
    return {"200": {"description": "Done; the request as it is now (or {number, visible: false} when the "
                                   "action took it out of the account's sight)",
                    "content": {"application/json": {"schema": ACTION_RESULT_SCHEMA,
                                                     "example": {"message": message, "ticket": SUMMARY_EXAMPLE}}}}}


# --- serialisation -----------------------------------------------------------------------------------


def iso(value):
    return sla.from_naive_utc(value).isoformat() if value else None


def summary_json(ticket: Ticket, at=None) -> dict:
    at = at or now()
    left = sla.time_left(ticket, at) if ticket.status not in ("answered", "closed") else None
    return {
        "number": ticket.number, "status": ticket.status, "status_label": status_label(ticket.status),
        "channel": ticket.channel, "subject": ticket.subject,
        "category": ticket.category.code if ticket.category else None, "queue": ticket.queue,
        "profile": ticket.profile or "", "assignee_id": ticket.assignee_id, "created_at": iso(ticket.created_at),
        "due_at": iso(ticket.due_at), "paused": ticket.paused_at is not None,
        "overdue": bool(sla.is_overdue(ticket, at)), "hours_left": round(left, 2) if left is not None else None,
        "url": url_for("tickets_desk_api.ticket", number=ticket.number),
    }


def attachment_json(a: Attachment) -> dict:
    return {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size, "sha256": a.sha256,
            "message_id": a.message_id, "url": url_for("tickets_desk_api.attachment", attachment_id=a.id)}


def detail_json(ticket: Ticket) -> dict:
    messages = access.visible_messages(ticket, staff=True)
    attachments = db.session.execute(select(Attachment).filter_by(ticket_id=ticket.id)
                                     .order_by(Attachment.id)).scalars().all()
    history = db.session.execute(select(HistoryEntry).filter_by(ticket_id=ticket.id)
                                 .order_by(HistoryEntry.id)).scalars().all()
    owner = db.session.get(User, ticket.user_id) if ticket.user_id else None
    body = summary_json(ticket)
    body.update({
        "description": ticket.description, "citizen_id": ticket.user_id,
        "contact": {"surname": ticket.surname, "first_name": ticket.first_name, "patronymic": ticket.patronymic,
                    "email": ticket.email, "phone": ticket.phone},
        "requirements": list(ticket.requirements or []),
        "messages": [{"id": m.id, "kind": m.kind, "body": m.body, "internal": m.internal,
                      "from_staff": m.from_staff, "author_id": m.author_id, "created_at": iso(m.created_at),
                      "attachments": [attachment_json(a) for a in attachments if a.message_id == m.id]}
                     for m in messages],
        "attachments": [attachment_json(a) for a in attachments],
        "history": [{"kind": h.kind, "actor_id": h.actor_id, "data": h.data if isinstance(h.data, dict) else {},
                     "created_at": iso(h.created_at)} for h in history],
        "identity_channels": list(identity_channels(owner)) if owner else [],
    })
    return body


# --- access ------------------------------------------------------------------------------------------


def desk_user() -> None:
    """The desk pages' rule (``desk_only``), with API statuses: 401 without an account."""
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Sign in, or send an API token.")
    if not access.is_desk_user(current_user):
        raise ApiError(403, "forbidden", "Only staff of the request desk (duty, specialist, admin).")


def desk_ticket(number: str) -> Ticket:
    desk_user()
    ticket = access.ticket_by_number(number)
    if ticket is None or not access.staff_can_see(current_user, ticket):
        raise ApiError(404, "not_found", "No such request.")
    return ticket


def _input() -> MultiDict:
    """The body as form data for the pages' forms: a JSON object (lists stay lists), or a form."""
    if request.mimetype == "multipart/form-data" or request.mimetype == "application/x-www-form-urlencoded":
        return MultiDict(request.form)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    out = MultiDict()
    for key, value in data.items():
        if isinstance(value, bool):
            out[key] = "y" if value else ""
        elif isinstance(value, list):
            for item in value:
                if not isinstance(item, str | int) or isinstance(item, bool):
                    raise ApiError(400, "invalid_fields", f"'{key}' must be a list of strings.",
                                   {"fields": {key: ["must be a list of strings"]}})
                out.add(key, str(item))
        elif isinstance(value, str | int) and not isinstance(value, bool):
            out[key] = str(value)
        elif value is not None:
            raise ApiError(400, "invalid_fields", f"'{key}' has the wrong type.",
                           {"fields": {key: ["wrong type"]}})
    return out


def _form(form_class, data: MultiDict, **choices):
    form = form_class(formdata=data, meta={"csrf": False})
    for name, values in choices.items():
        getattr(form, name).choices = values
    if not form.validate():
        raise ApiError(400, "invalid_fields", "Some fields are missing or invalid.",
                       {"fields": {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}})
    return form


def _done(ticket_id: int, message: str):
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not access.staff_can_see(current_user, ticket):
        return jsonify({"message": str(message), "ticket": {"number": getattr(ticket, "number", ""),
                                                            "visible": False}})
    return jsonify({"message": str(message), "ticket": summary_json(ticket)})


def _run(ticket: Ticket, action, *args, **kwargs):
    try:
        action(ticket, current_user, *args, **kwargs)
    except ActionError as exc:
        db.session.rollback()
        raise ApiError(409, "action_refused", str(exc)) from None


# --- the queue and one request ------------------------------------------------------------------------

QUEUE_PARAMETERS = [
    {"name": "status", "in": "query", "required": False, "description": "open (default: every open status), all, "
     "or one status", "schema": {"type": "string", "enum": ["open", "all", *STATUSES], "default": "open"}},
    {"name": "overdue", "in": "query", "required": False, "description": "true: only requests past their deadline "
     "(not paused)", "schema": {"type": "boolean"}},
    {"name": "due", "in": "query", "required": False, "description": "overdue, or soon (due within the policy's "
     "warning hours)", "schema": {"type": "string", "enum": ["overdue", "soon"]}},
    {"name": "channel", "in": "query", "required": False, "schema": {"type": "string", "pattern": "^[a-z0-9_]{1,40}$"},
     "description": "web, api, phone, or a chat channel (vk, telegram, ...)"},
    {"name": "category", "in": "query", "required": False,
     "schema": {"type": "string", "pattern": "^[a-z0-9_]{1,40}$"}},
    {"name": "profile", "in": "query", "required": False, "schema": {"type": "string", "pattern": "^[a-z0-9_]{1,60}$"},
     "description": "Requests escalated to this specialist profile"},
    {"name": "assignee", "in": "query", "required": False, "description": "me, none, or a staff account's id",
     "schema": {"type": "string", "pattern": "^(me|none|[1-9][0-9]{0,9})$"}},
    {"name": "q", "in": "query", "required": False, "description": "A request number (or its start), words of the "
     "subject, or a contact's exact e-mail or phone", "schema": {"type": "string", "minLength": 1, "maxLength": 100}},
    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 10000,
                                                                    "default": 1}},
    {"name": "per_page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50}},
]


def _queue_filters() -> tuple[desk_rules.QueueFilters, int]:
    args = request.args
    bad: dict[str, list[str]] = {}
    for spec in QUEUE_PARAMETERS:
        name, schema = spec["name"], spec["schema"]
        if name not in args:
            continue
        value = args[name]
        if schema["type"] == "integer":
            if not value.isdigit() or not schema["minimum"] <= int(value) <= schema["maximum"]:
                bad[name] = [f"an integer from {schema['minimum']} to {schema['maximum']}"]
        elif schema["type"] == "boolean":
            if value not in ("true", "false"):
                bad[name] = ["true or false"]
        elif "enum" in schema and value not in schema["enum"]:
            bad[name] = ["one of " + ", ".join(schema["enum"])]
        elif "pattern" in schema:
            import re

            if not re.fullmatch(schema["pattern"].strip("^$"), value):
                bad[name] = ["not a valid value"]
        elif not 1 <= len(value) <= schema.get("maxLength", 100):
            bad[name] = ["1 to 100 characters"]
    if args.get("overdue") == "true" and args.get("due") == "soon":
        bad["due"] = ["soon contradicts overdue=true"]
    if bad:
        raise ApiError(400, "invalid_parameters", "Some query parameters are invalid.", {"fields": bad})
    due = "overdue" if args.get("overdue") == "true" else args.get("due", "")
    filters = desk_rules.QueueFilters(status=args.get("status", "open"), category=args.get("category", ""),
                                      channel=args.get("channel", ""), due=due, profile=args.get("profile", ""),
                                      assignee=args.get("assignee", ""), q=args.get("q", "").strip(),
                                      page=int(args.get("page", "1")))
    return filters, int(args.get("per_page", "50"))


@desk_api.get("/tickets")
@require_scope("tickets:read")
@api_doc("The desk's queue: the requests the account may see, with the desk's filters, most urgent first",
         tags=["desk"], parameters=QUEUE_PARAMETERS,
         responses={200: {"description": "One page of the queue", "content": {"application/json": {
             "schema": {"type": "object", "required": ["items", "page", "per_page", "more"], "properties": {
                 "items": {"type": "array", "items": SUMMARY_SCHEMA}, "page": {"type": "integer"},
                 "per_page": {"type": "integer"}, "more": {"type": "boolean"}}},
             "example": {"items": [SUMMARY_EXAMPLE], "page": 1, "per_page": 50, "more": False}}}},
             400: "Invalid query parameters (invalid_parameters)", 401: ACTION_RESPONSES[401],
             403: ACTION_RESPONSES[403]})
def tickets():
    desk_user()
    filters, per_page = _queue_filters()
    at = now()
    items, more, _applied = desk_rules.queue_page(current_user, filters, at, per_page)
    return jsonify({"items": [summary_json(t, at) for t in items], "page": filters.page, "per_page": per_page,
                    "more": more})


@desk_api.get("/tickets/<number>")
@require_scope("tickets:read")
@api_doc("One request with its whole thread (staff notes included), attachments and history; audited like "
         "the desk's page", tags=["desk"], parameters=[NUMBER_PARAM],
         responses={200: {"description": "The request", "content": {"application/json": {"schema": DETAIL_SCHEMA}}},
                    401: ACTION_RESPONSES[401], 403: ACTION_RESPONSES[403], 404: ACTION_RESPONSES[404]})
def ticket(number: str):
    ticket = desk_ticket(number)
    audit(current_user, "ticket_viewed", "ticket", ticket.number)
    db.session.commit()
    return jsonify(detail_json(ticket))


@desk_api.get("/attachments/<int:attachment_id>")
@require_scope("tickets:read")
@api_doc("Download an attachment of a request the account may see (audited like the desk's download)",
         tags=["desk"], parameters=[{"name": "attachment_id", "in": "path", "required": True,
                                     "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}],
         responses={200: {"description": "The file, as uploaded", "content": {
             t: {"schema": {"type": "string", "format": "binary"}} for t in ATTACHMENT_TYPES}},
             401: ACTION_RESPONSES[401], 403: ACTION_RESPONSES[403], 404: "No such attachment, or not one the "
                                                                         "account may see"})
def attachment(attachment_id: int):
    desk_user()
    try:
        row, ticket = access.attachment_or_404(attachment_id)
    except NotFound:
        raise ApiError(404, "not_found", "No such attachment.") from None
    if ticket is None or not access.staff_can_see(current_user, ticket):
        raise ApiError(404, "not_found", "No such attachment.")  # a pending upload is its uploader's only
    audit(current_user, "ticket_attachment_viewed", "ticket", ticket.number, reason=f"attachment {row.id}")
    db.session.commit()
    try:
        path = storage.path_of(row.storage_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        raise ApiError(404, "not_found", "The file is missing.")
    response = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- actions ------------------------------------------------------------------------------------------


def _action_doc(summary: str, done: str, body: dict | None = None, content_type: str = "application/json",
                extra: dict | None = None):
    return api_doc(summary, tags=["desk"], parameters=[NUMBER_PARAM], request_body=body,
                   request_content_type=content_type,
                   responses={**_example_result(done), **ACTION_RESPONSES, **(extra or {})})


EMPTY_BODY = {"type": "object", "additionalProperties": False, "example": {}}


@desk_api.post("/tickets/<number>/take")
@require_scope("tickets:write")
@_action_doc("Take the request (assign it to yourself; a new request goes in progress)", "You have taken the "
             "request.", EMPTY_BODY)
def take(number: str):
    ticket = desk_ticket(number)
    _run(ticket, service.take)
    return _done(ticket.id, _("You have taken the request."))


@desk_api.post("/tickets/<number>/assign")
@require_scope("tickets:write")
@_action_doc("Assign the request to a staff member of the desk (on shift, when a roster is kept)",
             "The request is assigned.", {"type": "object", "required": ["assignee_id"], "properties": {
                 "assignee_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
                 "example": {"assignee_id": 7}})
def assign(number: str):
    ticket = desk_ticket(number)
    data = _input()
    if "assignee_id" in data:
        data["assignee"] = data.pop("assignee_id")
    form = _form(AssignForm, data, assignee=[(str(u.id), u.email or "") for u in desk_rules.desk_staff()])
    _run(ticket, service.assign, db.session.get(User, int(form.assignee.data)))
    return _done(ticket.id, _("The request is assigned."))


REPLY_BODY = {"type": "object", "required": ["body"], "properties": {
    "body": {"type": "string", "minLength": 1, "maxLength": 20000},
    "internal": {"type": "boolean", "default": False,
                 "description": "true: a staff note, never shown to the citizen; false: the answer to the citizen "
                                "(the request becomes answered and the citizen is notified)"}},
    "example": {"body": "Здравствуйте! Выписка доступна в личном кабинете.", "internal": False}}


@desk_api.post("/tickets/<number>/messages")
@require_scope("tickets:write")
@_action_doc("Reply to the citizen, or add an internal note (JSON; or multipart with files in 'attachments' "
             "for a reply)", "The answer has been sent to the citizen.", REPLY_BODY,
             extra={422: "A file was refused (file_refused)"})
@large_body
def reply(number: str):
    ticket = desk_ticket(number)
    data = _input()
    internal = data.get("internal", "") in ("y", "true", "1", "on")
    if "internal" in data and data["internal"] not in ("y", "", "true", "false", "1", "0", "on"):
        raise ApiError(400, "invalid_fields", "'internal' must be true or false.",
                       {"fields": {"internal": ["true or false"]}})
    if internal:
        form = _form(StaffTextForm, data)
        _run(ticket, service.note, form.body.data)
        return _done(ticket.id, _("The note is saved (staff only)."))
    form = _form(StaffReplyForm, data)
    files, errors = storage.read_uploads(request.files.getlist("attachments")) if request.files else ([], [])
    if errors:
        raise ApiError(422, "file_refused", " ".join(errors))
    try:
        _run(ticket, service.answer, form.body.data, files=files)
    except storage.UploadError as exc:
        raise ApiError(422, "file_refused", str(exc)) from exc
    return _done(ticket.id, _("The answer has been sent to the citizen."))


@desk_api.post("/tickets/<number>/documents")
@require_scope("tickets:write")
@_action_doc("Ask the citizen for more documents (the clock pauses until they answer)",
             "The citizen has been asked for the documents.",
             {"type": "object", "required": ["body"], "properties": {
                 "body": {"type": "string", "minLength": 1, "maxLength": 20000,
                          "description": "Which documents, for the citizen"}},
              "example": {"body": "Пришлите, пожалуйста, скан СТС с обеих сторон."}})
def documents(number: str):
    ticket = desk_ticket(number)
    form = _form(StaffTextForm, _input())
    _run(ticket, service.request_documents, form.body.data)
    return _done(ticket.id, _("The citizen has been asked for the documents."))


@desk_api.post("/tickets/<number>/identity")
@require_scope("tickets:write")
@_action_doc("Ask the citizen to confirm their identity through another channel (a code is sent; the clock "
             "pauses)", "A code has been sent to the citizen.",
             {"type": "object", "required": ["channel"], "properties": {
                 "channel": {"type": "string", "description": "One of the request's identity_channels"},
                 "reason": {"type": "string", "maxLength": 300, "description": "Shown to staff only"}},
              "example": {"channel": "sms", "reason": "смена владельца"}})
def identity(number: str):
    ticket = desk_ticket(number)
    owner = db.session.get(User, ticket.user_id) if ticket.user_id else None
    form = _form(IdentityForm, _input(), channel=[(c, c) for c in (identity_channels(owner) if owner else [])])
    _run(ticket, service.request_identity, form.channel.data, form.reason.data or "")
    return _done(ticket.id, _("A code has been sent to the citizen through %(channel)s.", channel=form.channel.data))


@desk_api.post("/tickets/<number>/requirement")
@require_scope("tickets:write")
@_action_doc("Ask the citizen to meet technical requirements (browser, software) from the catalogue, or "
             "described in text", "The citizen has been asked to meet the technical requirements.",
             {"type": "object", "properties": {
                 "requirement_ids": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
                 "text": {"type": "string", "maxLength": 500}},
              "example": {"requirement_ids": ["browser"], "text": ""}})
def requirement(number: str):
    ticket = desk_ticket(number)
    catalog = {r.id: r for r in desk_rules.requirement_catalog()}
    form = _form(RequirementForm, _input(), requirement_ids=[(r.id, r.name) for r in catalog.values()])
    items = [{"id": r.id, "name": r.name, "instructions_html": r.instructions_html}
             for rid in form.requirement_ids.data or [] if (r := catalog.get(rid))]
    _run(ticket, service.request_requirement, items, form.text.data or "")
    return _done(ticket.id, _("The citizen has been asked to meet the technical requirements."))


@desk_api.post("/tickets/<number>/escalate")
@require_scope("tickets:write")
@_action_doc("Escalate to a specialist profile (optionally to one specialist of it)",
             "The request has been escalated to the profile tech_support.",
             {"type": "object", "required": ["profile", "reason"], "properties": {
                 "profile": {"type": "string", "maxLength": 60}, "reason": {"type": "string", "maxLength": 2000},
                 "assignee_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2**31 - 1}},
              "example": {"profile": "tech_support", "reason": "Ошибка подписи в ЛК", "assignee_id": None}})
def escalate(number: str):
    ticket = desk_ticket(number)
    data = _input()
    data["assignee"] = data.pop("assignee_id", "")  # none: the profile's specialist on shift, if any
    form = _form(EscalateForm, data, profile=profiles.choices(locale(), ""),
                 assignee=[("", ""), *((str(u.id), "") for u in desk_rules.desk_staff())])
    assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    _run(ticket, service.escalate, form.profile.data, form.reason.data, assignee)
    return _done(ticket.id, _("The request has been escalated to the profile %(profile)s.",
                              profile=form.profile.data))


STAFF_STATUSES = ("closed",)


@desk_api.post("/tickets/<number>/status")
@require_scope("tickets:write")
@_action_doc("Change the status as the desk can: close the request (other statuses follow from the actions: "
             "take, reply, documents, identity, requirement, escalate)", "The request is closed.",
             {"type": "object", "required": ["status"], "properties": {
                 "status": {"type": "string", "enum": list(STAFF_STATUSES)}}, "example": {"status": "closed"}})
def change_status(number: str):
    ticket = desk_ticket(number)
    data = _input()
    if data.get("status") not in STAFF_STATUSES:
        raise ApiError(400, "invalid_fields", "'status' must be closed.", {"fields": {"status": ["closed"]}})
    _run(ticket, service.staff_close)
    return _done(ticket.id, _("The request is closed."))
