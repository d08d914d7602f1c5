"""calendar_ru tables: staff overrides, maintenance windows, and a version row for caches."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sep_core import db, utcnow_naive


class CalendarOverride(db.Model):
    """A published change of one date: an extra day off, a working day, a short day, or hours."""

    __tablename__ = "calendar_ru_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[date] = mapped_column(Date, unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    """day_off | working_day | short_day | hours"""
    hours: Mapped[str] = mapped_column(String(200), default="")
    """For kind "hours": "06:00-12:00, 13:00-18:00" ("" = closed all day)."""
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    """For kind "hours": the services concerned; empty = every calendar-following service."""
    reason: Mapped[str] = mapped_column(Text, default="")
    act: Mapped[str] = mapped_column(String(300), default="")
    """The act that set it (an order, a decree)."""
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class MaintenanceWindow(db.Model):
    """A scheduled maintenance window: the listed services are closed from start to end."""

    __tablename__ = "calendar_ru_maintenance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    """Naive UTC."""
    ends_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    """Naive UTC, exclusive."""
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    """Shown to citizens (Russian)."""
    message_en: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class CalendarVersion(db.Model):
    """One row; its counter goes up with every change of overrides or windows, so that every
    worker's in-memory cache can notice it cheaply."""

    __tablename__ = "calendar_ru_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class CalendarYear(db.Model):
    """A year's production calendar loaded by an administrator (``sep calendar import`` or the
    staff page), in the shape of ``data/<year>.json``; it takes precedence over a shipped file."""

    __tablename__ = "calendar_ru_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[dict] = mapped_column(JSON)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
