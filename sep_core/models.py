"""Core tables only: users, the inquiries log, the outbox, inbound webhook events and the audit log.

Plugins add their own tables (prefixed with the plugin name) and may point foreign keys at these;
these never point at plugin tables.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow_naive
from .extensions import db

ROLES = ("citizen", "duty", "specialist", "kb_editor", "admin")
STAFF_ROLES = ("duty", "specialist", "kb_editor", "admin")


class User(UserMixin, db.Model):
    """An account: a citizen or a staff member. Personal data live here and nowhere in logs."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True, index=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    surname: Mapped[str] = mapped_column(String(100), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    patronymic: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20), default="citizen", index=True)
    profiles: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Specialist profiles, e.g. ["registration_data", "tech_support"]."""
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    phone_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    session_token: Mapped[str | None] = mapped_column(String(64))
    """Rotated on sign-in and password change; part of the login cookie, so old sessions die."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: the id plus the rotating token
        return f"{self.id}:{self.session_token or ''}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.role in roles or self.role == "admin"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.first_name, self.patronymic) if p)


class InquiryLog(db.Model):
    """Every inquiry the pipeline handled, with what was decided (for analytics and audit)."""

    __tablename__ = "inquiries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    action: Mapped[str] = mapped_column(String(20), default="")
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[float | None] = mapped_column(Float)
    answer_source: Mapped[str | None] = mapped_column(String(60))
    answer_ref: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)


class OutboxMessage(db.Model):
    """A durable outbound delivery (e-mail, SMS, a social reply), written with its cause."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    """Transport name: "email", "sms", "vk", ..."""
    payload_json: Mapped[str] = mapped_column(Text)
    secret_json: Mapped[str | None] = mapped_column(Text)
    """The payload fields the enqueuer marked secret (a code, a reset link), kept apart and
    wiped (NULL) once the message is sent or has failed for good."""
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    """pending -> sending -> sent | failed (pending again after a temporary error)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def payload(self) -> dict[str, Any]:
        """What the transport gets: the payload with its secret fields while they are kept."""
        return {**json.loads(self.payload_json), **json.loads(self.secret_json or "{}")}


class InboundEvent(db.Model):
    """Webhook events already accepted, for deduplication by the platform's event id."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("channel", "event_id", name="uq_inbound_events_channel_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(200))
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)


class AuditEntry(db.Model):
    """Who looked at or changed what, when and why. Written for every staff access to personal
    or service data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="SET NULL"), index=True)
    """The API token the actor used, when the change came through the API with a token."""


class ApiToken(db.Model):
    """A personal access token of a staff or service account, for ``Authorization: Bearer``.

    Only the SHA-256 of the token is stored (the token is 256 random bits, so a fast hash is
    enough); ``prefix`` is its first characters, shown in listings to tell tokens apart."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=120)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
