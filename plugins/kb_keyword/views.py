"""The consultant page ``/ask`` (plain form and live chat), its JSON API, the whole-answer page,
save / e-mail / rate actions and the cabinet section."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from sep_core import ApiError, api_doc, availability, db, json_body
from sep_core import gettext as _

from . import service
from .content import render_html
from .forms import AskForm, EmailForm, EntryActionForm, PlainForm, RateForm
from .models import KbEntry

blueprint = Blueprint("kb_keyword", __name__, static_folder="static", static_url_path="/static/kb_keyword")


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "ru")


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


@blueprint.route("/ask", methods=["GET", "POST"])
def ask_page():
    form = AskForm()
    result = None
    if form.validate_on_submit():
        try:
            result = service.ask(form.question.data, locale=_locale(), user_id=_user_id())
        except service.AskError as exc:
            form.question.errors = [exc.message]
    return _ask_page(form, result)


def _ask_page(form: AskForm, result):
    return render_template("kb_keyword/ask.html", form=form, result=result, bot=availability("bot"),
                           request_url=service.request_link(form.question.data or ""),
                           rate_form=RateForm(), action_form=EntryActionForm(), email_form=EmailForm())


def _entry_or_404(entry_id) -> KbEntry:
    try:
        entry = db.session.get(KbEntry, int(entry_id))
    except (TypeError, ValueError):
        entry = None
    if entry is None or entry.status != "published":
        abort(404)
    return entry


def _entry_page(entry: KbEntry, email_form: EmailForm | None = None):
    return render_template("kb_keyword/entry.html", entry=entry, answer_html=Markup(render_html(entry.answer_md)),  # noqa: S704 - nh3-sanitised
                           action_form=EntryActionForm(), email_form=email_form or EmailForm())


@blueprint.get("/ask/entry/<int:entry_id>")
def entry_page(entry_id: int):
    return _entry_page(_entry_or_404(entry_id))


@blueprint.post("/ask/rate")
def rate_form():
    form = RateForm()
    if form.validate_on_submit():
        try:
            service.rate(form.token.data, form.helpful.data == "1")
            flash(_("Thank you for the rating."), "success")
        except service.AskError as exc:
            flash(exc.message, "error")
    else:
        flash(_("The rating could not be saved."), "error")
    question = (form.question.data or "").strip()
    if not question:
        return redirect(url_for("kb_keyword.ask_page"))
    # the same question and answer again, with the confirmation (flashed above). Rendered, not redirected:
    # the question must not go into a URL (access logs) or the session cookie; the answer is not logged again.
    ask_form = AskForm(formdata=None, question=question)
    try:
        result = service.ask(question, locale=_locale(), user_id=_user_id(), log=False)
    except service.AskError:
        result = None
    return _ask_page(ask_form, result)


@blueprint.post("/ask/save")
def save_form():
    form = EntryActionForm()
    if not current_user.is_authenticated:
        flash(_("Sign in to save answers to your personal cabinet."), "error")
        return redirect(url_for("kb_keyword.ask_page"))
    if form.validate_on_submit():
        try:
            service.save_for(current_user, form.entry_id.data)
            flash(_("The answer is saved in your personal cabinet."), "success")
            return redirect(url_for("kb_keyword.entry_page", entry_id=int(form.entry_id.data)))
        except service.AskError as exc:
            flash(exc.message, "error")
    return redirect(url_for("kb_keyword.ask_page"))


@blueprint.post("/ask/email")
def email_form():
    form = EmailForm()
    if not form.validate_on_submit() and (form.csrf_token.errors or form.entry_id.errors):
        flash(_("Please try again: the form has expired."), "error")
        try:
            return redirect(url_for("kb_keyword.entry_page", entry_id=int(form.entry_id.data)))
        except (TypeError, ValueError):
            return redirect(url_for("kb_keyword.ask_page"))
    entry = _entry_or_404(form.entry_id.data)
    if not form.errors:
        address = current_user.email if current_user.is_authenticated and not form.email.data else form.email.data
        try:
            service.email_answer(entry.id, address)
            flash(_("The answer has been sent to your e-mail."), "success")
            return redirect(url_for("kb_keyword.entry_page", entry_id=entry.id))
        except service.AskError as exc:
            form.email.errors = [exc.message]
    # re-render the same answer page with the typed address and the error beside the field
    return _entry_page(entry, form)


@blueprint.post("/ask/saved/<int:saved_id>/delete")
def delete_saved(saved_id: int):
    form = PlainForm()
    if not current_user.is_authenticated:
        abort(403)
    if not form.validate_on_submit() or not service.delete_saved(current_user, saved_id):
        abort(404)
    flash(_("The saved answer is removed."), "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("kb_keyword.ask_page"))


# -- JSON API ---------------------------------------------------------------------------------------

ANSWER_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "external_id": {"type": ["string", "null"]}, "title": {"type": "string"},
    "fragment_html": {"type": "string"}, "fragment_text": {"type": "string"}, "confidence": {"type": "number"},
    "url": {"type": "string"}, "whole": {"type": "boolean"}, "answer_text": {"type": "string"},
    "copy_text": {"type": "string", "description": "Title and answer as plain text: step numbers and bullets kept."}}}


@blueprint.post("/api/v1/ask")
@api_doc(
    "Ask the online consultant",
    tags=["kb_keyword"],
    request_body={"type": "object", "required": ["question"], "properties": {
        "question": {"type": "string", "maxLength": service.MAX_QUESTION},
        "channel": {"type": "string"},
        "suggest": {"type": "boolean", "description": "Live suggestions while typing: not logged."}}},
    response_schema={"type": "object", "properties": {
        "answered": {"type": "boolean"}, "understood": {"type": "boolean"},
        "token": {"type": ["string", "null"], "description": "Handle for rating this answer."},
        "answer": {"oneOf": [ANSWER_SCHEMA, {"type": "null"}]},
        "alternatives": {"type": "array", "items": ANSWER_SCHEMA},
        "message": {"type": "string"},
        "found": {"type": "integer", "description": "Answers shown (best and alternatives)."},
        "summary": {"type": "string", "description": "A short status for screen readers: N answers found."},
        "route": {"type": "object"}, "availability": {"type": "object"}}},
)
def api_ask():
    data = json_body(required=("question",))
    channel = data.get("channel", "web")
    if not isinstance(channel, str) or not channel.isidentifier() or len(channel) > 40:
        raise ApiError(400, "invalid_channel", _("Unknown channel."))
    try:
        payload = service.ask(data["question"], channel=channel, locale=_locale(), user_id=_user_id(),
                              log=not bool(data.get("suggest")))
    except service.AskError as exc:
        raise ApiError(400, exc.code, exc.message) from None
    return jsonify(payload)


@blueprint.post("/api/v1/ask/rate")
@api_doc("Rate an answer of the consultant", tags=["kb_keyword"],
         request_body={"type": "object", "required": ["token", "helpful"], "properties": {
             "token": {"type": "string"}, "helpful": {"type": "boolean"}}},
         response_schema={"type": "object", "properties": {"ok": {"type": "boolean"}}})
def api_rate():
    data = json_body(required=("token", "helpful"))
    try:
        service.rate(data["token"], data["helpful"])
    except service.AskError as exc:
        raise ApiError(404 if exc.code == "invalid_token" else 400, exc.code, exc.message) from None
    return jsonify({"ok": True})


@blueprint.post("/api/v1/ask/save")
@api_doc("Save an answer to the personal cabinet (signed-in citizens)", tags=["kb_keyword"],
         request_body={"type": "object", "required": ["entry_id"], "properties": {"entry_id": {"type": "integer"}}},
         response_schema={"type": "object", "properties": {"ok": {"type": "boolean"}}})
def api_save():
    if not current_user.is_authenticated:
        raise ApiError(401, "sign_in_required", _("Sign in to save answers to your personal cabinet."))
    data = json_body(required=("entry_id",))
    try:
        service.save_for(current_user, data["entry_id"])
    except service.AskError as exc:
        raise ApiError(404, exc.code, exc.message) from None
    return jsonify({"ok": True})


@blueprint.post("/api/v1/ask/email")
@api_doc("E-mail an answer (signed-out citizens give an address; rate-limited)", tags=["kb_keyword"],
         request_body={"type": "object", "required": ["entry_id"], "properties": {
             "entry_id": {"type": "integer"}, "email": {"type": "string"}}},
         response_schema={"type": "object", "properties": {"ok": {"type": "boolean"}}})
def api_email():
    data = json_body(required=("entry_id",))
    address = data.get("email") or (current_user.email if current_user.is_authenticated else None)
    try:
        service.email_answer(data["entry_id"], address)
    except service.AskError as exc:
        status = {"rate_limited": 429, "invalid_entry": 404}.get(exc.code, 400)
        raise ApiError(status, exc.code, exc.message) from None
    return jsonify({"ok": True})


def nav_items() -> list[tuple[str, str]]:
    return [(_("Online consultant"), url_for("kb_keyword.ask_page"))]


def cabinet_section(user) -> list[Markup]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    html = render_template("kb_keyword/cabinet_section.html", saved=service.saved_entries(user),
                           delete_form=PlainForm())
    return [Markup(html)]  # noqa: S704 - a rendered (autoescaped) template
