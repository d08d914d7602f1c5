"""Channels: how citizens' messages come in and replies go out.

A :class:`Channel` has a ``name`` and ``deliver(payload)`` (used by the outbox). A
:class:`WebhookChannel` also receives a platform's webhook: the core reads the raw body, checks
its authenticity *before* parsing, deduplicates by the platform's event id (the event row is
committed before the acknowledgement, with the reply in the outbox in the same transaction), runs
the pipeline and acknowledges. A new network is one subclass with four small methods; see
``docs/writing_plugins.md``.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

from flask import Blueprint, Flask, Response, current_app, request
from flask_babel import force_locale
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from .api import json_error
from .clock import utcnow_naive
from .domain import InboundEvent, Inquiry, InquiryResult
from .extensions import csrf, db
from .inputs import clean_text, raw_text
from .models import InboundEvent as InboundEventRow
from .outbox import enqueue
from .pipeline import handle_inquiry

log = logging.getLogger("sep.channels")


def constant_time_equals(a: str | bytes | None, b: str | bytes | None) -> bool:
    """Compare secrets without leaking their length through timing; None never matches."""
    if a is None or b is None:
        return False
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return hmac.compare_digest(a, b)


class Channel:
    """Base class of every channel. Subclasses set ``name`` and implement :meth:`deliver`."""

    name: ClassVar[str] = ""
    #: Human name shown to staff (already a plain string; channels translate it if they like).
    title: ClassVar[str] = ""

    def __init__(self, app: Flask, settings: dict[str, Any] | None = None):
        self.app = app
        self.settings = settings or {}

    def deliver(self, payload: dict[str, Any]) -> None:
        """Send one outbox payload. Raise DeliveryError (``permanent=True`` to stop retrying)."""
        raise NotImplementedError

    def reply_payload(self, event: InboundEvent, result: InquiryResult) -> dict[str, Any] | None:
        """The outbox payload answering an inbound event, or None to stay silent."""
        return None

    def blueprint(self) -> Blueprint | None:
        return None


class WebhookChannel(Channel):
    """A channel fed by a platform's webhook at ``/hooks/<name>`` (or :attr:`webhook_path`)."""

    #: Largest accepted body, in bytes; platforms send small JSON documents.
    max_body_bytes: ClassVar[int] = 256 * 1024
    webhook_path: ClassVar[str | None] = None

    # -- what a subclass implements -------------------------------------------------------

    def verify(self, body: bytes, headers: Any) -> bool:
        """Is this request really from the platform? Checked before the body is parsed."""
        raise NotImplementedError

    def handshake(self, body: bytes, headers: Any, args: Any) -> Response | None:
        """Answer a platform's set-up request (VK confirmation, hub.challenge) or return None."""
        return None

    def parse(self, body: bytes, headers: Any) -> list[InboundEvent]:
        """Events in the body. Any exception (ValueError, KeyError, AttributeError...) raised for a
        body that is not the platform's format answers 400; nothing is stored."""
        raise NotImplementedError

    def intercept(self, event: InboundEvent) -> dict[str, Any] | None:
        """Answer an event *without* the pipeline (a chat command such as an account-linking code):
        return the outbox payload of the reply, or None to let the pipeline handle the event.
        Called inside the event's transaction, after deduplication, for events with text."""
        return None

    def acknowledge(self) -> Response:
        return Response("ok", mimetype="text/plain")

    # -- what the core does ----------------------------------------------------------------

    def path(self) -> str:
        return self.webhook_path or f"/hooks/{self.name}"

    def handle_webhook(self) -> Response | tuple:
        """The webhook flow. Texts are in the site's default locale (``BABEL_DEFAULT_LOCALE``)
        whatever the platform's request says (its Accept-Language, cookies or ``?lang=`` tell
        nothing about the citizen); a channel that knows the citizen switches with
        ``in_citizen_locale(user)`` and sets ``event.meta["locale"]`` (the inquiry's locale)."""
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            return self._handle_webhook()

    def _handle_webhook(self) -> Response | tuple:
        body = request.get_data(cache=False)
        if len(body) > self.max_body_bytes:
            return json_error(413, "too_large", "Body too large.")
        try:  # a body nested too deeply for json.loads is bad input, not a 500, even unsigned
            early = self.handshake(body, request.headers, request.args)
            if early is not None:
                return early
            verified = self.verify(body, request.headers)
        except RecursionError:
            return json_error(400, "bad_payload", "Unrecognised payload: RecursionError.")
        if not verified:
            log.warning("channel %s: rejected a webhook with a bad signature", self.name)
            return json_error(403, "forbidden", "Signature or secret does not match.")
        try:
            events = self.parse(body, request.headers)
        except Exception as exc:  # whatever a parser trips over in a foreign body is the sender's fault
            db.session.rollback()
            return json_error(400, "bad_payload", f"Unrecognised payload: {type(exc).__name__}.")
        for event in events:
            self.accept(clean_event(event))
        return self.acknowledge()

    def accept(self, event: InboundEvent) -> bool:
        """Store, answer and queue the reply of one event, once. Returns False for a duplicate."""
        row = InboundEventRow(channel=self.name, event_id=str(event.event_id)[:200])
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            return False
        direct = self.intercept(event) if event.text is not None else None
        if direct is not None:
            enqueue(self.name, direct, dedupe_key=f"{self.name}:reply:{event.event_id}"[:200])
        elif event.text is not None:
            inquiry = Inquiry(channel=self.name, text=event.text, sender=event.sender,
                              user_id=event.meta.get("user_id"), meta=dict(event.meta),
                              locale=event.meta.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"])
            result = handle_inquiry(inquiry, commit=False)
            row.inquiry_id = inquiry.id
            payload = self.reply_payload(event, result)
            if payload is not None:
                enqueue(self.name, payload, dedupe_key=f"{self.name}:reply:{event.event_id}"[:200])
        try:
            db.session.commit()
        except IntegrityError:  # the same event committed by a concurrent request
            db.session.rollback()
            return False
        return True


#: Deduplication rows are kept at least this long: platforms redeliver for up to 24 hours.
MIN_EVENT_RETENTION = timedelta(hours=24)


def prune_inbound_events(keep: timedelta = timedelta(hours=48), channel: str | None = None) -> int:
    """Delete deduplication rows older than ``keep`` (never less than 24 hours), optionally of one
    channel only, and commit. Returns the number of rows deleted."""
    cutoff = utcnow_naive() - max(keep, MIN_EVENT_RETENTION)
    query = delete(InboundEventRow).where(InboundEventRow.received_at < cutoff)
    if channel is not None:
        query = query.where(InboundEventRow.channel == channel)
    deleted = db.session.execute(query.execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return deleted or 0


def register_channels(app: Flask, channels: list[Channel]) -> dict[str, Channel]:
    """Index channels by name and mount each webhook with CSRF off (signatures instead)."""
    by_name: dict[str, Channel] = {}
    for channel in channels:
        if not channel.name:
            raise ValueError(f"{type(channel).__name__} has no name")
        if channel.name in by_name:
            raise ValueError(f"two channels are named {channel.name!r}")
        by_name[channel.name] = channel
        if isinstance(channel, WebhookChannel):
            view = csrf.exempt(_webhook_view(channel))
            app.add_url_rule(channel.path(), endpoint=f"webhook_{channel.name}", view_func=view,
                             methods=["GET", "POST"])
    return by_name


def _webhook_view(channel: WebhookChannel):
    def view():
        if request.method == "GET":
            early = channel.handshake(b"", request.headers, request.args)
            return early if early is not None else json_error(405, "method_not_allowed", "POST only.")
        return channel.handle_webhook()

    view.__name__ = f"webhook_{channel.name}"
    view._sep_body_limit = channel.max_body_bytes  # type: ignore[attr-defined]
    return raw_text(view)


def clean_event(event: InboundEvent) -> InboundEvent:
    """The event with NUL and lone surrogates removed from its text, ids and meta: a platform
    relays whatever its user typed, and the event must still be stored and answered."""
    return replace(event, event_id=clean_text(event.event_id), sender=clean_text(event.sender),
                   text=clean_text(event.text), reply_to=clean_text(event.reply_to),
                   meta=clean_text(event.meta))


def channel(name: str) -> Channel:
    """The enabled channel with that name (KeyError if none)."""
    return current_app.extensions["sep"].channels[name]
