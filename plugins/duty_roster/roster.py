"""Who is on shift, the pick of an assignee among them, and the handover when a shift ends.

Shifts are stored in naive UTC and entered and shown in Moscow time. The roster is "in use" as
soon as it holds a shift; before that it abstains from ``sep_on_duty`` so a centre without a
roster works as before.

The pick of an assignee runs on every filing, so each worker keeps the shifts of the coming hour,
their people and the round-robin memory for ``cache_seconds`` (:class:`RosterCache`) instead of
querying them per filing: a commit in this worker that touches a shift (or a person's role or
active flag) drops the copy at once; other workers' edits are seen within ``cache_seconds``.
"""

from __future__ import annotations

import time as monotonic_clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from sep_core import MOSCOW, User, current_state, db, now, plugin_settings, to_moscow, utcnow_naive
from sep_core import gettext as _

from .models import Assignment, Shift

DESK_ROLES = ("duty", "specialist", "admin")
SHIFT_ROLES = ("duty", "specialist")


class RosterError(ValueError):
    """A shift that cannot be saved; the message is for the person."""


def to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(MOSCOW)


def span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """A shift's from-to in Moscow time; an end at or before the start is on the next day."""
    begin = datetime.combine(day, start, tzinfo=MOSCOW)
    finish = datetime.combine(day, end, tzinfo=MOSCOW)
    if finish <= begin:
        finish += timedelta(days=1)
    return begin, finish


def profiles() -> dict[str, str]:
    """The active specialist profiles (code -> label) from ``sep_specialist_profiles``."""
    out: dict[str, str] = {}
    for group in current_state().pm.hook.sep_specialist_profiles():
        for item in group or []:
            if item.get("active", True):
                out.setdefault(str(item["code"]), str(item.get("name") or item["code"]))
    return out


def check_shift(user: User | None, role: str, profile: str, begin: datetime, end: datetime,
                ignore_id: int | None = None) -> None:
    """Refuse a shift the desk could not use: unknown or non-desk person, a role the account does
    not have, a profile that is not on the list or not the person's, a too long or overlapping shift."""
    if user is None or not user.active or user.role not in DESK_ROLES:
        raise RosterError(_("There is no active desk account with this e-mail."))
    if role not in SHIFT_ROLES:
        raise RosterError(_("The role must be duty or specialist."))
    if role == "specialist":
        if not profile:
            raise RosterError(_("A specialist's shift needs a profile."))
        if profile not in profiles():
            raise RosterError(_("There is no active specialist profile %(profile)s.", profile=profile))
        if user.role != "admin" and profile not in (user.profiles or []):
            raise RosterError(_("%(name)s does not have the profile %(profile)s.", name=display_name(user),
                                profile=profile))
    elif profile:
        raise RosterError(_("A duty shift has no profile."))
    if role == "duty" and user.role == "specialist":
        raise RosterError(_("%(name)s is a profile specialist, not a duty specialist.", name=display_name(user)))
    hours = (end - begin).total_seconds() / 3600
    if not 0 < hours <= float(plugin_settings("duty_roster")["max_shift_hours"]):
        raise RosterError(_("A shift lasts from a few minutes to %(hours)s hours.",
                            hours=plugin_settings("duty_roster")["max_shift_hours"]))
    overlap = select(Shift.id).where(Shift.user_id == user.id, Shift.starts_at < to_utc(end),
                                     Shift.ends_at > to_utc(begin))
    if ignore_id is not None:
        overlap = overlap.where(Shift.id != ignore_id)
    if db.session.execute(overlap.limit(1)).first() is not None:
        raise RosterError(_("%(name)s already has a shift at that time.", name=display_name(user)))


def add_shift(user: User | None, role: str, profile: str, begin: datetime, end: datetime,
              created_by: User | None) -> Shift:
    """Check and add a shift (the caller commits)."""
    check_shift(user, role, profile, begin, end)
    shift = Shift(user_id=user.id, role=role, profile=profile or "", starts_at=to_utc(begin), ends_at=to_utc(end),
                  created_by_id=getattr(created_by, "id", None), created_at=utcnow_naive())
    db.session.add(shift)
    db.session.flush()
    return shift


def display_name(user: User | None) -> str:
    if user is None:
        return "—"
    return user.full_name or user.email or str(user.id)


@dataclass
class OnDuty:
    shift: Shift
    user: User

    @property
    def until(self) -> datetime:
        return from_utc(self.shift.ends_at)


def on_duty(at: datetime | None = None) -> list[OnDuty]:
    """Shifts running at ``at`` (now by default) of active desk accounts, by end time."""
    moment = to_utc(at or now())
    rows = db.session.execute(
        select(Shift, User).join(User, User.id == Shift.user_id)
        .where(Shift.starts_at <= moment, Shift.ends_at > moment, User.active.is_(True),
               User.role.in_(DESK_ROLES))
        .order_by(Shift.ends_at, Shift.id)).all()
    return [OnDuty(shift, user) for shift, user in rows]


