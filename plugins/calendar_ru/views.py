"""Pages, the ICS feed and the JSON API of the calendar."""

from __future__ import annotations

import calendar as pycalendar
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from sep_core import SERVICES, ApiError, api_doc, availability, db, now
from sep_core import gettext as _

from . import operations, queries, state, year_import
from .calendar_data import CalendarDataMissing, CalendarError, format_hours
from .forms import DeleteForm, OverrideForm, WindowForm, YearForm, choice
from .messages import fmt, locale
from .models import CalendarOverride, MaintenanceWindow

blueprint = Blueprint("calendar_ru", __name__, static_folder="static", static_url_path="/static/calendar_ru")

MONTHS_RU = ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь",
             "Ноябрь", "Декабрь"]
WEEKDAYS_RU = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


# --- public page ---------------------------------------------------------------------------------

def _months(days_by_date: dict[date, object], year: int, lang: str) -> list[dict]:
    months = []
    cal = pycalendar.Calendar(firstweekday=0)
    for m in range(1, 13):
        weeks = []
        for week in cal.monthdatescalendar(year, m):
            weeks.append([(d, days_by_date.get(d)) if d.month == m else (None, None) for d in week])
        name = MONTHS_RU[m - 1] if lang == "ru" else pycalendar.month_name[m]
        months.append({"number": m, "name": name, "weeks": weeks})
    return months


@blueprint.get("/calendar")
def calendar_page():
    at = now()
    lang = locale()
    eng = state.engine()
    years = sorted(eng.years)
    raw_year = request.args.get("year", "")
    error, status, year = None, 200, at.year
    if raw_year:
        try:
            year = queries.parse_year(raw_year)
        except CalendarError as exc:
            error, status = exc.localized(), 400
    if error is None and year not in eng.years:
        error, status = CalendarDataMissing(year).localized(), 404
    services = []
    for name in sorted(n for n in eng.schedules if n != state.WORKING_DAYS):
        schedule = eng.schedules[name]
        services.append({"name": name, "verdict": availability(name, at),
                         "hours": format_hours(schedule.hours), "short_hours": format_hours(schedule.short_hours),
                         "follows_calendar": schedule.follows_calendar})
    context = {"year": year, "years": years, "error": error, "services": services, "at": at, "lang": lang,
               "weekdays": WEEKDAYS_RU if lang == "ru" else WEEKDAYS_EN}
    if error is None:
        days = queries.year_days(year)
        by_date = {d.date: d for d in days}
        data = state.current().year_data(year)
        context.update(
            months=_months(by_date, year, lang),
            data=data,
            totals=queries.year_json(year)["totals"],
            transfers=[d for d in days if d.kind == "transferred_day_off"],
            working_weekends=[d for d in days if d.kind == "working_weekend"],
            holidays=[d for d in days if d.kind == "holiday" or (d.override_id and d.name_ru and not d.working)],
            short_days=[d for d in days if d.working and d.short],
            overrides=[d for d in days if d.override_id is not None],
            upcoming=eng.upcoming_windows(at),
        )
    return render_template("calendar_ru/calendar.html", **context), status


