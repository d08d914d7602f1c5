"""Which transport delivers the outbox kind "sms", and the work behind the CLI: listening for
SMPP receipts and asking the HTTP provider for statuses."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

from flask import Flask

from sep_core import DeliveryError, db, plugin_settings

from . import receipts, smsru
from .breaker import hold_back_when_down
from .smpp import Receipt, SmppSession, smpp_transport

log = logging.getLogger("sep.sms_gateway")


def transport(app: Flask):
    """``deliver(payload)`` for the configured backend, held back while the gateway is down."""
    settings = plugin_settings("sms_gateway", app)
    if settings["backend"] == "smpp":
        deliver = smpp_transport(app, receipts.record_accepted, record_smpp_receipt)
    elif settings["backend"] == "http":
        deliver = smsru.smsru_transport(app, receipts.record_accepted)
    else:
        return dev_transport(app)
    return hold_back_when_down(app, deliver, float(settings["hold_seconds"]))


def record_smpp_receipt(receipt: Receipt) -> None:
    receipts.record_status("smpp", receipt.provider_id, receipt.status,
                           f"{receipt.stat} err:{receipt.error}" if receipt.error.strip("0") else receipt.stat)


def dev_transport(app: Flask):
    """Development: one JSON file per SMS in ``instance/sms/`` (shown on ``/dev/mail``) and a
    row marked delivered, so the staff page can be tried without a gateway. Refused in
    production: numbers and live codes must not pile up on disk."""

    def deliver(payload: dict[str, Any]) -> None:
        if app.config.get("SEP_ENV") == "production":
            raise DeliveryError("sms_gateway backend 'dev' cannot send in production: set backend",
                                permanent=True)
        folder = Path(app.instance_path) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = app.extensions["sep"].clock().strftime("%Y%m%d-%H%M%S")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}"
        (folder / f"{name}.json").write_text(
            json.dumps({"kind": "sms", "to": payload["to"], "text": payload["text"]}, ensure_ascii=False),
            encoding="utf-8")
        receipts.record_accepted("dev", name, str(payload["to"]), status="delivered", provider_status="file")

    return deliver


def listen(app: Flask, seconds: float | None) -> int:
    """Bind as an SMPP receiver and record receipts until ``seconds`` pass (None: until the
    SMSC unbinds). Each receipt commits at once."""
    settings = plugin_settings("sms_gateway", app)

    def on_receipt(receipt: Receipt) -> None:
        record_smpp_receipt(receipt)
        db.session.commit()

    with SmppSession(settings, on_receipt, mode="receiver") as session:
        return session.listen(seconds, float(settings["smpp_enquire_link_seconds"]))


def refresh_http(app: Flask, limit: int = 500) -> int:
    """Ask SMS.ru for the status of parts without a final one; returns how many changed."""
    client = smsru.SmsRuClient(plugin_settings("sms_gateway", app))
    rows = receipts.pending("http", limit)
    changed = 0
    for start in range(0, len(rows), 100):
        batch = {row.provider_id: row for row in rows[start:start + 100]}
        for sms_id, code in client.statuses(list(batch)).items():
            row = batch.get(sms_id)
            if row is not None and (row.status, row.provider_status) != (smsru.message_status(code), str(code)):
                receipts.record_status("http", sms_id, smsru.message_status(code), str(code))
                changed += 1
    db.session.commit()
    return changed
