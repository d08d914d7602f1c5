"""Recording what gateways accepted and what their delivery receipts say.

Transports call :func:`record_accepted` inside the outbox delivery (the row commits with the
outbox message's new status); receipts come later, from another SMPP session, the HTTP
provider's callback or a status query, and go through :func:`record_status`."""

from __future__ import annotations

import logging
from datetime import datetime

from sep_core import current_outbox_message_id, db, utcnow_naive

from .models import FINAL, SmsMessage

log = logging.getLogger("sep.sms_gateway")


def mask_number(number: str) -> str:
    """``+79161234567`` -> ``+7*******67``: enough to match a complaint, not to dial."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) < 5:
        return "*" * len(digits)
    head = 1 if digits.startswith("7") else 2
    return f"+{digits[:head]}{'*' * (len(digits) - head - 2)}{digits[-2:]}"


def record_accepted(backend: str, provider_id: str, to: str, *, part: int = 1, parts: int = 1,
                    status: str = "submitted", provider_status: str = "") -> SmsMessage:
    """A gateway accepted a part and gave it ``provider_id``. A receipt that overtook the
    acceptance (a fast SMSC, a listener in another process) already made the row: keep its
    status and fill in the rest."""
    row = _find(backend, provider_id)
    if row is None:
        row = SmsMessage(backend=backend, provider_id=provider_id, status=status,
                         provider_status=provider_status)
        db.session.add(row)
    row.outbox_id = current_outbox_message_id()
    row.part, row.parts, row.recipient = part, parts, mask_number(to)
    db.session.flush()
    return row


def record_status(backend: str, provider_id: str, status: str, provider_status: str = "",
                  at: datetime | None = None) -> SmsMessage:
    """Store a delivery status for ``provider_id``; a final status is not replaced by a late
    intermediate one (receipts can arrive out of order). The caller commits."""
    row = _find(backend, provider_id)
    if row is None:  # a receipt that overtook the acceptance (recorded later, see above)
        row = SmsMessage(backend=backend, provider_id=provider_id, status=status,
                         provider_status=provider_status[:40], status_at=at or utcnow_naive())
        db.session.add(row)
        db.session.flush()
        return row
    if row.status in FINAL and status not in FINAL:
        return row
    row.status, row.provider_status = status, provider_status[:40]
    row.status_at = at or utcnow_naive()
    return row


def _find(backend: str, provider_id: str) -> SmsMessage | None:
    return db.session.execute(
        db.select(SmsMessage).where(SmsMessage.backend == backend, SmsMessage.provider_id == provider_id)
    ).scalar_one_or_none()


def recent(limit: int = 100, status: str | None = None) -> list[SmsMessage]:
    query = db.select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)
    if status:
        query = query.where(SmsMessage.status == status)
    return list(db.session.execute(query).scalars())


def counts() -> dict[str, int]:
    rows = db.session.execute(db.select(SmsMessage.status, db.func.count()).group_by(SmsMessage.status))
    return {status: n for status, n in rows}


def pending(backend: str, limit: int = 100) -> list[SmsMessage]:
    """Parts still waiting for a final status (for a status query)."""
    return list(db.session.execute(
        db.select(SmsMessage).where(SmsMessage.backend == backend, SmsMessage.status.not_in(FINAL))
        .order_by(SmsMessage.id).limit(limit)).scalars())


def purge(older_than: datetime) -> int:
    """Forget parts created before ``older_than``; returns how many. The caller commits."""
    result = db.session.execute(db.delete(SmsMessage).where(SmsMessage.created_at < older_than))
    return result.rowcount or 0
