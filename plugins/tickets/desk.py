"""The staff desk: queues with filters and SLA timers, a request's page with the whole thread,
and every staff action (take, assign, answer, note, documents, identity, requirement,
escalation, corrections, close), canned responses, phone requests and categories."""

from __future__ import annotations

from functools import wraps

import phonenumbers
from flask import Blueprint, abort, flash, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from sep_core import (
    User,
    audit,
    channel_label,
    current_state,
    db,
    identity_channels,
    large_body,
    now,
    role_label,
    utcnow_naive,
)
from sep_core import gettext as _
from sep_core import lazy_gettext as _l

from . import access, desk_rules, labels, profiles, service, sla, storage
from .forms import (
    AssignForm,
    CannedForm,
    CategoryForm,
    EditForm,
    EscalateForm,
    IdentityForm,
    PhoneTicketForm,
    ProfileForm,
    RequirementForm,
    SimpleForm,
    StaffReplyForm,
    StaffTextForm,
)
from .models import (
    OPEN,
    STATUSES,
    WAITING,
    Attachment,
    CannedResponse,
    Category,
    HistoryEntry,
    Ticket,
)
from .service import ActionError
from .views import category_choices, locale, refuse_nul_characters

desk = Blueprint("tickets_desk", __name__, url_prefix="/desk")

#: What a history entry's kind and a corrected field are called on the desk.
HISTORY_LABELS = {"created": _l("Created"), "status": _l("Status"), "assigned": _l("Assigned"),
                  "handed_over": _l("Handed over at the end of a shift"),
                  "field": _l("Corrected"), "escalated": _l("Escalated"), "requirement_met": _l("Requirement met"),
                  "identity_checked": _l("Identity check")}
#: The outcome of an identity check (the identity plugin's statuses).
IDENTITY_OUTCOMES = {"passed": _l("passed"), "failed": _l("failed"), "expired": _l("expired"), "void": _l("cancelled"),
                     "pending": _l("pending")}
FIELD_LABELS = {"surname": _l("Surname"), "first_name": _l("First name"), "patronymic": _l("Patronymic (if any)"),
                "email": _l("E-mail"), "phone": _l("Phone"), "subject": _l("Subject"),
                "description": _l("Description"), "category": _l("Reason")}

PAGE_SIZE = 50
desk.before_request(refuse_nul_characters)


