"""Durable outbound deliveries with retries.

A cause (a registration, a ticket reply, a bot answer in a chat) calls :func:`enqueue` inside its
own transaction, so the message exists exactly when the cause does. ``sep worker`` drains the
table. A row is *claimed* by a conditional UPDATE (pending -> sending, with a lease), which is
atomic on SQLite and PostgreSQL alike; on PostgreSQL candidates are also selected with
``FOR UPDATE SKIP LOCKED`` so concurrent workers do not queue behind each other. A claimed row
whose worker died is claimed again once its lease runs out.
"""

from __future__ import annotations

import json
import logging
import math
import time
import traceback
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, select, update

from .clock import utcnow_naive
from .errors import DeliveryError
from .extensions import db
from .models import OutboxMessage

log = logging.getLogger("sep.outbox")

Transport = Callable[[dict[str, Any]], None]

_delivering: ContextVar[int | None] = ContextVar("sep_outbox_delivering", default=None)


def current_outbox_message_id() -> int | None:
    """The id of the outbox message whose transport is running now (None outside a delivery),
    so a transport can tie what it records (a gateway's message id, a receipt) to the message."""
    return _delivering.get()


#: Key in the session's ``info``: this unit of work queued a delivery (development delivers after
#: such a request only; other requests pay nothing for the outbox).
QUEUED = "sep_outbox_queued"


