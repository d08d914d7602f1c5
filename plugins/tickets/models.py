"""The request service's tables (all prefixed ``tickets_``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sep_core import db, utcnow_naive

#: Every status, in the order of a request's life.
STATUSES = ("new", "in_progress", "waiting_documents", "waiting_identity", "waiting_requirement", "escalated",
            "answered", "closed")
#: Waiting for the citizen: the deadline clock is paused.
WAITING = ("waiting_documents", "waiting_identity", "waiting_requirement")
#: Staff have work to do and the clock runs.
ACTIVE = ("new", "in_progress", "escalated")
OPEN = ACTIVE + WAITING
CHANNELS = ("web", "api", "phone")


class Category(db.Model):
    """A reason for a request, mapped to a queue or a specialist profile (edited by admins)."""

    __tablename__ = "tickets_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ru: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    queue: Mapped[str] = mapped_column(String(40), default="duty")
    profile: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def label(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ru


class Profile(db.Model):
    """A specialist profile (a kind of non-typical request and the specialists who handle it),
    managed by admins on /desk/profiles or with ``sep tickets profiles``; escalation and
    categories pick from the active ones, so a misspelt profile cannot hide a request."""

    __tablename__ = "tickets_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_ru: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def label(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ru


class Counter(db.Model):
    """The last request number given out, per year (numbers look like 2026-000123)."""

    __tablename__ = "tickets_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(db.Model):
    """A request (заявка). The contact fields are this request's copy (editable per request)."""

    __tablename__ = "tickets_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="web", index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("tickets_categories.id", ondelete="SET NULL"))
    queue: Mapped[str] = mapped_column(String(40), default="duty", index=True)
    profile: Mapped[str] = mapped_column(String(60), default="", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(30), default="new", index=True)
    surname: Mapped[str] = mapped_column(String(100), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    patronymic: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    sla_hours: Mapped[float] = mapped_column(Float, default=24.0)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime)
    remaining_hours: Mapped[float | None] = mapped_column(Float)
    """Working hours left on the clock when it was paused (None: it was already overdue)."""
    resume_status: Mapped[str] = mapped_column(String(30), default="")
    first_answered_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    identity_check_id: Mapped[int | None] = mapped_column(Integer, index=True)
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Technical requirements asked of the citizen: [{"id", "name", "instructions_html", "done"}]."""
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    """What makes a retried filing return this request: ``api:<Idempotency-Key>`` or
    ``form:<one-time form token>``; unique per user."""

    __table_args__ = (UniqueConstraint("user_id", "idempotency_key", name="uq_tickets_tickets_user_idempotency"),)

    category = relationship(Category, lazy="joined")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.first_name, self.patronymic) if p)

    @property
    def lane(self) -> str:
        """The queue whose load decides the estimate: the specialist profile, else the queue."""
        return f"profile:{self.profile}" if self.profile else f"queue:{self.queue}"


class Message(db.Model):
    """One entry of a request's thread. ``internal`` ones (staff notes) never reach the citizen."""

    __tablename__ = "tickets_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets_tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    """citizen, reply, note, documents, identity, requirement, escalation, system."""
    body: Mapped[str] = mapped_column(Text, default="")
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)

    @property
    def from_staff(self) -> bool:
        return self.kind in STAFF_KINDS


STAFF_KINDS = ("reply", "note", "documents", "identity", "requirement", "escalation")


class Attachment(db.Model):
    """A stored file: random name on disk, the citizen's name for display, the SHA-256."""

    __tablename__ = "tickets_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets_tickets.id", ondelete="CASCADE"), index=True)
    """None while the upload waits for its form to be sent again (a validation error)."""
    message_id: Mapped[int | None] = mapped_column(ForeignKey("tickets_messages.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    pending_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    message = relationship(Message)
    """Set with a message not yet flushed (a new request's first one): the flush writes the message
    first and fills ``message_id``, so filing needs no flush of its own for the message."""


class HistoryEntry(db.Model):
    """Status changes, assignments, escalations and field corrections, for the desk's history."""

    __tablename__ = "tickets_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets_tickets.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class CannedResponse(db.Model):
    """A ready answer staff insert into a reply (edited by staff)."""

    __tablename__ = "tickets_canned"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class Notification(db.Model):
    """An in-cabinet notification about one of the citizen's requests."""

    __tablename__ = "tickets_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets_tickets.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
