"""The outbox after delivery and under worker crashes (issue 13, items 5 and 8), against a real
SMTP server on loopback (aiosmtpd) and a real ``sep worker`` process killed with SIGKILL.

- a message's ``Message-ID`` is fixed when it is queued, so a retry carries the same one and a
  receiver can de-duplicate;
- a worker claims one message at a time with a short lease: when it dies, it holds one message
  (for ``SEP_OUTBOX_LEASE_SECONDS``), not a batch of confirmation codes;
- the secret parts of a message (a code, a reset link) are blanked once it is sent or has
  failed for good, and delivered rows are purged after ``SEP_OUTBOX_RETENTION_DAYS``
  (``sep outbox purge``, and the worker does it on its own).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from sep_core import MOSCOW, OutboxMessage, db, send_mail
from sep_core.cli import main as sep
from sep_core.outbox import drain, enqueue, run_worker

pytestmark = pytest.mark.sep_plugins("channel_web")


def _commit_mail(n: int = 1, secret: bool = False, prefix: str = "msg") -> None:
    for i in range(n):
        send_mail("citizen@example.org", f"{prefix}-{i}", f"Ваш код: 12345{i}", **({"secret": True} if secret else {}))
    db.session.commit()


# --- item 8: Message-ID ---------------------------------------------------------------------------


def test_a_retried_message_keeps_the_message_id_it_was_queued_with(make_app, smtp_server, clock):
    app = make_app(smtp_server.config())
    with app.app_context():
        _commit_mail()
        row = db.session.execute(db.select(OutboxMessage)).scalar_one()
        queued_id = row.payload["message_id"]
        assert queued_id.startswith("<") and queued_id.endswith(">")
        smtp_server.refuse_with = "451 4.3.0 Try again later"
        assert drain().retried == 1
        smtp_server.refuse_with = None
        clock.advance(hours=1)
        assert drain().sent == 1
    seen = [m["Message-ID"] for m in smtp_server.received]
    assert len(seen) == 2 and seen[0] == seen[1] == queued_id
    assert [m["Message-ID"] for m in smtp_server.messages] == [queued_id]


def test_each_message_gets_its_own_message_id(make_app, smtp_server):
    app = make_app(smtp_server.config())
    with app.app_context():
        _commit_mail(3)
        assert drain().sent == 3
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 3


# --- item 8: a killed worker holds one message, briefly ---------------------------------------------


class StallingSmtp:
    """aiosmtpd that keeps the first message's DATA unanswered (the worker hangs there) and
    accepts the rest; every DATA it sees is recorded."""

    def __init__(self, port: int):
        self.port = port
        self.received: list = []
        self.stalled = threading.Event()
        self.release = False
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.received.append(message)
        if len(self.received) == 1:
            self.stalled.set()
            while not self.release:
                await asyncio.sleep(0.05)
            return "451 4.3.0 Gave up"
        return "250 OK"

    def __enter__(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.release = True
        self.controller.stop()


def _worker_process(app, port: int) -> subprocess.Popen:
    env = {**os.environ, "SEP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SEP_INSTANCE_PATH": app.instance_path, "SEP_PLUGINS": "channel_web", "SEP_SECRET_KEY": "test",
           "SEP_ENV": "testing", "SEP_MAIL_BACKEND": "smtp", "SEP_MAIL_SERVER": "127.0.0.1",
           "SEP_MAIL_PORT": str(port)}
    return subprocess.Popen([str(Path(sys.executable).parent / "sep"), "worker", "--interval", "0.2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_killed_worker_holds_one_message_until_its_short_lease_ends(make_app, clock):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app({"SEP_MAIL_BACKEND": "smtp", "SEP_MAIL_SERVER": "127.0.0.1", "SEP_MAIL_PORT": port,
                    "SEP_MAIL_TIMEOUT": 3})
    assert app.config["SEP_OUTBOX_LEASE_SECONDS"] <= 60
    clock.set(datetime.now(MOSCOW))  # the worker process runs on the real clock
    with app.app_context(), StallingSmtp(port) as smtp:
        _commit_mail(5)
        worker = _worker_process(app, port)
        try:
            assert smtp.stalled.wait(60), "the worker did not start delivering"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        stalled_id = smtp.received[0]["Message-ID"]
        db.session.rollback()
        held = db.session.execute(db.select(OutboxMessage).filter_by(status="sending")).scalars().all()
        assert len(held) == 1  # not the whole batch
        assert drain().sent == 4  # another worker delivers the rest at once
        clock.set(datetime.now(MOSCOW) + timedelta(seconds=app.config["SEP_OUTBOX_LEASE_SECONDS"] + 1))
        assert drain().sent == 1  # the dead worker's lease is over: delivered, with the same Message-ID
        assert smtp.received[-1]["Message-ID"] == stalled_id
        assert len({m["Message-ID"] for m in smtp.received}) == 5


# --- item 5: secrets blanked after delivery, rows purged after retention -----------------------------


def _stored(row: OutboxMessage) -> str:
    db.session.refresh(row)
    return row.payload_json + (row.secret_json or "")


def test_secret_parts_are_blanked_once_sent(make_app, smtp_server):
    app = make_app(smtp_server.config())
    with app.app_context():
        _commit_mail(secret=True)
        row = db.session.execute(db.select(OutboxMessage)).scalar_one()
        assert "123450" in _stored(row)
        assert drain().sent == 1
        assert "123450" not in _stored(row) and "msg-0" not in _stored(row)
        assert row.payload["to"] == "citizen@example.org" and row.payload["message_id"]
    assert "123450" in smtp_server.messages[0].get_body(("plain",)).get_content()  # delivered in full


def test_a_message_without_secrets_keeps_its_text(make_app, smtp_server):
    app = make_app(smtp_server.config())
    with app.app_context():
        _commit_mail(secret=False)
        row = db.session.execute(db.select(OutboxMessage)).scalar_one()
        assert drain().sent == 1
        assert "123450" in _stored(row)


def test_secrets_survive_retries_and_are_blanked_when_failed_for_good(make_app, smtp_server, clock):
    app = make_app({**smtp_server.config(), "SEP_OUTBOX_MAX_ATTEMPTS": 2})
    with app.app_context():
        _commit_mail(secret=True)
        row = db.session.execute(db.select(OutboxMessage)).scalar_one()
        smtp_server.refuse_with = "451 4.3.0 Try again later"
        assert drain().retried == 1
        assert "123450" in _stored(row)  # still needed for the retry
        clock.advance(hours=1)
        assert drain().failed == 1
        assert "123450" not in _stored(row)
    assert all("123450" in m.get_body(("plain",)).get_content() for m in smtp_server.received)


@pytest.mark.sep_plugins("identity_check", "channel_web")
def test_identity_codes_are_queued_as_secret(app):
    """The enqueuers of codes mark them secret (checked on what is stored)."""
    from sep_plugins.identity_check import delivery

    from sep_core import User

    user = User(email="ivan@example.org", phone="+79161234567", role="citizen")
    db.session.add(user)
    db.session.commit()
    delivery.deliver_code(user, "email", "654321", "confirm")
    delivery.deliver_code(user, "sms", "765432", "confirm")
    db.session.commit()
    rows = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    assert len(rows) == 2
    assert all("654321" not in r.payload_json and "765432" not in r.payload_json for r in rows)
    assert "654321" in rows[0].secret_json and "765432" in rows[1].secret_json
    from sep_plugins.identity_check import service

    with app.test_request_context("/reset", method="POST"):
        service.request_reset("ivan@example.org", "127.0.0.1")
    reset = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).scalars().first()
    assert reset.id not in {r.id for r in rows} and "/reset/" in reset.secret_json
    assert "/reset/" not in reset.payload_json


def test_sep_outbox_purge_removes_delivered_rows_after_retention(make_app, smtp_server, clock):
    app = make_app({**smtp_server.config(), "SEP_OUTBOX_RETENTION_DAYS": 30})
    with app.app_context():
        _commit_mail(2, prefix="old")
        assert drain().sent == 2
        clock.advance(days=20)
        _commit_mail(1, prefix="new")
        enqueue("email", {"to": "x@example.org", "subject": "pending", "body": "b"})
        db.session.commit()
        assert drain(limit=1).sent == 1  # "new" sent; "pending" stays pending
        clock.advance(days=11)  # "old" rows are 31 days old, "new" 11
        runner = app.test_cli_runner()
        result = runner.invoke(sep, ["outbox", "purge"])
        assert result.exit_code == 0, result.output
        assert "2" in result.output
        left = db.session.execute(db.select(OutboxMessage.payload_json)).scalars().all()
        assert sorted(json.loads(p)["subject"] for p in left) == ["new-0", "pending"]
        result = runner.invoke(sep, ["outbox", "purge", "--older-than-days", "5"])
        assert result.exit_code == 0
        assert [json.loads(p)["subject"] for p in db.session.execute(
            db.select(OutboxMessage.payload_json)).scalars()] == ["pending"]
        assert runner.invoke(sep, ["outbox", "purge", "--older-than-days", "-1"]).exit_code != 0


def test_the_worker_purges_on_its_own(make_app, smtp_server, clock):
    app = make_app({**smtp_server.config(), "SEP_OUTBOX_RETENTION_DAYS": 7})
    with app.app_context():
        _commit_mail(1)
        assert drain().sent == 1
        clock.advance(days=8)
    run_worker(app, once=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(OutboxMessage)).scalar_one() == 0
