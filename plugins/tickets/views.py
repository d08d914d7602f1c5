"""The citizen's pages: the request form (with the consultant's suggestions), "my requests",
a request's page with its thread, replies and uploads, and attachment downloads."""

from __future__ import annotations

import re
import secrets
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from sep_core import (
    InquiryLog,
    audit,
    client_requirements,
    current_state,
    db,
    drafts,
    large_body,
    now,
    plugin_settings,
    utcnow_naive,
)
from sep_core import gettext as _
from sep_core.web import url_for_or_none

from . import access, labels, service, sla, storage
from .forms import ReplyForm, SimpleForm, TicketForm
from .models import Attachment, Ticket
from .service import ActionError, status_label

blueprint = Blueprint("tickets", __name__, static_folder="static", static_url_path="/static/tickets")

PREFILL_PARAMS = ("question", "description")


def refuse_nul_characters():
    """A NUL character is never typed by a person, and PostgreSQL refuses it in text: 400."""
    for values in (request.args, request.form):
        for value in values.values():
            if "\x00" in value:
                abort(400)


blueprint.before_request(refuse_nul_characters)


@blueprint.app_template_filter("tickets_dt")
def format_moment(value) -> str:
    if value is None:
        return "—"
    moment = sla.from_naive_utc(value) if value.tzinfo is None else value
    return moment.strftime("%d.%m.%Y %H:%M")


blueprint.add_app_template_global(status_label, "tickets_status_label")
blueprint.add_app_template_global(sla.rule_text, "tickets_answer_rule")
blueprint.add_app_template_global(labels.message_kind, "tickets_kind_label")
blueprint.add_app_template_global(labels.queue, "tickets_queue_label")
blueprint.add_app_template_global(labels.staff_status, "tickets_staff_status_label")
blueprint.add_app_template_global(lambda code: labels.profile(code, locale()), "tickets_profile_label")
blueprint.add_app_template_global(lambda ticket: labels.lane(ticket, locale()), "tickets_lane_label")


