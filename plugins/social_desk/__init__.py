"""social_desk: staff answer citizens in their chats (VK, OK, Telegram, MAX... — any
conversational channel) and turn a conversation into a request.

Contributes:
- on the staff page of a conversation (``sep_ui_conversation_panels``): a reply form — the reply
  goes through the outbox and the channel's own send rates, like the bot's — and "Turn into a
  request" for a chat linked to a confirmed citizen;
- the routes ``POST /staff/social/<id>/reply`` and ``POST /staff/social/<id>/request``
  (``sep_blueprints``), audited;
- its message catalog (``sep_translation_dirs``).

It opens requests through ``sep_open_ticket`` (a requests plugin such as tickets), and links them to
the conversation so staff answers on the request come back to the chat.
"""

from __future__ import annotations

from pathlib import Path

from sep_core import hookimpl

from . import views

__version__ = "0.1.0"

HERE = Path(__file__).parent


@hookimpl
def sep_blueprints(app):
    return [views.blueprint]


@hookimpl
def sep_translation_dirs():
    return [(str(HERE / "translations"), "sep_social_desk")]


@hookimpl
def sep_ui_conversation_panels(conversation, user):
    return views.panel(conversation, user)
