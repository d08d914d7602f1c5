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


def deadline(service: str, start: datetime, hours: float | None) -> datetime | None:
    """``hours=None`` means the configured response target (``response_hours``, default 24)."""
    eng = state.engine()
    if service not in eng.schedules:
        return None
    if hours is None:
        hours = float(state.current().settings["response_hours"])
    return eng.deadline(service, to_moscow(start), hours)  # CalendarDataMissing past the data