def desk_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(404 if request.method != "GET" else 403)
        if not access.is_desk_user(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (current_user.is_authenticated and current_user.role == "admin"):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def visible_query():
    return desk_rules.visible_query(current_user)


@desk.get("")
@desk.get("/")
@desk_only
def queue():
    at = now()
    filters = desk_rules.QueueFilters.from_args(request.args)
    tickets, more, applied = desk_rules.queue_page(current_user, filters, at, PAGE_SIZE)
    rows = [{"ticket": t, "overdue": sla.is_overdue(t, at), "left": time_left_text(t, at)} for t in tickets]
    return render_template("tickets/desk_queue.html", rows=rows, status=applied.status, category=applied.category,
                           channel=applied.channel, mine=applied.mine, due=applied.due, page=applied.page,
                           more=more, units=sla.units_label(), statuses=STATUSES, channels=desk_channels(),
                           categories=category_choices())


def desk_channels() -> list[str]:
    return desk_rules.desk_channels()


def time_left_text(ticket: Ticket, at) -> str:
    """Hours:minutes left in the policy's own units (clock hours of working days, or working
    hours); "-" before an overdue request's count; "paused" while waiting for the citizen."""
    if ticket.status in WAITING:
        return _("paused")
    hours = sla.time_left(ticket, at)
    if hours is None:
        return ""
    minutes = round(abs(hours) * 60)
    sign = "-" if hours < 0 and minutes else ""
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


def _staff_choices(profile: str | None = None) -> list[tuple[str, str]]:
    return [(str(u.id), f"{u.full_name or u.email or u.id} ({role_label(u.role)})")
            for u in desk_rules.desk_staff(profile)]


def _assign_choices() -> list[tuple]:
    """The assign list: whom a roster (``sep_on_duty``) says is off shift is shown disabled with the
    reason (the service refuses them too); without a roster everyone is offered."""
    at, on_duty = now(), current_state().pm.hook.sep_on_duty
    choices: list[tuple] = []
    for u in desk_rules.desk_staff(None):
        label = f"{u.full_name or u.email or u.id} ({role_label(u.role)})"
        if on_duty(user=u, at=at) is False:
            choices.append((str(u.id), _("%(name)s — not on shift", name=label), {"disabled": True}))
        else:
            choices.append((str(u.id), label))
    return choices


def _requirement_catalog() -> list:
    return desk_rules.requirement_catalog()


def _forms(ticket: Ticket, **override):
    owner = db.session.get(User, ticket.user_id) if ticket.user_id else None
    identity = IdentityForm(prefix="identity")
    identity.channel.choices = [(c, channel_label(c)) for c in (identity_channels(owner) if owner else [])]
    requirement = RequirementForm(prefix="requirement")
    requirement.requirement_ids.choices = [(r.id, r.name) for r in _requirement_catalog()]
    escalate = EscalateForm(prefix="escalate")
    escalate.assignee.choices = [("", "—"), *_staff_choices()]
    escalate.profile.choices = profiles.choices(locale(), _("— choose —"))
    if not escalate.profile.data:
        escalate.profile.data = service.default_profile(ticket)
    assign = AssignForm(prefix="assign")
    assign.assignee.choices = _assign_choices()
    edit = EditForm(prefix="edit", obj=ticket)
    edit.category.choices = category_choices()
    if request.method == "GET":
        edit.category.data = ticket.category.code if ticket.category else ""
    forms = {"reply_form": StaffReplyForm(prefix="reply"), "note_form": StaffTextForm(prefix="note"),
             "documents_form": StaffTextForm(prefix="documents"), "identity_form": identity,
             "requirement_form": requirement, "escalate_form": escalate, "assign_form": assign,
             "edit_form": edit, "action_form": SimpleForm()}
    forms.update(override)
    return forms, owner


def _render_detail(ticket: Ticket, status: int = 200, errors=(), **override):
    forms, owner = _forms(ticket, **override)
    messages = access.visible_messages(ticket, staff=True)
    attachments = db.session.execute(select(Attachment).filter_by(ticket_id=ticket.id)
                                     .order_by(Attachment.id)).scalars().all()
    by_message: dict = {}
    for a in attachments:
        by_message.setdefault(a.message_id, []).append(a)
    history = db.session.execute(select(HistoryEntry).filter_by(ticket_id=ticket.id)
                                 .order_by(HistoryEntry.id)).scalars().all()
    names = {u.id: (u.full_name or u.email or str(u.id)) for u in db.session.execute(
        select(User).where(User.id.in_({m.author_id for m in messages} | {h.actor_id for h in history}
                                       | {h.data.get("to") for h in history if h.kind == "assigned"
                                          and isinstance(h.data, dict) and isinstance(h.data.get("to"), int)}
                                       | {ticket.assignee_id}))).scalars()}
    canned = db.session.execute(select(CannedResponse).order_by(CannedResponse.title)).scalars().all()
    return render_template("tickets/desk_detail.html", ticket=ticket, owner=owner, messages=messages,
                           by_message=by_message, history=history, names=names, canned=canned,
                           history_labels=HISTORY_LABELS, field_labels=FIELD_LABELS,
                           identity_outcomes=IDENTITY_OUTCOMES,
                           estimate=sla.ticket_estimate(ticket), overdue=sla.is_overdue(ticket),
                           left=time_left_text(ticket, now()), units=sla.units_label(),
                           errors=list(errors), identity_available=bool(
                               current_state().pm.hook.sep_start_identity_check.get_hookimpls()),
                           **forms), status


@desk.get("/requests/<number>")
@desk_only
def detail(number: str):
    ticket = access.desk_ticket_or_404(number)
    audit(current_user, "ticket_viewed", "ticket", ticket.number)
    db.session.commit()
    return _render_detail(ticket)


def _form_errors(form) -> list[str]:
    return [f"{getattr(form, name).label.text}: {msg}" for name, msgs in form.errors.items()
            for msg in msgs if name != "csrf_token"] or ([_("The form has expired; reload the page.")]
                                                         if "csrf_token" in form.errors else [])


@desk.post("/requests/<number>/<action>")
@large_body
@desk_only
def act(number: str, action: str):
    ticket = access.desk_ticket_or_404(number)
    handler = ACTIONS.get(action)
    if handler is None:
        abort(404)
    try:
        result = handler(ticket)
    except (ActionError, storage.UploadError) as exc:
        db.session.rollback()
        ticket = db.session.get(Ticket, ticket.id)
        return _render_detail(ticket, 400, [str(exc)])
    if isinstance(result, tuple):  # a form with errors
        form_name, form = result
        return _render_detail(ticket, 400, _form_errors(form), **{form_name: form})
    flash(result, "success")
    ticket = db.session.get(Ticket, ticket.id)
    if ticket is None or not access.staff_can_see(current_user, ticket):
        return redirect(url_for("tickets_desk.queue"))
    return redirect(url_for("tickets_desk.detail", number=ticket.number))


def _take(ticket):
    if not SimpleForm().validate_on_submit():
        raise ActionError(_("The form has expired; reload the page."))
    service.take(ticket, current_user)
    return _("You have taken the request.")


def _assign(ticket):
    form = AssignForm(prefix="assign")
    form.assignee.choices = _assign_choices()
    if not form.validate_on_submit():
        return "assign_form", form
    service.assign(ticket, current_user, db.session.get(User, int(form.assignee.data)))
    return _("The request is assigned.")


def _reply(ticket):
    form = StaffReplyForm(prefix="reply")
    if not form.validate_on_submit():
        return "reply_form", form
    files, errors = storage.read_uploads(request.files.getlist(form.attachments.name))
    if errors:
        raise ActionError(" ".join(errors))
    service.answer(ticket, current_user, form.body.data, files=files)
    return _("The answer has been sent to the citizen.")


def _note(ticket):
    form = StaffTextForm(prefix="note")
    if not form.validate_on_submit():
        return "note_form", form
    service.note(ticket, current_user, form.body.data)
    return _("The note is saved (staff only).")


def _documents(ticket):
    form = StaffTextForm(prefix="documents")
    if not form.validate_on_submit():
        return "documents_form", form
    service.request_documents(ticket, current_user, form.body.data)
    return _("The citizen has been asked for the documents.")


def _identity(ticket):
    form = IdentityForm(prefix="identity")
    owner = db.session.get(User, ticket.user_id) if ticket.user_id else None
    form.channel.choices = [(c, channel_label(c)) for c in (identity_channels(owner) if owner else [])]
    if not form.validate_on_submit():
        return "identity_form", form
    service.request_identity(ticket, current_user, form.channel.data, form.reason.data or "")
    return _("A code has been sent to the citizen through %(channel)s.", channel=channel_label(form.channel.data))


def _requirement(ticket):
    form = RequirementForm(prefix="requirement")
    catalog = {r.id: r for r in _requirement_catalog()}
    form.requirement_ids.choices = [(r.id, r.name) for r in catalog.values()]
    if not form.validate_on_submit():
        return "requirement_form", form
    items = [{"id": r.id, "name": r.name, "instructions_html": r.instructions_html}
             for rid in form.requirement_ids.data or [] if (r := catalog.get(rid))]
    service.request_requirement(ticket, current_user, items, form.text.data or "")
    return _("The citizen has been asked to meet the technical requirements.")


def _escalate(ticket):
    form = EscalateForm(prefix="escalate")
    form.assignee.choices = [("", "—"), *_staff_choices()]
    form.profile.choices = profiles.choices(locale(), _("— choose —"))
    if not form.validate_on_submit():
        return "escalate_form", form
    assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    service.escalate(ticket, current_user, form.profile.data, form.reason.data, assignee)
    return _("The request has been escalated to the profile %(profile)s.",
             profile=labels.profile(form.profile.data, locale()))


def _edit(ticket):
    form = EditForm(prefix="edit")
    form.category.choices = category_choices()
    if not form.validate_on_submit():
        return "edit_form", form
    changes = {name: getattr(form, name).data for name in service.EDITABLE_FIELDS if name != "category"}
    changes["category"] = service.category_by_code(form.category.data)
    changed = service.edit_fields(ticket, current_user, changes)
    return _("Corrected: %(fields)s.", fields=", ".join(changed)) if changed else _("Nothing has changed.")


def _close(ticket):
    if not SimpleForm().validate_on_submit():
        raise ActionError(_("The form has expired; reload the page."))
    service.staff_close(ticket, current_user)
    return _("The request is closed.")


ACTIONS = {"take": _take, "assign": _assign, "reply": _reply, "note": _note, "documents": _documents,
           "identity": _identity, "requirement": _requirement, "escalate": _escalate, "edit": _edit,
           "close": _close}


def contact_requests(user, phone: str) -> list[dict]:
    """``sep_contact_requests``: open requests of the caller's account or filed with that number."""
    conditions = [Ticket.phone == phone] if phone else []
    if user is not None and getattr(user, "id", None):
        conditions.append(Ticket.user_id == user.id)
    if not conditions:
        return []
    tickets = db.session.execute(select(Ticket).where(or_(*conditions), Ticket.status.in_(OPEN))
                                 .order_by(Ticket.id.desc()).limit(20)).scalars().all()
    return [{"number": t.number, "subject": t.subject, "status": t.status,
             "status_label": service.status_label(t.status),
             "url": url_for("tickets_desk.detail", number=t.number) if has_request_context()
             else f"{desk.url_prefix}/requests/{t.number}"} for t in tickets]


# --- phone requests ---------------------------------------------------------------------------------


def _find_citizen(value: str) -> User | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    candidates = {value}
    try:  # the phone as stored (E.164), whatever way staff typed it
        number = phonenumbers.parse(value, "RU")
        candidates.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    except phonenumbers.NumberParseException:
        pass
    return db.session.execute(select(User).where(or_(User.email.in_(candidates), User.phone.in_(candidates)),
                                                 User.role == "citizen")).scalars().first()


@desk.route("/phone", methods=["GET", "POST"])
@large_body
@desk_only
def phone():
    form = PhoneTicketForm()
    form.category.choices = category_choices()
    errors: list[str] = []
    if request.method == "POST" and request.form.get("prefill") == "call":
        # opened from a caller card (channel_phone): the fields arrive filled in, nothing is saved yet
        return render_template("tickets/desk_phone.html", form=form, errors=errors)
    if form.validate_on_submit():
        citizen = _find_citizen(form.citizen.data)
        if form.citizen.data and citizen is None:
            errors.append(_("No citizen account with this e-mail or phone; leave the field empty to register the "
                            "request without an account."))
        else:
            files, errors = storage.read_uploads(request.files.getlist(form.attachments.name))
            if not errors:
                try:
                    ticket = service.create_ticket(user=citizen, fields=form.data,
                                                   category=service.category_by_code(form.category.data),
                                                   channel="phone", files=files, registered_by=current_user)
                except storage.UploadError as exc:
                    errors.append(str(exc))
                else:
                    flash(_("Request %(number)s is registered.", number=ticket.number), "success")
                    return redirect(url_for("tickets_desk.detail", number=ticket.number))
    status = 400 if request.method == "POST" else 200
    return render_template("tickets/desk_phone.html", form=form, errors=errors), status


# --- canned responses -------------------------------------------------------------------------------


@desk.route("/canned", methods=["GET", "POST"])
@desk_only
def canned():
    form = CannedForm()
    edit_id = request.args.get("edit", "")
    row = db.session.get(CannedResponse, int(edit_id)) if edit_id.isdigit() and len(edit_id) < 10 else None
    if request.method == "GET" and row is not None:
        form.title.data, form.body.data = row.title, row.body
    if form.validate_on_submit():
        if row is None:
            row = CannedResponse()
            db.session.add(row)
        row.title, row.body = form.title.data.strip(), form.body.data
        row.updated_by_id, row.updated_at = current_user.id, utcnow_naive()
        db.session.commit()
        flash(_("The canned response is saved."), "success")
        return redirect(url_for("tickets_desk.canned"))
    items = db.session.execute(select(CannedResponse).order_by(CannedResponse.title)).scalars().all()
    return render_template("tickets/desk_canned.html", form=form, items=items, editing=row,
                           delete_form=SimpleForm()), (400 if request.method == "POST" else 200)


@desk.post("/canned/<int:canned_id>/delete")
@desk_only
def canned_delete(canned_id: int):
    if not SimpleForm().validate_on_submit():
        abort(400)
    row = db.session.get(CannedResponse, canned_id) if access.valid_id(canned_id) else None
    if row is None:
        abort(404)
    db.session.delete(row)
    db.session.commit()
    flash(_("The canned response is deleted."), "success")
    return redirect(url_for("tickets_desk.canned"))


# --- categories (admins) ---------------------------------------------------------------------------


@desk.route("/categories", methods=["GET", "POST"])
@admin_only
def categories():
    service.ensure_categories()
    form = CategoryForm()
    form.profile.choices = profiles.choices(locale(), "—")
    if form.validate_on_submit():
        code = form.code.data
        row = db.session.execute(select(Category).filter_by(code=code)).scalar_one_or_none() or Category(code=code)
        row.name_ru, row.name_en = form.name_ru.data.strip(), form.name_en.data.strip()
        row.queue, row.profile = form.queue.data, form.profile.data or ""
        row.position, row.active = form.position.data or 0, bool(form.active.data)
        db.session.add(row)
        db.session.commit()
        service.forget_categories()
        flash(_("The category is saved."), "success")
        return redirect(url_for("tickets_desk.categories"))
    items = db.session.execute(select(Category).order_by(Category.position, Category.id)).scalars().all()
    return render_template("tickets/desk_categories.html", form=form, items=items,
                           locale=locale()), (400 if request.method == "POST" else 200)


# --- specialist profiles (admins) ---------------------------------------------------------------------


@desk.route("/profiles", methods=["GET", "POST"])
@admin_only
def profiles_page():
    form = ProfileForm()
    edit = request.args.get("edit", "")[:60]
    row = next((p for p in profiles.all_profiles() if p.code == edit), None)
    if request.method == "GET" and row is not None:
        form.process(obj=row)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            saved = profiles.save(form.code.data, form.name_ru.data, form.name_en.data, bool(form.active.data),
                                  form.position.data)
        except profiles.ProfileError as exc:
            errors.append(str(exc))
        else:
            audit(current_user, "ticket_profile_saved", "profile", saved.code,
                  reason="active" if saved.active else "inactive")
            db.session.commit()
            flash(_("The profile is saved."), "success")
            return redirect(url_for("tickets_desk.profiles_page"))
    items = [{"profile": p, "specialists": len(profiles.specialists(p.code))} for p in profiles.all_profiles()]
    return render_template("tickets/desk_profiles.html", form=form, items=items, errors=errors,
                           locale=locale()), (400 if request.method == "POST" else 200)