def enqueue(kind: str, payload: dict[str, Any], *, dedupe_key: str | None = None,
            max_attempts: int | None = None, secret: Iterable[str] = ()) -> OutboxMessage:
    """Add a delivery to the current transaction (the caller commits).

    ``secret`` names the payload fields that must not outlive the delivery (a confirmation
    code, a reset link): they are stored apart and wiped once the message is sent or has
    failed for good; the rest (the recipient, a Message-ID) stays for the record until purged."""
    if kind not in current_app.extensions["sep"].transports:
        raise ValueError(f"No transport for outbox kind {kind!r}")
    db.session.info[QUEUED] = True
    hidden = {key: payload[key] for key in secret if key in payload}
    public = {key: value for key, value in payload.items() if key not in hidden}
    message = OutboxMessage(
        kind=kind,
        payload_json=json.dumps(public, ensure_ascii=False),
        secret_json=json.dumps(hidden, ensure_ascii=False) if hidden else None,
        dedupe_key=dedupe_key,
        max_attempts=max_attempts or current_app.config["SEP_OUTBOX_MAX_ATTEMPTS"],
        next_attempt_at=utcnow_naive(),
    )
    db.session.add(message)
    return message


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Exponential backoff: base, 2*base, 4*base ... capped."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def _claim(limit: int) -> list[int]:
    """Claim up to ``limit`` due rows for this worker; returns their ids."""
    now = utcnow_naive()
    lease = timedelta(seconds=current_app.config["SEP_OUTBOX_LEASE_SECONDS"])
    due = (
        (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now)
    ) | ((OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now))
    query = select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = list(db.session.execute(query).scalars())
    claimed = []
    for message_id in candidates:
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, due)
            .values(status="sending", lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return claimed


def _run_transport(transport: Transport, message: OutboxMessage) -> None:
    token = _delivering.set(message.id)
    try:
        transport(message.payload)
    finally:
        _delivering.reset(token)


def _deliver_one(message: OutboxMessage, transports: dict[str, Transport]) -> str:
    cfg = current_app.config
    transport = transports.get(message.kind)
    try:
        if transport is None:
            raise DeliveryError(f"no transport for kind {message.kind!r} (plugin disabled?)")
        _run_transport(transport, message)
    except Exception as exc:  # every failure is recorded on the row; nothing escapes the worker
        error = exc if isinstance(exc, DeliveryError) else DeliveryError(f"{type(exc).__name__}: {exc}")
        message.last_error = str(error)[:2000]
        message.lease_until = None
        if error.defer and not error.permanent:  # held back by the sender: not an attempt
            message.attempts = max(0, message.attempts - 1)
            message.status = "pending"
            message.next_attempt_at = utcnow_naive() + timedelta(seconds=error.retry_after or 1)
            db.session.commit()
            return "retried"
        if error.permanent or message.attempts >= message.max_attempts:
            message.status = "failed"
            message.secret_json = None  # nobody will send it again: the code or link goes
            db.session.commit()
            try:  # a broken listener must not stop the worker nor strand the rest of the batch
                current_app.extensions["sep"].pm.hook.sep_on_outbox_failed(message=message)
            except Exception as listener_error:
                db.session.rollback()
                log.error("sep_on_outbox_failed listener raised %s for outbox message %s\n%s",
                          type(listener_error).__name__, message.id,
                          "".join(traceback.format_tb(listener_error.__traceback__)))
            log.warning("outbox message %s (%s) failed for good after %s attempt(s)",
                        message.id, message.kind, message.attempts)
            return "failed"
        delay = error.retry_after or backoff_seconds(
            message.attempts, cfg["SEP_OUTBOX_BACKOFF_SECONDS"], cfg["SEP_OUTBOX_BACKOFF_MAX_SECONDS"])
        message.status = "pending"
        message.next_attempt_at = utcnow_naive() + timedelta(seconds=delay)
        db.session.commit()
        log.info("outbox message %s (%s) will be retried in %.0f s", message.id, message.kind, delay)
        return "retried"
    message.status = "sent"
    message.sent_at = utcnow_naive()
    message.lease_until = None
    message.last_error = None
    message.secret_json = None  # delivered: the code or link is the recipient's alone now
    db.session.commit()
    return "sent"


def drain(limit: int = 100) -> DrainReport:
    """Deliver what is due now, up to ``limit`` messages. Safe to run in several processes at the
    same time. Messages are claimed one at a time, right before each is sent: a worker killed
    mid-delivery holds one message for ``SEP_OUTBOX_LEASE_SECONDS``, not a batch of codes."""
    report = DrainReport()
    transports = current_app.extensions["sep"].transports
    for _ in range(limit):
        claimed = _claim(1)
        if not claimed:
            break
        message = db.session.get(OutboxMessage, claimed[0])
        if message is None:
            continue
        outcome = _deliver_one(message, transports)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def purge(older_than_days: float | None = None) -> int:
    """Delete sent messages older than the retention period (``SEP_OUTBOX_RETENTION_DAYS``) and
    messages that failed for good as long ago; returns how many. Pending ones always stay."""
    days = current_app.config["SEP_OUTBOX_RETENTION_DAYS"] if older_than_days is None else older_than_days
    cutoff = utcnow_naive() - timedelta(days=float(days))
    sent = (OutboxMessage.status == "sent") & (OutboxMessage.sent_at < cutoff)
    failed = (OutboxMessage.status == "failed") & (OutboxMessage.created_at < cutoff)
    result = db.session.execute(delete(OutboxMessage).where(sent | failed)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return int(result.rowcount or 0)


def run_worker(app: Flask, *, once: bool = False, interval: float = 2.0, batch: int = 50,
               should_stop: Callable[[], bool] = lambda: False) -> DrainReport:
    """The loop behind ``sep worker``: drain, sleep when idle, repeat."""
    total = DrainReport()
    errors_in_a_row = 0
    purged_at = -math.inf
    while True:
        with app.app_context():
            try:
                if time.monotonic() - purged_at >= app.config["SEP_OUTBOX_PURGE_INTERVAL_SECONDS"]:
                    purged = purge()
                    purged_at = time.monotonic()
                    if purged:
                        log.info("outbox: purged %s delivered message(s) past retention", purged)
                report = drain(batch)
                errors_in_a_row = 0
            except Exception as exc:  # a database restart must not end the worker
                db.session.rollback()
                errors_in_a_row += 1
                # the type and the stack only: the message may quote personal data from a payload
                log.error("outbox drain failed (%s), retrying\n%s", type(exc).__name__,
                          "".join(traceback.format_tb(exc.__traceback__)))
                if once and errors_in_a_row >= 3:
                    raise
                time.sleep(interval)
                continue
        total.sent += report.sent
        total.retried += report.retried
        total.failed += report.failed
        if should_stop() or (once and report.handled == 0):
            return total
        if report.handled == 0:
            time.sleep(interval)
