"""Loading a new year's decree without a release: a JSON file of the same shape as the shipped
``data/<year>.json``, validated field by field, stored in ``calendar_ru_years`` and picked up by
every worker through the version row (like overrides).

The checks are strict because a wrong file silently moves every deadline of a year: each error
names the field (``holidays[3].date``) so the administrator can fix the file.
"""

from __future__ import annotations

import json
from datetime import date

from sep_core import audit, db, utcnow_naive

from . import state
from .calendar_data import CalendarError, build_days, year_totals
from .models import CalendarYear

MAX_BYTES = 256 * 1024
STATUSES = ("final", "provisional")
LISTS = ("holidays", "transferred_days_off", "working_weekends", "short_days")
TOTALS = ("working_days", "non_working_days", "short_days", "norm_hours_40h")


def _error(path: str, problem: str, **params) -> CalendarError:
    """``problem`` is a msgid with ``%(path)s`` where the field goes."""
    return CalendarError(problem, path=path, **params)


def _text(obj: dict, key: str, path: str, *, required: bool, limit: int = 1000) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise _error(f"{path}.{key}" if path else key,
                     "%(path)s: a text of at most %(limit)s characters is required.", limit=limit)
    return value.strip()


def _date(obj: dict, key: str, path: str, year: int | None) -> date:
    raw = obj.get(key)
    try:
        value = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None:
        raise _error(f"{path}.{key}", "%(path)s: not a valid date (expected YYYY-MM-DD).")
    if year is not None and value.year != year:
        raise _error(f"{path}.{key}", "%(path)s: the date %(value)s is not in %(year)s.", value=raw, year=year)
    return value


def _entries(data: dict, key: str) -> list[dict]:
    value = data.get(key)
    if not isinstance(value, list) or len(value) > 366:
        raise _error(key, "%(path)s: a list (at most 366 entries) is required.")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise _error(f"{key}[{i}]", "%(path)s: an object is required.")
    return value


def _year(data: dict) -> int:
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2200:
        raise _error("year", "%(path)s: a year between 2000 and 2200 is required.")
    return year


def validate(data) -> dict:
    """The normalised year data, or a :class:`CalendarError` naming the first bad field."""
    if not isinstance(data, dict):
        raise _error("(file)", "%(path)s: the file must hold one JSON object.")
    if data.get("format", 1) != 1:
        raise _error("format", "%(path)s: only format 1 is supported.")
    year = _year(data)
    status = data.get("status", "final")
    if status not in STATUSES:
        raise _error("status", "%(path)s: must be one of %(known)s.", known=", ".join(STATUSES))
    out = {"format": 1, "year": year, "status": status, "decree": _text(data, "decree", "", required=False),
           "sources": [str(s)[:500] for s in data.get("sources", []) if isinstance(s, str)][:20]}
    seen: dict[date, str] = {}

    def once(day: date, path: str) -> None:
        if day in seen:
            raise _error(path, "%(path)s: %(value)s is already listed in %(other)s.", value=day.isoformat(),
                         other=seen[day])
        seen[day] = path

    out["holidays"] = []
    for i, h in enumerate(_entries(data, "holidays")):
        path = f"holidays[{i}]"
        day = _date(h, "date", path, year)
        once(day, path)
        out["holidays"].append({"date": day.isoformat(), "name_ru": _text(h, "name_ru", path, required=True),
                                "name_en": _text(h, "name_en", path, required=False)})
    out["transferred_days_off"] = []
    for i, t in enumerate(_entries(data, "transferred_days_off")):
        path = f"transferred_days_off[{i}]"
        day = _date(t, "date", path, year)
        once(day, path)
        out["transferred_days_off"].append({"date": day.isoformat(), "from": _date(t, "from", path, None).isoformat(),
                                            "basis": _text(t, "basis", path, required=False, limit=100)})
    out["working_weekends"] = []
    for i, w in enumerate(_entries(data, "working_weekends")):
        path = f"working_weekends[{i}]"
        day = _date(w, "date", path, year)
        once(day, path)
        if day.weekday() < 5:
            raise _error(f"{path}.date", "%(path)s: %(value)s is not a Saturday or a Sunday.", value=day.isoformat())
        out["working_weekends"].append({"date": day.isoformat(),
                                        "day_off_moved_to": _date(w, "day_off_moved_to", path, None).isoformat()})
    out["short_days"] = []
    for i, s in enumerate(_entries(data, "short_days")):
        path = f"short_days[{i}]"
        entry = {"date": _date(s, "date", path, year).isoformat()}
        if "before" in s:
            entry["before"] = _date(s, "before", path, None).isoformat()
        out["short_days"].append(entry)
    out["special_non_working_days"] = []
    if "special_non_working_days" in data:
        for i, s in enumerate(_entries(data, "special_non_working_days")):
            path = f"special_non_working_days[{i}]"
            out["special_non_working_days"].append({
                "date": _date(s, "date", path, year).isoformat(), "act": _text(s, "act", path, required=True),
                "region": _text(s, "region", path, required=True, limit=20)})
    if "expected" in data:
        out["expected"] = _check_expected(data["expected"], out)
    return out


def _check_expected(expected, data: dict) -> dict:
    """The decree's own totals, when given, must match the days (a typo in a date shows here)."""
    if not isinstance(expected, dict) or not set(expected) <= set(TOTALS) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in expected.values()):
        raise _error("expected", "%(path)s: an object with the integers %(known)s is required.",
                     known=", ".join(TOTALS))
    year = data["year"]
    totals = year_totals(build_days({year: data}), year)
    for key, value in expected.items():
        if totals[key] != value:
            raise _error(f"expected.{key}", "%(path)s: the days give %(actual)s, the file says %(value)s.",
                         actual=totals[key], value=value)
    return dict(expected)


def parse(raw: bytes) -> dict:
    if len(raw) > MAX_BYTES:
        raise _error("(file)", "%(path)s: the file is larger than %(limit)s KB.", limit=MAX_BYTES // 1024)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _error("(file)", "%(path)s: not a valid JSON file in UTF-8.") from None
    return validate(data)


def import_year(actor, raw: bytes) -> dict:
    """Validate and store a year (replacing an earlier import of it); every worker picks it up."""
    data = parse(raw)
    row = db.session.get(CalendarYear, data["year"])
    if row is None:
        row = CalendarYear(year=data["year"])
        db.session.add(row)
    row.data = data
    row.imported_by = getattr(actor, "id", None)
    row.imported_at = utcnow_naive()
    audit(actor, "calendar.year.import", "calendar_year", data["year"], data["status"])
    state.bump_version()
    db.session.commit()
    state.changed()
    return data
