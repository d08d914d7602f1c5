"""Tables of channel_social: the API quota of the networks that have one (YouTube).

Conversations, messages, linking codes and ticket links belong to the core's conversational
channels (``sep_core.conversations``); their names are re-exported here for existing code."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sep_core import conversations, db

Conversation = conversations.Conversation
Message = conversations.Message
TicketLink = conversations.TicketLink


class QuotaUse(db.Model):
    """API quota units spent per channel and quota day (YouTube: 10,000 units a Pacific day)."""

    __tablename__ = "channel_social_quota"
    __table_args__ = (UniqueConstraint("channel", "day", name="uq_channel_social_quota_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    day: Mapped[str] = mapped_column(String(10))
    units: Mapped[int] = mapped_column(Integer, default=0)
