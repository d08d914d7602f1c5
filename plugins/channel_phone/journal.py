"""The call journal: normalising numbers, finding the caller, logging a call, the PBX's call events,
the callback list, and the journal's figures for reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import phonenumbers
from sqlalchemy import func, select

from sep_core import MOSCOW, User, availability, current_state, db, now
from sep_core import gettext as _

from .models import OUTCOMES, Call

CALLBACK_OUTCOMES = ("missed", "callback_needed")


class CallError(ValueError):
    """A call that cannot be logged; the message is for the operator (``field``: the form field)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC).astimezone(MOSCOW) if moment else None


def normalise(raw: str) -> str:
    """The number in E.164 (+79161234567), as accounts store it; "" when it is not a number."""
    raw = (raw or "").strip()[:40]
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "RU")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_caller(phone: str) -> User | None:
    if not phone:
        return None
    return db.session.execute(select(User).where(User.phone == phone, User.role == "citizen",
                                                 User.active.is_(True))).scalars().first()


def caller_card(phone: str) -> dict:
    """Who is calling and their open requests (``sep_contact_requests``, e.g. tickets)."""
    user = find_caller(phone)
    requests = [r for group in current_state().pm.hook.sep_contact_requests(user=user, phone=phone)
                for r in group or []]
    name = (user.full_name or user.email or "") if user else ""
    return {"phone": phone, "known": user is not None, "user_id": user.id if user else None, "name": name,
            "surname": (user.surname or "") if user else "", "first_name": (user.first_name or "") if user else "",
            "patronymic": (getattr(user, "patronymic", "") or "") if user else "", "requests": requests}


def log_call(operator: User, phone_raw: str, topic: str, outcome: str, duration_seconds: int,
             request_number: str = "", note: str = "") -> Call:
    """The operator's quick entry (the caller commits)."""
    phone = normalise(phone_raw)
    if not phone:
        raise CallError(_("Enter the caller's phone number, e.g. +7 916 123-45-67."), "phone")
    if outcome not in OUTCOMES or outcome == "missed":
        raise CallError(_("Choose the outcome of the call."), "outcome")
    if not 0 <= duration_seconds <= 24 * 3600:
        raise CallError(_("The duration must be between 0 and 24 hours."), "duration")
    at = to_utc(now())
    caller = find_caller(phone)
    call = Call(source="manual", phone=phone, caller_id=caller.id if caller else None, operator_id=operator.id,
                state="ended", topic=topic.strip()[:200], outcome=outcome, request_number=request_number.strip()[:20],
                note=note.strip()[:2000], started_at=at - timedelta(seconds=duration_seconds), answered_at=at -
                timedelta(seconds=duration_seconds), ended_at=at, duration_seconds=duration_seconds, created_at=at)
    db.session.add(call)
    db.session.flush()
    return call


def complete(call: Call, operator: User, topic: str, outcome: str, request_number: str = "", note: str = "") -> None:
    """The operator fills in what a call from the PBX was about (the caller commits)."""
    if outcome not in OUTCOMES:
        raise CallError(_("Choose the outcome of the call."))
    if outcome != "missed" and call.answered_at is None:
        raise CallError(_("Nobody answered this call: it stays missed until someone calls back."))
    call.topic, call.outcome = topic.strip()[:200], outcome
    call.request_number, call.note = request_number.strip()[:20], note.strip()[:2000]
    if call.operator_id is None:
        call.operator_id = operator.id


def callbacks(limit: int = 200) -> list[Call]:
    """Missed calls and calls that need a callback, not yet called back, oldest first."""
    return list(db.session.execute(select(Call).where(Call.outcome.in_(CALLBACK_OUTCOMES),
                                                      Call.callback_done_at.is_(None))
                                   .order_by(Call.started_at, Call.id).limit(limit)).scalars())


def called_back(call: Call, operator: User) -> None:
    if call.outcome not in CALLBACK_OUTCOMES:
        raise CallError(_("This call does not need a callback."))
    call.callback_done_at = to_utc(now())
    call.callback_by_id = operator.id


# --- the PBX's events ----------------------------------------------------------------------------------


def operator_for(value: str) -> User | None:
    """The PBX names the operator by extension (mapped in the settings) or by e-mail."""
    from sep_core import plugin_settings

    value = str(value or "").strip()[:254]
    email = plugin_settings("channel_phone")["operators"].get(value, value)
    if not email:
        return None
    return db.session.execute(select(User).where(func.lower(User.email) == str(email).lower(),
                                                 User.role.in_(("duty", "specialist", "admin")),
                                                 User.active.is_(True))).scalars().first()


def on_new(call_id: str, phone_raw: str, at: datetime) -> Call:
    """A call rings. Outside the phone hours it is recorded at once as missed, with the next
    opening time, for the callback list."""
    call = db.session.execute(select(Call).filter_by(pbx_call_id=call_id)).scalar_one_or_none()
    if call is not None:
        return call  # a repeated event
    phone = normalise(phone_raw)
    caller = find_caller(phone)
    call = Call(pbx_call_id=call_id, source="pbx", phone=phone or (phone_raw or "")[:32],
                caller_id=caller.id if caller else None, state="ringing", started_at=to_utc(at), created_at=to_utc(at))
    verdict = availability("phone", at)
    if not verdict.open:
        call.state, call.outcome, call.outside_hours = "ended", "missed", True
        call.ended_at = to_utc(at)
        call.next_open_at = to_utc(verdict.next_open) if verdict.next_open else None
    db.session.add(call)
    db.session.flush()
    return call


def on_answered(call: Call, operator: User | None, at: datetime) -> None:
    if call.state != "ringing":
        return
    call.state, call.answered_at = "answered", to_utc(at)
    call.operator_id = operator.id if operator else call.operator_id


def on_hangup(call: Call, at: datetime) -> None:
    if call.state == "ended":
        return
    call.ended_at = to_utc(at)
    if call.answered_at is None:
        call.outcome = "missed"
    else:
        call.duration_seconds = max(0, int((call.ended_at - call.answered_at).total_seconds()))
    call.state = "ended"


def active_for(operator: User) -> Call | None:
    """The call this operator answered last and that is still on, or ended within the last minutes
    without an outcome (the card stays open while the operator fills it in)."""
    recent = to_utc(now()) - timedelta(minutes=30)
    return db.session.execute(select(Call).where(Call.operator_id == operator.id, Call.answered_at.is_not(None),
                                                 Call.outcome == "", Call.answered_at >= recent)
                              .order_by(Call.answered_at.desc(), Call.id.desc()).limit(1)).scalars().first()


# --- reports ----------------------------------------------------------------------------------------------


def report_metrics(start: datetime, end: datetime, channel: str | None) -> dict | None:
    """``sep_report_metrics``: calls by outcome and per day (Moscow dates) in [start, end)."""
    if channel not in (None, "", "phone"):
        return None
    rows = db.session.execute(select(Call.outcome, Call.started_at).where(
        Call.started_at >= to_utc(start), Call.started_at < to_utc(end))).all()
    by_outcome = {o: 0 for o in OUTCOMES}
    by_day: dict[str, int] = {}
    for outcome, started in rows:
        key = outcome if outcome in by_outcome else "unfilled"
        by_outcome[key] = by_outcome.get(key, 0) + 1
        day = from_utc(started).date().isoformat()
        by_day[day] = by_day.get(day, 0) + 1
    return {"source": "channel_phone", "calls": {"total": len(rows), "by_outcome": by_outcome, "by_day": by_day}}
