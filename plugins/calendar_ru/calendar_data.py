"""The production calendar as data: the year files under ``data/`` and the day table built
from them (plus the deployer's flags and the staff's overrides).

Nothing here is a rule: holidays, transfers, working weekends and short days all come from the
year files, so a working Saturday is short only when the data says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

KINDS = ("working", "weekend", "holiday", "transferred_day_off", "working_weekend", "override",
         "special_non_working")
OVERRIDE_KINDS = ("day_off", "working_day", "short_day", "hours")


class CalendarError(ValueError):
    """Bad input to the calendar (a clear message for a form, the API or the CLI).

    ``str(exc)`` is English (API, CLI); ``exc.localized()`` is in the page's language.
    """

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, **params):
        self.field = field
        """The form field the error belongs to, when it is about one."""
        self.msgid = message
        self.params = params
        super().__init__(message % params if params else message)

    def localized(self) -> str:
        from sep_core import gettext

        return gettext(self.msgid, **self.params)


class CalendarDataMissing(CalendarError):
    """The production calendar of a year is not shipped: never guessed."""

    code = "calendar_year_missing"
    status = 404

    def __init__(self, year: int):
        super().__init__("No production calendar data for %(year)s.", year=year)
        self.year = year


class UnknownService(CalendarError):
    code = "unknown_service"

    def __init__(self, service: str):
        super().__init__("Unknown service %(value)s.", value=service)
        self.service = service


@dataclass(frozen=True)
class Day:
    """One calendar day as the centre sees it."""

    date: date
    kind: str
    working: bool
    short: bool = False
    name_ru: str = ""
    name_en: str = ""
    moved_from: date | None = None
    """For a transferred day off: the day the day off came from."""
    moved_to: date | None = None
    """For a working weekend: the weekday that became a day off instead."""
    override_id: int | None = None
    hours: tuple[tuple[int, int], ...] | None = None
    """An override's own hours (minutes from midnight), for ``override_services``."""
    override_services: frozenset[str] = field(default_factory=frozenset)
    reason: str = ""
    act: str = ""
    published: bool = True
    """Whether an override's reason and act may be shown publicly."""

    def name(self, locale: str = "ru") -> str:
        return (self.name_en or self.name_ru) if locale == "en" else (self.name_ru or self.name_en)


@dataclass(frozen=True)
class Override:
    """A staff override of one date (plain data, as cached from the database)."""

    id: int
    date: date
    kind: str
    reason: str = ""
    act: str = ""
    hours: tuple[tuple[int, int], ...] = ()
    services: frozenset[str] = field(default_factory=frozenset)
    """Services the "hours" override applies to; empty = every calendar-following service."""
    published: bool = True


