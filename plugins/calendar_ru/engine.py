"""The working-time engine: per service, a sorted list of open intervals (epoch seconds),
compiled once from the day table, the service hours and the maintenance windows.

Queries (open now?, next opening / closing, deadlines) are a binary search and a short walk:
no file or database access. The engine is immutable; a change of overrides or windows builds a
new one (see :mod:`.state`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sep_core import MOSCOW

from .calendar_data import CalendarDataMissing, CalendarError, Day, UnknownService, parse_hours

INF = math.inf
ALL_DAYS_YEARS_AHEAD = 10  # services that ignore the calendar are compiled this far past the data


@dataclass(frozen=True)
class ServiceSchedule:
    name: str
    follows_calendar: bool
    hours: tuple[tuple[int, int], ...]
    short_hours: tuple[tuple[int, int], ...]

    @property
    def always(self) -> bool:
        return not self.follows_calendar and self.hours == ((0, 1440),)

    @classmethod
    def from_settings(cls, name: str, spec: dict) -> ServiceSchedule:
        days = spec.get("days", "working")
        if days not in ("working", "all"):
            raise CalendarError("services.%(name)s.days must be 'working' or 'all', not %(value)s",
                                name=name, value=str(days))
        hours = parse_hours(spec.get("hours", []))
        short = spec.get("short_day_hours")
        if short is None:
            short_hours = hours
            if hours:
                s, e = hours[-1]
                short_hours = hours[:-1] + (((s, e - 60),) if e - 60 > s else ())
        else:
            short_hours = parse_hours(short)
        return cls(name, days == "working", hours, short_hours)


@dataclass(frozen=True)
class Window:
    """A maintenance window (plain data, as cached from the database)."""

    id: int
    start: datetime
    end: datetime
    services: frozenset[str]
    message: str = ""
    message_en: str = ""

    def text(self, locale: str) -> str:
        return (self.message_en or self.message) if locale == "en" else self.message


@dataclass
class Verdict:
    service: str
    open: bool
    reason: str
    day: Day | None = None
    window: Window | None = None
    upcoming: Window | None = None
    next_open: datetime | None = None
    next_close: datetime | None = None


@dataclass
class _Intervals:
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)

    def add(self, s: float, e: float) -> None:
        if self.ends and s <= self.ends[-1]:
            self.ends[-1] = max(self.ends[-1], e)
        else:
            self.starts.append(s)
            self.ends.append(e)

    def find(self, ts: float) -> int:
        """Index of the interval holding ts, or -(index of the next interval) - 1."""
        i = bisect_right(self.starts, ts) - 1
        if i >= 0 and ts < self.ends[i]:
            return i
        return -(i + 1) - 1


def _local(d: date, minutes: int) -> float:
    return datetime.combine(d, time(0), tzinfo=MOSCOW).timestamp() + minutes * 60 if minutes < 1440 else \
        datetime.combine(d + timedelta(days=1), time(0), tzinfo=MOSCOW).timestamp()


def _moment(ts: float) -> datetime | None:
    if ts in (INF, -INF):
        return None
    return datetime.fromtimestamp(ts, MOSCOW)


class Engine:
    def __init__(self, days: dict[date, Day], schedules: dict[str, ServiceSchedule],
                 windows: list[Window] = (), announce: timedelta = timedelta(days=7)):
        self.days = days
        self.years = frozenset(d.year for d in days)
        self.schedules = schedules
        self.windows = sorted(windows, key=lambda w: w.start)
        self.announce = announce.total_seconds()
        self.base: dict[str, _Intervals] = {}
        self.effective: dict[str, _Intervals] = {}
        self.service_windows: dict[str, list[tuple[float, float, Window]]] = {}
        for name, schedule in schedules.items():
            base = self._compile(schedule)
            mine = [(w.start.timestamp(), w.end.timestamp(), w) for w in self.windows
                    if name in w.services and w.end > w.start]
            self.base[name] = base
            self.service_windows[name] = mine
            self.effective[name] = _subtract(base, mine)

    # --- compilation --------------------------------------------------------------------------

    def _compile(self, schedule: ServiceSchedule) -> _Intervals:
        out = _Intervals()
        if schedule.always:
            out.add(-INF, INF)
            return out
        if schedule.follows_calendar:
            dates = sorted(self.days)
        else:
            if not self.years:
                return out
            first, last = date(min(self.years), 1, 1), date(max(self.years) + ALL_DAYS_YEARS_AHEAD, 12, 31)
            dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        for d in dates:
            for s, e in self.hours_on(schedule, d):
                out.add(_local(d, s), _local(d, e))
        return out

    def hours_on(self, schedule: ServiceSchedule, d: date) -> tuple[tuple[int, int], ...]:
        """The service's opening hours on a date (minutes from midnight)."""
        if not schedule.follows_calendar:
            return schedule.hours
        day = self.days.get(d)
        if day is None:
            raise CalendarDataMissing(d.year)
        if day.hours is not None and (not day.override_services or schedule.name in day.override_services):
            return day.hours
        if not day.working:
            return ()
        return schedule.short_hours if day.short else schedule.hours

    # --- queries ------------------------------------------------------------------------------

    def schedule(self, service: str) -> ServiceSchedule:
        try:
            return self.schedules[service]
        except KeyError:
            raise UnknownService(service) from None

    def _check_year(self, schedule: ServiceSchedule, moment: datetime) -> date:
        d = moment.astimezone(MOSCOW).date()
        if schedule.follows_calendar and d.year not in self.years:
            raise CalendarDataMissing(d.year)
        return d

    def verdict(self, service: str, at: datetime) -> Verdict:
        schedule = self.schedule(service)
        d = self._check_year(schedule, at)
        day = self.days.get(d)
        ts = at.timestamp()
        eff = self.effective[service]
        i = eff.find(ts)
        if i >= 0:
            reason = "open"
            if schedule.follows_calendar and day is not None:
                if day.kind == "working_weekend":
                    reason = "working_weekend"
                elif day.short:
                    reason = "short_day"
            upcoming = None
            for ws, _we, w in self.service_windows[service]:
                if ts <= ws <= ts + self.announce:
                    upcoming = w
                    break
            return Verdict(service, True, reason, day=day, upcoming=upcoming,
                           next_close=_moment(eff.ends[i]))
        nxt = -i - 1
        next_open = _moment(eff.starts[nxt]) if nxt < len(eff.starts) else None
        if self.base[service].find(ts) >= 0:
            window = next(w for ws, we, w in self.service_windows[service] if ws <= ts < we)
            return Verdict(service, False, "maintenance", day=day, window=window, next_open=next_open)
        if day is None or day.working or not schedule.follows_calendar:
            reason = "outside_hours"
        else:
            reason = {"working": "outside_hours", "override": "override"}.get(day.kind, day.kind)
        return Verdict(service, False, reason, day=day, next_open=next_open)

    def deadline(self, service: str, start: datetime, hours: float) -> datetime:
        schedule = self.schedule(service)
        if not isinstance(hours, int | float) or isinstance(hours, bool) or not math.isfinite(hours):
            raise CalendarError("hours must be a number.")
        if hours < 0:
            raise CalendarError("hours must not be negative.")
        self._check_year(schedule, start)
        ts = start.timestamp()
        if hours == 0:
            return start.astimezone(MOSCOW)
        remaining = hours * 3600.0
        eff = self.effective[service]
        i = eff.find(ts)
        idx = i if i >= 0 else -i - 1
        while idx < len(eff.starts):
            s = max(eff.starts[idx], ts)
            e = eff.ends[idx]
            if remaining <= e - s:
                return datetime.fromtimestamp(s + remaining, MOSCOW)
            remaining -= e - s
            idx += 1
        # Ran off the end of the data: the year after the last one shipped is unknown.
        raise CalendarDataMissing(max(self.years) + 1 if self.years else start.year)

    def upcoming_windows(self, at: datetime, horizon: timedelta | None = None) -> list[Window]:
        """Windows not yet over at ``at`` that start within the announcement horizon."""
        limit = at + (horizon if horizon is not None else timedelta(seconds=self.announce))
        return [w for w in self.windows if w.end > at and w.start <= limit]


def _subtract(base: _Intervals, windows: list[tuple[float, float, Window]]) -> _Intervals:
    if not windows:
        return base
    cuts = sorted((s, e) for s, e, _w in windows)
    out = _Intervals()
    for s, e in zip(base.starts, base.ends, strict=True):
        pieces = [(s, e)]
        for cs, ce in cuts:
            if ce <= s or cs >= e:
                continue
            nxt = []
            for ps, pe in pieces:
                if ce <= ps or cs >= pe:
                    nxt.append((ps, pe))
                    continue
                if ps < cs:
                    nxt.append((ps, cs))
                if ce < pe:
                    nxt.append((ce, pe))
            pieces = nxt
        for ps, pe in pieces:
            out.starts.append(ps)
            out.ends.append(pe)
    return out