def roster_in_use() -> bool:
    return db.session.execute(select(Shift.id).limit(1)).first() is not None


def on_duty_verdict(user, at: datetime | None = None) -> bool | None:
    """``sep_on_duty``: None while the roster is empty (not in use) or for administrators (who are
    not rostered); otherwise whether the person has a shift running at ``at``."""
    if user is None or getattr(user, "role", None) == "admin" or not roster_in_use():
        return None
    return any(item.user.id == user.id for item in on_duty(at))


def _last_assigned() -> dict[int, datetime]:
    rows = db.session.execute(select(Assignment.user_id, func.max(Assignment.at)).group_by(Assignment.user_id))
    return dict(rows.all())


# --- the per-worker copy of the roster ------------------------------------------------------------

EXTENSION = "duty_roster_cache"
#: How far ahead the copy holds shifts: a copy is used only for moments within it (a shift that
#: starts or ends inside it is seen at the right moment without a new read).
HORIZON = timedelta(hours=1)
_USER_COLUMNS = tuple(c.key for c in inspect(User).column_attrs)


@dataclass(frozen=True)
class CachedShift:
    """A shift as plain values (never a row of some past session)."""

    id: int
    user_id: int
    role: str
    profile: str
    starts_at: datetime
    ends_at: datetime


@dataclass
class RosterCache:
    """The shifts running between ``start`` and ``end`` (naive UTC) of active desk accounts, their
    people's column values, and the round-robin memory, read at ``loaded_at`` (monotonic)."""

    loaded_at: float
    start: datetime
    end: datetime
    shifts: list[CachedShift]
    users: dict[int, dict]
    last: dict[int, datetime] | None = None
    """When each person was last given a request; read on first need, then kept up to date with
    this worker's own assignments."""

    def covers(self, moment: datetime, ttl: float) -> bool:
        return monotonic_clock.monotonic() - self.loaded_at < ttl and self.start <= moment < self.end

    def last_assigned(self) -> dict[int, datetime]:
        if self.last is None:
            self.last = _last_assigned()
        return self.last

    def assigned(self, user_id: int, moment: datetime) -> None:
        """This worker's own assignment, for the round-robin until the next read."""
        if self.last is not None:
            self.last[user_id] = max(moment, self.last.get(user_id, moment))


def cache_seconds() -> float:
    return float(plugin_settings("duty_roster")["cache_seconds"])


def _load(moment: datetime) -> RosterCache:
    end = moment + HORIZON
    rows = db.session.execute(
        select(Shift.id, Shift.user_id, Shift.role, Shift.profile, Shift.starts_at, Shift.ends_at,
               *[getattr(User, c) for c in _USER_COLUMNS])
        .join(User, User.id == Shift.user_id)
        .where(Shift.starts_at < end, Shift.ends_at > moment, User.active.is_(True), User.role.in_(DESK_ROLES))
        .order_by(Shift.ends_at, Shift.id)).all()
    shifts, users = [], {}
    for row in rows:
        shifts.append(CachedShift(*row[:6]))
        users[row[1]] = dict(zip(_USER_COLUMNS, row[6:], strict=True))
    return RosterCache(loaded_at=monotonic_clock.monotonic(), start=moment, end=end, shifts=shifts, users=users)


def cached(moment: datetime) -> RosterCache | None:
    """This worker's copy covering ``moment`` (read now if it is missing, old or does not cover
    it); None when caching is off (``cache_seconds`` 0) or outside an app."""
    ttl = cache_seconds()
    if ttl <= 0 or not has_app_context():
        return None
    copy = current_app.extensions.get(EXTENSION)
    if copy is None or not copy.covers(moment, ttl):
        copy = _load(moment)
        current_app.extensions[EXTENSION] = copy
    return copy


def forget() -> None:
    """Drop this worker's copy (after a change of shifts or people it could not see committed)."""
    if has_app_context():
        current_app.extensions.pop(EXTENSION, None)


def _user_in_session(values: dict) -> User:
    """A person of the copy as a row of this session, without a query (as tickets does with its
    categories); the row already in the session when there is one."""
    row = User(**values)
    make_transient_to_detached(row)
    return db.session.merge(row, load=False)


def _lane_ids(shifts, moment: datetime, profile: str, exclude: frozenset[int]) -> list[int]:
    """The staff on shift at ``moment`` who work the lane: the profile's specialists for a request
    with a profile, else the duty specialists."""
    ids: list[int] = []
    for shift in shifts:
        if not (shift.starts_at <= moment < shift.ends_at) or shift.user_id in exclude:
            continue
        works_lane = (shift.role == "specialist" and shift.profile == profile) if profile else shift.role == "duty"
        if works_lane and shift.user_id not in ids:
            ids.append(shift.user_id)
    return ids