def load_years(data_dir: Path = DATA_DIR) -> dict[int, dict]:
    """Read every year file once (at start-up)."""
    years = {}
    for path in sorted(data_dir.glob("[0-9][0-9][0-9][0-9].json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        years[int(data["year"])] = data
    return years


# The fixed federal holidays of the Labour Code (art. 112 part 1), used only by the fallback year.
FIXED_HOLIDAYS = (
    [((1, d), "Новогодние каникулы", "New Year holidays") for d in (1, 2, 3, 4, 5, 6, 8)]
    + [((1, 7), "Рождество Христово", "Orthodox Christmas"),
       ((2, 23), "День защитника Отечества", "Defender of the Fatherland Day"),
       ((3, 8), "Международный женский день", "International Women's Day"),
       ((5, 1), "Праздник Весны и Труда", "Spring and Labour Day"),
       ((5, 9), "День Победы", "Victory Day"),
       ((6, 12), "День России", "Russia Day"),
       ((11, 4), "День народного единства", "Unity Day")])


def fallback_year(year: int) -> dict:
    """A year the decree of which is not loaded: the standard five-day week with the fixed federal
    holidays, no transfers and no short days. Used so that no page fails for want of next
    year's data; staff are warned while it is in use (see :func:`.state.missing_year`)."""
    return {"format": 1, "year": year, "status": "fallback", "decree": "", "sources": [],
            "holidays": [{"date": date(year, m, d).isoformat(), "name_ru": ru, "name_en": en}
                         for (m, d), ru, en in FIXED_HOLIDAYS],
            "transferred_days_off": [], "working_weekends": [], "short_days": [], "special_non_working_days": []}


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CalendarError("Not a valid date: %(value)s (expected YYYY-MM-DD).", value=str(value)) from None


def year_days(year: int, data: dict, honour_special: bool = False,
              special_regions: tuple[str, ...] = ("RU", "RU-MOW")) -> dict[date, Day]:
    """The day table of one year from its data file."""
    holidays = {parse_date(h["date"]): h for h in data["holidays"]}
    transfers = {parse_date(t["date"]): t for t in data["transferred_days_off"]}
    working_weekends = {parse_date(w["date"]): w for w in data["working_weekends"]}
    short = {parse_date(s["date"]) for s in data["short_days"]}
    special = {}
    if honour_special:
        special = {parse_date(s["date"]): s for s in data.get("special_non_working_days", [])
                   if s.get("region") in special_regions}
    days: dict[date, Day] = {}
    d = date(year, 1, 1)
    while d.year == year:
        if d in holidays:
            h = holidays[d]
            day = Day(d, "holiday", False, name_ru=h["name_ru"], name_en=h["name_en"])
        elif d in transfers:
            day = Day(d, "transferred_day_off", False, moved_from=parse_date(transfers[d]["from"]),
                      name_ru="Перенесённый выходной день", name_en="Transferred day off")
        elif d in working_weekends:
            day = Day(d, "working_weekend", True, short=d in short,
                      moved_to=parse_date(working_weekends[d]["day_off_moved_to"]),
                      name_ru="Рабочий выходной день", name_en="Working weekend day")
        elif d.weekday() >= 5:
            day = Day(d, "weekend", False)
        else:
            day = Day(d, "working", True, short=d in short)
        if d in special and day.working:
            s = special[d]
            day = Day(d, "special_non_working", False, name_ru="Нерабочий день с сохранением зарплаты",
                      name_en="Non-working day with pay", act=s["act"])
        days[d] = day
        d += timedelta(days=1)
    return days


def apply_override(day: Day, ov: Override) -> Day:
    common = dict(name_ru=day.name_ru, name_en=day.name_en, override_id=ov.id, reason=ov.reason, act=ov.act,
                  published=ov.published)
    if ov.kind == "day_off":
        return Day(day.date, "override", False, **common)
    if ov.kind == "working_day":
        return Day(day.date, "override", True, **common)
    if ov.kind == "short_day":
        return Day(day.date, "override", True, short=True, **common)
    # "hours": these hours for the listed services (all calendar ones when none listed)
    working = bool(ov.hours) if not ov.services else day.working
    return Day(day.date, "override", working, short=day.short, hours=ov.hours,
               override_services=ov.services, **common)


def build_days(years: dict[int, dict], overrides: list[Override] = (), honour_special: bool = False,
               special_regions: tuple[str, ...] = ("RU", "RU-MOW")) -> dict[date, Day]:
    days: dict[date, Day] = {}
    for year, data in years.items():
        days.update(year_days(year, data, honour_special, special_regions))
    for ov in overrides:
        if ov.date in days:
            days[ov.date] = apply_override(days[ov.date], ov)
    return days


def year_totals(days: dict[date, Day], year: int) -> dict[str, int]:
    """Working days, non-working days, short days and the 40-hour-week norm of a year."""
    of_year = [d for day_, d in days.items() if day_.year == year]
    working = sum(1 for d in of_year if d.working)
    short = sum(1 for d in of_year if d.working and d.short)
    return {"working_days": working, "non_working_days": len(of_year) - working, "short_days": short,
            "norm_hours_40h": working * 8 - short}


def parse_hours(spec) -> tuple[tuple[int, int], ...]:
    """``["06:00-12:00", "13:00-18:00"]`` or ``"06:00-12:00, 13:00-18:00"`` -> minute pairs.

    Intervals are half-open, ordered and must not overlap; "24:00" may end a day.
    """
    text_spec = spec.replace(";", ",").split(",") if isinstance(spec, str) else list(spec or [])
    parts = [p for p in text_spec if str(p).strip()]
    out: list[tuple[int, int]] = []
    for part in parts:
        text = str(part).strip()
        try:
            left, right = text.split("-")
            start, end = _minutes(left), _minutes(right)
        except ValueError:
            raise CalendarError("Not a valid time interval: %(value)s (expected HH:MM-HH:MM).", value=text,
                                field="hours") from None
        if start >= end:
            raise CalendarError("The interval %(value)s must end after it starts.", value=text, field="hours")
        if out and start < out[-1][1]:
            raise CalendarError("The interval %(value)s overlaps or precedes the previous one.", value=text,
                                field="hours")
        out.append((start, end))
    return tuple(out)


def _minutes(hhmm: str) -> int:
    hh, mm = hhmm.strip().split(":")
    if len(hh) not in (1, 2) or len(mm) != 2 or not hh.isdigit() or not mm.isdigit():
        raise ValueError(hhmm)
    h, m = int(hh), int(mm)
    if m > 59 or h > 24 or (h == 24 and m):
        raise ValueError(hhmm)
    return h * 60 + m


def format_hours(hours) -> str:
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}–{e // 60:02d}:{e % 60:02d}" for s, e in hours)
