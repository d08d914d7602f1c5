"""client_check tables: requirements defined by admins, and check results per user or session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sep_core import db, utcnow_naive


class RequirementDefinition(db.Model):
    """A software requirement added by an admin on the staff page (config ones are not stored)."""

    __tablename__ = "client_check_requirements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    """The requirement id used in the API and by other plugins (``cryptopro``)."""
    name: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(Text, default="")
    instructions: Mapped[str] = mapped_column(Text, default="")
    """Markdown; rendered and sanitised (nh3) on display."""
    download_url: Mapped[str] = mapped_column(String(500), default="")
    check: Mapped[str] = mapped_column(String(12), default="confirm")
    """``probe`` (browser-side script), ``server`` or ``confirm`` (the citizen confirms)."""
    probe_type: Mapped[str] = mapped_column(String(20), default="")
    probe_target: Mapped[str] = mapped_column(String(200), default="")
    server_check: Mapped[str] = mapped_column(String(20), default="")
    timeout_ms: Mapped[int] = mapped_column(Integer, default=3000)
    scope: Mapped[str] = mapped_column(String(12), default="everyone")
    """``everyone`` (on every citizen's checklist) or ``on_request`` (when staff ask for it)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class CheckResult(db.Model):
    """The latest result of one requirement for one owner: a signed-in user (``u:<id>``) or an
    anonymous browser session (``s:<random token>``)."""

    __tablename__ = "client_check_results"
    __table_args__ = (UniqueConstraint("owner", "requirement_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requirement_key: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    """present | absent | timeout | error | confirmed | declined | met | unmet (server checks)."""
    met: Mapped[bool] = mapped_column(Boolean)
    browser: Mapped[str] = mapped_column(String(120), default="")
    """The browser the result came from (``chrome 131 / Windows 10``), for staff."""
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
