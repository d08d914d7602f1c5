"""Odnoklassniki Bot API: an unguessable webhook path, the sender IP allow-list, dedupe by
message.mid, replies to chat:<id>."""

from __future__ import annotations

import pytest
from sep_plugins.channel_social.testing import OK_PATH, Reply, ok_event, post_ok, staff_page

from sep_core import InquiryLog, OutboxMessage
from sep_core.models import InboundEvent
from sep_core.outbox import drain


@pytest.fixture
def app(social):
    app = social()
    with app.app_context():
        yield app


def test_message_is_answered_once_to_the_chat(app, fake_api):
    client = app.test_client()
    event = ok_event("mid:C3ecb9d02a600.15cea67d78d2059")
    for _ in range(2):
        response = post_ok(client, event)
        assert response.status_code == 200
    assert drain().sent == 1
    [call] = fake_api.sent("/graph/")
    assert call["path"] == "/graph/me/messages/chat:C3ecb9d02a600"
    assert call["query"] == {"access_token": "ok-token"}
    assert call["body"] == {"recipient": {"chat_id": "chat:C3ecb9d02a600"},
                            "message": {"text": "ЭПТС — электронный паспорт."}}
    assert call["headers"]["Content-Type"] == "application/json;charset=utf-8"
    assert InboundEvent.query.one().event_id == "mid:C3ecb9d02a600.15cea67d78d2059"


@pytest.mark.parametrize("address", ["127.0.0.1", "217.20.145.208", "10.0.0.1", "::1"])
def test_senders_outside_the_allow_list_get_403_and_no_processing(app, address):
    response = post_ok(app.test_client(), ok_event("mid:x1"), address=address)
    assert response.status_code == 403
    assert InboundEvent.query.count() == 0
    assert OutboxMessage.query.count() == 0


@pytest.mark.parametrize("path", ["", "wrong", OK_PATH[:-1], OK_PATH + "x"])
def test_a_wrong_path_is_not_found_and_not_processed(app, path):
    response = post_ok(app.test_client(), ok_event("mid:x2"), path=path)
    assert response.status_code == 404
    assert InboundEvent.query.count() == 0


def test_the_allow_list_can_be_switched_off(social, fake_api):
    app = social(ok={"allowed_networks": []})
    with app.app_context():
        assert post_ok(app.test_client(), ok_event("mid:x3"), address="127.0.0.1").status_code == 200
        assert drain().sent == 1


def test_5xx_and_timeouts_are_retried_and_delivered_once(app, fake_api, clock):
    fake_api.answer(Reply(503, {}), Reply(200, {"success": True}, delay=1.0))
    post_ok(app.test_client(), ok_event("mid:x4"))
    assert drain().retried == 1
    clock.advance(seconds=2)
    assert drain().retried == 1
    clock.advance(seconds=4)
    assert drain().sent == 1
    assert len(fake_api.sent("/graph/")) == 3


def test_ok_api_errors_temporary_and_permanent(app, fake_api, clock):
    fake_api.answer(Reply(200, {"error_code": 2, "error_msg": "SERVICE : temporarily unavailable"}),
                    Reply(200, {"error_code": 102, "error_msg": "PARAM_SESSION_EXPIRED"}))
    post_ok(app.test_client(), ok_event("mid:x5"))
    assert drain().retried == 1
    clock.advance(seconds=2)
    assert drain().failed == 1
    assert OutboxMessage.query.one().last_error == "OK error 102"
    page = staff_page(app)
    assert "OK error 102" in page and "Одноклассники" in page


def test_429_is_retried_after_retry_after_and_delivered_once(app, fake_api, clock):
    fake_api.answer(Reply(429, {}, {"Retry-After": "30"}))
    post_ok(app.test_client(), ok_event("mid:x6"))
    assert drain().retried == 1
    clock.advance(seconds=29)
    assert drain().handled == 0
    clock.advance(seconds=1)
    assert drain().sent == 1
    assert [c["status"] for c in fake_api.sent("/graph/")] == [429, 200]


def test_events_without_a_message_are_acknowledged(app):
    response = post_ok(app.test_client(), {"webhookType": "CHAT_SYSTEM", "recipient": {"chat_id": "chat:1"}})
    assert response.status_code == 200
    assert InquiryLog.query.count() == 0


def test_a_short_path_secret_stops_start_up(make_app, monkeypatch, fake_api):
    from sep_core import ConfigError

    monkeypatch.setenv("SEP_OK_TOKEN", "t")
    monkeypatch.setenv("SEP_OK_PATH_SECRET", "short")
    with pytest.raises(ConfigError, match="path_secret"):
        make_app({"SEP_PLUGINS": ["channel_social"]})
