"""``sep webhooks ...``: the staff page's operations for administrators at a terminal."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from sep_core import db

from . import events, service, targets, transport


def _fail(message: str) -> None:
    click.echo(message, err=True)
    raise SystemExit(1)


@click.group("webhooks")
def group() -> None:
    """Outgoing webhooks: subscriptions, secrets, deliveries."""


@group.command("events")
def events_command() -> None:
    """The event types a subscription can name."""
    for name in events.EVENTS:
        click.echo(name)


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """Subscriptions (secrets are never listed)."""
    rows = [s.as_dict() for s in service.subscriptions()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        state = "active" if row["active"] else f"disabled ({row['disabled_reason']})"
        click.echo(f"{row['id']}\t{state}\t{row['url']}\t{','.join(row['events'])}\t{row['description']}")


@group.command("add")
@click.argument("url")
@click.option("--event", "event_types", multiple=True, required=True,
              help="An event type (repeat for more); `sep webhooks events` lists them.")
@click.option("--description", default="", help="What receives it (shown to administrators).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with the id and the secret.")
@with_appcontext
def add_command(url: str, event_types: tuple[str, ...], description: str, as_json: bool) -> None:
    """Subscribe URL to events; prints the signing secret (shown once)."""
    try:
        subscription, warnings = service.add(url, event_types, description, None)
    except (service.WebhookError, targets.TargetError) as exc:
        db.session.rollback()
        _fail(f"refused: {exc}")
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"id": subscription.id, "secret": subscription.secret, "warnings": warnings}))
        return
    for warning in warnings:
        click.echo(f"warning: {warning}: the host does not resolve now; it is checked again at each delivery",
                   err=True)
    click.echo(f"id {subscription.id}")
    click.echo(f"secret {subscription.secret}")


def _toggle(subscription_id: str, active: bool) -> None:
    try:
        subscription = service.get(subscription_id)
    except service.WebhookError as exc:
        _fail(str(exc))
    service.set_active(subscription, active, None)
    db.session.commit()
    click.echo(f"{'enabled' if active else 'disabled'} {subscription.id}")


@group.command("disable")
@click.argument("subscription_id")
@with_appcontext
def disable_command(subscription_id: str) -> None:
    """Stop sending to a subscription (its queued deliveries fail)."""
    _toggle(subscription_id, False)


@group.command("enable")
@click.argument("subscription_id")
@with_appcontext
def enable_command(subscription_id: str) -> None:
    """Send to a disabled subscription again."""
    _toggle(subscription_id, True)


@group.command("rotate")
@click.argument("subscription_id")
@click.option("--overlap-hours", type=float, default=None,
              help="How long the old secret also signs (default: the rotation_overlap_hours setting).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def rotate_command(subscription_id: str, overlap_hours: float | None, as_json: bool) -> None:
    """A new signing secret (printed once); the old one signs too during the overlap."""
    if overlap_hours is not None and overlap_hours < 0:
        _fail("--overlap-hours must be at least 0")
    try:
        subscription = service.get(subscription_id)
    except service.WebhookError as exc:
        _fail(str(exc))
    secret = service.rotate(subscription, None, overlap_hours)
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"id": subscription.id, "secret": secret,
                               "old_secret_valid_until": subscription.as_dict()["rotating_until"]}))
        return
    click.echo(f"secret {secret}")


@group.command("test")
@click.argument("subscription_id")
@with_appcontext
def test_command(subscription_id: str) -> None:
    """Queue a ``webhook.test`` event for a subscription."""
    try:
        delivery = service.send_test(service.get(subscription_id), None)
    except service.WebhookError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"queued delivery {delivery.id} ({delivery.event_id})")


@group.command("deliveries")
@click.option("--subscription", "subscription_id", type=click.IntRange(1, 2**31 - 1), default=None)
@click.option("--status", type=click.Choice(["pending", "delivered", "failed"]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def deliveries_command(subscription_id: int | None, status: str | None, limit: int, as_json: bool) -> None:
    """The delivery log, newest first."""
    rows = []
    for d in service.deliveries(limit, subscription_id, status):
        following = transport.next_attempt(d)
        rows.append({"id": d.id, "subscription": d.subscription_id, "event_id": d.event_id, "type": d.event_type,
                     "status": d.status, "attempts": d.attempts, "last_status": d.last_status,
                     "last_error": d.last_error, "created_at": events.iso(d.created_at),
                     "delivered_at": events.iso(d.delivered_at), "next_attempt_at": events.iso(following),
                     "resend_of": d.resend_of_id})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['id']}\t{r['subscription']}\t{r['type']}\t{r['status']}\t{r['attempts']}\t"
                   f"{r['last_status'] or '-'}\t{r['event_id']}")


@group.command("resend")
@click.argument("delivery_id")
@with_appcontext
def resend_command(delivery_id: str) -> None:
    """Queue a delivery's event again (same event id and body)."""
    try:
        again = service.resend(service.get_delivery(delivery_id), None)
    except service.WebhookError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"queued delivery {again.id}")


@group.command("purge")
@click.option("--older-than-days", type=click.FloatRange(min=0), default=None,
              help="Default: the retention_days setting (30).")
@with_appcontext
def purge_command(older_than_days: float | None) -> None:
    """Forget delivered and failed deliveries past retention (run daily); pending ones stay."""
    removed = service.purge(older_than_days)
    db.session.commit()
    click.echo(f"purged {removed}")
