"""The life of a request: filing, the thread, status changes (with the deadline clock),
staff actions, notifications through the outbox, and the broadcast events.

Every function works in the caller's transaction and commits at the end, except where noted; on
an error the transaction is rolled back and files written for it are removed.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta

from flask import current_app, g, has_request_context
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from sep_core import (
    Inquiry,
    RouteAction,
    User,
    audit,
    availability,
    channel_label,
    current_state,
    db,
    now,
    plugin_settings,
    public_url,
    send_mail,
    utcnow_naive,
)
from sep_core import gettext as _
from sep_core import lazy_gettext as _l

from . import bulk, counts, profiles, sla, storage
from .models import ACTIVE, OPEN, WAITING, Attachment, Category, HistoryEntry, Message, Notification, Ticket
from .numbering import next_number

STATUS_LABELS = {
    "new": _l("New"),
    "in_progress": _l("In progress"),
    "waiting_documents": _l("Waiting for your documents"),
    "waiting_identity": _l("Waiting for identity confirmation"),
    "waiting_requirement": _l("Waiting for a technical requirement"),
    "escalated": _l("With a specialist"),
    "answered": _l("Answered"),
    "closed": _l("Closed"),
}
EDITABLE_FIELDS = ("surname", "first_name", "patronymic", "email", "phone", "subject", "description", "category")


class ActionError(ValueError):
    """A staff or citizen action that cannot be done now; the message is for the person."""


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def hook():
    return current_state().pm.hook


# --- categories -------------------------------------------------------------------------------------


def ensure_categories() -> None:
    """Write the configured categories once (when the table is empty). Rows are never deleted
    (admins deactivate them), so once seen the answer is remembered for the app."""
    if current_app.extensions.get("tickets_categories_seeded"):
        return
    if db.session.execute(select(Category.id).limit(1)).first() is not None:
        current_app.extensions["tickets_categories_seeded"] = True
        return
    for position, item in enumerate(plugin_settings("tickets")["categories"]):
        db.session.add(Category(code=item["code"], name_ru=item["name_ru"], name_en=item["name_en"],
                                queue=item.get("queue") or "duty", profile=item.get("profile") or "",
                                position=position, active=True))
    db.session.commit()
    current_app.extensions["tickets_categories_seeded"] = True


_CATEGORY_COLUMNS = ("id", "code", "name_ru", "name_en", "queue", "profile", "active", "position")


def category_rows() -> list[dict]:
    """The active categories as plain values (``id``, ``code``, ``name_ru``, ...), in order. They
    change rarely (admins, on the desk), so each worker reads them at most every
    ``categories_cache_seconds``; an edit in this worker is seen at once (:func:`forget_categories`)."""
    ensure_categories()
    cached = current_app.extensions.get("tickets_categories_cache")
    if cached is None or time.monotonic() - cached[0] > float(plugin_settings("tickets")["categories_cache_seconds"]):
        found = db.session.execute(
            select(Category).filter_by(active=True).order_by(Category.position, Category.id)).scalars()
        cached = (time.monotonic(), [{c: getattr(row, c) for c in _CATEGORY_COLUMNS} for row in found])
        current_app.extensions["tickets_categories_cache"] = cached
    return cached[1]


def _in_session(values: dict) -> Category:
    """A known category row put into this session without loading it (a request filed with it reads
    its category without a query)."""
    row = Category(**values)
    make_transient_to_detached(row)
    return db.session.merge(row, load=False)


def active_categories() -> list[Category]:
    """The active categories as rows of this session (read once per request)."""
    if has_request_context() and "tickets_categories" in g:
        return g.tickets_categories
    rows = [_in_session(values) for values in category_rows()]
    if has_request_context():
        g.tickets_categories = rows
    return rows


def forget_categories() -> None:
    """After an edit of the categories: read them again on next use."""
    current_app.extensions.pop("tickets_categories_cache", None)
    if has_request_context():
        g.pop("tickets_categories", None)


def category_by_code(code: str | None) -> Category | None:
    if not code:
        return None
    values = next((v for v in category_rows() if v["code"] == code), None)
    return _in_session(values) if values is not None else None


# --- who may file -----------------------------------------------------------------------------------


def missing_confirmations(user) -> list[str]:
    """What the citizen must still confirm before filing (identity plugin, else the core fields)."""
    caller = hook().sep_missing_confirmations
    if caller.get_hookimpls():
        return [item for group in caller(user=user) for item in (group or [])]
    missing = []
    if user.email and user.email_confirmed_at is None:
        missing.append("email")
    if user.phone and user.phone_confirmed_at is None:
        missing.append("phone")
    if not user.email and not user.phone:
        missing.append("contact")
    return missing


# --- uploads kept across a form error -------------------------------------------------------------


def keep_pending(files: list[storage.CheckedFile], owner: User) -> list[Attachment]:
    """Store accepted files of a submission that failed validation, so the citizen does not
    have to choose them again; they are attached when the form is sent successfully."""
    if not files:
        return []
    rows = storage.store(files, owner.id)
    try:
        for row in rows:
            row.pending_token = secrets.token_urlsafe(24)
            db.session.add(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        storage.discard(rows)
        raise
    return rows


def pending_uploads(tokens: Iterable[str], owner: User) -> list[Attachment]:
    tokens = [t for t in tokens if t and len(t) <= 64][:50]
    if not tokens:
        return []
    return list(db.session.execute(
        select(Attachment).where(Attachment.pending_token.in_(tokens), Attachment.owner_id == owner.id,
                                 Attachment.ticket_id.is_(None)).order_by(Attachment.id)).scalars())


def purge_pending(older_than_hours: float | None = None) -> int:
    hours = older_than_hours if older_than_hours is not None else plugin_settings("tickets")["pending_upload_hours"]
    cutoff = utcnow_naive() - timedelta(hours=float(hours))
    rows = list(db.session.execute(
        select(Attachment).where(Attachment.ticket_id.is_(None), Attachment.created_at < cutoff)).scalars())
    for row in rows:
        db.session.delete(row)
    db.session.commit()
    storage.discard(rows)
    return len(rows)


def _attach(ticket: Ticket, message: Message | None, files: list[storage.CheckedFile], pending: list[Attachment],
            owner_id: int | None, new_ticket: bool = False) -> list[Attachment]:
    if not new_ticket:  # a new request has no files yet and its set was checked by create_ticket
        existing = db.session.execute(
            select(Attachment.size).where(Attachment.ticket_id == ticket.id)).scalars().all() if ticket.id else []
        all_new = files + [storage.CheckedFile(p.filename, b"\0" * p.size, "pdf") for p in pending]
        storage.check_set(all_new, len(existing), sum(existing))
    written = storage.store(files, owner_id)
    for row in written + pending:
        row.ticket_id = ticket.id
        if message is not None and message.id is None:
            row.message = message  # written with the message in one flush
        else:
            row.message_id = message.id if message is not None else None
        row.pending_token = None
        db.session.add(row)
    return written


# --- filing ---------------------------------------------------------------------------------------


def create_ticket(*, user: User | None, fields: dict, category: Category | None, channel: str,
                  files: list[storage.CheckedFile] = (), pending: list[Attachment] = (),
                  registered_by: User | None = None, commit: bool = True, idempotency_key: str | None = None,
                  before_commit: Callable[[Ticket, list[tuple[Message, list[Attachment]]]], None] | None = None,
                  ) -> Ticket:
    """File a request (the citizen's, or one a staff member registers from a phone call).

    With ``commit=False`` the caller's transaction is used and the caller commits.
    ``before_commit(ticket, thread)`` runs last inside the transaction, everything written:
    callers build their answer there, because after the commit every attribute is expired and
    reading one is a query — one a dropped connection would turn into an error although the
    request is stored. ``thread`` is the new request's ``[(message, attachments)]``, in memory,
    so the answer needs no query either."""
    files, pending = list(files), list(pending)
    storage.check_set(files + [storage.CheckedFile(p.filename, b"\0" * p.size, "pdf") for p in pending])
    at = now()
    ticket = Ticket(
        number=next_number(at.year), user_id=getattr(user, "id", None), channel=channel,
        category_id=category.id if category else None,
        queue=(category.queue if category else "") or "duty", profile=(category.profile if category else "") or "",
        registered_by_id=getattr(registered_by, "id", None), status="new", idempotency_key=idempotency_key,
        created_at=sla.to_naive_utc(at), updated_at=sla.to_naive_utc(at),
        **{k: (fields.get(k) or "").strip() for k in ("surname", "first_name", "patronymic", "email", "phone",
                                                       "subject", "description")},
    )
    sla.start_clock(ticket, at)
    written: list[Attachment] = []
    # PostgreSQL: the request and its first rows are written together in one statement (bulk)
    # once they are all built; they are built with the request's id still unknown.
    together = not pending and bulk.available()
    try:
        db.session.add(ticket)
        if not together:
            db.session.flush()
        with db.session.no_autoflush:
            message = Message(ticket_id=ticket.id, author_id=getattr(user, "id", None), kind="citizen",
                              body=ticket.description, created_at=ticket.created_at)
            db.session.add(message)  # flushed with the attachments, history and notification below
            written = _attach(ticket, message, files, pending, getattr(user, "id", None), new_ticket=True)
            _history(ticket, registered_by or user, "created", {"channel": channel})
            _auto_assign(ticket)
            if registered_by is not None:
                audit(registered_by, "ticket_registered", "ticket", ticket.number, reason=f"channel {channel}")
            _notify(ticket, _l("Your request %(number)s has been received."), _l(
                "We have received your request %(number)s. The deadline for an answer is %(due)s (Moscow time)."),
                with_rule=True, kind="received")
            rows = bulk.pending_rows(ticket) if together else None
        if rows is not None:
            bulk.insert(ticket, rows)
        elif together:  # something unexpected is pending: the unit of work sorts it out
            _flush_with_ticket_id(ticket)
        hook().sep_on_ticket_created(ticket=ticket)
        if before_commit is not None:
            db.session.flush()
            before_commit(ticket, [(message, written + pending)])
        if commit:
            db.session.commit()
    except Exception:
        if commit:
            db.session.rollback()
        storage.discard(written)
        raise
    return ticket


def _flush_with_ticket_id(ticket: Ticket) -> None:
    """Flush a new request whose rows were built before it had an id: the request first, then its
    rows with its id."""
    new = [obj for obj in db.session.new if obj is not ticket and isinstance(obj, bulk.CHILDREN)]
    for obj in new:
        db.session.expunge(obj)
    db.session.flush()
    for obj in new:
        if obj.ticket_id is None:
            obj.ticket_id = ticket.id
        db.session.add(obj)


def open_load() -> dict[int, int]:
    """Open requests per assignee (the weight of the roster's round-robin); this worker's copy,
    at most ``counts_cache_seconds`` old, with its own assignments counted (:mod:`.counts`)."""
    return counts.open_load()


class _OpenLoad(Mapping):
    """:func:`open_load`, counted on first use: most filings find nobody (or one person) on shift
    to weigh."""

    def __init__(self) -> None:
        self._counts: dict[int, int] | None = None

    def _get(self) -> dict[int, int]:
        if self._counts is None:
            self._counts = open_load()
        return self._counts

    def __getitem__(self, user_id: int) -> int:
        return self._get()[user_id]

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _auto_assign(ticket: Ticket) -> None:
    """Ask ``sep_pick_assignee`` (a duty roster) for someone on shift in the request's lane."""
    caller = hook().sep_pick_assignee
    if not caller.get_hookimpls():
        return
    with db.session.no_autoflush:  # the rows written so far go with the filing's one flush before the commit
        picked = caller(ticket=ticket, load=_OpenLoad())
    if picked is not None and getattr(picked, "id", None):
        ticket.assignee_id = picked.id
        _history(ticket, None, "assigned", {"to": picked.id, "auto": True})


def check_on_duty(user: User) -> None:
    """Refuse to assign work to someone a roster says is off shift (no roster: no check)."""
    if hook().sep_on_duty(user=user, at=now()) is False:
        raise ActionError(_("%(name)s is not on shift now; choose someone on duty.",
                            name=user.full_name or user.email or str(user.id)))


def hand_over(user: User, pick, note: str) -> int:
    """``sep_on_shift_ended``: give the leaving person's open requests to someone on shift (``pick``),
    or back to the queue, each with an internal note (no commit: the roster commits)."""
    tickets = db.session.execute(select(Ticket).where(Ticket.assignee_id == user.id, Ticket.status.in_(OPEN))
                                 .order_by(Ticket.due_at.is_(None), Ticket.due_at, Ticket.id)).scalars().all()
    load = open_load()
    for ticket in tickets:
        successor = pick(ticket, load)
        ticket.assignee_id = successor.id if successor is not None else None
        if successor is not None:
            load[successor.id] = load.get(successor.id, 0) + 1
        add_message(ticket, None, "note", note, internal=True)
        _history(ticket, None, "handed_over", {"from": user.id, "to": ticket.assignee_id})
    return len(tickets)


def filed_with_key(user: User, key: str) -> Ticket | None:
    """The request this user already filed with this idempotency key (keys are per user)."""
    return db.session.execute(select(Ticket).filter_by(user_id=user.id, idempotency_key=key)).scalar_one_or_none()


def file_once(*, user: User, key: str | None, **kwargs) -> tuple[Ticket, bool]:
    """``create_ticket`` that a retry cannot repeat: with a key already used by this user, the
    request filed then is returned instead (``(ticket, True)``). Two concurrent attempts with
    one key meet at the unique (user, key) constraint; the loser returns the winner's request."""
    if key:
        existing = filed_with_key(user, key)
        if existing is not None:
            return existing, True
    try:
        return create_ticket(user=user, idempotency_key=key or None, **kwargs), False
    except IntegrityError:
        existing = filed_with_key(user, key) if key else None
        if existing is None:
            raise
        return existing, True


def open_from_channel(user, subject: str, text: str, channel: str) -> Ticket | None:
    """``sep_open_ticket``: a request from a social channel's message, in the caller's transaction."""
    if user is None or not getattr(user, "active", False) or missing_confirmations(user):
        return None
    fields = {"surname": user.surname, "first_name": user.first_name, "patronymic": user.patronymic,
              "email": user.email or "", "phone": user.phone or "", "subject": (subject or "")[:200],
              "description": (text or "")[:20000]}
    return create_ticket(user=user, fields=fields, category=None, channel=(channel or "web")[:20], commit=False)


# --- the thread, status and the clock ----------------------------------------------------------------


def _history(ticket: Ticket, actor, kind: str, data: dict) -> None:
    db.session.add(HistoryEntry(ticket_id=ticket.id, actor_id=getattr(actor, "id", None), kind=kind, data=data,
                                created_at=utcnow_naive()))


def add_message(ticket: Ticket, author, kind: str, body: str, *, internal: bool = False,
                files: list[storage.CheckedFile] = (), pending: list[Attachment] = ()) -> tuple[Message, list]:
    """Add to the thread (no commit). Returns the message and the files written for it."""
    message = Message(ticket_id=ticket.id, author_id=getattr(author, "id", None), kind=kind, body=body,
                      internal=internal, created_at=utcnow_naive())
    db.session.add(message)
    db.session.flush()
    written = _attach(ticket, message, list(files), list(pending), getattr(author, "id", None)) \
        if (files or pending) else []
    ticket.updated_at = utcnow_naive()
    hook().sep_on_ticket_message(ticket=ticket, message=message)
    return message, written


def set_status(ticket: Ticket, new: str, actor) -> None:
    """Change the status (no commit): pauses the clock when waiting for the citizen, resumes it
    when the request comes back to staff, records history and broadcasts the change."""
    old = ticket.status
    if old == new:
        return
    at = now()
    if new in WAITING and old not in WAITING:
        ticket.resume_status = old if old in ACTIVE else "in_progress"
        sla.pause(ticket, at)
    elif old in WAITING and new not in WAITING:
        sla.resume(ticket, at)
    if new == "answered":
        ticket.answered_at = sla.to_naive_utc(at)
        ticket.first_answered_at = ticket.first_answered_at or ticket.answered_at
    if new == "closed":
        ticket.closed_at = sla.to_naive_utc(at)
        ticket.paused_at = None
    if old in ("answered", "closed") and new in ACTIVE:
        sla.start_clock(ticket, at)  # reopened: a fresh deadline
        ticket.closed_at = None
    ticket.status = new
    ticket.updated_at = sla.to_naive_utc(at)
    _history(ticket, actor, "status", {"old": old, "new": new})
    hook().sep_on_ticket_status_changed(ticket=ticket, old=old, new=new)


def _commit() -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# --- notifications -------------------------------------------------------------------------------------


def _owner(ticket: Ticket) -> User | None:
    return db.session.get(User, ticket.user_id) if ticket.user_id else None


def request_url(ticket: Ticket) -> str:
    """The absolute address of the citizen's page of the request (for e-mails)."""
    return public_url("/requests/" + ticket.number)


#: What may be e-mailed to the citizen (setting ``email_notifications``); "status" (the request's
#: internal moves: taken, escalated, resumed) is never e-mailed, only shown in the cabinet.
EMAIL_KINDS = ("received", "reply", "answer", "documents", "identity", "requirements", "closed")


def _emails_for(kind: str) -> bool:
    return kind in EMAIL_KINDS and kind in plugin_settings("tickets")["email_notifications"]


def _notify(ticket: Ticket, short, body, extra: str = "", with_rule: bool = False, kind: str = "status") -> None:
    """An in-cabinet notification, and an e-mail (through the outbox) in the citizen's language when
    ``kind`` is among the ``email_notifications`` setting."""
    owner = _owner(ticket)
    address = ticket.email or (owner.email if owner else "")
    mailed = bool(address) and _emails_for(kind)
    if owner is None and not mailed:
        return
    locale = (owner.locale if owner else None) or "ru"
    due = sla.from_naive_utc(ticket.due_at).strftime("%d.%m.%Y %H:%M") if ticket.due_at else "—"
    values = {"number": ticket.number, "due": due, "status": status_label(ticket.status)}
    with force_locale(locale):
        text = str(short) % values
        if mailed:  # the e-mail's text only when one is sent (filing's "received" is not, by default)
            mail_body = str(body) % values
            mail_body += (" " + sla.rule_text() if with_rule else "")
            mail_body += ("\n\n" + extra if extra else "")
            mail_body += "\n\n" + _("Status: %(status)s", status=status_label(ticket.status))
            if owner is not None:  # the page is the owner's only (a request without an account has none)
                mail_body += "\n" + _("Your request: %(url)s", url=request_url(ticket))
            subject = _("Request %(number)s", number=ticket.number) + ": " + text
    if owner is not None:
        db.session.add(Notification(user_id=owner.id, ticket_id=ticket.id, text=text[:300],
                                    created_at=utcnow_naive()))
    if mailed:
        send_mail(address, subject[:200], mail_body)


def _notify_status(ticket: Ticket) -> None:
    _notify(ticket, _l("The status of your request %(number)s has changed: %(status)s."),
            _l("The status of your request %(number)s has changed: %(status)s."))


# --- citizen actions --------------------------------------------------------------------------------


def reopen_allowed(ticket: Ticket) -> bool:
    if ticket.status != "answered" or ticket.answered_at is None:
        return False
    days = float(plugin_settings("tickets")["reopen_days"])
    return sla.to_naive_utc(now()) <= ticket.answered_at + timedelta(days=days)


def citizen_reply(ticket: Ticket, user: User, body: str, files=(), pending=()) -> Message:
    if ticket.status == "closed" or (ticket.status == "answered" and not reopen_allowed(ticket)):
        raise ActionError(_("This request is closed. Please file a new request."))
    written: list = []
    try:
        message, written = add_message(ticket, user, "citizen", body, files=files, pending=pending)
        if ticket.status in ("waiting_documents", "waiting_requirement"):
            set_status(ticket, ticket.resume_status or "in_progress", user)
        elif ticket.status == "answered":
            set_status(ticket, "in_progress", user)
        db.session.commit()
    except Exception:
        db.session.rollback()
        storage.discard(written)
        raise
    return message


def citizen_close(ticket: Ticket, user: User) -> None:
    if ticket.status == "closed":
        return
    set_status(ticket, "closed", user)
    _commit()


def citizen_reopen(ticket: Ticket, user: User) -> None:
    if not reopen_allowed(ticket):
        raise ActionError(_("This request can no longer be reopened. Please file a new request."))
    add_message(ticket, user, "system", _("The citizen reopened the request."))
    set_status(ticket, "in_progress" if ticket.assignee_id else "new", user)
    _commit()


def requirements_done(ticket: Ticket, user: User) -> None:
    if ticket.status != "waiting_requirement":
        raise ActionError(_("Nothing is waiting for you in this request."))
    ticket.requirements = [{**r, "done": True} for r in (ticket.requirements or [])]
    add_message(ticket, user, "citizen", _("I have done what was asked (technical requirements)."))
    set_status(ticket, ticket.resume_status or "in_progress", user)
    _commit()


# --- staff actions ---------------------------------------------------------------------------------


def _require_open(ticket: Ticket) -> None:
    if ticket.status == "closed":
        raise ActionError(_("The request is closed."))


def take(ticket: Ticket, staff: User) -> None:
    _require_open(ticket)
    check_on_duty(staff)
    ticket.assignee_id = staff.id
    _history(ticket, staff, "assigned", {"to": staff.id})
    if ticket.status == "new":
        set_status(ticket, "in_progress", staff)
        _notify_status(ticket)
    _commit()


def assign(ticket: Ticket, staff: User, assignee: User) -> None:
    _require_open(ticket)
    if assignee.role not in ("duty", "specialist", "admin") or not assignee.active:
        raise ActionError(_("Requests can be assigned only to staff of the desk."))
    check_on_duty(assignee)
    ticket.assignee_id = assignee.id
    _history(ticket, staff, "assigned", {"to": assignee.id})
    _commit()


def answer(ticket: Ticket, staff: User, body: str, files=()) -> Message:
    _require_open(ticket)
    written: list = []
    try:
        message, written = add_message(ticket, staff, "reply", body, files=files)
        if ticket.assignee_id is None:
            ticket.assignee_id = staff.id
        set_status(ticket, "answered", staff)
        _notify(ticket, _l("Staff have answered your request %(number)s."),
                _l("There is an answer to your request %(number)s:"), extra=body, kind="answer")
        db.session.commit()
    except Exception:
        db.session.rollback()
        storage.discard(written)
        raise
    return message


def note(ticket: Ticket, staff: User, body: str) -> Message:
    message, _written = add_message(ticket, staff, "note", body, internal=True)
    _commit()
    return message


def request_documents(ticket: Ticket, staff: User, which: str) -> None:
    _require_open(ticket)
    add_message(ticket, staff, "documents", which)
    set_status(ticket, "waiting_documents", staff)
    _notify(ticket, _l("Staff need more documents for your request %(number)s."),
            _l("To go on with your request %(number)s we need these documents. Upload them on the request's "
               "page:"), extra=which, kind="documents")
    _commit()


def request_identity(ticket: Ticket, staff: User, channel: str, reason: str) -> None:
    _require_open(ticket)
    owner = _owner(ticket)
    if owner is None:
        raise ActionError(_("This request has no citizen account to confirm."))
    starter = hook().sep_start_identity_check
    if not starter.get_hookimpls():
        raise ActionError(_("Identity confirmation is not available (no identity plugin is enabled)."))
    check_id = starter(user=owner, channel=channel, requested_by=staff, reason=reason or f"ticket {ticket.number}")
    if not check_id:
        raise ActionError(_("The code could not be sent through this channel."))
    ticket = db.session.get(Ticket, ticket.id)  # the identity plugin may have committed
    ticket.identity_check_id = int(check_id)
    add_message(ticket, staff, "identity", _("Please confirm your identity with the code we sent through: "
                                             "%(channel)s. Enter it in your personal cabinet.",
                                             channel=channel_label(channel)))
    set_status(ticket, "waiting_identity", staff)
    _notify(ticket, _l("Please confirm your identity for your request %(number)s."),
            _l("Staff ask you to confirm your identity for the request %(number)s with the code we have sent "
               "through another channel."), kind="identity")
    _commit()


def identity_checked(check: dict) -> None:
    """``sep_on_identity_checked``: resume the request that asked for this check."""
    check_id = check.get("id") if isinstance(check, dict) else getattr(check, "id", None)
    if check_id is None:
        return
    tickets = db.session.execute(select(Ticket).filter_by(identity_check_id=int(check_id))).scalars().all()
    for ticket in tickets:
        outcome = (check.get("status") if isinstance(check, dict) else getattr(check, "status", "")) or ""
        _history(ticket, None, "identity_checked", {"id": int(check_id), "outcome": str(outcome)[:20]})
        ticket.updated_at = utcnow_naive()
        if ticket.status == "waiting_identity":
            set_status(ticket, ticket.resume_status or "in_progress", None)
            _notify_status(ticket)
    if tickets:
        db.session.commit()


def request_requirement(ticket: Ticket, staff: User, items: list[dict], text: str) -> None:
    _require_open(ticket)
    if not items and not text.strip():
        raise ActionError(_("Choose a requirement or describe what the citizen must do."))
    asked = [{"id": i["id"], "name": i["name"], "instructions_html": i.get("instructions_html", ""), "done": False}
             for i in items]
    if text.strip():
        asked.append({"id": f"custom-{secrets.token_hex(4)}", "name": text.strip()[:500], "instructions_html": "",
                      "done": False, "custom": True})
    ticket.requirements = asked
    add_message(ticket, staff, "requirement", "\n".join(a["name"] for a in asked))
    set_status(ticket, "waiting_requirement", staff)
    _notify(ticket, _l("Your computer needs an update for your request %(number)s."),
            _l("To go on with your request %(number)s please do the following and then tell us on the request's "
               "page:"), extra="\n".join("- " + a["name"] for a in asked), kind="requirements")
    _commit()


def requested_requirement_ids(user) -> list[str]:
    """``sep_requested_requirements``: catalog requirements staff asked this citizen to meet."""
    if not getattr(user, "id", None):
        return []
    tickets = db.session.execute(select(Ticket).filter_by(user_id=user.id, status="waiting_requirement")).scalars()
    ids: list[str] = []
    for ticket in tickets:
        ids.extend(r["id"] for r in ticket.requirements or []
                   if not r.get("custom") and not r.get("done") and r["id"] not in ids)
    return ids


def requirement_met(user, requirement, result) -> None:
    """``sep_on_requirement_met`` (in the caller's transaction): tick the requirement on the
    citizen's waiting requests and resume those whose every requirement is met."""
    if not getattr(user, "id", None) or requirement is None:
        return
    tickets = db.session.execute(select(Ticket).filter_by(user_id=user.id, status="waiting_requirement")).scalars()
    for ticket in list(tickets):
        items = [dict(r) for r in ticket.requirements or []]
        hit = [r for r in items if r["id"] == requirement.id and not r.get("done")]
        if not hit:
            continue
        for r in hit:
            r["done"] = True
        ticket.requirements = items
        outcome = (result or {}).get("outcome", "") if isinstance(result, dict) else ""
        _history(ticket, user, "requirement_met", {"id": requirement.id, "outcome": outcome})
        if all(r.get("done") for r in items):
            set_status(ticket, ticket.resume_status or "in_progress", user)
            _notify_status(ticket)


def default_profile(ticket: Ticket) -> str:
    """The routing hook decides the specialist profile from the category (and the text); the
    category's own profile is the fallback."""
    category = ticket.category
    inquiry = Inquiry(channel="tickets", text=f"{ticket.subject}\n{ticket.description}"[:4000], user_id=ticket.user_id,
                      meta={"ticket": ticket.number, "category": category.code if category else None,
                            "escalation": True})
    route = hook().sep_route(inquiry=inquiry, answers=[], availability=availability("tickets"))
    active = profiles.active_codes()
    if route is not None and route.action == RouteAction.ESCALATE and route.profile in active:
        return route.profile
    fallback = (category.profile if category else "") or ""
    return fallback if fallback in active else ""


def escalate(ticket: Ticket, staff: User, profile: str, reason: str, assignee: User | None = None) -> None:
    _require_open(ticket)
    profile = (profile or "").strip()
    if not profile:
        raise ActionError(_("Choose the specialist profile."))
    if not reason.strip():
        raise ActionError(_("Give the reason for the escalation."))
    try:
        profiles.check_usable(profile)
    except profiles.ProfileError as exc:
        raise ActionError(str(exc)) from None
    if assignee is not None and profile not in (assignee.profiles or []) and assignee.role != "admin":
        raise ActionError(_("That specialist does not have this profile."))
    if assignee is not None:
        check_on_duty(assignee)
    old_profile = ticket.profile
    ticket.profile = profile[:60]
    ticket.assignee_id = assignee.id if assignee else None
    if assignee is None:
        _auto_assign(ticket)  # a specialist of the profile on shift, if a roster knows one
    add_message(ticket, staff, "escalation", reason, internal=True)
    _history(ticket, staff, "escalated", {"from": old_profile, "to": profile})
    if ticket.status in WAITING:
        ticket.resume_status = "escalated"
    elif ticket.status != "escalated":
        set_status(ticket, "escalated", staff)
        _notify_status(ticket)
    _commit()


def edit_fields(ticket: Ticket, staff: User, changes: dict) -> list[str]:
    """Correct the form together with the citizen; every change goes to the history."""
    _require_open(ticket)
    changed = []
    for name in EDITABLE_FIELDS:
        if name not in changes:
            continue
        if name == "category":
            category = changes[name]
            old = ticket.category.code if ticket.category else ""
            new = category.code if category else ""
            if old != new:
                ticket.category_id = category.id if category else None
                ticket.category = category
                changed.append(name)
                _history(ticket, staff, "field", {"field": name, "old": old, "new": new})
            continue
        new = (changes[name] or "").strip()
        old = getattr(ticket, name) or ""
        if new != old:
            setattr(ticket, name, new)
            changed.append(name)
            _history(ticket, staff, "field", {"field": name, "old": old, "new": new})
    if changed:
        ticket.updated_at = utcnow_naive()
        audit(staff, "ticket_fields_corrected", "ticket", ticket.number, reason=",".join(changed))
        _commit()
    return changed


def staff_close(ticket: Ticket, staff: User) -> None:
    if ticket.status == "closed":
        return
    set_status(ticket, "closed", staff)
    _notify(ticket, _l("Your request %(number)s is closed."), _l("Your request %(number)s has been closed."),
            kind="closed")
    _commit()


def close_expired_answers() -> int:
    """Close answered requests whose reopening period is over (``sep tickets close-answered``)."""
    days = float(plugin_settings("tickets")["reopen_days"])
    cutoff = sla.to_naive_utc(now()) - timedelta(days=days)
    tickets = db.session.execute(select(Ticket).where(Ticket.status == "answered",
                                                      Ticket.answered_at < cutoff)).scalars().all()
    for ticket in tickets:
        set_status(ticket, "closed", None)
        _notify(ticket, _l("Your request %(number)s is closed."),
                _l("Your request %(number)s has been closed: the period for reopening it is over. If you still "
                   "need help, please file a new request."), kind="closed")
    db.session.commit()
    return len(tickets)


def unread_notifications(user) -> list[Notification]:
    return list(db.session.execute(select(Notification).filter_by(user_id=user.id, read_at=None)
                                   .order_by(Notification.id.desc()).limit(20)).scalars())


def mark_read(ticket: Ticket, user) -> None:
    rows = db.session.execute(select(Notification).filter_by(user_id=user.id, ticket_id=ticket.id,
                                                             read_at=None)).scalars().all()
    for row in rows:
        row.read_at = utcnow_naive()
    if rows:
        db.session.commit()


def open_count(user) -> int:
    return len(db.session.execute(select(Ticket.id).where(Ticket.user_id == user.id,
                                                          Ticket.status.in_(OPEN))).all())
