"""Writing overrides and maintenance windows (shared by the staff pages and the CLI):
validation, the audit entry, the version bump, and the cache refresh after the commit."""

from __future__ import annotations

from datetime import date, datetime

from sep_core import audit, db, to_moscow, utcnow_naive

from . import state
from .calendar_data import OVERRIDE_KINDS, CalendarDataMissing, CalendarError, parse_hours
from .models import CalendarOverride, MaintenanceWindow

MAX_TEXT = 2000


def known_services() -> list[str]:
    return sorted(state.current().schedules)


def _services(values, *, calendar_only: bool) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").replace(" ", ",").split(",") if v]
    names = []
    for v in values or []:
        v = str(v).strip()
        schedule = state.current().schedules.get(v)
        if schedule is None:
            raise CalendarError("Unknown service %(value)s; known: %(known)s.", value=v,
                                known=", ".join(known_services()), field="services")
        if calendar_only and not schedule.follows_calendar:
            raise CalendarError("The service %(value)s does not follow the calendar.", value=v, field="services")
        if v not in names:
            names.append(v)
    return names


def validate_override(day: date, kind: str, hours: str, services, reason: str, act: str) -> dict:
    if kind not in OVERRIDE_KINDS:
        raise CalendarError("Unknown override kind %(value)s; use one of: %(known)s.", value=str(kind),
                            known=", ".join(OVERRIDE_KINDS), field="kind")
    if day.year not in state.current().years:
        raise CalendarDataMissing(day.year)
    reason, act = (reason or "").strip(), (act or "").strip()
    if not reason:
        raise CalendarError("A reason is required.", field="reason")
    if len(reason) > MAX_TEXT or len(act) > 300:
        raise CalendarError("The reason or the act is too long.", field="reason")
    hours = (hours or "").strip()
    if kind == "hours":
        parse_hours(hours)  # raises a clear error
    elif hours:
        raise CalendarError("Hours are only given for an override of kind 'hours'.", field="hours")
    names = _services(services, calendar_only=True) if kind == "hours" else []
    return {"date": day, "kind": kind, "hours": hours, "services": names, "reason": reason, "act": act}


def create_override(actor, day: date, kind: str, hours: str = "", services=(), reason: str = "",
                    act: str = "", published: bool = True) -> CalendarOverride:
    fields = validate_override(day, kind, hours, services, reason, act)
    if db.session.execute(db.select(CalendarOverride.id).where(CalendarOverride.date == day)).first():
        raise CalendarError("There is already an override for %(date)s; edit it instead.", date=day.isoformat())
    row = CalendarOverride(**fields, published=published, created_by=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit(actor, "calendar.override.create", "calendar_override", row.id, f"{kind} {day.isoformat()}")
    _commit()
    return row


def update_override(actor, row: CalendarOverride, day: date, kind: str, hours: str = "", services=(),
                    reason: str = "", act: str = "", published: bool = True) -> CalendarOverride:
    fields = validate_override(day, kind, hours, services, reason, act)
    clash = db.session.execute(db.select(CalendarOverride.id).where(
        CalendarOverride.date == day, CalendarOverride.id != row.id)).first()
    if clash:
        raise CalendarError("There is already an override for %(date)s; edit it instead.", date=day.isoformat())
    for k, v in fields.items():
        setattr(row, k, v)
    row.published = published
    row.updated_at = utcnow_naive()
    audit(actor, "calendar.override.update", "calendar_override", row.id, f"{kind} {day.isoformat()}")
    _commit()
    return row


def delete_override(actor, row: CalendarOverride) -> None:
    audit(actor, "calendar.override.delete", "calendar_override", row.id, f"{row.kind} {row.date.isoformat()}")
    db.session.delete(row)
    _commit()


def validate_window(start: datetime, end: datetime, services, message: str, message_en: str) -> dict:
    start, end = to_moscow(start), to_moscow(end)
    if end <= start:
        raise CalendarError("The end of a maintenance window must be after its start.", field="end")
    names = _services(services, calendar_only=False)
    if not names:
        raise CalendarError("Choose at least one service.", field="services")
    message, message_en = (message or "").strip(), (message_en or "").strip()
    if not message:
        raise CalendarError("A message for citizens is required.", field="message")
    if len(message) > MAX_TEXT or len(message_en) > MAX_TEXT:
        raise CalendarError("The message is too long.", field="message")
    return {"starts_at": state.to_naive_utc(start), "ends_at": state.to_naive_utc(end), "services": names,
            "message": message, "message_en": message_en}


def create_window(actor, start: datetime, end: datetime, services, message: str,
                  message_en: str = "") -> MaintenanceWindow:
    row = MaintenanceWindow(**validate_window(start, end, services, message, message_en),
                            created_by=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit(actor, "calendar.maintenance.create", "calendar_maintenance", row.id, ",".join(row.services))
    _commit()
    return row


def update_window(actor, row: MaintenanceWindow, start: datetime, end: datetime, services, message: str,
                  message_en: str = "") -> MaintenanceWindow:
    for k, v in validate_window(start, end, services, message, message_en).items():
        setattr(row, k, v)
    audit(actor, "calendar.maintenance.update", "calendar_maintenance", row.id, ",".join(row.services))
    _commit()
    return row


def delete_window(actor, row: MaintenanceWindow) -> None:
    audit(actor, "calendar.maintenance.delete", "calendar_maintenance", row.id, "")
    db.session.delete(row)
    _commit()


def _commit() -> None:
    state.bump_version()
    db.session.commit()
    state.changed()
