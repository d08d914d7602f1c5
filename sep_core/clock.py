"""The app's clock: always timezone-aware Moscow time, replaceable per app for tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

MOSCOW = ZoneInfo("Europe/Moscow")


def system_now() -> datetime:
    return datetime.now(MOSCOW)


def now() -> datetime:
    """The current moment in Europe/Moscow, from the app's clock when there is an app."""
    if has_app_context():
        clock: Callable[[], datetime] = current_app.extensions["sep"].clock
        return clock().astimezone(MOSCOW)
    return system_now()


def utcnow_naive() -> datetime:
    """UTC without tzinfo, as stored in database columns (portable across SQLite and PostgreSQL)."""
    return now().astimezone(UTC).replace(tzinfo=None)


def to_moscow(moment: datetime) -> datetime:
    """Aware datetimes are converted; naive ones are taken as Moscow time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=MOSCOW)
    return moment.astimezone(MOSCOW)