def signed_in(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            login = url_for_or_none("identity_check.login", next=request.full_path.rstrip("?"))
            if login:
                return redirect(login)
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def locale() -> str:
    return str(get_locale() or "ru")


def category_choices() -> list[tuple[str, str]]:
    english = locale() == "en"  # Category.label, from the cached values
    return [("", _("— choose —"))] + [(c["code"], c["name_en"] if english else c["name_ru"])
                                       for c in service.category_rows()]


def _prefill(form: TicketForm) -> None:
    user = current_user
    for name in ("surname", "first_name", "patronymic", "email", "phone"):
        getattr(form, name).data = getattr(user, name) or ""
    # The consultant's question, kept server-side (sep_core.drafts) through sign-in and registration;
    # the query parameters are the older way (deprecated: they put the question in the address).
    question = drafts.draft() or next((request.args.get(p) for p in PREFILL_PARAMS if request.args.get(p)), "")
    question = question[:5000].strip()
    if question:
        form.description.data = question
        first_line = question.splitlines()[0] if question.splitlines() else question
        form.subject.data = (request.args.get("subject") or first_line)[:120]
    elif request.args.get("subject"):
        form.subject.data = request.args["subject"][:120]
    if request.args.get("category"):
        form.category.data = request.args["category"][:40]


def form_estimate(category_code: str | None, at=None) -> sla.Estimate:
    """The estimate for a request filed now (or at ``at``) in the lane of this category (the queue
    and profile the request would get; no category: the duty queue, as filing does)."""
    category = service.category_by_code((category_code or "")[:40])
    return sla.estimate((category.queue if category else "") or "duty", (category.profile if category else "") or "",
                        at=at)


def _tokens(raw: str | None) -> list[str]:
    return [t for t in (raw or "").split(",") if t][:50]


@blueprint.route("/requests/new", methods=["GET", "POST"])
@large_body
@signed_in
def new():
    missing = service.missing_confirmations(current_user)
    if missing:
        drafts.remember_next(url_for("tickets.new"))  # the confirmation page comes back here
        return render_template("tickets/confirm_first.html", missing=missing,
                               confirm=url_for_or_none("identity_check.confirm_page"),
                               cabinet=url_for_or_none("identity_check.cabinet")), 403
    form = TicketForm()
    form.category.choices = category_choices()
    if request.method == "GET":
        _prefill(form)
        form.form_token.data = secrets.token_urlsafe(24)
        return render_template("tickets/new.html", form=form, pending=[], file_errors=[],
                               estimate=form_estimate(form.category.data), limits=plugin_settings("tickets"))
    key = _form_key(form)
    if key and (existing := service.filed_with_key(current_user, key)) is not None:
        return redirect(url_for("tickets.detail", number=existing.number))  # the form sent again
    pending = service.pending_uploads(_tokens(form.pending.data), current_user)
    files, file_errors = storage.read_uploads(request.files.getlist(form.attachments.name))
    valid = form.validate()
    if valid and not file_errors:
        filed: dict = {}
        try:
            ticket, again = service.file_once(
                user=current_user, key=key, fields=form.data, category=service.category_by_code(form.category.data),
                channel="web", files=files, pending=pending,
                before_commit=lambda t, _thread: filed.update(number=t.number))
        except storage.UploadError as exc:
            file_errors.append(str(exc))
            files = []  # refused together (limits, antivirus): not kept
        else:
            number = ticket.number if again else filed["number"]  # no query after the commit
            drafts.drop_draft()
            if not again:
                flash(_("Your request %(number)s has been sent.", number=number), "success")
            return redirect(url_for("tickets.detail", number=number))
    if not key:
        form.form_token.data = secrets.token_urlsafe(24)
    # Keep what was accepted, so the citizen does not choose those files again.
    try:
        storage.check_set(files + [storage.CheckedFile(p.filename, b"", "pdf") for p in pending])
        pending = pending + service.keep_pending(files, current_user)
    except storage.UploadError as exc:
        if str(exc) not in file_errors:
            file_errors.append(str(exc))
    form.pending.data = ",".join(p.pending_token for p in pending if p.pending_token)
    return render_template("tickets/new.html", form=form, pending=pending, file_errors=file_errors,
                           estimate=form_estimate(form.category.data), limits=plugin_settings("tickets")), 400


FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _form_key(form: TicketForm) -> str | None:
    """The form's one-time token as stored with the request (``form:<token>``), or None."""
    token = (form.form_token.data or "").strip()
    return f"form:{token}" if FORM_TOKEN.fullmatch(token) else None


@blueprint.post("/requests/deflected")
@signed_in
def deflected():
    """"This answered my question": nothing is filed; the answer is logged for the analytics."""
    form = SimpleForm()
    if not form.validate_on_submit():
        abort(400)
    ref = (request.form.get("answer_ref") or "")[:120]
    source = (request.form.get("answer_source") or "")[:60]
    db.session.add(InquiryLog(channel="tickets_form", user_id=current_user.id, text="", action="answer",
                              answered=True, answer_source=source or None, answer_ref=ref or None,
                              created_at=utcnow_naive()))
    db.session.commit()
    return render_template("tickets/deflected.html")


@blueprint.get("/requests")
@signed_in
def my_requests():
    tickets = db.session.execute(select(Ticket).filter_by(user_id=current_user.id)
                                 .order_by(Ticket.id.desc()).limit(200)).scalars().all()
    return render_template("tickets/list.html", tickets=tickets,
                           notifications=service.unread_notifications(current_user))


def _detail_context(ticket: Ticket, reply_form=None, file_errors=(), pending=()):
    messages = access.visible_messages(ticket, staff=False)
    attachments = db.session.execute(select(Attachment).filter_by(ticket_id=ticket.id)
                                     .order_by(Attachment.id)).scalars().all()
    by_message: dict = {}
    for a in attachments:
        by_message.setdefault(a.message_id, []).append(a)
    checklist = []
    if ticket.status == "waiting_requirement":
        probes = {r.id: r for r in client_requirements(request, current_user)}
        asked = [r["id"] for r in ticket.requirements or [] if not r.get("custom")]
        if asked:  # stored results (a probe that ran on the requirements plugin's page) win
            for group in current_state().pm.hook.sep_requirement_status(user=current_user, requirement_ids=asked):
                for stored in group or []:
                    if stored.met is not None or stored.id not in probes:
                        probes[stored.id] = stored
        for item in ticket.requirements or []:
            probe = probes.get(item["id"])
            html = (probe.instructions_html if probe and probe.instructions_html
                    else item.get("instructions_html") or "")
            # Requirement.instructions_html is HTML by the hook contract (written by the plugin, not users).
            checklist.append({**item, "met": probe.met if probe else None, "instructions_html": Markup(html)})  # noqa: S704
    return {"ticket": ticket, "messages": messages, "by_message": by_message,
            "reply_form": reply_form or ReplyForm(), "action_form": SimpleForm(),
            "estimate": sla.ticket_estimate(ticket), "overdue": sla.is_overdue(ticket),
            "can_reopen": service.reopen_allowed(ticket), "checklist": checklist,
            "file_errors": list(file_errors), "pending": list(pending), "at": now(),
            "check_url": url_for_or_none("client_check.check_page")}


@blueprint.get("/requests/<number>")
@signed_in
def detail(number: str):
    ticket = access.own_ticket_or_404(number)
    service.mark_read(ticket, current_user)
    return render_template("tickets/detail.html", **_detail_context(ticket))


@blueprint.post("/requests/<number>/reply")
@large_body
@signed_in
def reply(number: str):
    ticket = access.own_ticket_or_404(number)
    form = ReplyForm()
    pending = service.pending_uploads(_tokens(form.pending.data), current_user)
    files, file_errors = storage.read_uploads(request.files.getlist(form.attachments.name))
    if form.validate() and not file_errors:
        try:
            service.citizen_reply(ticket, current_user, form.body.data, files=files, pending=pending)
        except (ActionError, storage.UploadError) as exc:
            file_errors.append(str(exc))
            files = []
        else:
            flash(_("Your message has been sent."), "success")
            return redirect(url_for("tickets.detail", number=ticket.number))
    try:
        storage.check_set(files + [storage.CheckedFile(p.filename, b"", "pdf") for p in pending])
        pending = pending + service.keep_pending(files, current_user)
    except storage.UploadError as exc:
        file_errors.append(str(exc))
    form.pending.data = ",".join(p.pending_token for p in pending if p.pending_token)
    ticket = db.session.get(Ticket, ticket.id)
    return render_template("tickets/detail.html", **_detail_context(ticket, form, file_errors, pending)), 400


def _simple_action(number: str, action, done_message: str):
    ticket = access.own_ticket_or_404(number)
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        action(ticket, current_user)
    except ActionError as exc:
        flash(str(exc), "error")
    else:
        flash(done_message, "success")
    return redirect(url_for("tickets.detail", number=ticket.number))


@blueprint.post("/requests/<number>/close")
@signed_in
def close(number: str):
    return _simple_action(number, service.citizen_close, _("The request is closed."))


@blueprint.post("/requests/<number>/reopen")
@signed_in
def reopen(number: str):
    return _simple_action(number, service.citizen_reopen, _("The request is open again."))


@blueprint.post("/requests/<number>/requirements-done")
@signed_in
def requirements_done(number: str):
    return _simple_action(number, service.requirements_done, _("Thank you, staff will go on with your request."))


@blueprint.get("/requests/attachments/<int:attachment_id>")
@signed_in
def download(attachment_id: int):
    row, ticket = access.attachment_or_404(attachment_id)
    if ticket is not None and ticket.user_id != current_user.id:
        audit(current_user, "ticket_attachment_viewed", "ticket", ticket.number, reason=f"attachment {row.id}")
        db.session.commit()
    try:
        path = storage.path_of(row.storage_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.filename,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- slots -------------------------------------------------------------------------------------------


def nav_items(user) -> list[tuple[str, str]]:
    items = []
    if getattr(user, "is_authenticated", False):
        if user.role == "citizen":
            items.append((_("My requests"), url_for("tickets.my_requests")))
        if access.is_desk_user(user):
            items.append((_("Request desk"), url_for("tickets_desk.queue")))
    return items


def cabinet_section(user) -> list[Markup]:
    if not getattr(user, "is_authenticated", False):
        return []
    tickets = db.session.execute(select(Ticket).filter_by(user_id=user.id).order_by(Ticket.id.desc())
                                 .limit(10)).scalars().all()
    html = render_template("tickets/_cabinet.html", tickets=tickets, notifications=service.unread_notifications(user))
    return [Markup(html)]  # noqa: S704 - an autoescaped template
