"""``sep calendar ...``, ``sep availability`` and ``sep deadline``."""

from __future__ import annotations

import json
from functools import wraps

import click
from flask.cli import with_appcontext

from sep_core import db

from . import operations, queries, state, year_import
from .calendar_data import OVERRIDE_KINDS, CalendarError, build_days, parse_date, year_totals
from .models import CalendarOverride, MaintenanceWindow


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def clear_errors(fn):
    """Calendar errors become a one-line CLI error (exit status 1), never a traceback."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CalendarError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc

    return wrapper


def register(cli: click.Group) -> None:
    cli.add_command(calendar_group)
    cli.add_command(availability_command)
    cli.add_command(deadline_command)


@click.group("calendar")
def calendar_group() -> None:
    """The Russian production calendar, overrides and maintenance windows."""


@calendar_group.command("show")
@click.argument("year")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
@clear_errors
def show_command(year: str, as_json: bool) -> None:
    """Every day of YEAR: working or not, short, kind and name."""
    data = queries.year_json(queries.parse_year(year))
    if as_json:
        _echo_json(data)
        return
    t = data["totals"]
    click.echo(f"{data['year']} ({data['status']}): {t['working_days']} working days, "
               f"{t['short_days']} short, norm {t['norm_hours_40h']} h")
    for day in data["days"]:
        if day["kind"] != "working" or day["short"]:
            click.echo(f"{day['date']}  {day['kind']:<20} {'short ' if day['short'] else ''}{day['name']}")


@click.command("availability")
@click.argument("service")
@click.option("--at", "at", default=None, help="ISO 8601 time; without an offset it is Moscow time. Default: now.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
@clear_errors
def availability_command(service: str, at: str | None, as_json: bool) -> None:
    """Is SERVICE open at a moment, why, and when it next opens or closes."""
    data = queries.availability_json(service, queries.parse_moment(at, allow_naive=True))
    if as_json:
        _echo_json(data)
        return
    click.echo(f"{data['service']}: {'open' if data['open'] else 'closed'} ({data['reason']})"
               + (f", opens {data['next_open']}" if data["next_open"] else "")
               + (f", closes {data['next_close']}" if data["next_close"] else ""))


@click.command("deadline")
@click.argument("service")
@click.option("--from", "start", required=True, help="ISO 8601 start; without an offset it is Moscow time.")
@click.option("--hours", required=True, help="Hours of the service's open time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
@clear_errors
def deadline_command(service: str, start: str, hours: str, as_json: bool) -> None:
    """When HOURS of SERVICE's open time have passed after --from."""
    data = queries.deadline_json(service, queries.parse_moment(start, allow_naive=True),
                                 queries.parse_hours_value(hours))
    if as_json:
        _echo_json(data)
        return
    click.echo(data["due"])


@calendar_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@clear_errors
def import_command(file: str) -> None:
    """Load a year's production calendar (JSON in the shape of data/<year>.json) into the database."""
    with open(file, "rb") as fh:
        raw = fh.read(year_import.MAX_BYTES + 1)
    data = year_import.import_year(None, raw)
    t = year_totals(build_days({data["year"]: data}), data["year"])
    click.echo(f"Loaded {data['year']} ({data['status']}): {t['working_days']} working days, "
               f"{t['short_days']} short, norm {t['norm_hours_40h']} h")


# --- overrides ---------------------------------------------------------------------------------

@calendar_group.group("override")
def override_group() -> None:
    """Staff overrides of single dates (published on /calendar)."""


def _override_json(row: CalendarOverride) -> dict:
    return {"id": row.id, "date": row.date.isoformat(), "kind": row.kind, "hours": row.hours,
            "services": row.services or [], "reason": row.reason, "act": row.act, "published": row.published}


@override_group.command("list")
@click.option("--year", type=int, default=None)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def override_list(year: int | None, as_json: bool) -> None:
    """List overrides."""
    rows = db.session.execute(db.select(CalendarOverride).order_by(CalendarOverride.date)).scalars().all()
    rows = [r for r in rows if year is None or r.date.year == year]
    if as_json:
        _echo_json([_override_json(r) for r in rows])
        return
    for r in rows:
        click.echo(f"#{r.id} {r.date.isoformat()} {r.kind} {r.hours} {r.reason}")


