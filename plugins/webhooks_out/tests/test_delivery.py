"""Signed deliveries to a real receiver on loopback that verifies them with the independent
``standardwebhooks`` package; retries under the frozen clock; forgeries and replays; rotation."""

from __future__ import annotations

import base64
import json
import socket
from datetime import UTC, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from sep_core import OutboxMessage, db
from sep_core.cli import main as sep_cli
from sep_core.testing import deliver_outbox

pytestmark = [pytest.mark.sep_plugins("webhooks_out"),
              pytest.mark.sep_plugin_config("webhooks_out", {"allow_private_targets": True})]


def sep(app, *args):
    result = app.test_cli_runner().invoke(sep_cli, ["webhooks", *args])
    assert result.exit_code == 0, result.output
    return result.output


def subscribe(app, receiver, *events):
    created = json.loads(sep(app, "add", receiver.url, *[a for e in events or ("webhook.test",)
                                                        for a in ("--event", e)], "--json"))
    receiver.secret = created["secret"]
    return created["id"]


def deliveries(app):
    return json.loads(sep(app, "deliveries", "--json"))


def test_a_delivery_reaches_the_receiver_signed_and_is_verified_independently(app, receivers, real_time):
    receiver = receivers()
    subscription = subscribe(app, receiver)
    assert receiver.secret.startswith("whsec_")
    sep(app, "test", str(subscription))
    assert receiver.requests == []  # queued in the outbox, not sent on the spot
    assert deliver_outbox().sent == 1
    [request] = receiver.requests
    assert request["verdict"] == "processed" and request["status"] == 200
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"].startswith("msg_")
    assert headers["webhook-timestamp"] == str(int(real_time().timestamp()))
    assert headers["webhook-signature"].startswith("v1,") and " " not in headers["webhook-signature"]
    event = json.loads(request["raw"])
    assert event == {"type": "webhook.test", "timestamp": real_time().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "data": {"subscription": subscription}}
    [row] = deliveries(app)
    assert (row["status"], row["attempts"], row["last_status"], row["event_id"]) == \
        ("delivered", 1, 200, headers["webhook-id"])
    # the secret is stored apart: neither the outbox row nor the delivery log carries it
    outbox = OutboxMessage.query.one()
    assert receiver.secret not in outbox.payload_json + (outbox.secret_json or "")
    assert json.loads(outbox.payload_json) == {"delivery": row["id"]}
    assert receiver.secret not in sep(app, "list", "--json") + sep(app, "deliveries", "--json")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_receiver_that_is_down_gets_the_event_later_exactly_once(app, receivers, real_time):
    port = free_port()
    receiver_url = f"http://127.0.0.1:{port}/hooks/sep"
    created = json.loads(sep(app, "add", receiver_url, "--event", "webhook.test", "--json"))
    sep(app, "test", str(created["id"]))
    first = deliver_outbox()  # nobody listens: connection refused
    assert (first.sent, first.retried) == (0, 1)
    [row] = deliveries(app)
    assert row["status"] == "pending" and row["last_error"].startswith("connection failed")
    assert deliver_outbox().handled == 0  # not due before its backoff, under the frozen clock
    receiver = receivers(port)  # the receiver comes back
    receiver.secret = created["secret"]
    later = deliver_outbox(real_time)  # moves the clock to the retry
    assert (later.sent, later.failed) == (1, 0)
    assert [r["verdict"] for r in receiver.requests] == ["processed"]
    assert len(receiver.processed) == 1
    assert deliver_outbox(real_time).handled == 0  # nothing left: delivered once
    [row] = deliveries(app)
    assert (row["status"], row["attempts"]) == ("delivered", 2)
    assert OutboxMessage.query.one().status == "sent"


def test_retries_keep_the_event_id_honour_retry_after_and_sign_each_attempt_anew(app, receivers, real_time):
    receiver = receivers()
    subscribe(app, receiver)
    receiver.script = [(429, {"Retry-After": "120"}), (503, {})]
    sep(app, "test", "1")
    start = real_time()
    report = deliver_outbox(real_time)
    assert (report.retried, report.sent) == (2, 1)
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    stamps = [int(r["headers"]["webhook-timestamp"]) for r in receiver.requests]
    assert len(ids) == 1  # one event id on every attempt: the receiver can drop duplicates
    assert stamps[1] - stamps[0] == 120  # Retry-After honoured
    assert stamps[2] - stamps[1] == 60   # then exponential backoff (30 s, doubled)
    assert real_time() - start == timedelta(seconds=180)
    assert [r["status"] for r in receiver.requests] == [429, 503, 200]
    assert len(receiver.processed) == 1


def test_a_forged_body_a_foreign_secret_and_a_replayed_timestamp_are_detected(app, receivers, real_time):
    receiver = receivers()
    subscribe(app, receiver)
    sep(app, "test", "1")
    deliver_outbox()
    [genuine] = receiver.requests
    raw, headers = genuine["raw"], genuine["headers"]
    assert receiver.verify(raw, headers)["type"] == "webhook.test"
    forged = raw.replace(b'"webhook.test"', b'"ticket.created"')
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        receiver.verify(forged, headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):  # a replay with a fresh timestamp
        receiver.verify(raw, {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 60)})
    with pytest.raises(WebhookVerificationError, match="No matching signature"):  # signed by someone else
        Webhook("whsec_" + base64.b64encode(b"another secret" * 2).decode()).verify(raw, headers)
    # A delivery captured ten minutes ago and replayed now carries its old timestamp: refused.
    real_time.advance(minutes=-10)
    sep(app, "test", "1")
    deliver_outbox()
    replayed = receiver.requests[-1]
    assert replayed["status"] == 400 and replayed["verdict"] == "rejected: Message timestamp too old"
    assert len(receiver.processed) == 1


