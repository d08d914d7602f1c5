"""The outbox against a real SMTP server on loopback (aiosmtpd): delivery, retries with
backoff, permanent failures, and two concurrent workers delivering each message once."""

from __future__ import annotations

import threading

import pytest

from sep_core import OutboxMessage, send_mail
from sep_core.outbox import backoff_seconds, drain

#: The core contract is tested with only the home-page plugin enabled, so that other plugins
#: (a calendar that wins sep_deadline, an identity plugin) do not change what is measured.
pytestmark = pytest.mark.sep_plugins("channel_web")



def queue_mail(app, n: int = 1, prefix: str = "msg"):
    with app.app_context():
        for i in range(n):
            send_mail("citizen@example.org", f"{prefix}-{i}", f"Здравствуйте! Сообщение {i}.")
        from sep_core import db

        db.session.commit()


def test_email_is_delivered_by_smtp_with_russian_text(make_app, smtp_server):
    app = make_app(smtp_server.config())
    queue_mail(app)
    with app.app_context():
        assert drain().sent == 1
        assert OutboxMessage.query.one().status == "sent"
    (message,) = smtp_server.messages
    assert message["To"] == "citizen@example.org"
    assert message["Subject"] == "msg-0"
    assert "Здравствуйте" in message.get_body(("plain",)).get_content()


def test_smtp_down_is_retried_with_backoff_and_delivered_when_back(make_app, smtp_server, clock):
    app = make_app({**smtp_server.config(), "SEP_OUTBOX_BACKOFF_SECONDS": 10})
    smtp_server.stop()
    queue_mail(app)
    with app.app_context():
        assert drain().retried == 1
        row = OutboxMessage.query.one()
        assert row.attempts == 1 and "SMTP unavailable" in row.last_error
        clock.advance(seconds=9)
        assert drain().handled == 0  # backoff not over
        clock.advance(seconds=1)
        assert drain().retried == 1  # still down: next wait is 20 s
        clock.advance(seconds=19)
        assert drain().handled == 0
        smtp_server.start()
        clock.advance(seconds=1)
        assert drain().sent == 1
        row = OutboxMessage.query.one()
        assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert len(smtp_server.messages) == 1


def test_temporary_smtp_refusal_is_retried(make_app, smtp_server, clock):
    app = make_app(smtp_server.config())
    smtp_server.refuse_with = "451 4.3.0 Try again later"
    queue_mail(app)
    with app.app_context():
        assert drain().retried == 1
        smtp_server.refuse_with = None
        clock.advance(hours=1)
        assert drain().sent == 1


def test_permanent_smtp_rejection_fails_without_retry(make_app, smtp_server, clock):
    app = make_app(smtp_server.config())
    smtp_server.refuse_with = "550 5.1.1 No such user"
    queue_mail(app)
    with app.app_context():
        assert drain().failed == 1
        clock.advance(days=1)
        assert drain().handled == 0
        assert OutboxMessage.query.one().last_error == "SMTP 550"


def test_max_attempts_then_failed(make_app, smtp_server, clock):
    app = make_app({**smtp_server.config(), "SEP_OUTBOX_MAX_ATTEMPTS": 3})
    smtp_server.stop()
    queue_mail(app)
    with app.app_context():
        outcomes = []
        for _ in range(4):
            report = drain()
            outcomes.append((report.retried, report.failed))
            clock.advance(hours=2)
        assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0)]


