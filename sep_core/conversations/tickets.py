"""Requests opened from a chat, and staff replies to them sent back to the chat."""

from __future__ import annotations

import logging

from ..clock import utcnow_naive
from ..domain import Inquiry
from ..extensions import db
from ..models import OutboxMessage, User
from ..outbox import enqueue
from ..state import current_state
from . import store as conversations
from . import texts
from .models import Conversation, TicketLink

SUBJECT_CHARS = 80

log = logging.getLogger("sep.conversations")


def _reference(ticket) -> tuple[str, str]:
    """(id, number) of a ticket reference: an object or a dict with id/number, or a plain number."""
    if isinstance(ticket, str | int):
        return str(ticket), str(ticket)
    ticket_id = _field(ticket, "id")
    number = _field(ticket, "number") or ticket_id
    return str(ticket_id if ticket_id is not None else number), str(number)


def open_for(user: User, conversation: Conversation, inquiry: Inquiry) -> TicketLink | None:
    """Ask the requests plugin to open a request; None when none is enabled or it declines."""
    text = inquiry.text.strip()
    subject = text if len(text) <= SUBJECT_CHARS else text[: SUBJECT_CHARS - 1].rstrip() + "…"
    try:
        with db.session.begin_nested():  # a failing requests plugin must not lose the citizen's message
            ticket = current_state().pm.hook.sep_open_ticket(user=user, subject=subject, text=text,
                                                             channel=conversation.channel, inquiry=inquiry)
    except Exception as exc:  # the citizen gets the request link instead
        log.error("sep_open_ticket failed (%s); offering the request form instead", type(exc).__name__)
        return None
    if ticket is None:
        return None
    ticket_id, number = _reference(ticket)
    link = TicketLink(conversation_id=conversation.id, ticket_id=ticket_id[:60], ticket_number=number[:60],
                      created_at=utcnow_naive())
    db.session.add(link)
    db.session.flush()
    return link


def _field(obj, *names, default=None):
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


def forward_ticket_message(ticket, message) -> int:
    """Queue a staff reply to a request opened from a chat; returns how many chats were told."""
    if _field(message, "internal", "is_internal", default=False):
        return 0
    author = _field(message, "author")
    from_staff = _field(message, "from_staff", "is_staff")
    if from_staff is None and author is not None:
        from_staff = getattr(author, "is_staff", False)
    if not from_staff:
        return 0
    body = str(_field(message, "body", "text", default="") or "").strip()
    ticket_id, number = _reference(ticket)
    if not body:
        return 0
    links = db.session.execute(db.select(TicketLink).filter_by(ticket_id=ticket_id)).scalars().all()
    channels = current_state().channels
    sent = 0
    for link in links:
        conversation = db.session.get(Conversation, link.conversation_id)
        channel = channels.get(conversation.channel) if conversation is not None else None
        if channel is None or conversation.status != conversations.OPEN or not conversation.private:
            continue
        ticket_user = conversations.linked_user(conversation)
        if ticket_user is None:  # unlinked since: the chat is no longer the citizen's
            continue
        key = f"{channel.name}:ticket:{ticket_id}:{_field(message, 'id', default='')}"[:200]
        if db.session.execute(db.select(OutboxMessage.id).filter_by(dedupe_key=key)).first():
            continue  # told already (the event was broadcast twice)
        with texts.in_citizen_locale(ticket_user):
            text = texts.staff_reply(link.ticket_number or number, body)
        payload = channel.reply(conversation, text, "staff_reply", dedupe_key=key)
        enqueue(channel.name, payload, dedupe_key=key)
        sent += 1
    return sent
