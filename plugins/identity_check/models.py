"""identity_check tables: one-time codes (hashed), consents, identity checks through another channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sep_core import db, utcnow_naive


class OneTimeCode(db.Model):
    """A confirmation code or a password-reset token; only its keyed hash is stored."""

    __tablename__ = "identity_check_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    """"email", "sms" or another channel's name."""
    purpose: Mapped[str] = mapped_column(String(40))
    """"confirm", "change", "reset" or "identity:<check id>"."""
    target: Mapped[str | None] = mapped_column(String(254))
    """The new e-mail or phone for a contact change (kept until used, so account deletion can
    also erase what was sent there)."""
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    salt: Mapped[str] = mapped_column(String(32), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="active")
    """active -> used | void (too many wrong attempts) | superseded (a newer code was sent)."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Consent(db.Model):
    """The personal-data consent (152-FZ) a user gave: which version of the text, when."""

    __tablename__ = "identity_check_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    accepted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class IdentityCheck(db.Model):
    """Staff asked a user to confirm identity through another channel; who, when, how it ended."""

    __tablename__ = "identity_check_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    """pending -> passed | failed (too many wrong codes) | expired."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    def as_dict(self) -> dict:
        return {
            "id": self.id, "user_id": self.user_id, "requested_by_id": self.requested_by_id,
            "channel": self.channel, "reason": self.reason, "status": self.status,
            "created_at": self.created_at.isoformat() + "Z" if self.created_at else None,
            "completed_at": self.completed_at.isoformat() + "Z" if self.completed_at else None,
        }