def test_backoff_is_exponential_and_capped():
    assert [backoff_seconds(n, 30, 3600) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_a_dead_workers_claim_expires_and_is_taken_again(make_app, smtp_server, clock):
    from sep_core.outbox import _claim

    app = make_app({**smtp_server.config(), "SEP_OUTBOX_LEASE_SECONDS": 60})
    queue_mail(app)
    with app.app_context():
        assert len(_claim(10)) == 1  # this worker "dies" before sending
        assert drain().handled == 0
        clock.advance(seconds=61)
        assert drain().sent == 1


def test_two_concurrent_workers_deliver_each_message_once(make_app, smtp_server):
    """Two apps (two workers with their own connections) drain the same table at once."""
    first = make_app(smtp_server.config())
    url = first.config["SQLALCHEMY_DATABASE_URI"]
    second = make_app({**smtp_server.config(), "SQLALCHEMY_DATABASE_URI": url}, create_tables=False)
    queue_mail(first, 120)
    errors = []

    def work(app):
        try:
            with app.app_context():
                while drain(limit=5).handled:
                    pass
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(f"msg-{i}" for i in range(120))
    with first.app_context():
        assert {r.status for r in OutboxMessage.query} == {"sent"}


def test_worker_command_once(make_app, smtp_server):
    from sep_core.outbox import run_worker

    app = make_app(smtp_server.config())
    queue_mail(app, 3)
    report = run_worker(app, once=True)
    assert report.sent == 3
    assert len(smtp_server.messages) == 3


def test_development_file_backend_and_dev_mail_page(make_app):
    app = make_app({"SEP_MAIL_BACKEND": "file", "SEP_OUTBOX_DELIVER_AFTER_REQUEST": True})
    queue_mail(app, 1, prefix="Код подтверждения")
    client = app.test_client()
    client.get("/api/v1/health")  # any request delivers in development
    html = client.get("/dev/mail").get_data(as_text=True)
    assert "Код подтверждения-0" in html
    assert "citizen@example.org" in html


def test_dev_mail_page_does_not_exist_in_production(make_app):
    app = make_app({"SEP_ENV": "production"})
    assert app.test_client().get("/dev/mail").status_code == 404


def test_hook_sep_transports(make_app):
    from sep_core import enqueue, hookimpl

    delivered = []

    class Pager:
        @hookimpl
        def sep_transports(self, app):
            return {"pager": delivered.append}

    app = make_app(plugins=[("pager", Pager())])
    with app.app_context():
        enqueue("pager", {"text": "hi"})
        from sep_core import db

        db.session.commit()
        assert drain().sent == 1
    assert delivered == [{"text": "hi"}]


def test_a_transport_knows_which_outbox_message_it_delivers(make_app):
    """``current_outbox_message_id()`` names the row being delivered (so a gateway can tie its
    own message ids and receipts to it), also on a failed attempt, and is None outside."""
    from sep_core import DeliveryError, current_outbox_message_id, db, enqueue, hookimpl

    seen = []

    class Recorder:
        @hookimpl
        def sep_transports(self, app):
            def record(payload):
                seen.append((payload["n"], current_outbox_message_id()))
                if payload["n"] == 2:
                    raise DeliveryError("busy")

            return {"recorder": record}

    app = make_app(plugins=[("recorder", Recorder())])
    with app.app_context():
        first, second = enqueue("recorder", {"n": 1}), enqueue("recorder", {"n": 2})
        db.session.commit()
        drain()
        assert seen == [(1, first.id), (2, second.id)]
        assert current_outbox_message_id() is None


def test_a_failing_listener_or_database_error_does_not_stop_the_worker(make_app, monkeypatch):
    """``sep worker`` keeps delivering when a sep_on_outbox_failed listener raises, and survives a
    drain that fails (a database restart): claimed messages must not wait for their lease."""
    from sep_core import DeliveryError, db, enqueue, hookimpl
    from sep_core import outbox as outbox_module
    from sep_core.outbox import run_worker

    delivered = []

    class Transports:
        @hookimpl
        def sep_transports(self, app):
            def bounce(payload):
                raise DeliveryError("HTTP 400", permanent=True)

            return {"bounce": bounce, "pager": delivered.append}

        @hookimpl
        def sep_on_outbox_failed(self, message):
            raise RuntimeError("a broken alerting plugin")

    app = make_app(plugins=[("transports", Transports())])
    with app.app_context():
        enqueue("bounce", {"text": "lost"})
        enqueue("pager", {"text": "hi"})
        db.session.commit()
    report = run_worker(app, once=True)
    assert delivered == [{"text": "hi"}]
    assert (report.sent, report.failed) == (1, 1)

    real_drain, calls = outbox_module.drain, []

    def flaky_drain(limit=100):
        calls.append(limit)
        if len(calls) == 1:
            raise RuntimeError("server closed the connection unexpectedly")
        return real_drain(limit)

    monkeypatch.setattr(outbox_module, "drain", flaky_drain)
    with app.app_context():
        enqueue("pager", {"text": "again"})
        db.session.commit()
    report = run_worker(app, once=True, interval=0.01)
    assert delivered[-1] == {"text": "again"} and report.sent == 1
