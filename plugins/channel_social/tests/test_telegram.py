"""Telegram Bot API: the secret-token header, dedupe by update_id, sendMessage, 429 retry_after,
403 closes the chat, group migration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sep_plugins.channel_social.models import Conversation
from sep_plugins.channel_social.testing import TG_SECRET, Reply, make_user, post_tg, sign_in, tg_update

from sep_core import InquiryLog, OutboxMessage, utcnow_naive
from sep_core.models import InboundEvent
from sep_core.outbox import drain


@pytest.fixture
def app(social):
    app = social()
    with app.app_context():
        yield app


def test_update_is_answered_once_with_send_message(app, fake_api):
    client = app.test_client()
    for _ in range(3):  # Telegram repeats an update until it gets a 2xx
        assert post_tg(client, tg_update(10000)).status_code == 200
    assert drain().sent == 1
    [call] = fake_api.sent("/sendMessage")
    assert call["path"] == "/bot123:tg-token/sendMessage"
    assert call["body"] == {"chat_id": "1111111", "text": "ЭПТС — электронный паспорт."}
    assert InboundEvent.query.count() == 1


@pytest.mark.parametrize("secret", [None, "", "wrong", TG_SECRET.upper(), TG_SECRET + " "])
def test_forged_or_missing_secret_token_gets_403_and_no_processing(app, secret):
    response = post_tg(app.test_client(), tg_update(10001), secret=secret)
    assert response.status_code == 403
    assert InboundEvent.query.count() == 0
    assert OutboxMessage.query.count() == 0
    assert InquiryLog.query.count() == 0


def test_429_honours_retry_after_and_delivers_once(app, fake_api, clock):
    fake_api.answer(Reply(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                                "parameters": {"retry_after": 7}}),
                    Reply(500, {"ok": False, "error_code": 500, "description": "Internal"}))
    post_tg(app.test_client(), tg_update(10002))
    assert drain().retried == 1
    row = OutboxMessage.query.one()
    assert row.next_attempt_at == utcnow_naive() + timedelta(seconds=7)
    clock.advance(seconds=6)
    assert drain().handled == 0
    clock.advance(seconds=1)
    assert drain().retried == 1  # the 500: exponential backoff (2 s, doubled)
    clock.advance(seconds=4)
    assert drain().sent == 1
    assert [c["status"] for c in fake_api.sent("/sendMessage")] == [429, 500, 200]


def test_timeout_is_retried_and_delivered_once(app, fake_api, clock):
    fake_api.answer(Reply(200, {"ok": True, "result": {}}, delay=1.0))
    post_tg(app.test_client(), tg_update(10003))
    assert drain().retried == 1
    clock.advance(seconds=5)
    assert drain().sent == 1


def test_403_closes_the_chat_and_stops(app, fake_api, clock):
    blocked = "Forbidden: bot was blocked by the user"
    fake_api.answer(Reply(403, {"ok": False, "error_code": 403, "description": blocked}))
    client = app.test_client()
    post_tg(client, tg_update(10004))
    assert drain().failed == 1
    conversation = Conversation.query.one()
    assert conversation.status == "closed"
    row = OutboxMessage.query.one()
    assert row.status == "failed" and "403" in row.last_error
    staff = app.test_client()
    sign_in(staff, make_user("duty@example.ru", role="duty"))
    page = staff.get("/staff/social").get_data(as_text=True)
    assert "Forbidden: bot was blocked by the user" in page
    # the user unblocks the bot and writes again: the chat is open again
    post_tg(client, tg_update(10005))
    assert Conversation.query.one().status == "open"
    assert drain().sent == 1


def test_400_with_migrate_to_chat_id_moves_the_chat(app, fake_api):
    fake_api.answer(Reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded",
                                "parameters": {"migrate_to_chat_id": -1001234567890}}))
    post_tg(app.test_client(), tg_update(10006, chat_id=-4321, chat_type="group"))
    assert drain().sent == 1
    assert [c["body"]["chat_id"] for c in fake_api.sent("/sendMessage")] == ["-4321", "-1001234567890"]
    assert Conversation.query.one().reply_to == "-1001234567890"


@pytest.mark.parametrize("status", [400, 401, 404])
def test_other_client_errors_are_permanent(app, fake_api, status):
    fake_api.answer(Reply(status, {"ok": False, "error_code": status, "description": "Bad Request: chat not found"}))
    post_tg(app.test_client(), tg_update(10007))
    assert drain().failed == 1


def test_non_message_updates_and_bots_are_acknowledged_without_reply(app):
    client = app.test_client()
    assert post_tg(client, {"update_id": 20000, "edited_message": {"message_id": 1}}).status_code == 200
    bot = tg_update(20001)
    bot["message"]["from"]["is_bot"] = True
    assert post_tg(client, bot).status_code == 200
    no_text = tg_update(20002)
    del no_text["message"]["text"]
    assert post_tg(client, no_text).status_code == 200
    assert OutboxMessage.query.count() == 0
    assert InquiryLog.query.count() == 0


def test_start_command_greets_without_the_bot(app, fake_api):
    post_tg(app.test_client(), tg_update(20003, text="/start"))
    assert drain().sent == 1
    assert "/link" in fake_api.sent("/sendMessage")[0]["body"]["text"]
    assert InquiryLog.query.count() == 0


def test_long_answers_are_cut_to_the_telegram_limit(app, fake_api, register_plugin):
    from sep_core import Answer, hookimpl

    class Verbose:
        @hookimpl(tryfirst=True)
        def sep_answer(self, inquiry):
            return [Answer(source="long", confidence=0.99, fragment_text="а" * 5000)]

    register_plugin(Verbose())
    post_tg(app.test_client(), tg_update(20004))
    drain()
    assert len(fake_api.sent("/sendMessage")[0]["body"]["text"]) == 4096


def test_the_send_rate_is_limited_without_using_up_attempts(social, fake_api, clock):
    app = social(telegram={"rate_per_second": 1})
    with app.app_context():
        client = app.test_client()
        for update_id in (30001, 30002, 30003):
            post_tg(client, tg_update(update_id))
        assert (drain().sent, len(fake_api.sent("/sendMessage"))) == (1, 1)
        waiting = OutboxMessage.query.filter_by(status="pending").all()
        assert len(waiting) == 2 and {m.attempts for m in waiting} == {0}
        assert all("rate limit" in m.last_error for m in waiting)
        clock.advance(seconds=1)
        assert drain().sent == 1
        clock.advance(seconds=1)
        assert drain().sent == 1
        assert len(fake_api.sent("/sendMessage")) == 3
