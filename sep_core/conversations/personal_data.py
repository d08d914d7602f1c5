"""The citizen's chats: in their download, and erased with their account."""

from __future__ import annotations

from ..extensions import db
from .models import Conversation, LinkCode, LinkFailure, Message, TicketLink


def export(user) -> dict:
    chats = []
    for conversation in db.session.execute(db.select(Conversation).filter_by(user_id=user.id)).scalars():
        messages = db.session.execute(db.select(Message).filter_by(conversation_id=conversation.id)
                                      .order_by(Message.id)).scalars()
        chats.append({
            "network": conversation.channel,
            "linked_at": conversation.linked_at.isoformat() if conversation.linked_at else None,
            "messages": [{"direction": m.direction, "text": m.text, "at": m.created_at.isoformat()} for m in messages],
        })
    return {"social_chats": chats}


def erase(user) -> None:
    """Delete the linked conversations with their messages (the chats were the citizen's), codes and
    attempt records. Unlinked conversations of the same person cannot be told apart and stay."""
    ids = list(db.session.execute(db.select(Conversation.id).filter_by(user_id=user.id)).scalars())
    if ids:
        db.session.execute(db.delete(Message).where(Message.conversation_id.in_(ids)))
        db.session.execute(db.delete(LinkCode).where(LinkCode.conversation_id.in_(ids)))
        db.session.execute(db.delete(LinkFailure).where(LinkFailure.conversation_id.in_(ids)))
        db.session.execute(db.delete(TicketLink).where(TicketLink.conversation_id.in_(ids)))
        db.session.execute(db.delete(Conversation).where(Conversation.id.in_(ids)))
    db.session.execute(db.delete(LinkCode).where(LinkCode.user_id == user.id))
    db.session.execute(db.delete(LinkFailure).where(LinkFailure.user_id == user.id))
