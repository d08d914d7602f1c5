"""The base of every chat channel: :class:`ConversationalChannel`.

A chat channel (a messenger, a social network's direct messages) is one subclass: it checks
authenticity (``verify``), turns the platform's JSON into ``InboundEvent``s (``events``) and sends
one reply (``send``). The base adds what every chat shares, whichever plugin or distribution
ships the channel:

- a conversation per chat account, with its messages, shown to staff at ``/staff/social``;
- account linking by one-time code (``/link`` in the chat, ``/social/accounts`` in the cabinet);
- the bot-or-request fallback: a question the bot cannot answer opens a request through
  ``sep_open_ticket`` for a linked, confirmed citizen (else the reply links the request form),
  and staff replies to that request come back to the chat;
- one-time codes through a linked chat (``sep_identity_channels`` / ``sep_send_code``);
- a send rate per channel (``rate_per_second``) and per recipient (``recipient_rate_per_minute``),
  counted in the core's shared limiter, so a held-back reply waits without using up attempts;
- closing a chat whose user blocked the bot (:meth:`mark_chat`), following a moved chat
  (:meth:`move_chat`), the citizen's chats in their data download and erased with the account.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from typing import Any, ClassVar

from ..channels import WebhookChannel
from ..clock import now
from ..domain import InboundEvent, InquiryResult, RouteAction
from ..errors import DeliveryError
from ..extensions import db
from ..outbox import enqueue
from ..ratelimit import rate_limiter
from . import linking, texts, tickets
from . import store as conversations
from .models import Conversation, Message


class ConversationalChannel(WebhookChannel):
    """A chat channel. Subclasses set ``name``/``title`` and implement ``verify``, ``events`` and
    ``send`` (and ``handshake`` when the platform has a set-up call). ``settings`` may hold
    ``timeout``, ``rate_per_second`` and ``recipient_rate_per_minute`` to override the class's."""

    #: The platform's documented send rate (messages per second, all chats together).
    rate_per_second: ClassVar[float] = 10
    #: Messages per minute to one chat (0: no limit); platforms throttle a single chat harder.
    recipient_rate_per_minute: ClassVar[int] = 0
    #: Longest text one message may carry on this platform.
    max_text: ClassVar[int] = 4096

    # -- what a channel implements ---------------------------------------------------------------

    def events(self, data: dict[str, Any], headers: Any) -> Iterable[InboundEvent]:
        """The platform's events in a parsed JSON object. Raise any exception for a body that is
        not the platform's (400); give ``text=None`` for events that need no answer. ``sender`` is
        the person, ``reply_to`` the chat (defaults to ``sender``); ``meta["private"]`` False for a
        group chat (no linking or requests there); ``meta["name"]`` a display name for staff."""
        raise NotImplementedError

    def send(self, payload: dict[str, Any]) -> None:
        """Send one reply (``payload["to"]``, ``payload["text"]``) or raise ``DeliveryError``."""
        raise NotImplementedError

    def outgoing(self, to: str, text: str) -> dict[str, Any]:
        """The outbox payload of a reply; stored with the row and given to ``send`` on each attempt."""
        return {"to": to, "text": text[: self.max_text]}

    def request_url(self) -> str:
        """The request form linked in replies (``SEP_PUBLIC_URL`` + ``/requests/new``)."""
        return texts.request_url()

    def cabinet_url(self) -> str:
        """The cabinet page where citizens link chats (``SEP_PUBLIC_URL`` + ``/social/accounts``)."""
        return texts.cabinet_url()

    # -- the shared flow ---------------------------------------------------------------------------

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
            linked = conversations.linked_user(conversation)
            event.meta["locale"] = texts.citizen_locale(linked)
            return None
        conversations.record(conversation, "in", command.redacted, "command")
        with texts.in_citizen_locale(conversations.linked_user(conversation)):
            text = self.command_reply(conversation, command)
        return self.reply(conversation, text, "command", dedupe_key=self.reply_key(event),
                          record_text=linking.redact(text))

    def command_reply(self, conversation: Conversation, command: linking.Command) -> str:
        if command.word == "/start" and not command.code:
            return texts.welcome()
        if not conversation.private:
            return texts.link_private_only()
        if not command.code:
            code = linking.issue_for_conversation(conversation)
            return texts.link_code_issued(code, linking.code_minutes(), self.cabinet_url())
        outcome = linking.redeem_in_chat(conversation, command.code)
        if outcome == "linked":
            return texts.linked()
        return texts.link_throttled() if outcome == "throttled" else texts.link_invalid(self.cabinet_url())

    def reply_payload(self, event: InboundEvent, result: InquiryResult) -> dict[str, Any] | None:
        conversation = db.session.get(Conversation, event.meta["conversation_id"])
        with texts.in_citizen_locale(conversations.linked_user(conversation)):
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
            text, kind = texts.unavailable(result.availability.message, self.request_url()), "unavailable"
        else:
            user = conversations.ticket_user(conversation)
            link = tickets.open_for(user, conversation, result.inquiry) if user is not None else None
            if link is not None:
                text, kind = texts.ticket_opened(link.ticket_number), "ticket"
            else:
                text = texts.request_link(linked=conversation.user_id is not None, url=self.request_url())
                kind = "request_link"
        return self.reply(conversation, text, kind, dedupe_key=self.reply_key(event), inquiry_id=result.inquiry.id)

    def reply(self, conversation: Conversation, text: str, kind: str, *, dedupe_key: str,
              inquiry_id: int | None = None, record_text: str | None = None) -> dict[str, Any]:
        """Record an outgoing message and return its outbox payload (the caller enqueues it)."""
        payload = self.outgoing(conversation.reply_to, text)
        payload["conversation_id"] = conversation.id
        conversations.record(conversation, "out", record_text if record_text is not None else payload["text"], kind,
                             inquiry_id=inquiry_id, dedupe_key=dedupe_key)
        return payload

    def say(self, conversation: Conversation, text: str, kind: str, *, dedupe_key: str,
            record_text: str | None = None) -> dict[str, Any]:
        """Write to a conversation outside a webhook (a staff reply, a code): record the message and
        enqueue it in the current transaction (the caller commits). ``dedupe_key`` makes a repeat
        of the same cause a no-op at the outbox. Returns the payload."""
        payload = self.reply(conversation, text, kind, dedupe_key=dedupe_key, record_text=record_text)
        enqueue(self.name, payload, dedupe_key=dedupe_key)
        return payload

    def deliver(self, payload: dict[str, Any]) -> None:
        conversation = db.session.get(Conversation, payload.get("conversation_id") or 0)
        if conversation is not None and conversation.status != conversations.OPEN:
            raise DeliveryError(f"chat is {conversation.status}", permanent=True)
        wait = self.throttle(payload.get("to"))
        if wait:
            raise DeliveryError(f"{self.title or self.name}: send rate limit reached", retry_after=wait, defer=True)
        self.send(payload)

    def throttle(self, to: str | None = None) -> float:
        """0 when a send is allowed now (and counted), else the seconds until the next window.
        Counted in the core's shared limiter (Redis when configured), so all workers share it:
        the channel's ``rate_per_second`` and each chat's ``recipient_rate_per_minute``. A send
        held back by the channel's limit uses none of the chat's budget."""
        limiter = rate_limiter()
        rate = float(self.settings.get("rate_per_second") or self.rate_per_second)
        limit, window = (int(rate), 1) if rate >= 1 else (1, math.ceil(1 / rate))
        if limiter.exceeded(f"chat:{self.name}", "send", limit, window):
            return window - now().timestamp() % window
        per_minute = int(self.settings.get("recipient_rate_per_minute") or self.recipient_rate_per_minute)
        recipient = hashlib.sha256(str(to).encode()).hexdigest()[:24]  # no chat ids in Redis keys
        if per_minute and to is not None and not limiter.hit(f"chat:{self.name}:to", recipient, per_minute, 60):
            return 60 - now().timestamp() % 60
        if limiter.hit(f"chat:{self.name}", "send", limit, window):
            return 0.0
        return window - now().timestamp() % window

    # -- helpers for ``send`` ------------------------------------------------------------------------

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