@blueprint.get("/calendar/<year>.ics")
def calendar_ics(year: str):
    try:
        y = queries.parse_year(year)
        days = queries.year_days(y)
    except CalendarError as exc:
        abort(exc.status if isinstance(exc, CalendarDataMissing) else 400)
    stamp = now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//SEP Help Desk//calendar_ru//RU", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text(_('Non-working days %(year)s', year=y))}"]
    for d in days:
        if d.working or d.kind == "weekend":
            continue
        summary = d.name(locale()) or _("Day off")
        if d.override_id is not None and d.reason and d.published:
            summary = f"{summary} ({d.reason})" if d.name_ru else d.reason
        lines += ["BEGIN:VEVENT", f"UID:{d.date.isoformat()}-{d.kind}@calendar_ru.sep", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{d.date.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(d.date + timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:{_ics_text(summary)}", f"CATEGORIES:{d.kind.upper()}", "TRANSP:TRANSPARENT",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    body = "\r\n".join(_fold(line) for line in lines) + "\r\n"
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="calendar-{y}.ics"'})


def _ics_text(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r", "").replace("\n", "\\n"))


def _fold(line: str) -> str:
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += b
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


# --- JSON API --------------------------------------------------------------------------------------

def _api_error(exc: CalendarError) -> ApiError:
    return ApiError(exc.status, exc.code, str(exc))


DAY_SCHEMA = {"type": "object", "properties": {
    "date": {"type": "string", "format": "date"}, "working": {"type": "boolean"}, "short": {"type": "boolean"},
    "kind": {"type": "string", "enum": ["working", "weekend", "holiday", "transferred_day_off", "working_weekend",
                                         "override", "special_non_working"]},
    "name": {"type": "string"}}}
AVAILABILITY_SCHEMA = {"type": "object", "properties": {
    "service": {"type": "string"}, "open": {"type": "boolean"}, "reason": {"type": "string"},
    "message": {"type": "string"}, "next_open": {"type": ["string", "null"], "format": "date-time"},
    "next_close": {"type": ["string", "null"], "format": "date-time"}}}


@blueprint.get("/api/v1/calendar/<year>")
@api_doc("Every day of a year on the production calendar (with overrides)", tags=["calendar"],
         response_schema={"type": "object", "properties": {"year": {"type": "integer"},
                                                            "days": {"type": "array", "items": DAY_SCHEMA}}},
         parameters=[{"name": "year", "in": "path", "required": True,
                      "schema": {"type": "string", "pattern": "^[0-9]{4}$"}}],
         responses={404: "No calendar data for that year"})
def api_calendar(year: str):
    try:
        return queries.year_json(queries.parse_year(year))
    except CalendarError as exc:
        raise _api_error(exc) from exc


@blueprint.get("/api/v1/availability")
@api_doc("Whether a service is open at a moment, why, and the next opening / closing", tags=["calendar"],
         parameters=[
             {"name": "service", "in": "query", "required": True,
              "schema": {"type": "string", "enum": list(SERVICES)}, "description": "bot, phone, tickets"},
             {"name": "at", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"},
              "description": "ISO 8601 with a UTC offset, 1970 or later; default now"}],
         response_schema=AVAILABILITY_SCHEMA, responses={404: "No calendar data for that year"})
def api_availability():
    try:
        at = queries.parse_moment(request.args.get("at"), allow_naive=False)
        return queries.availability_json(request.args.get("service", ""), at)
    except CalendarError as exc:
        raise _api_error(exc) from exc


@blueprint.get("/api/v1/deadline")
@api_doc("When the given hours of a service's open time have passed", tags=["calendar"],
         parameters=[
             {"name": "service", "in": "query", "required": True,
              "schema": {"type": "string", "enum": list(SERVICES)}},
             {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date-time"},
              "description": "ISO 8601 with a UTC offset, 1970 or later"},
             {"name": "hours", "in": "query", "required": True,
              "schema": {"type": "number", "minimum": 0, "maximum": 24 * 366}}],
         response_schema={"type": "object", "properties": {
             "service": {"type": "string"}, "from": {"type": "string", "format": "date-time"},
             "hours": {"type": "number"}, "due": {"type": "string", "format": "date-time"}}},
         responses={404: "No calendar data for a year on the way"})
def api_deadline():
    try:
        if not request.args.get("from"):
            raise CalendarError("The parameter %(name)s is required.", name="from")
        if request.args.get("hours") is None:
            raise CalendarError("The parameter %(name)s is required.", name="hours")
        start = queries.parse_moment(request.args["from"], allow_naive=False)
        hours = queries.parse_hours_value(request.args["hours"])
        return queries.deadline_json(request.args.get("service", ""), start, hours)
    except CalendarError as exc:
        raise _api_error(exc) from exc


# --- staff pages ---------------------------------------------------------------------------------

def require_admin() -> None:
    if not current_user.is_authenticated or not current_user.has_role("admin"):
        abort(403)


def _service_choices(calendar_only: bool) -> list[tuple[str, str]]:
    eng = state.engine()
    return [choice(n, n) for n in sorted(eng.schedules) if n != state.WORKING_DAYS
            and (eng.schedules[n].follows_calendar or not calendar_only)]


def _field_error(form, exc: CalendarError, default: str) -> None:
    field = form[exc.field] if exc.field and exc.field in form else form[default]
    field.errors = [*field.errors, exc.localized()]


def _missing_warning(at: datetime | None = None) -> str | None:
    year = state.missing_year((at or now()).date())
    if year is None:
        return None
    return _("There is no production calendar data for %(year)s: hours and deadlines in that year follow the "
             "standard five-day week until the decree is loaded. Load it below or with "
             "\"sep calendar import FILE\".", year=year)


@blueprint.route("/staff/calendar", methods=["GET", "POST"])
def staff_overrides():
    require_admin()
    form = OverrideForm()
    form.services.choices = _service_choices(calendar_only=True)
    if form.validate_on_submit():
        try:
            row = operations.create_override(current_user, form.date.data, form.kind.data, form.hours.data or "",
                                             form.services.data, form.reason.data, form.act.data or "",
                                             form.published.data)
        except CalendarError as exc:
            db.session.rollback()
            _field_error(form, exc, "date")
        else:
            flash(_("Override for %(date)s saved.", date=row.date.strftime("%d.%m.%Y")), "success")
            return redirect(url_for("calendar_ru.staff_overrides"))
    return _render_overrides(form, YearForm(), 400 if form.is_submitted() else 200)


def _render_overrides(form: OverrideForm, year_form: YearForm, status: int):
    rows = db.session.execute(db.select(CalendarOverride).order_by(CalendarOverride.date.desc())).scalars().all()
    st = state.current()
    years = [{"year": y, "status": st.years[y].get("status", "final"), "decree": st.years[y].get("decree", ""),
              "imported": y not in st.file_years or st.years[y] is not st.file_years[y]} for y in sorted(st.years)]
    return render_template("calendar_ru/staff_overrides.html", form=form, rows=rows, delete_form=DeleteForm(),
                           warning=_missing_warning(), editing=None, year_form=year_form, years=years), status


@blueprint.post("/staff/calendar/years")
def staff_year_import():
    """An administrator loads a year's decree (the JSON shape of the shipped years)."""
    require_admin()
    year_form = YearForm()
    form = OverrideForm(formdata=None)
    form.services.choices = _service_choices(calendar_only=True)
    if year_form.validate_on_submit():
        try:
            data = year_import.import_year(current_user, year_form.file.data.read(year_import.MAX_BYTES + 1))
        except CalendarError as exc:
            db.session.rollback()
            year_form.file.errors = [*year_form.file.errors, exc.localized()]
        else:
            flash(_("The production calendar for %(year)s is loaded.", year=data["year"]), "success")
            return redirect(url_for("calendar_ru.staff_overrides"))
    return _render_overrides(form, year_form, 400)


@blueprint.route("/staff/calendar/overrides/<int:override_id>", methods=["GET", "POST"])
def staff_override_edit(override_id: int):
    require_admin()
    row = db.session.get(CalendarOverride, override_id) or abort(404)
    form = OverrideForm(obj=row)
    form.services.choices = _service_choices(calendar_only=True)
    if form.validate_on_submit():
        try:
            operations.update_override(current_user, row, form.date.data, form.kind.data, form.hours.data or "",
                                       form.services.data, form.reason.data, form.act.data or "", form.published.data)
        except CalendarError as exc:
            db.session.rollback()
            _field_error(form, exc, "date")
        else:
            flash(_("Override for %(date)s saved.", date=row.date.strftime("%d.%m.%Y")), "success")
            return redirect(url_for("calendar_ru.staff_overrides"))
    status = 400 if form.is_submitted() else 200
    return render_template("calendar_ru/staff_overrides.html", form=form, rows=[], delete_form=DeleteForm(),
                           warning=_missing_warning(), editing=row), status


@blueprint.post("/staff/calendar/overrides/<int:override_id>/delete")
def staff_override_delete(override_id: int):
    require_admin()
    row = db.session.get(CalendarOverride, override_id) or abort(404)
    if not DeleteForm().validate_on_submit():
        abort(400)
    operations.delete_override(current_user, row)
    flash(_("Override removed."), "success")
    return redirect(url_for("calendar_ru.staff_overrides"))


def _window_times(form: WindowForm) -> tuple[datetime, datetime]:
    from sep_core import to_moscow

    return to_moscow(form.start.data), to_moscow(form.end.data)


@blueprint.route("/staff/calendar/maintenance", methods=["GET", "POST"])
def staff_maintenance():
    require_admin()
    form = WindowForm()
    form.services.choices = _service_choices(calendar_only=False)
    if form.validate_on_submit():
        try:
            start, end = _window_times(form)
            operations.create_window(current_user, start, end, form.services.data, form.message.data,
                                     form.message_en.data or "")
        except CalendarError as exc:
            db.session.rollback()
            _field_error(form, exc, "end")
        else:
            flash(_("Maintenance window saved."), "success")
            return redirect(url_for("calendar_ru.staff_maintenance"))
    rows = db.session.execute(db.select(MaintenanceWindow).order_by(MaintenanceWindow.starts_at.desc())).scalars().all()
    status = 400 if form.is_submitted() else 200
    return render_template("calendar_ru/staff_maintenance.html", form=form, rows=rows, delete_form=DeleteForm(),
                           to_aware=state.to_aware, editing=None, warning=_missing_warning()), status


@blueprint.route("/staff/calendar/maintenance/<int:window_id>", methods=["GET", "POST"])
def staff_maintenance_edit(window_id: int):
    require_admin()
    row = db.session.get(MaintenanceWindow, window_id) or abort(404)
    form = WindowForm(data=None if request.method == "POST" else {
        "start": state.to_aware(row.starts_at).replace(tzinfo=None),
        "end": state.to_aware(row.ends_at).replace(tzinfo=None),
        "services": row.services, "message": row.message, "message_en": row.message_en})
    form.services.choices = _service_choices(calendar_only=False)
    if form.validate_on_submit():
        try:
            start, end = _window_times(form)
            operations.update_window(current_user, row, start, end, form.services.data, form.message.data,
                                     form.message_en.data or "")
        except CalendarError as exc:
            db.session.rollback()
            _field_error(form, exc, "end")
        else:
            flash(_("Maintenance window saved."), "success")
            return redirect(url_for("calendar_ru.staff_maintenance"))
    status = 400 if form.is_submitted() else 200
    return render_template("calendar_ru/staff_maintenance.html", form=form, rows=[], delete_form=DeleteForm(),
                           to_aware=state.to_aware, editing=row, warning=_missing_warning()), status


@blueprint.post("/staff/calendar/maintenance/<int:window_id>/delete")
def staff_maintenance_delete(window_id: int):
    require_admin()
    row = db.session.get(MaintenanceWindow, window_id) or abort(404)
    if not DeleteForm().validate_on_submit():
        abort(400)
    operations.delete_window(current_user, row)
    flash(_("Maintenance window removed."), "success")
    return redirect(url_for("calendar_ru.staff_maintenance"))


# --- UI slots ------------------------------------------------------------------------------------

def nav_items(user) -> list[tuple[str, str]]:
    items = [(_("Calendar"), url_for("calendar_ru.calendar_page"))]
    if user is not None and getattr(user, "is_authenticated", False) and user.has_role("admin"):
        items.append((_("Calendar overrides"), url_for("calendar_ru.staff_overrides")))
        items.append((_("Maintenance"), url_for("calendar_ru.staff_maintenance")))
    return items


def maintenance_banners(at: datetime) -> list[Markup]:
    """A banner on every page while a window is in progress."""
    lang = locale()
    out = []
    for w in state.engine().upcoming_windows(at, timedelta(0)):
        if w.start <= at < w.end:
            out.append(Markup('<div class="banner" role="status">{} {}</div>').format(
                _("Maintenance until %(end)s (Moscow time).", end=fmt(w.end)), escape(w.text(lang))))
    return out


def fallback_banners(at: datetime) -> list[Markup]:
    """Staff see, on every page, that a year runs on the five-day-week fallback (or soon will)."""
    if not getattr(current_user, "is_authenticated", False) or not current_user.is_staff:
        return []
    warning = _missing_warning(at)
    if warning is None:
        return []
    return [Markup('<div class="banner" role="alert" id="calendar-fallback-warning">{}</div>').format(warning)]


def maintenance_panel(at: datetime) -> list[Markup]:
    """Upcoming windows announced on the home page."""
    windows = [w for w in state.engine().upcoming_windows(at) if w.start > at]
    if not windows:
        return []
    # render_template autoescapes the staff's text; the result is safe HTML
    html = render_template("calendar_ru/maintenance_panel.html", windows=windows, lang=locale(), fmt=fmt)
    return [Markup(html)]  # noqa: S704
