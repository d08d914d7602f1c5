"""The one table of sms_gateway: each part an SMS gateway accepted, with the provider's id and
the latest delivery status (from SMPP receipts, the HTTP provider's callback or status query)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sep_core import db, utcnow_naive

#: submitted: the gateway accepted it; delivered: the phone got it; expired: validity ran out;
#: failed: the network could not or would not deliver it; unknown: the gateway cannot tell.
STATUSES = ("submitted", "delivered", "expired", "failed", "unknown")
FINAL = ("delivered", "expired", "failed")


class SmsMessage(db.Model):
    """One SMS part accepted by a gateway. No text and no full number are kept: the code it
    carried is a secret and the number is personal data; the masked number is enough for staff
    to match a citizen's "I got no SMS"."""

    __tablename__ = "sms_gateway_messages"
    __table_args__ = (UniqueConstraint("backend", "provider_id", name="uq_sms_gateway_messages_provider_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """The outbox message it delivered (no foreign key: delivered outbox rows are purged)."""
    backend: Mapped[str] = mapped_column(String(10))
    provider_id: Mapped[str] = mapped_column(String(80))
    part: Mapped[int] = mapped_column(Integer, default=1)
    parts: Mapped[int] = mapped_column(Integer, default=1)
    recipient: Mapped[str] = mapped_column(String(24), default="")
    """Masked: country code and the last two digits (``+7*******67``)."""
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    provider_status: Mapped[str] = mapped_column(String(40), default="")
    """The gateway's own word for it (``DELIVRD``, ``103``), for support calls to the operator."""
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive, index=True)
    status_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow_naive)
