"""The consultant page ``/ask`` (plain form and live chat), its JSON API, the whole-answer page,
save / e-mail / rate actions and the cabinet section."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from sep_core import ApiError, api_doc, availability, db, drafts, json_body
from sep_core import gettext as _

from . import service, thread
from .content import render_html
from .forms import AskForm, EmailForm, EntryActionForm, PlainForm
from .mailto import MailtoError, own_confirmed_address
from .models import KbEntry

blueprint = Blueprint("kb_keyword", __name__, static_folder="static", static_url_path="/static/kb_keyword")


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "ru")


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


@blueprint.route("/ask", methods=["GET", "POST"])
def ask_page():
    """The conversation without JavaScript: every button posts this form with the thread so far.

    A new question appends a turn; ``pick`` (a choice), ``none`` ("none of these") and ``rate`` act on
    the turn they name by its log handle. The page is rendered, not redirected: questions go into
    no URL and no cookie."""
    form = AskForm()
    turns = thread.parse(form.thread.data) if request.method == "POST" else []
    action = next((name for name in ("pick", "none", "rate") if name in request.form), None)
    if action is not None:
        if PlainForm().validate_on_submit():
            _act(turns, action, request.form[action])
        else:
            flash(_("Please try again: the form has expired."), "error")
    elif form.validate_on_submit():
        try:
            result = service.ask(form.question.data, locale=_locale(), user_id=_user_id())
            turns.append(turn_of(form.question.data, result))
            form.question.data = ""
        except service.AskError as exc:
            form.question.errors = [exc.message]
    return _ask_page(form, turns[-thread.MAX_TURNS:])


def _act(turns: list[thread.Turn], action: str, value: str) -> None:
    token, _sep, arg = value.partition(":")
    if action == "pick":
        base = thread.find(turns, token, "clarify")
        try:
            entry = service.pick(token, arg) if base is not None else None
        except service.AskError:
            entry = None
        if entry is None:
            flash(_("Unknown answer."), "error")
            return
        turns.append(thread.Turn(base.question, "answer", [entry.id], base.token, picked=True))
    elif action == "none":
        base = thread.find(turns, token, "clarify")
        if base is not None:
            base.none = True
    else:
        turn = thread.find(turns, token)
        try:
            service.rate(token, arg == "1")
        except service.AskError as exc:
            flash(exc.message, "error")
            return
        if turn is not None:
            turn.rating = 1 if arg == "1" else -1
        flash(_("Thank you for the rating."), "success")


def turn_of(question: str, result: dict) -> thread.Turn:
    kind, ids = thread.decision_of(result)
    return thread.Turn(question.strip(), kind, ids, result.get("token"))


def turn_view(turn: thread.Turn, locale: str, closed: str | None = None) -> dict:
    """What the template needs of a turn: its answers as the API's JSON, the request link, a message
    (``closed``: the consultant is closed, said instead of "no answer found")."""
    cards = [service.answer_json(a) for a in thread.entry_answers(turn.question, turn.ids,
                                                                     service.question_locale(turn.question, locale))]
    message = ""
    if turn.kind == "request":
        message = closed or _("I could not find an answer. Send a request and our staff will answer.")
    return {"question": turn.question, "kind": turn.kind, "cards": cards, "token": turn.token,
            "picked": turn.picked, "rating": turn.rating, "none": turn.none, "message": message,
            "request_url": service.request_link(turn.question)}


def _ask_page(form: AskForm, turns: list[thread.Turn]):
    form.thread.data = thread.dump(turns)
    locale = _locale()
    bot = availability("bot")
    closed = None if bot.open else (bot.message or _("The consultant is closed for maintenance."))
    views = [turn_view(t, locale, closed if i == len(turns) - 1 else None) for i, t in enumerate(turns)]
    return render_template("kb_keyword/ask.html", form=form, turns=views, summary=_summary(views[-1]) if views else "",
                           bot=bot, request_url=service.request_link(""))


def _summary(view: dict) -> str:
    """The polite status after a post: what the latest turn shows."""
    if view["kind"] == "clarify" and view["cards"]:
        return service.choices_summary(len(view["cards"]))
    return service.summary(len(view["cards"]) if view["kind"] == "answer" else 0)


@blueprint.post("/ask/request")
def request_from_question():
    """"Send a request to staff" after an answer that did not help: the question becomes the
    request draft, kept server-side through sign-in, registration and confirmation."""
    form = PlainForm()
    if not form.validate_on_submit():
        flash(_("Please try again: the form has expired."), "error")
        return redirect(url_for("kb_keyword.ask_page"))
    try:
        question = service.clean_question(request.form.get("question", ""))
    except service.AskError:
        question = ""
    if question:
        drafts.save_draft(question)
    return redirect(service.request_link())


def _entry_or_404(entry_id) -> KbEntry:
    try:
        entry = db.session.get(KbEntry, int(entry_id))
    except (TypeError, ValueError):
        entry = None
    if entry is None or entry.status != "published":
        abort(404)
    return entry


def _entry_page(entry: KbEntry, email_form: EmailForm | None = None, code_sent: bool = False):
    return render_template("kb_keyword/entry.html", entry=entry, answer_html=Markup(render_html(entry.answer_md)),  # noqa: S704 - nh3-sanitised
                           action_form=EntryActionForm(), email_form=email_form or EmailForm(),
                           code_sent=code_sent, own_address=own_confirmed_address(current_user))


@blueprint.get("/ask/entry/<int:entry_id>")
def entry_page(entry_id: int):
    return _entry_page(_entry_or_404(entry_id))


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
    code_sent = False
    if not form.errors:
        try:
            outcome = service.email_answer(entry.id, current_user, form.email.data, form.code.data)
        except service.AskError as exc:
            form.email.errors = [exc.message]
        except MailtoError as exc:
            field = form.code if exc.code in ("wrong_code", "code_expired", "no_code") else form.email
            field.errors = [exc.message]
            code_sent = field is form.code
        else:
            if outcome == "sent":
                flash(_("The answer has been sent to your e-mail."), "success")
                return redirect(url_for("kb_keyword.entry_page", entry_id=entry.id))
            code_sent = True
    # the same answer page with the typed address and the error (or the code field) beside it
    return _entry_page(entry, form, code_sent=code_sent)


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


DECISION_SCHEMA = {"type": "object", "description": "What the citizen is shown.", "properties": {
    "kind": {"type": "string", "enum": ["answer", "clarify", "request"],
             "description": "answer: one entry; clarify: up to three choices; request: the request form."},
    "shown": {"type": "array", "items": ANSWER_SCHEMA,
              "description": "Shown, in order: the answer; the choices when clarifying (\u201cMaybe you are "
                             "asking about\u2026\u201d); nothing for a request."},
    "confidence": {"type": "number"}}}
TURN_SCHEMA = {"type": "object", "description": "The turn to keep in the conversation (the page's hidden "
               "`thread` field is a JSON list of these).", "properties": {
    "q": {"type": "string"}, "k": {"type": "string"}, "ids": {"type": "array", "items": {"type": "integer"}},
    "t": {"type": "string"}, "p": {"type": "integer"}}}
RENDER_TURN = {"type": "boolean", "description": "Also return `turn_html`, the turn as the page renders it."}


def _with_turn(payload: dict, turn: thread.Turn, render: bool) -> dict:
    payload["turn"] = turn.to_json()
    if render:
        macro = get_template_attribute("kb_keyword/_thread.html", "turn_item")
        closed = None if payload.get("availability", {}).get("open", True) else payload.get("message")
        payload["turn_html"] = str(macro(turn_view(turn, _locale(), closed)))
    return payload


@blueprint.post("/api/v1/ask")
@api_doc(
    "Ask the online consultant",
    tags=["kb_keyword"],
    request_body={"type": "object", "required": ["question"], "properties": {
        "question": {"type": "string", "minLength": 1, "maxLength": service.MAX_QUESTION,
                     "description": "Refused when nothing printable is left (empty_question)"},
        "channel": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,39}$"},
        "suggest": {"type": "boolean", "description": "Live suggestions while typing: not logged."},
        "render_turn": RENDER_TURN}},
    response_schema={"type": "object", "properties": {
        "answered": {"type": "boolean"}, "understood": {"type": "boolean"},
        "token": {"type": ["string", "null"], "description": "Handle for rating this answer or picking a choice."},
        "decision": DECISION_SCHEMA,
        "answer": {"oneOf": [ANSWER_SCHEMA, {"type": "null"}]},
        "alternatives": {"type": "array", "items": ANSWER_SCHEMA},
        "message": {"type": "string"},
        "found": {"type": "integer", "description": "Answers shown (best and alternatives)."},
        "summary": {"type": "string", "description": "A short status for screen readers: N answers found."},
        "turn": TURN_SCHEMA, "turn_html": {"type": "string"},
        "route": {"type": "object"}, "availability": {"type": "object"}}},
)
def api_ask():
    data = json_body(required=("question",))
    channel = data.get("channel", "web")
    if not isinstance(channel, str) or not channel.isidentifier() or len(channel) > 40:
        raise ApiError(400, "invalid_channel", _("Unknown channel."))
    suggest = bool(data.get("suggest"))
    try:
        payload = service.ask(data["question"], channel=channel, locale=_locale(), user_id=_user_id(),
                              log=not suggest)
    except service.AskError as exc:
        raise ApiError(400, exc.code, exc.message) from None
    if not suggest:
        _with_turn(payload, turn_of(data["question"], payload), data.get("render_turn") is True)
    return jsonify(payload)


@blueprint.post("/api/v1/ask/pick")
@api_doc("Pick one of the consultant's choices: its answer, for the question asked", tags=["kb_keyword"],
         request_body={"type": "object", "required": ["question", "entry_id"], "properties": {
             "question": {"type": "string", "minLength": 1, "maxLength": service.MAX_QUESTION},
             "entry_id": {"type": "integer", "minimum": 1, "maximum": service.MAX_ID},
             "token": {"type": "string", "description": "The question's handle: the pick is kept for the analytics "
                                                        "and rating then rates the picked entry."},
             "render_turn": RENDER_TURN}},
         response_schema={"type": "object", "properties": {
             "answered": {"type": "boolean"}, "decision": DECISION_SCHEMA, "answer": ANSWER_SCHEMA,
             "token": {"type": ["string", "null"]}, "summary": {"type": "string"},
             "turn": TURN_SCHEMA, "turn_html": {"type": "string"}}},
         responses={404: "No such published answer"})
def api_pick():
    data = json_body(required=("question", "entry_id"))
    token = data.get("token") if isinstance(data.get("token"), str) else None
    try:
        question = service.clean_question(data["question"])
        entry = service.pick(token, data["entry_id"])
    except service.AskError as exc:
        raise ApiError(404 if exc.code == "invalid_entry" else 400, exc.code, exc.message) from None
    answers = thread.entry_answers(question, [entry.id], service.question_locale(question, _locale()))
    if not answers:
        raise ApiError(404, "invalid_entry", _("Unknown answer."))
    turn = thread.Turn(question, "answer", [entry.id], token, picked=True)
    payload = {"answered": True, "token": token, "answer": service.answer_json(answers[0]),
               "decision": {"kind": "answer", "shown": [service.answer_json(answers[0])], "confidence": 1.0},
               "summary": service.summary(1)}
    return jsonify(_with_turn(payload, turn, data.get("render_turn") is True))


@blueprint.post("/api/v1/ask/rate")
@api_doc("Rate an answer of the consultant", tags=["kb_keyword"],
         request_body={"type": "object", "required": ["token", "helpful"], "properties": {
             "token": {"type": "string"}, "helpful": {"type": "boolean"}}},
         response_schema={"type": "object", "properties": {"ok": {"type": "boolean"}}},
         responses={404: "No such answer token"})
def api_rate():
    data = json_body(required=("token", "helpful"))
    try:
        service.rate(data["token"], data["helpful"])
    except service.AskError as exc:
        raise ApiError(404 if exc.code == "invalid_token" else 400, exc.code, exc.message) from None
    return jsonify({"ok": True})


@blueprint.post("/api/v1/ask/save")
@api_doc("Save an answer to the personal cabinet (signed-in citizens)", tags=["kb_keyword"],
         request_body={"type": "object", "required": ["entry_id"], "properties": {
             "entry_id": {"type": "integer", "minimum": 1, "maximum": service.MAX_ID}}},
         response_schema={"type": "object", "properties": {"ok": {"type": "boolean"}}},
         responses={401: "Not signed in", 404: "No such answer"})
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
@api_doc("E-mail an answer to the citizen's own address: a signed-in citizen's confirmed e-mail, or "
         "an address confirmed first with a code mailed to it (202 code_sent; send again with 'code')",
         tags=["kb_keyword"],
         request_body={"type": "object", "required": ["entry_id"], "additionalProperties": False, "properties": {
             "entry_id": {"type": "integer", "minimum": 1, "maximum": service.MAX_ID},
             "email": {"type": "string", "format": "email", "maxLength": 254},
             "code": {"type": "string", "pattern": "^[0-9]{6}$"}}},
         response_schema={"type": "object", "properties": {"ok": {"type": "boolean"}}},
         responses={202: {"description": "A code was sent to the address; send the request again with it",
                          "content": {"application/json": {"schema": {"type": "object", "properties": {
                              "ok": {"type": "boolean"}, "code_sent": {"type": "boolean"},
                              "message": {"type": "string"}}}}}},
                    404: "No such answer", 429: "Too many e-mails or codes"})
def api_email():
    data = json_body(required=("entry_id",))
    try:
        outcome = service.email_answer(data["entry_id"], current_user, data.get("email"), data.get("code"))
    except service.AskError as exc:
        status = {"rate_limited": 429, "invalid_entry": 404}.get(exc.code, 400)
        raise ApiError(status, exc.code, exc.message) from None
    except MailtoError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    if outcome == "code_sent":
        return jsonify({"ok": False, "code_sent": True,
                        "message": _("We sent a code to this address. Type it to receive the answer.")}), 202
    return jsonify({"ok": True})


def nav_items() -> list[tuple[str, str]]:
    return [(_("Online consultant"), url_for("kb_keyword.ask_page"))]


def cabinet_section(user) -> list[Markup]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    html = render_template("kb_keyword/cabinet_section.html", saved=service.saved_entries(user),
                           delete_form=PlainForm())
    return [Markup(html)]  # noqa: S704 - a rendered (autoescaped) template