def pick_assignee(ticket, load: dict, at: datetime | None = None, exclude: frozenset[int] = frozenset(),
                  record: bool = True) -> User | None:
    """``sep_pick_assignee``: the least-loaded person on shift for the lane; among equals the one who
    was given a request longest ago (round-robin). None when nobody is on shift for it.

    With the worker's copy (``cache_seconds`` > 0) no query is made unless several people are
    equally loaded and the round-robin memory is not read yet; the open load is the caller's."""
    if not plugin_settings("duty_roster")["auto_assign"]:
        return None
    moment = to_utc(at or now())
    copy = cached(moment) or _load(moment)  # without caching, a copy read for this pick alone
    ids = _lane_ids(copy.shifts, moment, getattr(ticket, "profile", "") or "", exclude)
    if not ids:
        return None
    chosen = _user_in_session(copy.users[_choose(ids, load, copy.last_assigned)])
    if record:
        db.session.add(Assignment(user_id=chosen.id, reference=str(getattr(ticket, "number", ""))[:40], at=moment))
        copy.assigned(chosen.id, moment)
    return chosen


def _choose(ids: list[int], load, last_assigned) -> int:
    """The least loaded; among equals the one given a request longest ago; then the lower id (one
    person: neither the load nor the round-robin memory is read)."""
    if len(ids) == 1:
        return ids[0]
    last = last_assigned()
    oldest = datetime(1970, 1, 1)
    return min(ids, key=lambda i: (int((load or {}).get(i, 0)), last.get(i, oldest), i))


@event.listens_for(Session, "before_flush")
def _note_roster_changes(session, _context, _instances) -> None:
    """Mark a transaction that changes a shift, or a person's role or active flag: the copy goes
    when it ends (:func:`_drop_after_change`)."""
    changed = any(isinstance(obj, Shift) for obj in (*session.new, *session.deleted)) or any(
        isinstance(obj, Shift) or (isinstance(obj, User) and any(
            inspect(obj).attrs[name].history.has_changes() for name in ("active", "role")))
        for obj in session.dirty)
    if changed:
        session.info["duty_roster_changed"] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _drop_after_change(session) -> None:
    if session.info.pop("duty_roster_changed", False):
        forget()


def hand_over_ended(at: datetime | None = None) -> int:
    """Hand over the unfinished work of every shift that has ended and was not handed over yet
    (``sep roster handover``, run every few minutes from cron). Someone
    whose next shift has already begun keeps their work. Commits. Returns the shifts handed over."""
    at = at or now()
    moment = to_utc(at)
    ended = db.session.execute(select(Shift).where(Shift.ends_at <= moment, Shift.handed_over_at.is_(None))
                               .order_by(Shift.ends_at, Shift.id)).scalars().all()
    if not ended:
        return 0
    still_on = {item.user.id for item in on_duty(at)}
    for shift in ended:
        shift.handed_over_at = moment
        if shift.user_id in still_on:
            continue
        user = db.session.get(User, shift.user_id)
        if user is None:
            continue
        note = handover_text(shift, user)
        leaving = frozenset({user.id})

        def pick(ticket, load, _leaving=leaving):
            return pick_assignee(ticket, load, at, exclude=_leaving)

        current_state().pm.hook.sep_on_shift_ended(user=user, shift=shift_dict(shift), pick=pick, note=note)
    db.session.commit()
    return len(ended)


def handover_text(shift: Shift, user: User) -> str:
    begin, end = from_utc(shift.starts_at), from_utc(shift.ends_at)
    text = _("Handed over at the end of the shift of %(name)s (%(start)s-%(end)s, Moscow time).",
             name=display_name(user), start=begin.strftime("%d.%m %H:%M"), end=end.strftime("%d.%m %H:%M"))
    if shift.handover_note.strip():
        text += " " + _("Note: %(note)s", note=shift.handover_note.strip())
    return text


def shift_dict(shift: Shift) -> dict:
    return {"id": shift.id, "user_id": shift.user_id, "role": shift.role, "profile": shift.profile,
            "starts_at": from_utc(shift.starts_at).isoformat(), "ends_at": from_utc(shift.ends_at).isoformat()}


def shifts_between(start: datetime, end: datetime) -> list[tuple[Shift, User]]:
    rows = db.session.execute(select(Shift, User).join(User, User.id == Shift.user_id)
                              .where(Shift.starts_at < to_utc(end), Shift.ends_at > to_utc(start))
                              .order_by(Shift.starts_at, Shift.id))
    return [(s, u) for s, u in rows.all()]


def today() -> date:
    return to_moscow(now()).date()
