"""The event types, their payloads, and the fan-out to subscriptions.

An event's body is built once, when the event happens, inside the cause's transaction (the
deliveries and their outbox rows commit with it, or not at all): ``{"type", "timestamp",
"data"}`` in compact JSON, with no more personal data than a receiver needs to react — numbers,
statuses, ids and links, never names, contacts or texts (a receiver reads those through the API
with a token of its own)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from sep_core import RouteAction, db, enqueue, now, plugin_settings
from sep_core import lazy_gettext as _l

from .models import Delivery, Subscription

KIND = "webhook"  # the outbox kind
CACHE_KEY = "sep_webhooks_out"

#: Every event type a subscription can name, with its label on the staff page.
EVENTS: dict[str, Any] = {
    "ticket.created": _l("A request is filed"),
    "ticket.status_changed": _l("A request's status changes"),
    "ticket.message": _l("A message is added to a request's thread"),
    "inquiry.unanswered": _l("The bot could not answer a question"),
    "identity.checked": _l("An identity check has finished"),
    "webhook.test": _l("A test event sent from this page or the command line"),
}


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with ``Z``; naive datetimes are UTC (as stored)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def new_event_id() -> str:
    return "msg_" + uuid.uuid4().hex


def body_of(event_type: str, data: dict[str, Any]) -> str:
    """The JSON body exactly as it will be signed and sent."""
    return json.dumps({"type": event_type, "timestamp": iso(now()), "data": data},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=False)


# --- "is anybody listening?" without a query per event -----------------------------------------


def forget_subscriptions() -> None:
    """Drop this process's cache (after a subscription changed here)."""
    current_app.extensions.pop(CACHE_KEY, None)


def _subscribed_types() -> frozenset[str]:
    """Event types some active subscription wants, cached for ``subscriptions_cache_seconds``
    (a subscription added by another process is seen within that time)."""
    ttl = float(plugin_settings("webhooks_out")["subscriptions_cache_seconds"])
    cached = current_app.extensions.get(CACHE_KEY)
    if cached is not None and time.monotonic() - cached[0] < ttl:
        return cached[1]
    rows = db.session.execute(select(Subscription.events).where(Subscription.active.is_(True))).scalars()
    types = frozenset(t for events in rows for t in (events or []))
    current_app.extensions[CACHE_KEY] = (time.monotonic(), types)
    return types


def emit(event_type: str, data: dict[str, Any], *, only: Subscription | None = None) -> list[Delivery]:
    """Queue the event for every active subscription to it (or for ``only``), in the current
    transaction; the caller commits. Returns the deliveries queued."""
    if only is None:
        if event_type not in _subscribed_types():
            return []
        subscriptions = [s for s in db.session.execute(
            select(Subscription).where(Subscription.active.is_(True)).order_by(Subscription.id)).scalars()
            if event_type in (s.events or [])]
    else:
        subscriptions = [only]
    if not subscriptions:
        return []
    event_id, body = new_event_id(), body_of(event_type, data)
    return [queue(Delivery(subscription_id=s.id, event_id=event_id, event_type=event_type, body=body))
            for s in subscriptions]


def queue(delivery: Delivery) -> Delivery:
    """Add the delivery and its outbox row (the outbox payload names the delivery only: the body
    stays here and the secrets on the subscription)."""
    db.session.add(delivery)
    db.session.flush()
    message = enqueue(KIND, {"delivery": delivery.id}, dedupe_key=f"webhook:{delivery.id}",
                      max_attempts=int(plugin_settings("webhooks_out")["max_attempts"]))
    db.session.flush()
    delivery.outbox_id = message.id
    return delivery


# --- payloads of the hooks ---------------------------------------------------------------------


def _links(number: str) -> dict[str, str]:
    public = current_app.config["SEP_PUBLIC_URL"].rstrip("/")
    return {"desk": f"{public}/desk/requests/{number}", "api": f"{public}/api/v1/desk/tickets/{number}"}


def ticket_data(ticket) -> dict[str, Any]:
    number = str(getattr(ticket, "number", ""))
    return {"number": number, "status": getattr(ticket, "status", None),
            "channel": getattr(ticket, "channel", None), "queue": getattr(ticket, "queue", None),
            "profile": getattr(ticket, "profile", None) or None,
            "created_at": iso(getattr(ticket, "created_at", None)), "due_at": iso(getattr(ticket, "due_at", None)),
            "links": _links(number)}


def on_ticket_created(ticket) -> None:
    emit("ticket.created", {"ticket": ticket_data(ticket)})


def on_ticket_status_changed(ticket, old, new) -> None:
    emit("ticket.status_changed", {"ticket": ticket_data(ticket), "old_status": old, "new_status": new})


def on_ticket_message(ticket, message) -> None:
    emit("ticket.message", {"ticket": ticket_data(ticket), "message": {
        "id": getattr(message, "id", None), "kind": getattr(message, "kind", None),
        "internal": bool(getattr(message, "internal", False)), "created_at": iso(getattr(message, "created_at", None)),
    }})


def on_inquiry(inquiry, result) -> None:
    route = result.route
    if route.action == RouteAction.ANSWER:
        return
    best = result.answers[0].confidence if result.answers else None
    emit("inquiry.unanswered", {
        "inquiry": {"id": inquiry.id, "channel": inquiry.channel, "locale": inquiry.locale,
                    "signed_in": inquiry.user_id is not None, "received_at": iso(inquiry.received_at)},
        "route": {"action": route.action.value, "reason": route.reason, "queue": route.queue,
                  "profile": route.profile},
        "best_confidence": best,
    })


def on_identity_checked(check) -> None:
    get = check.get if isinstance(check, dict) else (lambda key: getattr(check, key, None))
    if emit("identity.checked", {"check": {
        "id": get("id"), "status": get("status"), "channel": get("channel"), "user_id": get("user_id"),
        "created_at": get("created_at"), "completed_at": get("completed_at"),
    }}):
        db.session.commit()  # the check was committed before the broadcast: ours is a transaction of its own
