"""Conversations per chat account, what was said in them, and who the linked citizen is."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from ..clock import utcnow_naive
from ..domain import InboundEvent
from ..extensions import db
from ..models import User
from ..state import current_state
from .models import Conversation, Message

OPEN = "open"
CLOSED = "closed"          # the user blocked the bot (Telegram 403)
NO_MESSAGES = "no_messages"  # the user does not accept community messages (VK 901)


def find(channel: str, external_id: str) -> Conversation | None:
    return db.session.execute(db.select(Conversation).filter_by(channel=channel, external_id=external_id)
                              ).scalar_one_or_none()


def touch(channel: str, event: InboundEvent) -> Conversation:
    """The sender's conversation (created on first contact), updated with where replies go. A
    person's private chat and each group chat they write in are separate conversations, so that
    nothing meant for the private chat (request replies, codes) ever goes to a group."""
    private = bool(event.meta.get("private", True))
    sender, reply_to = str(event.sender or event.reply_to or ""), str(event.reply_to or event.sender or "")
    external_id = (sender if private else f"{reply_to}/{sender}")[:120]
    conversation = find(channel, external_id)
    if conversation is None:
        try:
            with db.session.begin_nested():  # a concurrent first message of the same person
                conversation = Conversation(channel=channel, external_id=external_id, reply_to=reply_to[:120],
                                            private=private, created_at=utcnow_naive())
                db.session.add(conversation)
        except IntegrityError:
            conversation = find(channel, external_id)
    conversation.reply_to = reply_to[:120]
    conversation.private = private
    name = str(event.meta.get("name") or "")[:100]
    if name:
        conversation.display_name = name
    conversation.status = OPEN  # writing to us again means the chat works again
    conversation.last_message_at = utcnow_naive()
    db.session.flush()
    return conversation


def record(conversation: Conversation, direction: str, text: str, kind: str, *, inquiry_id: int | None = None,
           dedupe_key: str | None = None) -> Message:
    message = Message(conversation_id=conversation.id, direction=direction, text=text, kind=kind,
                      inquiry_id=inquiry_id, dedupe_key=dedupe_key, created_at=utcnow_naive())
    db.session.add(message)
    db.session.flush()
    return message


def missing_confirmations(user: User) -> list[str]:
    """Contacts the citizen must still confirm (asked of the identity plugin; without one, the
    core's confirmation times decide)."""
    hook = current_state().pm.hook.sep_missing_confirmations
    if hook.get_hookimpls():
        return [name for group in hook(user=user) for name in (group or [])]
    return [name for name, at in (("email", user.email_confirmed_at), ("sms", user.phone_confirmed_at)) if not at]


def linked_user(conversation: Conversation) -> User | None:
    if conversation.user_id is None:
        return None
    user = db.session.get(User, conversation.user_id)
    return user if user is not None and user.active else None


def ticket_user(conversation: Conversation) -> User | None:
    """The citizen a request may be opened for: linked, active, confirmed, in a private chat."""
    user = linked_user(conversation)
    if user is None or not conversation.private or user.is_staff or missing_confirmations(user):
        return None
    return user


def set_status(conversation_id: int | None, status: str) -> Conversation | None:
    conversation = db.session.get(Conversation, conversation_id) if conversation_id else None
    if conversation is not None:
        conversation.status = status
    return conversation
