"""The JSON API of the request service (``/api/v1/tickets...``), described in the OpenAPI
document. Errors are ``{"error": {"code", "message"}}`` with a 4xx status."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from sep_core import (
    API_PREFIX,
    MOSCOW,
    ApiError,
    Inquiry,
    api_doc,
    availability,
    collect_answers,
    db,
    large_body,
    now,
    plugin_settings,
)
from sep_core import gettext as _

from . import access, service, sla, storage
from .forms import TicketForm
from .models import Attachment, Message, Ticket
from .service import ActionError, status_label
from .views import category_choices, form_estimate, format_moment, locale, refuse_nul_characters

IDEMPOTENCY_KEY_MAX = 80
api = Blueprint("tickets_api", __name__, url_prefix=API_PREFIX + "/tickets")

TICKET_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string"}, "status": {"type": "string"}, "status_label": {"type": "string"},
        "subject": {"type": "string"}, "category": {"type": ["string", "null"]}, "channel": {"type": "string"},
        "created_at": {"type": "string"}, "due_at": {"type": ["string", "null"]},
        "estimate": {"type": ["object", "null"]}, "messages": {"type": "array"},
    },
}
api.before_request(refuse_nul_characters)


def signed_in() -> None:
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorised", "Sign in first.")


def iso(value):
    return sla.from_naive_utc(value).isoformat() if value else None


def message_json(message: Message, attachments: list[Attachment]) -> dict:
    return {"id": message.id, "kind": message.kind, "body": message.body, "from_staff": message.from_staff,
            "created_at": iso(message.created_at),
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                             "sha256": a.sha256, "url": url_for("tickets.download", attachment_id=a.id)}
                            for a in attachments]}


def ticket_json(ticket: Ticket, with_thread: bool = True,
                thread: list[tuple[Message, list[Attachment]]] | None = None) -> dict:
    """The request as the API shows it; ``thread`` gives the messages and their attachments when
    the caller holds them already (a request just filed), else they are read."""
    estimate = sla.ticket_estimate(ticket)
    body = {
        "number": ticket.number, "status": ticket.status, "status_label": status_label(ticket.status),
        "subject": ticket.subject, "description": ticket.description,
        "category": ticket.category.code if ticket.category else None, "channel": ticket.channel,
        "created_at": iso(ticket.created_at), "due_at": iso(ticket.due_at),
        "paused": ticket.paused_at is not None,
        "estimate": {"at": estimate.at.isoformat(), "ahead": estimate.ahead, "overloaded": estimate.overloaded}
        if estimate else None,
        "url": url_for("tickets.detail", number=ticket.number),
    }
    if thread is not None:
        body["messages"] = [message_json(m, files) for m, files in thread if not m.internal]
    elif with_thread:
        attachments = db.session.execute(select(Attachment).filter_by(ticket_id=ticket.id)).scalars().all()
        body["messages"] = [message_json(m, [a for a in attachments if a.message_id == m.id])
                            for m in access.visible_messages(ticket, staff=False)]
    return body


def _errors(form) -> dict:
    return {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}


@api.get("")
@api_doc("The signed-in citizen's requests", tags=["tickets"],
         response_schema={"type": "object", "properties": {"tickets": {"type": "array", "items": TICKET_SCHEMA}}},
         responses={401: "Not signed in"})
def list_mine():
    signed_in()
    tickets = db.session.execute(select(Ticket).filter_by(user_id=current_user.id).order_by(Ticket.id.desc())
                                 .limit(200)).scalars().all()
    return jsonify({"tickets": [ticket_json(t, with_thread=False) for t in tickets]})


@api.post("")
@api_doc("File a request (multipart form: fields of the web form, files in 'attachments')", tags=["tickets"],
         request_content_type="multipart/form-data",
         request_body={"type": "object", "required": ["category", "subject", "description"], "properties": {
             "category": {"type": "string"}, "subject": {"type": "string"}, "description": {"type": "string"},
             "surname": {"type": "string"}, "first_name": {"type": "string"}, "patronymic": {"type": "string"},
             "email": {"type": "string"}, "phone": {"type": "string"},
             "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}}}},
         parameters=[{"name": "Idempotency-Key", "in": "header", "required": False,
                      "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX,
                                 "pattern": "^[!-~]+$"},
                      "description": "Retrying with the same key returns the request filed the first time "
                                     "(header Idempotent-Replayed: true) instead of filing it again; per user."}],
         response_schema=TICKET_SCHEMA,
         responses={201: "Filed (or, with a used Idempotency-Key, filed before)", 400: "Invalid fields or key",
                    401: "Not signed in", 403: "Contacts not confirmed", 413: "Too large",
                    422: "A file was refused", 503: "The database is unavailable: retry with the same key"})
@large_body
def create():
    signed_in()
    user = current_user._get_current_object()  # the proxy costs a lookup on every attribute read
    key = idempotency_key()
    if key:
        existing = service.filed_with_key(user, key)
        if existing is not None:
            return replayed(existing)
    missing = service.missing_confirmations(user)
    if missing:
        raise ApiError(403, "not_confirmed", "Confirm your contacts before filing requests.", {"missing": missing})
    data = MultiDict()
    for name in ("surname", "first_name", "patronymic", "email", "phone"):
        data[name] = getattr(user, name) or ""
    for key_ in ("category", "subject", "description", "surname", "first_name", "patronymic", "email", "phone"):
        if key_ in request.form:
            data[key_] = request.form[key_]
    form = TicketForm(formdata=data, meta={"csrf": False})
    form.category.choices = category_choices()
    if not form.validate():
        raise ApiError(400, "invalid_fields", "Some fields are missing or invalid.", {"fields": _errors(form)})
    files, errors = storage.read_uploads(request.files.getlist("attachments"))
    if errors:
        raise ApiError(422, "file_refused", " ".join(errors))
    body: dict = {}
    try:
        ticket, again = service.file_once(
            user=user, key=key, fields=form.data, category=service.category_by_code(form.category.data),
            channel="api", files=files, before_commit=lambda t, thread: body.update(ticket_json(t, thread=thread)))
    except storage.UploadError as exc:
        raise ApiError(422, "file_refused", str(exc)) from exc
    if again:
        return replayed(ticket)
    return jsonify(body), 201  # built before the commit: no query after it


def idempotency_key() -> str | None:
    """The ``Idempotency-Key`` header as stored (``api:<key>``), None without one; a malformed
    key is a 400 (printable ASCII without spaces, at most 80 characters, e.g. a UUID)."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    if not 1 <= len(raw) <= IDEMPOTENCY_KEY_MAX or not all("!" <= ch <= "~" for ch in raw):
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 80 printable ASCII characters "
                       "without spaces (a UUID is a good key).")
    return f"api:{raw}"


