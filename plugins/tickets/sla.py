"""The deadline clock (the answer-time policy) and the load-based estimate.

The deadline policy (setting ``deadline_policy``) decides which time counts towards
``deadline_hours``:

- ``clock_hours_on_working_days`` (default): clock hours, but only on working days of the
  calendar (``sep_core.deadline("working_days", ...)``: a calendar service open 00:00-24:00 on
  every working day). Filed on Friday 17:00 with 24 hours: due on Monday 17:00; filed on a day off:
  the clock starts at 00:00 of the next working day.
- ``working_hours``: the working hours of the "tickets" service (06:00-18:00 by default).

Everything that shows or checks a deadline (the home page through ``sep_response_target``, the
request form and page, e-mails, the desk, the API) reads :func:`policy` and :func:`rule_text`.
The inverse of the deadline function — how much counted time lies between two moments — is found
by bisection on that same function, so pausing, resuming, the desk's "time left" and the
estimate agree with whatever calendar is enabled.

Estimate (documented in docs/plugins/tickets.md):
    ahead     = active requests of the same lane (profile, else queue) created before this one
    rate      = requests of the lane first answered in the last ``estimate_window_days`` divided
                by the working hours of that window (``estimate_default_per_hour`` with fewer than
                ``estimate_min_samples`` answers)
    work      = (ahead + 1) / rate working hours
    estimate  = deadline("tickets", now, work); "overloaded" when it falls after the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from sep_core import MOSCOW, ConfigError, db, deadline, ngettext, now, plugin_settings, utcnow_naive
from sep_core import gettext as _

from . import counts
from .models import ACTIVE, Ticket

PRECISION_HOURS = 1 / 14400  # a quarter of a second; results are rounded to whole seconds
CLOCK_ON_WORKING_DAYS = "clock_hours_on_working_days"
WORKING_HOURS = "working_hours"
POLICIES = {CLOCK_ON_WORKING_DAYS: "working_days", WORKING_HOURS: "tickets"}
"""Each policy and the calendar service whose open time its clock counts."""


def policy() -> str:
    """The configured deadline policy (checked at start-up by :func:`check_settings`)."""
    return str(plugin_settings("tickets")["deadline_policy"])


def clock_service() -> str:
    """The calendar service the deadline clock runs on under the current policy."""
    return POLICIES[policy()]


def deadline_hours() -> float:
    return float(plugin_settings("tickets")["deadline_hours"])


def check_settings(app) -> None:
    """Stop start-up on a policy or hours the clock cannot use (``sep_startup``)."""
    settings = plugin_settings("tickets", app)
    if settings["deadline_policy"] not in POLICIES:
        raise ConfigError(f"tickets: deadline_policy must be one of {sorted(POLICIES)}, "
                          f"not {settings['deadline_policy']!r}")
    hours = settings["deadline_hours"]
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours < 10_000:
        raise ConfigError(f"tickets: deadline_hours must be a positive number of hours, not {hours!r}")


def _hours_number(hours: float) -> str:
    return str(int(hours)) if float(hours).is_integer() else f"{hours:g}".replace(".", ",")


def rule_text() -> str:
    """The answer-time rule in the reader's language, as the home page and the form say it."""
    hours = deadline_hours()
    count = int(hours) if float(hours).is_integer() else 5
    if policy() == WORKING_HOURS:
        return ngettext("We answer within %(hours)s working hour.", "We answer within %(hours)s working hours.",
                        count, hours=_hours_number(hours))
    return ngettext("We answer within %(hours)s hour; only working days count (weekends and public holidays "
                    "do not).", "We answer within %(hours)s hours; only working days count (weekends and public "
                    "holidays do not).", count, hours=_hours_number(hours))


def units_label() -> str:
    """What the desk's "time left" counts, under the current policy."""
    if policy() == WORKING_HOURS:
        return _("working hours")
    return _("hours of working days")


def response_target() -> dict:
    """``sep_response_target``: the rule for other plugins (the home page)."""
    return {"policy": policy(), "hours": deadline_hours(), "text": rule_text(), "due_for": due_for}


def to_naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_naive_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(MOSCOW)


def working_hours_between(start: datetime, end: datetime, upper: float, service: str = "tickets") -> float:
    """Open hours of the service from ``start`` to ``end`` (at most ``upper``)."""
    if end <= start:
        return 0.0
    if deadline(service, start, upper) <= end:
        return upper
    lo, hi = 0.0, upper
    while hi - lo > PRECISION_HOURS:
        mid = (lo + hi) / 2
        if deadline(service, start, mid) <= end:
            lo = mid
        else:
            hi = mid
    return round(lo * 3600) / 3600


def _window_hours(start: datetime, end: datetime, upper: float) -> float:
    """working_hours_between for the estimate window, remembered per app for the minute (the
    calendar does not change from one request to the next; the bisection is not free)."""
    cache = current_app.extensions.setdefault("tickets_window_hours", {})
    key = (start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0), upper)
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[key] = working_hours_between(*key)
    return cache[key]


def due_for(at: datetime) -> datetime:
    """The deadline (Moscow time) of a request filed at ``at`` under the current policy."""
    return deadline(clock_service(), at, deadline_hours())


def counted_hours_between(start: datetime, end: datetime) -> float:
    """Hours the policy counts between two moments (negative when ``end`` is before ``start``)."""
    upper = max(deadline_hours(), 1.0)
    if end < start:
        return -counted_hours_between(end, start)
    total = 0.0
    for _round in range(1000):  # a long overdue stretch: count in steps of ``upper``
        step = working_hours_between(start, end, upper, clock_service())
        total += step
        if step < upper:
            break
        start = deadline(clock_service(), start, upper)
    return total


