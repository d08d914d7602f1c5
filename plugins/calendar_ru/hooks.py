"""The availability hooks, answered from the in-memory engine."""

from __future__ import annotations

from datetime import datetime

from sep_core import Availability, to_moscow

from . import state
from .calendar_data import CalendarDataMissing
from .messages import availability as to_availability


def availability(service: str, at: datetime) -> Availability | None:
    eng = state.engine()
    if service not in eng.schedules:
        return None  # another plugin's service: abstain
    try:
        verdict = eng.verdict(service, to_moscow(at))
    except CalendarDataMissing as exc:
        # Never a silent Mon-Fri guess: closed, and the reason says why.
        return Availability(service=service, open=False, reason="no_calendar_data",
                            message=str(exc), source="calendar_ru")
    return to_availability(verdict)


def schedule(service: str) -> dict | None:
    """The regular schedule from the settings (``sep_service_schedule``); None for unknown services."""
    st = state.current()
    sched = st.schedules.get(service)
    if sched is None:
        return None
    return {
        "service": service,
        "days": "working" if sched.follows_calendar else "all",
        "hours": _intervals(sched.hours),
        "short_day_hours": _intervals(sched.short_hours) if sched.follows_calendar else None,
        "response_hours": _number(st.settings["response_hours"]) if service == "tickets" else None,
        "timezone": "Europe/Moscow",
    }


def _intervals(hours: tuple[tuple[int, int], ...]) -> list[str]:
    return [f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in hours]


def _number(value) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value


def deadline(service: str, start: datetime, hours: float | None) -> datetime | None:
    """``hours=None`` means the configured response target (``response_hours``, default 24)."""
    eng = state.engine()
    if service not in eng.schedules:
        return None
    if hours is None:
        hours = float(state.current().settings["response_hours"])
    return eng.deadline(service, to_moscow(start), hours)  # CalendarDataMissing past the data