def replayed(ticket: Ticket):
    """The answer to a retry: the request filed the first time, as it is now."""
    response = jsonify(ticket_json(ticket))
    response.headers["Idempotent-Replayed"] = "true"
    return response, 201


@api.get("/<number>")
@api_doc("One of the citizen's requests with its thread (staff notes are never included)", tags=["tickets"],
         parameters=[], response_schema=TICKET_SCHEMA, responses={401: "Not signed in", 404: "No such request"})
def get_one(number: str):
    signed_in()
    ticket = access.ticket_by_number(number)
    if ticket is None or ticket.user_id != current_user.id:
        raise ApiError(404, "not_found", "No such request.")
    return jsonify(ticket_json(ticket))


@api.post("/<number>/messages")
@api_doc("Add the citizen's message (JSON {'body'} or multipart with 'attachments')", tags=["tickets"],
         request_body={"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
         response_schema={"type": "object"},
         responses={201: "Added", 401: "Not signed in", 404: "No such request", 409: "The request is closed",
                    422: "A file was refused"})
@large_body
def add_message(number: str):
    signed_in()
    ticket = access.ticket_by_number(number)
    if ticket is None or ticket.user_id != current_user.id:
        raise ApiError(404, "not_found", "No such request.")
    if request.is_json:
        data = request.get_json(silent=True)
        body = data.get("body") if isinstance(data, dict) else None
    else:
        body = request.form.get("body")
    if not isinstance(body, str) or not body.strip() or len(body) > 20000 or "\x00" in body:
        raise ApiError(400, "invalid_body", "'body' must be a non-empty text of at most 20000 characters.")
    files, errors = storage.read_uploads(request.files.getlist("attachments")) if not request.is_json else ([], [])
    if errors:
        raise ApiError(422, "file_refused", " ".join(errors))
    try:
        message = service.citizen_reply(ticket, current_user, body, files=files)
    except ActionError as exc:
        raise ApiError(409, "closed", str(exc)) from exc
    except storage.UploadError as exc:
        raise ApiError(422, "file_refused", str(exc)) from exc
    attachments = db.session.execute(select(Attachment).filter_by(message_id=message.id)).scalars().all()
    return jsonify(message_json(message, list(attachments))), 201


@api.get("/messages/<int:message_id>")
@api_doc("One message of the citizen's request", tags=["tickets"], response_schema={"type": "object"},
         responses={401: "Not signed in", 404: "No such message"})
def get_message(message_id: int):
    signed_in()
    message = db.session.get(Message, message_id) if access.valid_id(message_id) else None
    ticket = db.session.get(Ticket, message.ticket_id) if message else None
    if message is None or message.internal or ticket is None or ticket.user_id != current_user.id:
        raise ApiError(404, "not_found", "No such message.")
    attachments = db.session.execute(select(Attachment).filter_by(message_id=message.id)).scalars().all()
    return jsonify(message_json(message, list(attachments)))


@api.get("/categories")
@api_doc("Reasons a request can be filed for", tags=["tickets"], response_schema={"type": "object"})
def categories():
    return jsonify({"categories": [{"code": c.code, "name": c.label(locale())}
                                   for c in service.active_categories()]})


@api.get("/estimate")
@api_doc("The deadline (under the answer-time policy) and the load-based estimate for a request filed at "
         "'at' (ISO 8601; without a zone: Moscow time; default now)", tags=["tickets"],
         parameters=[{"name": "category", "in": "query", "required": False, "schema": {"type": "string"}},
                     {"name": "at", "in": "query", "required": False,
                      "schema": {"type": "string", "format": "date-time"}}],
         response_schema={"type": "object", "properties": {
             "deadline": {"type": "string", "format": "date-time"}, "deadline_display": {"type": "string"},
             "policy": {"type": "string"}, "deadline_hours": {"type": "number"}, "rule": {"type": "string"},
             "estimate": {"type": "string", "format": "date-time"}}},
         responses={400: "'at' is not an ISO 8601 moment, or the calendar has no data for it"})
def estimate():
    at = parse_moment(request.args.get("at"))
    try:
        due = sla.due_for(at)
        result = form_estimate(request.args.get("category", ""), at)
    except ValueError as exc:  # the calendar has no data for that year
        raise ApiError(400, "no_calendar_data", str(exc)) from exc
    return jsonify({"deadline": due.isoformat(), "deadline_display": format_moment(due),
                    "policy": sla.policy(), "deadline_hours": sla.deadline_hours(), "rule": sla.rule_text(),
                    "estimate": result.at.isoformat(), "estimate_display": format_moment(result.at),
                    "ahead": result.ahead, "per_hour": round(result.per_hour, 3),
                    "measured": result.measured, "overloaded": result.overloaded})


def parse_moment(raw: str | None) -> datetime:
    """``at`` of the estimate: ISO 8601, Moscow time when no zone is given; now when absent."""
    if not raw:
        return now()
    try:
        moment = datetime.fromisoformat(raw.strip()[:40].replace(" ", "+") if "T" in raw else raw.strip()[:40])
    except ValueError:
        raise ApiError(400, "invalid_at", "'at' must be an ISO 8601 date and time, e.g. 2026-12-04T17:00:00+03:00.") \
            from None
    if not 2000 <= moment.year <= 2100:
        raise ApiError(400, "invalid_at", "'at' must be a date between 2000 and 2100.")
    return moment.replace(tzinfo=MOSCOW) if moment.tzinfo is None else moment.astimezone(MOSCOW)


SUGGEST_RESPONSE = {"type": "object", "properties": {"answers": {"type": "array"}, "label": {"type": "string"}}}


@api.post("/suggest")
@api_doc("The consultant's answers for the text being typed in the request form (deflection). The text "
         "travels in the body, never in the URL (access logs)", tags=["tickets"],
         request_body={"type": "object", "required": ["q"], "properties": {"q": {"type": "string"}}},
         response_schema=SUGGEST_RESPONSE, responses={401: "Not signed in"})
def suggest():
    signed_in()
    data = request.get_json(silent=True)
    text = data.get("q") if isinstance(data, dict) else None
    if not isinstance(text, str):
        raise ApiError(400, "invalid_json", "The body must be a JSON object with the text in 'q'.")
    return jsonify(_suggestions(text))


@api.get("/suggest")
@api_doc("Deprecated: the same as POST /suggest with the text in the query (it then reaches access logs "
         "of proxies that log queries)", tags=["tickets"],
         parameters=[{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}],
         response_schema=SUGGEST_RESPONSE, responses={401: "Not signed in"})
def suggest_get():
    signed_in()
    return jsonify(_suggestions(request.args.get("q") or ""))


def _suggestions(raw: str) -> dict:
    settings = plugin_settings("tickets")
    text = raw.strip()[:2000]
    if len(text) < int(settings["suggest_min_chars"]) or not availability("bot").open:
        return {"answers": []}
    answers = collect_answers(Inquiry(channel="tickets_form", text=text, user_id=current_user.id, locale=locale()))
    return {"answers": [
        {"title": a.title, "fragment_html": a.fragment_html, "url": a.url, "source": a.source,
         "ref": str(a.external_id or a.entry_id or ""), "confidence": round(a.confidence, 3)}
        for a in answers[: int(settings["suggest_limit"])]
    ], "label": _("Perhaps this answers your question")}
