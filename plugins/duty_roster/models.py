"""The roster's tables (prefixed ``duty_roster_``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sep_core import db, utcnow_naive


class Shift(db.Model):
    """One person's shift: role, specialist profile ("" for duty), from-to (stored as naive UTC,
    entered and shown in Moscow time)."""

    __tablename__ = "duty_roster_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    profile: Mapped[str] = mapped_column(String(60), default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    handover_note: Mapped[str] = mapped_column(Text, default="")
    """What the person leaves for the next shift (added to every request handed over)."""
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class Assignment(db.Model):
    """An automatic assignment (the round-robin's memory: the longest-waiting person goes first
    among equally loaded ones)."""

    __tablename__ = "duty_roster_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(40), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)
