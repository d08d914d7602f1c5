"""The SMPP backend against a local SMSC speaking SMPP 3.4 (``FakeSmsc``): what reaches it, how
its errors steer the outbox, and how receipts are recorded."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from sep_plugins.sms_gateway.models import SmsMessage
from sep_plugins.sms_gateway.smpp import encode_parts
from sep_plugins.sms_gateway.testing import ESME_RINVDSTADR, ESME_RMSGQFUL, ESME_RTHROTTLED

from sep_core import OutboxMessage, db, enqueue
from sep_core.outbox import drain

from .conftest import app_for

PHONE = "+79161234567"
CODE_TEXT = "Код СЭП: 482915. Действует 10 мин. Никому не сообщайте."


def queue(text: str = CODE_TEXT, to: str = PHONE) -> int:
    message = enqueue("sms", {"to": to, "text": text})
    db.session.commit()
    return message.id


def outbox_row() -> OutboxMessage:
    db.session.expire_all()
    return db.session.execute(db.select(OutboxMessage)).scalar_one()


def test_cyrillic_sms_reaches_the_smsc_in_ucs2(make_app, smsc):
    app = app_for(make_app, smsc.settings())
    with app.app_context():
        queue()
        assert drain().sent == 1
    assert smsc.binds == ["transceiver"]
    (submit,) = smsc.submits
    assert submit.data_coding == 8
    assert submit.short_message == CODE_TEXT.encode("utf-16-be")
    assert submit.text == CODE_TEXT
    assert (submit.dest_addr, submit.dest_ton, submit.dest_npi) == ("79161234567", 1, 1)
    assert (submit.source_addr, submit.source_ton) == ("SEP", 5)
    assert submit.esm_class & 0x40 == 0
    assert submit.registered_delivery == 1
    assert smsc.commands[-1] == "unbind"


def test_long_text_goes_in_concatenated_parts(make_app, smsc):
    text = "Здравствуйте! " * 13 + "Конец."  # 188 characters: three UCS-2 parts of up to 67
    app = app_for(make_app, smsc.settings())
    with app.app_context():
        queue(text)
        assert drain().sent == 1
        rows = db.session.execute(db.select(SmsMessage).order_by(SmsMessage.part)).scalars().all()
        assert [(r.part, r.parts) for r in rows] == [(1, 3), (2, 3), (3, 3)]
    assert len(smsc.submits) == 3
    headers = [s.udh for s in smsc.submits]
    assert {h[:3] for h in headers} == {b"\x05\x00\x03"}
    assert len({h[3] for h in headers}) == 1  # one reference for the whole message
    assert [(h[4], h[5]) for h in headers] == [(3, 1), (3, 2), (3, 3)]
    assert all(s.esm_class & 0x40 and s.data_coding == 8 and len(s.short_message) <= 140 for s in smsc.submits)
    assert smsc.texts() == [text]


def test_parts_never_split_a_surrogate_pair():
    text = "а" * 66 + "😀" + "б" * 10  # the emoji straddles the 67-character boundary
    parts, esm_class = encode_parts(text)
    assert esm_class == 0x40
    decoded = "".join(p[6:].decode("utf-16-be") for p in parts)  # each part decodes on its own
    assert decoded == text


def test_throttling_is_retried_with_backoff_and_delivered_once(make_app, smsc, clock):
    smsc.script = [ESME_RTHROTTLED]
    app = app_for(make_app, smsc.settings(), SEP_OUTBOX_BACKOFF_SECONDS=30)
    with app.app_context():
        queue()
        assert drain().retried == 1
        row = outbox_row()
        assert row.status == "pending" and "ESME_RTHROTTLED" in row.last_error
        clock.advance(seconds=29)
        assert drain().handled == 0  # still backing off
        clock.advance(seconds=1)
        assert drain().sent == 1
        row = outbox_row()
        assert (row.status, row.attempts) == ("sent", 2)
        clock.advance(days=1)
        assert drain().handled == 0
    assert len(smsc.refused) == 1 and len(smsc.submits) == 1
    assert smsc.texts() == [CODE_TEXT]


def test_full_queue_and_a_refused_connection_are_temporary(make_app, smsc, clock):
    smsc.script = [ESME_RMSGQFUL]
    app = app_for(make_app, smsc.settings())
    with app.app_context():
        queue()
        assert drain().retried == 1
        assert "ESME_RMSGQFUL" in outbox_row().last_error
        smsc.stop()  # nothing listens on the port any more
        clock.advance(hours=1)
        assert drain().retried == 1
        assert "SMPP unavailable" in outbox_row().last_error
        assert outbox_row().status == "pending"


def test_invalid_destination_fails_for_good(make_app, smsc, clock):
    smsc.script = [ESME_RINVDSTADR]
    app = app_for(make_app, smsc.settings())
    with app.app_context():
        queue()
        assert drain().failed == 1
        assert "ESME_RINVDSTADR" in outbox_row().last_error
        clock.advance(days=1)
        assert drain().handled == 0
    assert smsc.submits == []


def test_a_wrong_password_keeps_the_message_for_a_later_attempt(make_app, smsc):
    app = app_for(make_app, smsc.settings(smpp_password="wrong"))
    with app.app_context():
        queue()
        assert drain().retried == 1
        assert "bind refused" in outbox_row().last_error
    assert smsc.submits == []


def test_receipt_on_the_session_is_recorded(make_app, smsc, clock):
    app = app_for(make_app, smsc.settings())
    with app.app_context():
        outbox_id = queue()
        clock.advance(minutes=5)
        drain()
        row = db.session.execute(db.select(SmsMessage)).scalar_one()
        assert row.provider_id == smsc.submits[0].message_id
        assert (row.backend, row.status, row.provider_status) == ("smpp", "delivered", "DELIVRD")
        assert row.outbox_id == outbox_id
        assert row.recipient == "+7********67"
        assert row.status_at.isoformat() == "2026-03-02T07:05:00"  # when it arrived, in UTC


@pytest.mark.parametrize(("stat", "status"), [("UNDELIV", "failed"), ("EXPIRED", "expired"), ("DELIVRD", "delivered")])
def test_receipt_text_without_tlvs_is_parsed(make_app, smsc, stat, status):
    smsc.receipt_tlvs, smsc.receipt_stat = False, stat
    app = app_for(make_app, smsc.settings())
    with app.app_context():
        queue()
        drain()
        row = db.session.execute(db.select(SmsMessage)).scalar_one()
        assert (row.status, row.provider_status) == (status, stat)


def test_the_smscs_enquire_link_is_answered(make_app, smsc):
    smsc.send_enquire_link = True
    app = app_for(make_app, smsc.settings())
    with app.app_context():
        queue()
        assert drain().sent == 1
    assert "enquire_link_resp" in smsc.commands


def test_listener_records_receipts_that_come_later(make_app, smsc):
    smsc.receipts_on_session = False
    app = app_for(make_app, smsc.settings(smpp_bind="transmitter", smpp_enquire_link_seconds=0.2))
    with app.app_context():
        queue()
        assert drain().sent == 1
        row = db.session.execute(db.select(SmsMessage)).scalar_one()
        assert row.status == "submitted"
        result = app.test_cli_runner().invoke(args=["sms", "listen", "--seconds", "1.0"])
        assert result.exit_code == 0, result.output
        assert "receipts recorded: 1" in result.output
        db.session.expire_all()
        assert db.session.get(SmsMessage, row.id).status == "delivered"
    assert smsc.binds == ["transmitter", "receiver"]
    assert smsc.acked_deliveries == 1
    assert "enquire_link" in smsc.commands  # the listener kept the idle session alive
    assert smsc.commands[-1] == "unbind"


def test_no_phone_number_or_code_in_logs(make_app, smsc, caplog, clock):
    caplog.set_level(logging.DEBUG)
    smsc.script = [ESME_RTHROTTLED]
    app = app_for(make_app, smsc.settings())
    with app.app_context():
        queue()
        drain()
        clock.advance(hours=1)
        drain()
    assert len(smsc.submits) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # the delivery did log something
    for secret in ("9161234567", "482915", b"9161234567".hex(), "482915".encode("utf-16-be").hex()):
        assert secret not in logged


class SilentSmsc:
    """Accepts TCP connections and never answers (a blackholed SMSC)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.05)
        self.port = self.server.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                self.connections.append(self.server.accept()[0])
            except (TimeoutError, OSError):
                continue

    def close(self) -> int:
        """Stop, and return how many connections were made (accepted or still queued)."""
        self.running = False
        self.thread.join(timeout=5)
        self.server.setblocking(False)
        while True:
            try:
                self.connections.append(self.server.accept()[0])
            except (BlockingIOError, OSError):
                break
        for conn in self.connections:
            conn.close()
        self.server.close()
        return len(self.connections)