def start_clock(ticket: Ticket, at: datetime | None = None) -> None:
    at = at or now()
    ticket.sla_hours = deadline_hours()
    ticket.due_at = to_naive_utc(deadline(clock_service(), at, ticket.sla_hours))
    ticket.paused_at = None
    ticket.remaining_hours = None


def pause(ticket: Ticket, at: datetime | None = None) -> None:
    if ticket.paused_at is not None or ticket.due_at is None:
        return
    at = at or now()
    due = from_naive_utc(ticket.due_at)
    ticket.paused_at = to_naive_utc(at)
    ticket.remaining_hours = working_hours_between(at, due, ticket.sla_hours, clock_service()) if at < due else None


def resume(ticket: Ticket, at: datetime | None = None) -> None:
    if ticket.paused_at is None:
        return
    at = at or now()
    if ticket.remaining_hours is not None:  # an overdue request stays overdue
        ticket.due_at = to_naive_utc(deadline(clock_service(), at, ticket.remaining_hours))
    ticket.paused_at = None
    ticket.remaining_hours = None


def is_overdue(ticket: Ticket, at: datetime | None = None) -> bool:
    return (ticket.status in ACTIVE and ticket.due_at is not None and ticket.paused_at is None
            and ticket.due_at < to_naive_utc(at or now()))


@dataclass
class Estimate:
    at: datetime
    ahead: int
    per_hour: float
    measured: bool
    work_hours: float
    overloaded: bool


def lane_filter(queue: str, profile: str):
    return (Ticket.profile == profile) if profile else ((Ticket.queue == queue) & (Ticket.profile == ""))


def _read_counts(queue: str, profile: str, created_before: datetime | None, at: datetime) -> tuple[int, int]:
    """The lane's active requests created before ``created_before`` (all when None) and its first
    answers in the window ending at ``at``, read now."""
    settings = plugin_settings("tickets")
    lane = lane_filter(queue, profile)
    ahead_query = select(func.count(Ticket.id)).where(lane, Ticket.status.in_(ACTIVE))
    if created_before is not None:
        ahead_query = ahead_query.where(Ticket.created_at < created_before)
    days = float(settings["estimate_window_days"])
    window_start = at - timedelta(days=days)
    answered_query = select(func.count(Ticket.id)).where(
        lane, Ticket.first_answered_at >= to_naive_utc(window_start), Ticket.first_answered_at <= to_naive_utc(at))
    # both counts in one statement: one round trip on the filing path
    ahead, answered = db.session.execute(
        select(ahead_query.scalar_subquery(), answered_query.scalar_subquery())).one()
    return int(ahead), int(answered)


def estimate(queue: str, profile: str = "", created_before: datetime | None = None,
             due_at: datetime | None = None, at: datetime | None = None) -> Estimate:
    """When an answer is likely for a request in this lane (``created_before``: the request's own
    creation time, None for one filed now); ``due_at`` (naive UTC) marks overload.

    For a request filed now (or within ``counts_cache_seconds``) the counts come from this worker's
    copy when it has one (:mod:`.counts`): other workers' filings and answers of the last few
    seconds may be missing from it; an older request's counts are read exactly."""
    settings = plugin_settings("tickets")
    at = at or now()
    naive_at = to_naive_utc(at)
    counted = counts.lane_counts(queue, profile, created_before, naive_at)
    if counted is None:
        counted = _read_counts(queue, profile, created_before, at)
        counts.keep_lane_counts(queue, profile, created_before, naive_at, *counted)
    ahead, answered = counted
    days = float(settings["estimate_window_days"])
    window_start = at - timedelta(days=days)
    hours = _window_hours(window_start, at, days * 24)
    measured = answered >= int(settings["estimate_min_samples"]) and hours > 0
    per_hour = answered / hours if measured else float(settings["estimate_default_per_hour"])
    work = (ahead + 1) / per_hour
    eta = deadline("tickets", at, work)
    due = due_at if due_at is not None else to_naive_utc(due_for(at))
    return Estimate(at=eta, ahead=ahead, per_hour=per_hour, measured=measured, work_hours=work,
                    overloaded=to_naive_utc(eta) > due)


def ticket_estimate(ticket: Ticket, at: datetime | None = None) -> Estimate | None:
    """The estimate for an open request whose clock runs (None when waiting or finished)."""
    if ticket.status not in ACTIVE or ticket.paused_at is not None:
        return None
    return estimate(ticket.queue, ticket.profile, ticket.created_at, ticket.due_at, at)


def time_left(ticket: Ticket, at: datetime | None = None) -> float | None:
    """Hours left to the deadline in the policy's own units (negative: overdue); None when the
    clock does not run (waiting for the citizen, answered, closed)."""
    if ticket.status not in ACTIVE or ticket.due_at is None or ticket.paused_at is not None:
        return None
    return counted_hours_between(at or now(), from_naive_utc(ticket.due_at))


__all__ = ["Estimate", "check_settings", "clock_service", "counted_hours_between", "due_for", "estimate",
           "from_naive_utc", "is_overdue", "pause", "policy", "response_target", "resume", "rule_text",
           "start_clock", "ticket_estimate", "time_left", "to_naive_utc", "units_label", "utcnow_naive",
           "working_hours_between"]
