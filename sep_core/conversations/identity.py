"""One-time codes (identity checks, confirmations) through a linked private chat."""

from __future__ import annotations

import secrets

from ..extensions import db
from ..i18n import gettext as _
from ..outbox import enqueue
from ..state import current_state
from . import store as conversations
from . import texts
from .models import Conversation


def _conversation(user, channel: str) -> Conversation | None:
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.execute(
        db.select(Conversation).filter_by(user_id=user.id, channel=channel, private=True, status=conversations.OPEN)
        .order_by(Conversation.last_message_at.desc()).limit(1)).scalar_one_or_none()


def channels_for(user) -> list[str]:
    from .channel import ConversationalChannel

    names = []
    for name, channel in current_state().channels.items():
        if isinstance(channel, ConversationalChannel) and _conversation(user, name) is not None:
            names.append(name)
    return names


def send_code(user, channel: str, code: str, purpose: str) -> bool | None:
    from .channel import ConversationalChannel

    target = current_state().channels.get(channel)
    if not isinstance(target, ConversationalChannel):
        return None
    conversation = _conversation(user, channel)
    if conversation is None:
        return None
    with texts.in_citizen_locale(user):
        text = _("Your confirmation code: %(code)s. Do not tell it to anyone, including support staff.", code=code)
    key = f"{channel}:code:{secrets.token_hex(8)}"
    payload = target.reply(conversation, text, "code", dedupe_key=key,
                           record_text=text.replace(code, "*" * len(code)))
    enqueue(channel, payload, dedupe_key=key, secret=("text",))  # the code leaves the outbox once sent
    return True
