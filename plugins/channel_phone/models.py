"""The call journal's table (prefixed ``channel_phone_``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sep_core import db, utcnow_naive

OUTCOMES = ("answered", "request_created", "callback_needed", "missed")


class Call(db.Model):
    """One telephone call: logged by the operator, or built from the PBX's events (times naive UTC)."""

    __tablename__ = "channel_phone_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pbx_call_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(10), default="manual")
    """manual (typed by the operator) or pbx (from the webhook)."""
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="ended")
    """ringing, answered, ended."""
    topic: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="", index=True)
    request_number: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    outside_hours: Mapped[bool] = mapped_column(default=False)
    next_open_at: Mapped[datetime | None] = mapped_column(DateTime)
    """For a call outside the phone hours: when the line opens again."""
    callback_done_at: Mapped[datetime | None] = mapped_column(DateTime)
    callback_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
