"""The per-app calendar cache (``app.extensions["calendar_ru"]``).

The year files are read once at start-up. Overrides and maintenance windows live in the
database; they are loaded into an immutable :class:`~.engine.Engine` and refreshed

- at once in the worker that writes a change (``changed()`` after the commit), and
- in other workers (gunicorn, the CLI) when the version row's counter has moved; the row is
  read at most once every ``cache_ttl_seconds`` (default 30 s) per worker, on a separate
  connection, never per call.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from sep_core import MOSCOW, ConfigError, db, now, plugin_settings, utcnow_naive

from .calendar_data import CalendarError, Override, build_days, fallback_year, load_years, parse_hours
from .engine import Engine, ServiceSchedule, Window
from .models import CalendarOverride, CalendarVersion, CalendarYear, MaintenanceWindow

log = logging.getLogger("sep.calendar_ru")
EXTENSION = "calendar_ru"
#: The built-in service open all day on every working day of the calendar.
WORKING_DAYS = "working_days"


@dataclass
class CalendarState:
    years: dict[int, dict]
    """Loaded years: the shipped files, replaced or extended by administrators' imports."""
    schedules: dict[str, ServiceSchedule]
    settings: dict
    engine: Engine
    version: int | None = None
    """The version row's counter when the engine was built; None: not loaded from the DB yet."""
    checked_at: float = -math.inf
    overrides: list[Override] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    file_years: dict[int, dict] = field(default_factory=dict)
    fallback: dict[int, dict] = field(default_factory=dict)
    """Years without a loaded decree that the engine covers with the standard five-day week."""
    horizon: int = 0
    """The last year the engine covers (loaded or fallback)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ttl(self) -> float:
        return float(self.settings["cache_ttl_seconds"])

    def build(self, overrides: list[Override], windows: list[Window], today: date | None = None) -> Engine:
        """The engine over the loaded years plus fallback years up to next year (so a deadline
        or an estimate in late December never runs off the data)."""
        s = self.settings
        this_year = (today or now().date()).year
        self.horizon = max(max(self.years, default=this_year), this_year + 1)
        first = min(self.years, default=this_year)
        self.fallback = {y: fallback_year(y) for y in range(first, self.horizon + 1) if y not in self.years}
        days = build_days({**self.fallback, **self.years}, overrides, bool(s["honour_special_non_working_days"]),
                          tuple(s["special_regions"]))
        return Engine(days, self.schedules, windows, timedelta(days=float(s["announce_days"])))

    def year_data(self, year: int) -> dict | None:
        return self.years.get(year) or self.fallback.get(year)


def init_app(app: Flask) -> CalendarState:
    """Read the data files and the settings once; fail start-up on bad settings."""
    settings = plugin_settings("calendar_ru")
    try:
        schedules = {name: ServiceSchedule.from_settings(name, spec or {})
                     for name, spec in dict(settings["services"]).items()}
    except CalendarError as exc:
        raise ConfigError(f"calendar_ru: {exc}") from exc
    if "tickets" not in schedules:
        raise ConfigError("calendar_ru: services must include 'tickets' (request deadlines run on it)")
    # Whole working days (a short day and a working Saturday count in full): the request
    # service's "clock hours on working days" deadline policy counts time on this service.
    schedules.setdefault(WORKING_DAYS, ServiceSchedule(WORKING_DAYS, True, ((0, 1440),), ((0, 1440),)))
    response_hours = settings["response_hours"]
    if isinstance(response_hours, bool) or not isinstance(response_hours, int | float) or not (
            0 < response_hours < math.inf):
        raise ConfigError(f"calendar_ru: response_hours must be a positive number of hours, not {response_hours!r}")
    years = load_years()
    state = CalendarState(years=dict(years), file_years=years, schedules=schedules, settings=settings,
                          engine=None)  # type: ignore[arg-type]
    today = datetime.now(MOSCOW).date()
    state.engine = state.build([], [], today)
    app.extensions[EXTENSION] = state
    missing = missing_year(today, state)
    if missing:
        log.warning("calendar_ru: no production calendar data for %s; add data/%s.json", missing, missing)
    return state


def current() -> CalendarState:
    return current_app.extensions[EXTENSION]


def engine() -> Engine:
    """The current engine: a monotonic-clock comparison per call, a version check per TTL, and
    a rebuild (no database read) when the clock has moved into the engine's last year."""
    state = current()
    if time.monotonic() - state.checked_at >= state.ttl:
        refresh(state)
    elif now().year >= state.horizon:
        with state.lock:
            state.engine = state.build(state.overrides, state.windows)
    return state.engine


def refresh(state: CalendarState | None = None, force: bool = False) -> None:
    state = state or current()
    with state.lock:
        try:
            with db.engine.connect() as conn:
                version = conn.execute(select(CalendarVersion.version).where(CalendarVersion.id == 1)).scalar()
                version = version or 0
                if force or state.version is None or version != state.version or now().year >= state.horizon:
                    overrides = [_override(r) for r in conn.execute(select(CalendarOverride.__table__))]
                    windows = [_window(r) for r in conn.execute(select(MaintenanceWindow.__table__))]
                    imported = {r.year: r.data for r in conn.execute(select(CalendarYear.year, CalendarYear.data))}
                    state.years = {**state.file_years, **imported}
                    state.engine = state.build(overrides, windows)
                    state.overrides, state.windows = overrides, windows
                    state.version = version
        except SQLAlchemyError:  # tables not created yet (before `sep init`): data files only
            log.debug("calendar_ru: overrides not loaded", exc_info=True)
        state.checked_at = time.monotonic()


def bump_version() -> None:
    """Call inside the writing transaction; then ``changed()`` after the commit."""
    result = db.session.execute(update(CalendarVersion).where(CalendarVersion.id == 1)
                                .values(version=CalendarVersion.version + 1, updated_at=utcnow_naive()))
    if not result.rowcount:
        db.session.add(CalendarVersion(id=1, version=1, updated_at=utcnow_naive()))


def changed() -> None:
    refresh(force=True)


def missing_year(today: date, state: CalendarState | None = None) -> int | None:
    """The year without data that the staff must be warned about: this year, or next year
    within ``missing_year_warning_days`` of its start."""
    state = state or current()
    if today.year not in state.years:
        return today.year
    start_next = date(today.year + 1, 1, 1)
    warn_days = int(state.settings["missing_year_warning_days"])
    if today.year + 1 not in state.years and (start_next - today).days <= warn_days:
        return today.year + 1
    return None


def _override(row) -> Override:
    hours = parse_hours(row.hours) if row.kind == "hours" and row.hours else ()
    return Override(id=row.id, date=row.date, kind=row.kind, reason=row.reason or "", act=row.act or "",
                    hours=hours, services=frozenset(row.services or []), published=bool(row.published))


def to_aware(naive_utc: datetime) -> datetime:
    return naive_utc.replace(tzinfo=UTC).astimezone(MOSCOW)


def to_naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _window(row) -> Window:
    return Window(id=row.id, start=to_aware(row.starts_at), end=to_aware(row.ends_at),
                  services=frozenset(row.services or []), message=row.message or "",
                  message_en=row.message_en or "")
