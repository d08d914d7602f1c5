"""Counts of requests kept per worker for ``counts_cache_seconds`` (issue 16): the estimate's
queue length and throughput per lane, and the open load per assignee that a duty roster weighs.

Both were a query on every filing. Here each worker reads them at most every
``counts_cache_seconds`` and keeps its own filings in them exactly: a request filed (and
committed) in this worker is added to its lane's queue and, when assigned, to its assignee's load
at once. Any other change this worker commits to a request that moves these counts (its status,
assignee, lane, first answer, or a deletion) drops the worker's copies, so they are read again on
next use. What other workers do is seen when the copy is read again, within the cache time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from sep_core import db, plugin_settings

from .models import ACTIVE, OPEN, Ticket

EXTENSION = "tickets_counts"
#: Changes of these columns of an existing request move a count (queue, load or throughput).
MOVING = ("status", "assignee_id", "queue", "profile", "first_answered_at", "created_at")
#: Counts read for a request are kept only when it was created this recently (the one being filed).
KEEP_WITHIN_SECONDS = 1.0


def lane_key(queue: str, profile: str) -> tuple[str, str]:
    """A lane: the specialist profile, else the queue (as ``sla.lane_filter``)."""
    return ("", profile) if profile else (queue, "")


@dataclass
class LaneCounts:
    """One lane's counts as read at ``read_at`` (monotonic) for the app-clock moment ``as_of``
    (naive UTC): active requests created before it, and first answers in the window ending at
    ``window_end``; ``own`` holds the creation times of this worker's requests committed since."""

    read_at: float
    as_of: datetime
    window_end: datetime
    ahead: int
    answered: int
    own: list[datetime] = field(default_factory=list)


@dataclass
class Counts:
    lanes: dict[tuple[str, str], LaneCounts] = field(default_factory=dict)
    load: dict[int, int] | None = None
    load_read_at: float = 0.0


def ttl() -> float:
    return float(plugin_settings("tickets")["counts_cache_seconds"])


def _state() -> Counts | None:
    if not has_app_context() or ttl() <= 0:
        return None
    return current_app.extensions.setdefault(EXTENSION, Counts())


def forget() -> None:
    """Drop this worker's copies (read again on next use)."""
    if has_app_context():
        current_app.extensions.pop(EXTENSION, None)


# --- the estimate's counts -------------------------------------------------------------------------


def lane_counts(queue: str, profile: str, created_before: datetime | None, at: datetime) -> tuple[int, int] | None:
    """(ahead, answered) from this worker's copy, or None when it has none fit for this question:
    none read within the cache time, read for a clock moment more than the cache time away, or
    asked about a request created before the copy was read (an older request gets an exact count)."""
    state = _state()
    if state is None:
        return None
    entry = state.lanes.get(lane_key(queue, profile))
    limit = ttl()
    if (entry is None or time.monotonic() - entry.read_at >= limit
            or abs((at - entry.window_end).total_seconds()) >= limit
            or (created_before is not None and created_before < entry.as_of)):
        return None
    own = len(entry.own) if created_before is None else sum(1 for t in entry.own if t < created_before)
    return entry.ahead + own, entry.answered


def keep_lane_counts(queue: str, profile: str, created_before: datetime | None, at: datetime,
                     ahead: int, answered: int) -> None:
    """Keep counts just read (for a request filed now, or for one not filed yet)."""
    state = _state()
    if state is None:
        return
    as_of = created_before if created_before is not None else at
    if abs((at - as_of).total_seconds()) >= KEEP_WITHIN_SECONDS:
        return  # about an older request: not the queue as it is now
    state.lanes[lane_key(queue, profile)] = LaneCounts(time.monotonic(), as_of, at, ahead, answered)


# --- the open load per assignee --------------------------------------------------------------------


def _read_load() -> dict[int, int]:
    rows = db.session.execute(select(Ticket.assignee_id, func.count(Ticket.id))
                              .where(Ticket.status.in_(OPEN), Ticket.assignee_id.is_not(None))
                              .group_by(Ticket.assignee_id)).all()
    return {int(user_id): int(count) for user_id, count in rows}


def open_load() -> dict[int, int]:
    """Open requests per assignee (a copy: the caller may change it). From this worker's copy
    when it is younger than the cache time."""
    state = _state()
    if state is None:
        return _read_load()
    if state.load is None or time.monotonic() - state.load_read_at >= ttl():
        state.load, state.load_read_at = _read_load(), time.monotonic()
    return dict(state.load)


# --- keeping the copies true to this worker's own commits -----------------------------------------


def note_created(session, ticket: Ticket) -> None:
    """A request written without a flush (:mod:`.bulk`): counted like a flushed one."""
    session.info.setdefault("tickets_created", {})[id(ticket)] = ticket
    _snapshot(session.info)


def _snapshot(info: dict) -> None:
    """The created requests' values now (after the commit they are expired)."""
    info["tickets_created_values"] = [(lane_key(t.queue, t.profile), t.created_at, t.status, t.assignee_id)
                                      for t in info["tickets_created"].values()]


@event.listens_for(Session, "after_flush")
def _note(session, _context) -> None:
    """Remember the requests this transaction creates (their latest values) and whether it moved
    a count of an existing one."""
    info = session.info
    created = info.get("tickets_created")
    for obj in session.new:
        if isinstance(obj, Ticket):
            created = info.setdefault("tickets_created", {})
            created[id(obj)] = obj
    for obj in session.dirty:
        if isinstance(obj, Ticket) and (created is None or id(obj) not in created) and _moved(obj):
            info["tickets_counts_stale"] = True
    if any(isinstance(obj, Ticket) for obj in session.deleted):
        info["tickets_counts_stale"] = True
    if "tickets_created" in info:
        _snapshot(info)


def _moved(obj: Ticket) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in MOVING)


@event.listens_for(Session, "after_commit")
def _apply(session) -> None:
    info = session.info
    stale = info.pop("tickets_counts_stale", False)
    info.pop("tickets_created", None)
    created = info.pop("tickets_created_values", None)
    if not (stale or created) or not has_app_context():
        return
    state = current_app.extensions.get(EXTENSION)
    if state is None:
        return
    if stale:
        forget()
        return
    for lane, created_at, status, assignee_id in created:
        entry = state.lanes.get(lane)
        if entry is not None and status in ACTIVE and created_at is not None and created_at >= entry.as_of:
            entry.own.append(created_at)
        if state.load is not None and assignee_id is not None and status in OPEN:
            state.load[assignee_id] = state.load.get(assignee_id, 0) + 1


@event.listens_for(Session, "after_rollback")
def _discard(session) -> None:
    for key in ("tickets_counts_stale", "tickets_created", "tickets_created_values"):
        session.info.pop(key, None)
