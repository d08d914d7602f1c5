"""The hooks of conversational channels, registered by the core as the internal plugin
``sep_core.conversations`` when at least one :class:`ConversationalChannel` is enabled: pages,
staff replies to requests opened from a chat, codes through a linked chat, and the citizen's
chats in their data download and erased with their account."""

from __future__ import annotations

from ..plugins import hookimpl
from . import identity, personal_data, tickets, views

NAME = "sep_core.conversations"


@hookimpl
def sep_ui_cabinet_sections(user):
    return views.cabinet_section(user)


@hookimpl
def sep_ui_nav_items(user):
    return views.nav_items(user)


@hookimpl
def sep_on_ticket_message(ticket, message):
    tickets.forward_ticket_message(ticket, message)


@hookimpl
def sep_identity_channels(user):
    return identity.channels_for(user)


@hookimpl
def sep_send_code(user, channel, code, purpose):
    return identity.send_code(user, channel, code, purpose)


@hookimpl
def sep_user_data(user):
    return personal_data.export(user)


@hookimpl
def sep_on_user_deleted(user, retention):
    personal_data.erase(user)
