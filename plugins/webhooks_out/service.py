"""What the staff page and ``sep webhooks`` do: add, disable, enable, rotate, test, resend. Each
function works in the current transaction and audits; the caller commits."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import delete, select

from sep_core import audit, db, plugin_settings, utcnow_naive

from . import events, signing, targets
from .models import Delivery, Subscription


class WebhookError(ValueError):
    """A refused operation; ``code`` for programs, the message for people (translated by the page)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def check_url(url: str) -> list[str]:
    """Refuse a URL that can never be a target (:class:`targets.TargetError`); returns warnings
    (a name that does not resolve now)."""
    target = targets.resolve(url, allow_private=bool(plugin_settings("webhooks_out")["allow_private_targets"]))
    return [] if target.addresses else ["unresolved"]


def check_events(names) -> list[str]:
    chosen = [n for n in dict.fromkeys(str(n).strip() for n in names) if n]
    unknown = [n for n in chosen if n not in events.EVENTS]
    if unknown:
        raise WebhookError("events", f"unknown event types: {', '.join(unknown)}")
    if not chosen:
        raise WebhookError("events", "choose at least one event type")
    return chosen


def add(url: str, event_types, description: str, actor) -> tuple[Subscription, list[str]]:
    """A new active subscription with a fresh secret; (subscription, warnings)."""
    chosen = check_events(event_types)
    warnings = check_url(url)
    subscription = Subscription(url=url.strip(), events=chosen, description=(description or "").strip()[:200],
                                secret=signing.new_secret(), active=True, created_by_id=getattr(actor, "id", None),
                                created_at=utcnow_naive(), updated_at=utcnow_naive())
    db.session.add(subscription)
    db.session.flush()
    audit(actor, "webhook_subscription_added", "webhook_subscription", subscription.id,
          reason=f"events {' '.join(chosen)}")
    events.forget_subscriptions()
    return subscription, warnings


def get(subscription_id) -> Subscription:
    text = str(subscription_id)
    row = db.session.get(Subscription, int(text)) if text.isdigit() and int(text) < 2**31 else None
    if row is None:
        raise WebhookError("not_found", f"no webhook subscription {text}")
    return row


def set_active(subscription: Subscription, active: bool, actor) -> None:
    subscription.active = active
    subscription.disabled_reason = "" if active else "disabled by an administrator"
    subscription.updated_at = utcnow_naive()
    audit(actor, "webhook_subscription_enabled" if active else "webhook_subscription_disabled",
          "webhook_subscription", subscription.id)
    events.forget_subscriptions()


def rotate(subscription: Subscription, actor, overlap_hours: float | None = None) -> str:
    """A new secret; the old one keeps signing (a second signature) for the overlap period, so a
    receiver can switch without losing a delivery. Returns the new secret."""
    hours = float(plugin_settings("webhooks_out")["rotation_overlap_hours"] if overlap_hours is None
                  else overlap_hours)
    if hours > 0:
        subscription.previous_secret = subscription.secret
        subscription.previous_secret_until = utcnow_naive() + timedelta(hours=hours)
    else:
        subscription.previous_secret = None
        subscription.previous_secret_until = None
    subscription.secret = signing.new_secret()
    subscription.updated_at = utcnow_naive()
    audit(actor, "webhook_secret_rotated", "webhook_subscription", subscription.id, reason=f"overlap {hours:g} h")
    return subscription.secret


def send_test(subscription: Subscription, actor) -> Delivery:
    if not subscription.active:
        raise WebhookError("disabled", "the subscription is disabled")
    [delivery] = events.emit("webhook.test", {"subscription": subscription.id}, only=subscription)
    audit(actor, "webhook_test_sent", "webhook_subscription", subscription.id)
    return delivery


def get_delivery(delivery_id) -> Delivery:
    text = str(delivery_id)
    row = db.session.get(Delivery, int(text)) if text.isdigit() and int(text) < 2**31 else None
    if row is None:
        raise WebhookError("not_found", f"no webhook delivery {text}")
    return row


def resend(delivery: Delivery, actor) -> Delivery:
    """The same event (same id and body, so a receiver that has it already can drop it) queued
    again as a new delivery, signed with today's secrets."""
    subscription = db.session.get(Subscription, delivery.subscription_id)
    if subscription is None or not subscription.active:
        raise WebhookError("disabled", "the subscription is disabled")
    again = events.queue(Delivery(subscription_id=delivery.subscription_id, event_id=delivery.event_id,
                                  event_type=delivery.event_type, body=delivery.body, resend_of_id=delivery.id))
    audit(actor, "webhook_resent", "webhook_delivery", delivery.id, reason=f"as {again.id}")
    return again


def subscriptions() -> list[Subscription]:
    return list(db.session.execute(select(Subscription).order_by(Subscription.id)).scalars())


def deliveries(limit: int, subscription_id: int | None = None, status: str | None = None) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if subscription_id is not None:
        query = query.where(Delivery.subscription_id == subscription_id)
    if status:
        query = query.where(Delivery.status == status)
    return list(db.session.execute(query).scalars())


def purge(older_than_days: float | None = None) -> int:
    """Forget delivered and failed deliveries created before the retention period
    (``retention_days``); pending ones always stay. Returns how many."""
    days = float(plugin_settings("webhooks_out")["retention_days"] if older_than_days is None else older_than_days)
    cutoff = utcnow_naive() - timedelta(days=days)
    result = db.session.execute(delete(Delivery).where(Delivery.status.in_(("delivered", "failed")),
                                                       Delivery.created_at < cutoff)
                                .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def forget_user(user) -> int:
    """``sep_on_user_deleted``: the only events that name a person are ``identity.checked`` (its
    ``user_id``); drop those deliveries of this user, queued or not (the caller commits)."""
    user_id = getattr(user, "id", None)
    if user_id is None:
        return 0
    rows = db.session.execute(select(Delivery).where(Delivery.event_type == "identity.checked",
                                                     Delivery.body.contains(f'"user_id":{int(user_id)}'))).scalars()
    gone = 0
    for row in rows:
        if json.loads(row.body).get("data", {}).get("check", {}).get("user_id") == user_id:
            db.session.delete(row)
            gone += 1
    return gone
