"""The base of every social network: :class:`SocialChannel`.

A network is one subclass of :class:`SocialChannel` (itself a ``sep_core.WebhookChannel``): it
declares its settings, checks authenticity (``verify``), turns the platform's JSON into
``InboundEvent``s (``events``) and sends one reply (``send``). This base adds what every network
shares: settings with defaults and ``$env:`` secrets, conversations per social account, account
linking by one-time code, the bot-to-request fallback (a request opened for a linked, confirmed
citizen), a per-platform send rate (the core's shared limiter), and closing a chat whose user
blocked the bot.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from typing import Any, ClassVar

from flask import Flask
from sep_plugins.channel_social import conversations, linking, texts, tickets
from sep_plugins.channel_social.models import Conversation, Message

from sep_core import (
    ConfigError,
    DeliveryError,
    InboundEvent,
    InquiryResult,
    RouteAction,
    WebhookChannel,
    db,
    now,
    rate_limiter,
)

#: Settings every network has, besides its own ``defaults``.
COMMON_DEFAULTS: dict[str, Any] = {
    "enabled": None,          # None: on when configured (VK, OK, Telegram); off for the optional networks
    "timeout": 10,            # seconds per API call
    "rate_per_second": None,  # None: the network's documented limit (``rate_per_second`` of the class)
}


def resolve(value: Any) -> Any:
    """``"$env:NAME"`` -> the environment variable NAME ('' when unset)."""
    if isinstance(value, str) and value.startswith("$env:"):
        return os.environ.get(value[5:], "")
    return value


class SocialChannel(WebhookChannel):
    """One social network. Subclasses set the class attributes and implement ``verify``,
    ``events`` and ``send`` (and ``handshake`` when the platform has a set-up call)."""

    #: This network's own settings and their defaults (``"$env:NAME"`` for secrets).
    defaults: ClassVar[dict[str, Any]] = {}
    #: Settings that must be non-empty for the network to run.
    required: ClassVar[tuple[str, ...]] = ()
    #: False for networks a deployer must switch on explicitly ("enabled": True).
    enabled_by_default: ClassVar[bool] = True
    #: The platform's documented send rate (calls per second), used unless configured.
    rate_per_second: ClassVar[float] = 10
    #: Longest text one message may carry on this platform.
    max_text: ClassVar[int] = 4096

    def __init__(self, app: Flask, settings: dict[str, Any], common: dict[str, Any] | None = None):
        super().__init__(app, settings)
        self.common = common or {}

    # -- configuration -----------------------------------------------------------------------

    @classmethod
    def settings_from(cls, given: Any) -> dict[str, Any]:
        """Merge a deployer's settings for this network over the defaults; refuse unknown keys."""
        given = {} if given is None else given
        if not isinstance(given, dict):
            raise ConfigError(f'SEP_PLUGIN_CONFIG["channel_social"]["{cls.name}"] must be a dict')
        known = {**COMMON_DEFAULTS, **cls.defaults}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ConfigError(f"Unknown setting(s) for channel_social network {cls.name!r}: {', '.join(unknown)}. "
                              f"Known: {', '.join(sorted(known))}")
        return {key: resolve(value) for key, value in {**known, **given}.items()}

    @classmethod
    def build(cls, app: Flask, given: Any = None, common: dict[str, Any] | None = None) -> SocialChannel | None:
        """The channel, or None when it is switched off or (by default) not configured."""
        settings = cls.settings_from(given)
        missing = [key for key in cls.required if not settings.get(key)]
        enabled = settings["enabled"]
        if enabled is None:
            enabled = cls.enabled_by_default and not missing
        if not enabled:
            return None
        if missing:
            raise ConfigError(f"channel_social network {cls.name!r} is enabled but lacks: {', '.join(missing)}")
        channel = cls(app, settings, common)
        channel.check_settings()
        return channel

    def check_settings(self) -> None:
        """Refuse bad settings at start-up (override to check formats)."""

    # -- what a network implements ------------------------------------------------------------

    def events(self, data: dict[str, Any], headers: Any) -> Iterable[InboundEvent]:
        """The platform's events in a parsed body. Raise TypeError/ValueError/KeyError for a body
        that is not the platform's; give ``text=None`` for events that need no answer."""
        raise NotImplementedError

    def send(self, payload: dict[str, Any]) -> None:
        """Send one reply (``payload["to"]``, ``payload["text"]``) or raise ``DeliveryError``."""
        raise NotImplementedError

    def outgoing(self, to: str, text: str) -> dict[str, Any]:
        """The outbox payload of a reply; stored with the row and given to ``send`` on each attempt."""
        return {"to": to, "text": text[: self.max_text]}

    # -- the shared flow --------------------------------------------------------------------------

    def parse(self, body: bytes, headers: Any) -> list[InboundEvent]:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise TypeError("the body is not a JSON object")
        parsed = []
        for event in self.events(data, headers):
            if event.text is not None:
                event.text = event.text.strip() or None
            parsed.append(event)
        return parsed

    def reply_key(self, event: InboundEvent) -> str:
        """The outbox dedupe key of the reply to an event (the core's formula)."""
        return f"{self.name}:reply:{event.event_id}"[:200]

    def intercept(self, event: InboundEvent) -> dict[str, Any] | None:
        """Record the message in its conversation; answer linking commands without the bot."""
        conversation = conversations.touch(self.name, event)
        event.meta["conversation_id"] = conversation.id
        command = linking.parse_command(event.text or "")
        if command is None:
            message = conversations.record(conversation, "in", event.text or "", "question")
            event.meta["message_id"] = message.id
            user = conversations.ticket_user(conversation)
            if user is not None:
                event.meta["user_id"] = user.id
            return None
        conversations.record(conversation, "in", command.redacted, "command")
        with texts.in_locale(conversations.linked_user(conversation)):
            text = self.command_reply(conversation, command)
        return self.reply(conversation, text, "command", dedupe_key=self.reply_key(event),
                          record_text=linking.redact(text))

    def command_reply(self, conversation: Conversation, command: linking.Command) -> str:
        if command.word == "/start" and not command.code:
            return texts.welcome()
        if not conversation.private:
            return texts.link_private_only()
        if not command.code:
            minutes = int(self.common.get("link_code_minutes", 15))
            return texts.link_code_issued(linking.issue_for_conversation(conversation), minutes)
        outcome = linking.redeem_in_chat(conversation, command.code)
        return {"linked": texts.linked, "throttled": texts.link_throttled}.get(outcome, texts.link_invalid)()

    def reply_payload(self, event: InboundEvent, result: InquiryResult) -> dict[str, Any] | None:
        conversation = db.session.get(Conversation, event.meta["conversation_id"])
        with texts.in_locale(conversations.linked_user(conversation)):
            return self._reply_to_inquiry(event, result, conversation)

    def _reply_to_inquiry(self, event: InboundEvent, result: InquiryResult,
                          conversation: Conversation) -> dict[str, Any]:
        if event.meta.get("message_id"):
            message = db.session.get(Message, event.meta["message_id"])
            message.inquiry_id = result.inquiry.id
        route = result.route
        if route.action == RouteAction.ANSWER and route.answer is not None and texts.answer(route.answer):
            text, kind = texts.answer(route.answer), "answer"
        elif route.action == RouteAction.UNAVAILABLE:
            text, kind = texts.unavailable(result.availability.message), "unavailable"
        else:
            user = conversations.ticket_user(conversation)
            link = tickets.open_for(user, conversation, result.inquiry) if user is not None else None
            if link is not None:
                text, kind = texts.ticket_opened(link.ticket_number), "ticket"
            else:
                text, kind = texts.request_link(linked=conversation.user_id is not None), "request_link"
        return self.reply(conversation, text, kind, dedupe_key=self.reply_key(event), inquiry_id=result.inquiry.id)

    def reply(self, conversation: Conversation, text: str, kind: str, *, dedupe_key: str,
              inquiry_id: int | None = None, record_text: str | None = None) -> dict[str, Any]:
        """Record an outgoing message and return its outbox payload (the caller enqueues it)."""
        payload = self.outgoing(conversation.reply_to, text)
        payload["conversation_id"] = conversation.id
        conversations.record(conversation, "out", record_text if record_text is not None else payload["text"], kind,
                             inquiry_id=inquiry_id, dedupe_key=dedupe_key)
        return payload

    def deliver(self, payload: dict[str, Any]) -> None:
        conversation = db.session.get(Conversation, payload.get("conversation_id") or 0)
        if conversation is not None and conversation.status != conversations.OPEN:
            raise DeliveryError(f"chat is {conversation.status}", permanent=True)
        wait = self.throttle()
        if wait:
            raise DeliveryError(f"{self.title}: send rate limit reached", retry_after=wait, defer=True)
        self.send(payload)

    def throttle(self) -> float:
        """0 when a send is allowed now (and counted), else the seconds until the next window.
        Counted in the core's shared limiter (Redis when configured), so all workers share it."""
        rate = float(self.settings.get("rate_per_second") or self.rate_per_second)
        limit, window = (int(rate), 1) if rate >= 1 else (1, math.ceil(1 / rate))
        if rate_limiter().hit(f"channel_social:{self.name}", "send", limit, window):
            return 0.0
        return window - now().timestamp() % window

    # -- helpers for ``send`` ---------------------------------------------------------------------

    def mark_chat(self, payload: dict[str, Any], status: str) -> Conversation | None:
        """Record that a chat cannot receive messages (``closed``/``no_messages``)."""
        return conversations.set_status(payload.get("conversation_id"), status)

    def move_chat(self, payload: dict[str, Any], new_to: str) -> None:
        """The platform moved the chat (Telegram group -> supergroup): replies go to ``new_to``."""
        conversation = db.session.get(Conversation, payload.get("conversation_id") or 0)
        if conversation is not None:
            conversation.reply_to = str(new_to)[:120]


def text_of(value: Any) -> str | None:
    """A message text from JSON: a string, or None when absent; TypeError for other types."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("text must be a string")
    return value


def id_of(value: Any) -> str:
    """An id from JSON (a string or an integer, not a bool); TypeError otherwise."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise TypeError("id must be a string or an integer")
    return str(value)