def test_a_silent_smsc_costs_one_timeout_not_one_per_message(make_app, smsc, clock):
    silent = SilentSmsc()
    try:
        app = app_for(make_app, smsc.settings(smpp_port=silent.port, timeout_seconds=0.3))
        with app.app_context():
            for _ in range(3):
                queue()
            report = drain()
            assert (report.retried, report.sent, report.failed) == (3, 0, 0)
            rows = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
            assert [r.attempts for r in rows] == [1, 0, 0]  # held-back messages lose no attempt
            assert "timeout" in rows[0].last_error and "held back" in rows[1].last_error
    finally:
        connections = silent.close()
    assert connections == 1


def test_deployer_sends_a_test_sms(make_app, smsc):
    app = app_for(make_app, smsc.settings())
    runner = app.test_cli_runner()
    for bad in ("89161234567", "+7 916 abc", "+7916"):
        result = runner.invoke(args=["sms", "test", bad])
        assert result.exit_code == 2 and "international form" in result.output
    result = runner.invoke(args=["sms", "test", "+7 (916) 123-45-67"])
    assert result.exit_code == 0 and "queued as outbox message 1" in result.output
    with app.app_context():
        assert drain().sent == 1
    assert [s.dest_addr for s in smsc.submits] == ["79161234567"]
    assert smsc.texts() == ["SEP Help Desk: test SMS / тестовое SMS"]


def test_listener_gives_up_on_a_dead_link(make_app, smsc):
    smsc.mute_after_bind = True
    app = app_for(make_app, smsc.settings(smpp_enquire_link_seconds=0.1))
    result = app.test_cli_runner().invoke(args=["sms", "listen", "--seconds", "30"])
    assert result.exit_code == 1 and "no answer to enquire_link" in result.output
    smsc.wait_sessions(1)
    assert smsc.commands == ["bind_receiver"] + ["enquire_link"] * 3 + ["unbind"]