def test_rotation_signs_with_both_secrets_during_the_overlap_then_with_the_new_one(app, receivers, real_time):
    receiver = receivers()
    subscription = subscribe(app, receiver)
    old = receiver.secret
    rotated = json.loads(sep(app, "rotate", str(subscription), "--overlap-hours", "0.01", "--json"))
    new = rotated["secret"]
    assert new != old and new.startswith("whsec_") and rotated["old_secret_valid_until"].endswith("Z")
    sep(app, "test", str(subscription))
    deliver_outbox()
    during = receiver.requests[-1]
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # a receiver still on the old secret and one already on the new
        assert Webhook(secret).verify(during["raw"], during["headers"])
    real_time.advance(seconds=40)  # the overlap (36 s) is over
    sep(app, "test", str(subscription))
    deliver_outbox()
    after = receiver.requests[-1]
    assert len(after["headers"]["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(after["raw"], after["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after["raw"], after["headers"])


def test_410_disables_the_subscription_and_a_disabled_one_sends_nothing(app, receivers, real_time):
    receiver = receivers()
    subscription = subscribe(app, receiver)
    receiver.status = 410
    sep(app, "test", str(subscription))
    assert deliver_outbox(real_time).failed == 1
    assert json.loads(sep(app, "list", "--json"))[0]["active"] is False
    assert deliveries(app)[0]["status"] == "failed"
    result = app.test_cli_runner().invoke(sep_cli, ["webhooks", "test", str(subscription)])
    assert result.exit_code == 1  # disabled
    sep(app, "enable", str(subscription))
    receiver.status = 200
    sep(app, "test", str(subscription))
    sep(app, "disable", str(subscription))  # disabled before the worker runs: never sent
    count = len(receiver.requests)
    assert deliver_outbox(real_time).failed == 1
    assert len(receiver.requests) == count
    assert deliveries(app)[0]["last_error"] == "subscription disabled"


def test_resend_queues_the_same_event_again(app, receivers, real_time):
    receiver = receivers()
    subscription = subscribe(app, receiver)
    sep(app, "test", str(subscription))
    deliver_outbox()
    [first] = deliveries(app)
    assert "queued delivery" in sep(app, "resend", str(first["id"]))
    deliver_outbox()
    again, _ = deliveries(app)
    assert again["resend_of"] == first["id"] and again["event_id"] == first["event_id"]
    assert again["status"] == "delivered"
    assert [r["verdict"] for r in receiver.requests] == ["processed", "duplicate"]
    assert receiver.requests[0]["raw"] == receiver.requests[1]["raw"]  # the body built when it happened


def test_a_delivery_that_keeps_failing_fails_for_good_after_max_attempts(make_app, receivers, real_time):
    app = make_app({"SEP_PLUGIN_CONFIG": {"webhooks_out": {"allow_private_targets": True, "max_attempts": 3}}})
    with app.app_context():
        receiver = receivers()
        subscribe(app, receiver)
        receiver.status = 500
        sep(app, "test", "1")
        report = deliver_outbox(real_time)
        assert (report.retried, report.failed, report.sent) == (2, 1, 0)
        assert deliveries(app)[0]["status"] == "failed" and deliveries(app)[0]["attempts"] == 3


def test_without_subscriptions_the_bot_pays_one_query_per_cache_period(app):
    from sqlalchemy import event

    from sep_core import Inquiry, handle_inquiry

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            handle_inquiry(Inquiry(channel="web", text="где моя заявка?"))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len([s for s in seen if "webhooks_out" in s]) == 1  # one look, then the cache
    assert OutboxMessage.query.count() == 0


def docs_verifier():
    """The standard-library verifier printed in docs/webhooks.md, exactly as printed."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[3] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    [code] = re.findall(r"```python verify\.py\n(.*?)```", text, re.S)
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md#verify.py", "exec"), namespace)  # noqa: S102 - our own docs
    return namespace["verify"]


def test_the_verifier_in_the_docs_accepts_deliveries_and_refuses_forgeries(app, receivers, real_time):
    verify = docs_verifier()
    receiver = receivers()
    subscription = subscribe(app, receiver)
    sep(app, "test", str(subscription))
    deliver_outbox()
    [request] = receiver.requests
    raw, headers = request["raw"], request["headers"]
    assert verify(receiver.secret, headers, raw)["data"] == {"subscription": subscription}
    with pytest.raises(ValueError, match="no matching signature"):
        verify(receiver.secret, headers, raw.replace(b"webhook.test", b"ticket.created"))
    with pytest.raises(ValueError, match="stale"):
        verify(receiver.secret, headers, raw, now=real_time().timestamp() + 600)
    new = json.loads(sep(app, "rotate", str(subscription), "--json"))["secret"]
    sep(app, "test", str(subscription))
    deliver_outbox()
    rotated = receiver.requests[-1]
    for secret in (receiver.secret, new):
        assert verify(secret, rotated["headers"], rotated["raw"])["type"] == "webhook.test"


def test_purge_forgets_finished_deliveries_past_retention_and_keeps_pending_ones(app, receivers, real_time):
    receiver = receivers()
    subscription = subscribe(app, receiver)
    sep(app, "test", str(subscription))
    deliver_outbox()  # delivered
    receiver.status = 503
    sep(app, "test", str(subscription))
    deliver_outbox()  # pending (retrying)
    assert sep(app, "purge").strip() == "purged 0"  # not 30 days old yet
    real_time.advance(days=31)
    assert sep(app, "purge").strip() == "purged 1"
    assert [d["status"] for d in deliveries(app)] == ["pending"]
