"""The HTTP backend against a local server speaking SMS.ru's documented API (``FakeSmsRu``):
the request it gets, retries on its temporary errors, statuses by query and by callback."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sep_plugins.sms_gateway.models import SmsMessage

from sep_core import OutboxMessage, db, enqueue, utcnow_naive
from sep_core.outbox import drain

from .conftest import app_for

PHONE = "+79161234567"
TEXT = "Код СЭП: 482915. Действует 10 мин."


def queue(text: str = TEXT) -> None:
    enqueue("sms", {"to": PHONE, "text": text})
    db.session.commit()


def outbox_row() -> OutboxMessage:
    db.session.expire_all()
    return db.session.execute(db.select(OutboxMessage)).scalar_one()


def per_number_error(code: int) -> dict:
    return {"status": "OK", "status_code": 100,
            "sms": {"79161234567": {"status": "ERROR", "status_code": code, "status_text": "..."}}}


def test_provider_gets_the_documented_request(make_app, smsru):
    app = app_for(make_app, smsru.settings())
    with app.app_context():
        queue()
        assert drain().sent == 1
        row = db.session.execute(db.select(SmsMessage)).scalar_one()
        assert (row.backend, row.provider_id, row.status, row.provider_status) == (
            "http", smsru.accepted[0]["sms_id"], "submitted", "100")
        assert row.outbox_id == outbox_row().id
    ((path, form),) = smsru.requests
    assert path == "/sms/send"
    assert form == {"api_id": ["test-api-id"], "to": ["79161234567"], "msg": [TEXT], "json": ["1"], "from": ["SEP"]}


def test_test_mode_is_passed_on(make_app, smsru):
    app = app_for(make_app, smsru.settings(http_test=True, sender=""))
    with app.app_context():
        queue()
        drain()
    ((_, form),) = smsru.requests
    assert form["test"] == ["1"] and "from" not in form


def test_temporary_errors_are_retried_then_delivered_once(make_app, smsru, clock):
    smsru.script = [(503, None), (200, {"status": "ERROR", "status_code": 220}), (200, per_number_error(231)),
                    (429, {"status": "ERROR", "status_code": 429})]
    app = app_for(make_app, smsru.settings(), SEP_OUTBOX_BACKOFF_SECONDS=10)
    with app.app_context():
        queue()
        errors = []
        for _ in range(4):
            assert drain().retried == 1
            errors.append(outbox_row().last_error)
            clock.advance(hours=1)
        assert errors == ["SMS.ru HTTP 503", "SMS.ru refused the request: status_code 220",
                          "SMS.ru refused the message: status_code 231", "SMS.ru HTTP 429"]
        assert drain().sent == 1
        assert (outbox_row().status, outbox_row().attempts) == ("sent", 5)
    assert len(smsru.accepted) == 1 and len(smsru.requests) == 5


def test_too_many_requests_waits_as_long_as_the_provider_asks(make_app, smsru):
    smsru.script = [(429, {"status": "ERROR", "status_code": 429})]
    app = app_for(make_app, smsru.settings(), SEP_OUTBOX_BACKOFF_SECONDS=600)
    with app.app_context():
        queue()
        before = utcnow_naive()
        assert drain().retried == 1
        assert outbox_row().next_attempt_at - before == timedelta(seconds=7)  # Retry-After: 7


def test_a_body_that_is_not_the_providers_json_is_retried(make_app, smsru):
    smsru.script = [(200, None)]
    app = app_for(make_app, smsru.settings())
    with app.app_context():
        queue()
        assert drain().retried == 1
        assert "not JSON" in outbox_row().last_error


def test_provider_down_is_retried(make_app, smsru):
    app = app_for(make_app, smsru.settings())
    smsru.stop()
    with app.app_context():
        queue()
        assert drain().retried == 1
        assert "API unreachable" in outbox_row().last_error


@pytest.mark.parametrize("answer", [per_number_error(202), per_number_error(207), (400, None),
                                    {"status": "ERROR", "status_code": 301}])
def test_permanent_errors_fail_for_good(make_app, smsru, clock, answer):
    smsru.script = [answer if isinstance(answer, tuple) else (200, answer)]
    app = app_for(make_app, smsru.settings())
    with app.app_context():
        queue()
        assert drain().failed == 1
        clock.advance(days=1)
        assert drain().handled == 0
    assert smsru.accepted == []


def test_wrong_api_id_fails_for_good(make_app, smsru):
    app = app_for(make_app, smsru.settings(http_api_id="not-mine"))
    with app.app_context():
        queue()
        assert drain().failed == 1
        assert "status_code 200" in outbox_row().last_error


def test_status_query_records_delivery(make_app, smsru):
    app = app_for(make_app, smsru.settings())
    with app.app_context():
        queue()
        queue("второе")
        drain()
        first, second = (a["sms_id"] for a in smsru.accepted)
        smsru.statuses = {first: 103, second: 104}
        result = app.test_cli_runner().invoke(args=["sms", "status", "--refresh"])
        assert result.exit_code == 0, result.output
        assert "updated: 2" in result.output
        assert "delivered=1" in result.output and "expired=1" in result.output
        assert "+7********67" in result.output and "9161234567" not in result.output
        db.session.expire_all()
        rows = {r.provider_id: (r.status, r.provider_status)
                for r in db.session.execute(db.select(SmsMessage)).scalars()}
        assert rows == {first: ("delivered", "103"), second: ("expired", "104")}
    path, form = smsru.requests[-1]
    assert path == "/sms/status" and form["sms_id"] == [f"{first},{second}"]


def test_status_refresh_needs_the_http_backend(make_app, smsc):
    app = app_for(make_app, smsc.settings())
    result = app.test_cli_runner().invoke(args=["sms", "status", "--refresh"])
    assert result.exit_code == 2 and "not http" in result.output


def test_status_callback_records_statuses(make_app, smsru, caplog):
    caplog.set_level(logging.DEBUG)
    app = app_for(make_app, smsru.settings(http_callback_token="cb-secret-1"))
    with app.app_context():
        queue()
        drain()
        sms_id = smsru.accepted[0]["sms_id"]
    client = app.test_client()
    data = {"data[]": [f"sms_status\n{sms_id}\n103\n1772434860", "garbage", "sms_status\n\nxx\n1",
                       "sms_status\n1\x00\n103\n1", "sms_status\n" + "9" * 81 + "\n103\n1"]}
    response = client.post("/hooks/sms/smsru/cb-secret-1", data=data)
    assert response.status_code == 200 and response.get_data(as_text=True) == "100"
    with app.app_context():
        row = db.session.execute(db.select(SmsMessage)).scalar_one()  # the malformed ones left no row
        assert (row.status, row.provider_status) == ("delivered", "103")
        assert row.status_at.isoformat() == "2026-03-02T07:01:00"
    # a late intermediate status does not undo the final one
    client.post("/hooks/sms/smsru/cb-secret-1", data={"data[]": f"sms_status\n{sms_id}\n102\n1772434900"})
    with app.app_context():
        assert db.session.execute(db.select(SmsMessage)).scalar_one().status == "delivered"
    assert "9161234567" not in caplog.text


def test_status_callback_needs_the_secret(make_app, smsru):
    app = app_for(make_app, smsru.settings(http_callback_token="cb-secret-1"))
    client = app.test_client()
    assert client.post("/hooks/sms/smsru/wrong", data={"data[]": "sms_status\n1\n103\n1"}).status_code == 404
    plain = app_for(make_app, smsru.settings())
    assert plain.test_client().post("/hooks/sms/smsru/", data={}).status_code == 404
    assert plain.test_client().post("/hooks/sms/smsru/x", data={}).status_code == 404


def test_while_the_provider_is_down_the_other_sms_wait_without_losing_attempts(make_app, smsru, clock):
    smsru.script = [(503, None)]
    app = app_for(make_app, smsru.settings())
    with app.app_context():
        queue()
        queue("второе")
        assert drain().retried == 2
        rows = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        assert [r.attempts for r in rows] == [1, 0]
        assert len(smsru.requests) == 1  # the second SMS did not knock on a door known to be shut
        clock.advance(seconds=30)
        assert drain().sent == 2
    assert len(smsru.accepted) == 2


def test_a_limit_for_one_number_does_not_hold_back_the_others(make_app, smsru):
    smsru.script = [(200, per_number_error(231))]
    app = app_for(make_app, smsru.settings())
    with app.app_context():
        queue()
        queue("второе")
        report = drain()
        assert (report.retried, report.sent) == (1, 1)


def test_purge_forgets_old_records(make_app, smsru, clock):
    app = app_for(make_app, smsru.settings(retention_days=30))
    with app.app_context():
        queue()
        drain()
        clock.advance(days=29)
        queue("второе")
        drain()
        clock.advance(days=2)
        result = app.test_cli_runner().invoke(args=["sms", "purge"])
        assert result.exit_code == 0 and "deleted 1 SMS record(s) older than 30 day(s)" in result.output
        db.session.expire_all()
        assert [r.provider_id for r in db.session.execute(db.select(SmsMessage)).scalars()] == [
            smsru.accepted[1]["sms_id"]]
        assert "deleted 1" in app.test_cli_runner().invoke(args=["sms", "purge", "--days", "1"]).output
