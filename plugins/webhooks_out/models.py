"""The tables of webhooks_out (prefixed ``webhooks_out_``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sep_core import db, utcnow_naive


class Subscription(db.Model):
    """A URL an administrator subscribed to some event types. The signing secrets live here,
    never in a delivery or an outbox payload."""

    __tablename__ = "webhooks_out_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    secret: Mapped[str] = mapped_column(String(120))
    """``whsec_<base64>``: the current signing secret."""
    previous_secret: Mapped[str | None] = mapped_column(String(120))
    """The secret before the last rotation, still signing until ``previous_secret_until``."""
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime)
    disabled_reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)

    def as_dict(self) -> dict[str, Any]:
        """Everything but the secrets."""
        return {"id": self.id, "url": self.url, "description": self.description, "events": list(self.events or []),
                "active": self.active, "disabled_reason": self.disabled_reason,
                "rotating_until": (self.previous_secret_until.isoformat() + "Z")
                if self.previous_secret and self.previous_secret_until else None,
                "created_at": self.created_at.isoformat() + "Z" if self.created_at else None}


class Delivery(db.Model):
    """One event for one subscription: the body built when the event happened (signed and sent
    as is by every attempt), and what the receiver answered last. A resend is a new row with the
    same ``event_id``."""

    __tablename__ = "webhooks_out_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhooks_out_subscriptions.id", ondelete="CASCADE"),
                                                 index=True)
    event_id: Mapped[str] = mapped_column(String(40), index=True)
    event_type: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    """pending (queued or waiting for a retry) -> delivered | failed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    """The HTTP status of the last attempt (None: no answer)."""
    last_error: Mapped[str] = mapped_column(String(500), default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    resend_of_id: Mapped[int | None] = mapped_column(Integer)
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)
