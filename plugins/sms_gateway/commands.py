"""``sep sms ...``: delivery statuses for deployers and the SMPP receipt listener."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from sep_core import DeliveryError, db, enqueue, plugin_settings, utcnow_naive

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


@sms.command("test")
@click.argument("number")
@click.option("--text", default="SEP Help Desk: test SMS / тестовое SMS", show_default=True)
def test_command(number: str, text: str) -> None:
    """Queue a test SMS to NUMBER (international, +7...) to check the gateway; `sep worker`
    sends it and `sep sms status` shows its delivery."""
    number = number.strip()
    digits = "".join(ch for ch in number if ch.isdigit())
    if not number.startswith("+") or set(number) - set("+0123456789 -()") or not 8 <= len(digits) <= 15:
        raise click.BadParameter("give the number in international form, e.g. +79161234567", param_hint="NUMBER")
    if not text.strip() or "\x00" in text or len(text) > 1000:
        raise click.BadParameter("1 to 1000 characters", param_hint="--text")
    message = enqueue("sms", {"to": "+" + digits, "text": text})
    db.session.commit()
    click.echo(f"queued as outbox message {message.id}; `sep worker` sends it")


@sms.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep this many days (default: the retention_days setting).")
def purge_command(days: int | None) -> None:
    """Forget delivery records older than the retention (run daily from cron or a timer)."""
    days = days or int(plugin_settings("sms_gateway")["retention_days"])
    removed = receipts.purge(utcnow_naive() - timedelta(days=days))
    db.session.commit()
    click.echo(f"deleted {removed} SMS record(s) older than {days} day(s)")
