"""``sep phone ...`` commands."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from . import journal


@click.group("phone")
def group() -> None:
    """The call journal."""


@group.command("callbacks")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def callbacks_command(as_json: bool) -> None:
    """Calls waiting for a callback (missed, or marked "callback needed"), oldest first."""
    rows = [{"id": c.id, "phone": c.phone, "outcome": c.outcome, "started_at": journal.from_utc(c.started_at)
             .isoformat(), "next_open": journal.from_utc(c.next_open_at).isoformat() if c.next_open_at else None}
            for c in journal.callbacks()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['id']}\t{row['started_at']}\t{row['phone']}\t{row['outcome']}")
