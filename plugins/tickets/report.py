"""The request service's figures for reports (``sep_report_metrics``).

For the period [start, end) and a channel (None: all), in Moscow dates:

- received: requests filed in the period, per day and per channel;
- answered: requests first answered in the period (per day of the first answer, per channel);
- overdue: requests whose deadline fell in the period (and has passed) with no answer by then;
- compliance: of the requests first answered in the period, the share answered by their deadline;
- first_answer_minutes: median and 90th percentile (nearest rank) of the clock minutes from
  filing to the first answer, for those same requests;
- queue_by_profile: open requests now, per specialist profile ("duty" for the duty queue).
"""

from __future__ import annotations

import math
from datetime import datetime
from statistics import median

from sqlalchemy import or_, select

from sep_core import db, now

from .models import OPEN, Ticket
from .sla import from_naive_utc, to_naive_utc


def _day(moment: datetime) -> str:
    return from_naive_utc(moment).date().isoformat()


def _bump(table: dict, key: str, field: str) -> None:
    table.setdefault(key, {"received": 0, "answered": 0, "overdue": 0})[field] += 1


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (the value below which ``share`` of the values lie)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def metrics(start: datetime, end: datetime, channel: str | None) -> dict:
    lo, hi, at = to_naive_utc(start), to_naive_utc(end), to_naive_utc(now())
    query = select(Ticket.channel, Ticket.created_at, Ticket.first_answered_at, Ticket.due_at, Ticket.profile,
                   Ticket.status).where(or_(Ticket.created_at.between(lo, hi), Ticket.first_answered_at.between(lo, hi),
                                            Ticket.due_at.between(lo, hi)))
    if channel:
        query = query.where(Ticket.channel == channel)
    by_day: dict[str, dict] = {}
    by_channel: dict[str, dict] = {}
    minutes: list[float] = []
    in_time = 0
    for chan, created, answered, due, _profile, _status in db.session.execute(query).all():
        if lo <= created < hi:
            _bump(by_day, _day(created), "received")
            _bump(by_channel, chan, "received")
        if answered is not None and lo <= answered < hi:
            _bump(by_day, _day(answered), "answered")
            _bump(by_channel, chan, "answered")
            minutes.append((answered - created).total_seconds() / 60)
            in_time += int(due is None or answered <= due)
        if due is not None and lo <= due < hi and due < at and (answered is None or answered > due):
            _bump(by_day, _day(due), "overdue")
            _bump(by_channel, chan, "overdue")
    queue = select(Ticket.profile, Ticket.queue).where(Ticket.status.in_(OPEN))
    if channel:
        queue = queue.where(Ticket.channel == channel)
    queue_by_profile: dict[str, int] = {}
    for profile, lane in db.session.execute(queue).all():
        key = profile or lane or "duty"
        queue_by_profile[key] = queue_by_profile.get(key, 0) + 1
    return {"requests": {
        "by_day": dict(sorted(by_day.items())), "by_channel": dict(sorted(by_channel.items())),
        "answered_total": len(minutes), "answered_in_time": in_time,
        "compliance": round(100 * in_time / len(minutes), 1) if minutes else None,
        "first_answer_minutes": {"count": len(minutes), "median": round(median(minutes), 1) if minutes else None,
                                 "p90": round(percentile(minutes, 0.9), 1) if minutes else None},
        "queue_by_profile": dict(sorted(queue_by_profile.items())),
    }}
