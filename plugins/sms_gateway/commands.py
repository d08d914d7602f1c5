"""``sep sms ...``: delivery statuses for deployers and the SMPP receipt listener."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from sep_core import DeliveryError, plugin_settings

from . import gateway, receipts
from .models import STATUSES

#: An AppGroup: its commands run inside an app context.
sms = AppGroup("sms", help="SMS gateway: delivery statuses and receipts.")


@sms.command("status")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--status", "status", type=click.Choice(STATUSES), default=None, help="Only this status.")
@click.option("--refresh", is_flag=True, help="First ask the HTTP provider for new statuses.")
def status_command(limit: int, status: str | None, refresh: bool) -> None:
    """The latest SMS parts with their delivery status (numbers masked)."""
    if refresh:
        if plugin_settings("sms_gateway")["backend"] != "http":
            raise click.UsageError("--refresh asks the HTTP provider; the backend is not http "
                                   "(SMPP receipts come through `sep sms listen`)")
        try:
            click.echo(f"updated: {gateway.refresh_http(current_app)}")
        except DeliveryError as exc:
            raise click.ClickException(f"status query failed: {exc}") from None
    counts = receipts.counts()
    click.echo("totals: " + ", ".join(f"{s}={counts.get(s, 0)}" for s in STATUSES))
    for row in receipts.recent(limit, status):
        click.echo(f"{row.id}\t{row.created_at:%Y-%m-%d %H:%M:%S}\toutbox={row.outbox_id or '-'}\t"
                   f"{row.recipient}\t{row.part}/{row.parts}\t{row.backend}:{row.provider_id}\t"
                   f"{row.status}\t{row.provider_status}\t{row.status_at:%Y-%m-%d %H:%M:%S}")


@sms.command("listen")
@click.option("--seconds", type=click.FloatRange(min=0.1), default=None,
              help="Stop after this long (default: run until the SMSC ends the session).")
def listen_command(seconds: float | None) -> None:
    """Bind to the SMSC as a receiver and record delivery receipts (SMPP backend)."""
    if plugin_settings("sms_gateway")["backend"] != "smpp":
        raise click.UsageError("`sep sms listen` needs backend = \"smpp\"")
    try:
        seen = gateway.listen(current_app, seconds)
    except DeliveryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"receipts recorded: {seen}")
