"""The deadline clock and the load-based estimate.

Working time comes from ``sep_core.deadline("tickets", start, hours)`` (the calendar plugin's
working hours, or wall-clock time without one). The inverse — how many working hours lie between
two moments — is found by bisection on that same function, so pausing, resuming and the estimate
agree with whatever calendar is enabled.

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

from sep_core import MOSCOW, db, deadline, now, plugin_settings, utcnow_naive

from .models import ACTIVE, Ticket

PRECISION_HOURS = 1 / 14400  # a quarter of a second; results are rounded to whole seconds


def to_naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_naive_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(MOSCOW)


def working_hours_between(start: datetime, end: datetime, upper: float) -> float:
    """Working hours of the tickets service from ``start`` to ``end`` (at most ``upper``)."""
    if end <= start:
        return 0.0
    if deadline("tickets", start, upper) <= end:
        return upper
    lo, hi = 0.0, upper
    while hi - lo > PRECISION_HOURS:
        mid = (lo + hi) / 2
        if deadline("tickets", start, mid) <= end:
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


def start_clock(ticket: Ticket, at: datetime | None = None) -> None:
    at = at or now()
    ticket.sla_hours = float(plugin_settings("tickets")["deadline_hours"])
    ticket.due_at = to_naive_utc(deadline("tickets", at, ticket.sla_hours))
    ticket.paused_at = None
    ticket.remaining_hours = None


def pause(ticket: Ticket, at: datetime | None = None) -> None:
    if ticket.paused_at is not None or ticket.due_at is None:
        return
    at = at or now()
    due = from_naive_utc(ticket.due_at)
    ticket.paused_at = to_naive_utc(at)
    ticket.remaining_hours = working_hours_between(at, due, ticket.sla_hours) if at < due else None


def resume(ticket: Ticket, at: datetime | None = None) -> None:
    if ticket.paused_at is None:
        return
    at = at or now()
    if ticket.remaining_hours is not None:  # an overdue request stays overdue
        ticket.due_at = to_naive_utc(deadline("tickets", at, ticket.remaining_hours))
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


def estimate(queue: str, profile: str = "", created_before: datetime | None = None,
             due_at: datetime | None = None, at: datetime | None = None) -> Estimate:
    """When an answer is likely for a request in this lane (``created_before``: the request's own
    creation time, None for one filed now); ``due_at`` (naive UTC) marks overload."""
    settings = plugin_settings("tickets")
    at = at or now()
    lane = lane_filter(queue, profile)
    ahead_query = select(func.count(Ticket.id)).where(lane, Ticket.status.in_(ACTIVE))
    if created_before is not None:
        ahead_query = ahead_query.where(Ticket.created_at < created_before)
    ahead = db.session.execute(ahead_query).scalar_one()
    days = float(settings["estimate_window_days"])
    window_start = at - timedelta(days=days)
    answered = db.session.execute(
        select(func.count(Ticket.id)).where(lane, Ticket.first_answered_at >= to_naive_utc(window_start),
                                            Ticket.first_answered_at <= to_naive_utc(at))
    ).scalar_one()
    hours = _window_hours(window_start, at, days * 24)
    measured = answered >= int(settings["estimate_min_samples"]) and hours > 0
    per_hour = answered / hours if measured else float(settings["estimate_default_per_hour"])
    work = (ahead + 1) / per_hour
    eta = deadline("tickets", at, work)
    due = due_at if due_at is not None else to_naive_utc(deadline("tickets", at, float(settings["deadline_hours"])))
    return Estimate(at=eta, ahead=ahead, per_hour=per_hour, measured=measured, work_hours=work,
                    overloaded=to_naive_utc(eta) > due)


def ticket_estimate(ticket: Ticket, at: datetime | None = None) -> Estimate | None:
    """The estimate for an open request whose clock runs (None when waiting or finished)."""
    if ticket.status not in ACTIVE or ticket.paused_at is not None:
        return None
    return estimate(ticket.queue, ticket.profile, ticket.created_at, ticket.due_at, at)


__all__ = ["Estimate", "estimate", "from_naive_utc", "is_overdue", "pause", "resume", "start_clock",
           "ticket_estimate", "to_naive_utc", "utcnow_naive", "working_hours_between"]
