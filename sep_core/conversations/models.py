"""Tables of conversational channels: conversations per chat account, their messages,
account-linking codes and the requests opened from a chat.

They keep the ``channel_social_`` names they had when they belonged to that plugin, so existing
deployments keep their data without a copy (migration ``core_0002``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow_naive
from ..extensions import db


class Conversation(db.Model):
    """Everything one chat account wrote to the centre through one channel."""

    __tablename__ = "channel_social_conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_channel_social_conversations_account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(40), index=True)
    external_id: Mapped[str] = mapped_column(String(120))
    """The platform's id of the sender (VK from_id, Telegram from.id, OK user id...)."""
    reply_to: Mapped[str] = mapped_column(String(120))
    """Where replies go (VK peer_id, Telegram chat id, OK chat id)."""
    display_name: Mapped[str] = mapped_column(String(100), default="")
    private: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    """The linked account, set only after a one-time code was matched."""
    linked_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="open")
    """open | closed (the user blocked the bot) | no_messages (the user does not accept messages)."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    last_message_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)


class Message(db.Model):
    """One message in a conversation, in (from the citizen) or out (to the citizen)."""

    __tablename__ = "channel_social_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("channel_social_conversations.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    """What it was: question, answer, ticket, request_link, unavailable, link, staff_reply..."""
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id", ondelete="SET NULL"))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), index=True)
    """For outgoing messages: the outbox row's dedupe key (its delivery status is read from there)."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class LinkCode(db.Model):
    """A one-time code linking a social account to a cabinet (stored as an HMAC, never plain)."""

    __tablename__ = "channel_social_link_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    """Set when the cabinet issued the code (the citizen types it into the chat)."""
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_social_conversations.id", ondelete="CASCADE"), index=True)
    """Set when the chat issued the code (the citizen types it into the cabinet)."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class LinkFailure(db.Model):
    """A wrong code typed by a chat or a cabinet, for attempt limits."""

    __tablename__ = "channel_social_link_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_social_conversations.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)


class TicketLink(db.Model):
    """A request opened from a conversation: staff replies to it go back to that chat."""

    __tablename__ = "channel_social_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("channel_social_conversations.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[str] = mapped_column(String(60), index=True)
    ticket_number: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