def _override_options(fn):
    fn = click.option("--date", "day", required=True, help="YYYY-MM-DD")(fn)
    fn = click.option("--kind", required=True, type=click.Choice(OVERRIDE_KINDS))(fn)
    fn = click.option("--hours", default="", help='For --kind hours: "06:00-12:00,13:00-18:00" ("" = closed).')(fn)
    fn = click.option("--services", default="", help="For --kind hours: comma-separated; default all.")(fn)
    fn = click.option("--reason", required=True)(fn)
    fn = click.option("--act", default="", help="The act that set it.")(fn)
    fn = click.option("--unpublished", is_flag=True, help="Do not show the reason on /calendar.")(fn)
    return fn


@override_group.command("add")
@_override_options
@with_appcontext
@clear_errors
def override_add(day, kind, hours, services, reason, act, unpublished) -> None:
    """Add an override (an extra day off, a working day, a short day, or other hours)."""
    row = operations.create_override(None, parse_date(day), kind, hours, services, reason, act, not unpublished)
    click.echo(f"Added override #{row.id} for {row.date.isoformat()}")


@override_group.command("edit")
@click.argument("override_id", type=int)
@_override_options
@with_appcontext
@clear_errors
def override_edit(override_id, day, kind, hours, services, reason, act, unpublished) -> None:
    """Replace an override's fields."""
    row = db.session.get(CalendarOverride, override_id)
    if row is None:
        raise CalendarError("No override #%(id)s.", id=override_id)
    operations.update_override(None, row, parse_date(day), kind, hours, services, reason, act, not unpublished)
    click.echo(f"Updated override #{row.id}")


@override_group.command("remove")
@click.argument("override_id", type=int)
@with_appcontext
@clear_errors
def override_remove(override_id: int) -> None:
    """Remove an override."""
    row = db.session.get(CalendarOverride, override_id)
    if row is None:
        raise CalendarError("No override #%(id)s.", id=override_id)
    operations.delete_override(None, row)
    click.echo(f"Removed override #{override_id}")


# --- maintenance -----------------------------------------------------------------------------

@calendar_group.group("maintenance")
def maintenance_group() -> None:
    """Maintenance windows (the listed services are closed)."""


@maintenance_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def maintenance_list(as_json: bool) -> None:
    rows = db.session.execute(db.select(MaintenanceWindow).order_by(MaintenanceWindow.starts_at)).scalars().all()
    items = [{"id": r.id, "start": state.to_aware(r.starts_at).isoformat(),
              "end": state.to_aware(r.ends_at).isoformat(), "services": r.services, "message": r.message,
              "message_en": r.message_en} for r in rows]
    if as_json:
        _echo_json(items)
        return
    for i in items:
        click.echo(f"#{i['id']} {i['start']} – {i['end']} {','.join(i['services'])}: {i['message']}")


@maintenance_group.command("add")
@click.option("--start", required=True, help="ISO 8601; without an offset it is Moscow time.")
@click.option("--end", required=True)
@click.option("--services", required=True, help="Comma-separated, e.g. bot")
@click.option("--message", required=True, help="Shown to citizens (Russian).")
@click.option("--message-en", default="")
@with_appcontext
@clear_errors
def maintenance_add(start, end, services, message, message_en) -> None:
    """Schedule a maintenance window."""
    row = operations.create_window(None, queries.parse_moment(start, allow_naive=True),
                                   queries.parse_moment(end, allow_naive=True), services, message, message_en)
    click.echo(f"Added maintenance window #{row.id}")


@maintenance_group.command("remove")
@click.argument("window_id", type=int)
@with_appcontext
@clear_errors
def maintenance_remove(window_id: int) -> None:
    row = db.session.get(MaintenanceWindow, window_id)
    if row is None:
        raise CalendarError("No maintenance window #%(id)s.", id=window_id)
    operations.delete_window(None, row)
    click.echo(f"Removed maintenance window #{window_id}")



