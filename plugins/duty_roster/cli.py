"""``sep roster ...`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from sep_core import db

from . import importer, roster


@click.group("roster")
def group() -> None:
    """The duty roster (shifts, on duty now, handover)."""


@group.command("now")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def now_command(as_json: bool) -> None:
    """Who is on shift now."""
    rows = [{"user_id": i.user.id, "name": roster.display_name(i.user), "role": i.shift.role,
             "profile": i.shift.profile, "until": i.until.isoformat()} for i in roster.on_duty()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['name']}\t{row['role']}\t{row['profile'] or '-'}\tuntil {row['until']}")


@group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Add the shifts of a CSV file (email,role,profile,date,from,to; Moscow time); all or none."""
    try:
        added = importer.import_csv(path.read_bytes(), None)
    except importer.ImportError_ as exc:
        for error in exc.errors:
            click.echo(error, err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"imported {added}")


@group.command("handover")
@with_appcontext
def handover_command() -> None:
    """Hand over the unfinished work of ended shifts (run every few minutes)."""
    click.echo(f"handed over {roster.hand_over_ended()}")
