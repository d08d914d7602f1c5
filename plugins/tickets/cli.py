"""``sep tickets ...`` commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import service


@click.group("tickets")
def group() -> None:
    """The request service."""


@group.command("close-answered")
@with_appcontext
def close_answered() -> None:
    """Close answered requests whose reopening period is over (run daily)."""
    click.echo(f"closed {service.close_expired_answers()}")


@group.command("purge-uploads")
@with_appcontext
def purge_uploads() -> None:
    """Remove uploads kept for forms that were never sent again."""
    click.echo(f"removed {service.purge_pending()}")
