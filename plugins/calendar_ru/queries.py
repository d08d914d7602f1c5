"""The three public queries, shared by the CLI, the JSON API and the pages."""

from __future__ import annotations

import math
from datetime import datetime

from sep_core import MOSCOW, now

from . import state
from .calendar_data import CalendarDataMissing, CalendarError, Day, year_totals
from .messages import availability as to_availability


def parse_year(value) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 9999:
        raise CalendarError("Not a valid year: %(value)s.", value=str(value))
    return int(text)


def parse_moment(value: str | None, *, allow_naive: bool) -> datetime:
    """An ISO 8601 moment. Naive times are Moscow time where allowed (the CLI), an error
    elsewhere (the API); a UTC offset or "Z" is converted to Moscow time."""
    if value is None or str(value).strip() == "":
        return now()
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CalendarError("Not a valid ISO 8601 time: %(value)s.", value=str(value)) from None
    if moment.tzinfo is None:
        if not allow_naive:
            raise CalendarError("The time %(value)s has no UTC offset (e.g. +03:00).", value=str(value))
        moment = moment.replace(tzinfo=MOSCOW)
    try:
        moment = moment.astimezone(MOSCOW)
    except (OverflowError, ValueError):
        raise CalendarError("Not a valid ISO 8601 time: %(value)s.", value=str(value)) from None
    if moment.year < 1970:  # before that Moscow time had offsets in seconds (not RFC 3339), and no calendar
        raise CalendarError("Not a valid ISO 8601 time: %(value)s.", value=str(value))
    return moment


def parse_hours_value(value) -> float:
    try:
        hours = float(str(value).strip())
    except (TypeError, ValueError):
        raise CalendarError("hours must be a number, not %(value)s.", value=str(value)) from None
    if not math.isfinite(hours):
        raise CalendarError("hours must be a finite number.")
    if hours < 0:
        raise CalendarError("hours must not be negative.")
    if hours > 24 * 366:
        raise CalendarError("hours is too large (at most a year).")
    return hours


def day_json(day: Day) -> dict:
    out = {"date": day.date.isoformat(), "working": day.working, "short": day.working and day.short,
           "kind": day.kind, "name": day.name_ru, "name_en": day.name_en}
    if day.moved_from:
        out["moved_from"] = day.moved_from.isoformat()
    if day.moved_to:
        out["moved_to"] = day.moved_to.isoformat()
    if day.override_id is not None:
        out["override"] = {"id": day.override_id, "reason": day.reason if day.published else "",
                           "act": day.act if day.published else ""}
    return out


def year_days(year: int) -> list[Day]:
    eng = state.engine()
    if year not in eng.years:
        raise CalendarDataMissing(year)
    return [d for key, d in sorted(eng.days.items()) if key.year == year]


def year_json(year: int) -> dict:
    st = state.current()
    days = year_days(year)
    data = st.year_data(year)
    return {
        "year": year,
        "status": data.get("status", "final"),
        "decree": data.get("decree", ""),
        "totals": year_totals({d.date: d for d in days}, year),
        "days": [day_json(d) for d in days],
    }


def service_check(service: str) -> str:
    service = (service or "").strip()
    if not service:
        raise CalendarError("A service is required.")
    state.engine().schedule(service)  # UnknownService
    return service


def availability_json(service: str, at: datetime) -> dict:
    verdict = state.engine().verdict(service_check(service), at)
    out = to_availability(verdict).to_json()
    out["at"] = at.isoformat()
    return out


def deadline_json(service: str, start: datetime, hours: float) -> dict:
    due = state.engine().deadline(service_check(service), start, hours)
    hours_out = int(hours) if float(hours).is_integer() else hours
    return {"service": service, "from": start.isoformat(), "hours": hours_out, "due": due.isoformat()}
