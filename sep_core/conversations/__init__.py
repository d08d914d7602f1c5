"""Conversational (chat) channels, in the core so that any plugin or separate distribution gets
conversations, account linking, the request fallback, staff visibility and send rates by
subclassing :class:`ConversationalChannel` (``from sep_core import ConversationalChannel``).

Public here (``from sep_core import conversations``): the models (``Conversation``, ``Message``,
``TicketLink``), ``find``/``touch``/``record``/``linked_user``/``ticket_user`` and the statuses
``OPEN``/``CLOSED``/``NO_MESSAGES``; see docs/writing_plugins.md, "Conversational channels".
"""

from __future__ import annotations

from .channel import ConversationalChannel, id_of, text_of
from .models import Conversation, LinkCode, LinkFailure, Message, TicketLink
from .store import CLOSED, NO_MESSAGES, OPEN, find, linked_user, record, set_status, ticket_user, touch
from .texts import citizen_locale, in_citizen_locale, reply_text, request_url

__all__ = [
    "CLOSED",
    "NO_MESSAGES",
    "OPEN",
    "Conversation",
    "ConversationalChannel",
    "LinkCode",
    "LinkFailure",
    "Message",
    "TicketLink",
    "citizen_locale",
    "find",
    "id_of",
    "in_citizen_locale",
    "linked_user",
    "record",
    "reply_text",
    "request_url",
    "set_status",
    "text_of",
    "ticket_user",
    "touch",
]
