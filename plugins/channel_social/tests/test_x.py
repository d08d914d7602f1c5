"""X (off by default): the CRC response_token and the body signature (reference vectors), own
messages dropped, DMs sent with POST /2/dm_conversations/with/:id/messages, 429 honoured."""

from __future__ import annotations

import json
import time

import pytest
from sep_plugins.channel_social.networks.x import x_signature
from sep_plugins.channel_social.testing import Reply, staff_page

from sep_core import OutboxMessage
from sep_core.models import InboundEvent
from sep_core.outbox import drain

SECRET = "test_consumer_secret"


def test_reference_vectors():
    assert x_signature(SECRET, b"test_crc_token") == "sha256=6TsX2vqmFj4OqnzB1NjPu5lOizi7IMonXPzlwPdmlJc="
    assert x_signature(SECRET, b'{"for_user_id":"2244994945","direct_message_events":[]}') == \
        "sha256=dqDeH9riFGhLVKYoxDzvmsqKt0K3FPsVZCM4lUT9m7E="


@pytest.fixture
def app(social, fake_api):
    app = social(plugin_config={"x": {"enabled": True, "consumer_secret": SECRET, "user_token": "user-token",
                                      "api_url": fake_api.url, "timeout": 0.4, "rate_per_second": 100}})
    with app.app_context():
        yield app


def dm(event_id: str, sender: str = "3805104374", text: str = "Что такое паспорт?") -> bytes:
    return json.dumps({"for_user_id": "2244994945", "direct_message_events": [
        {"type": "message_create", "id": event_id, "created_timestamp": "1700000000000",
         "message_create": {"target": {"recipient_id": "2244994945"}, "sender_id": sender,
                            "message_data": {"text": text, "entities": {}}}}], "users": {}}).encode()


def post_x(client, body: bytes, signature: str | None):
    headers = {"x-twitter-webhooks-signature": signature} if signature is not None else {}
    return client.post("/hooks/x", data=body, content_type="application/json", headers=headers)


def test_crc_check(app):
    response = app.test_client().get("/hooks/x?crc_token=test_crc_token")
    assert response.status_code == 200
    assert response.get_json() == {"response_token": "sha256=6TsX2vqmFj4OqnzB1NjPu5lOizi7IMonXPzlwPdmlJc="}


def test_empty_events_body_with_the_reference_signature_is_accepted(app):
    body = b'{"for_user_id":"2244994945","direct_message_events":[]}'
    assert post_x(app.test_client(), body, "sha256=dqDeH9riFGhLVKYoxDzvmsqKt0K3FPsVZCM4lUT9m7E=").status_code == 200


def test_a_dm_is_answered_once(app, fake_api):
    body = dm("1582838213334380548")
    client = app.test_client()
    for _ in range(2):
        assert post_x(client, body, x_signature(SECRET, body)).status_code == 200
    assert drain().sent == 1
    [call] = fake_api.sent("/2/dm_conversations")
    assert call["path"] == "/2/dm_conversations/with/3805104374/messages"
    assert call["headers"]["Authorization"] == "Bearer user-token"
    assert call["body"] == {"text": "ЭПТС — электронный паспорт."}


@pytest.mark.parametrize("signature", [None, "", "sha256=AAAA", x_signature("other", b"{}")])
def test_forged_signature_gets_403(app, signature):
    assert post_x(app.test_client(), dm("2"), signature).status_code == 403
    assert InboundEvent.query.count() == 0 and OutboxMessage.query.count() == 0


def test_our_own_messages_are_dropped(app):
    body = dm("3", sender="2244994945")
    assert post_x(app.test_client(), body, x_signature(SECRET, body)).status_code == 200
    assert OutboxMessage.query.count() == 0


def test_429_waits_for_the_rate_limit_reset_and_5xx_retries(app, fake_api, clock):
    reset = str(int(time.time()) + 120)
    fake_api.answer(Reply(429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": reset}), Reply(503, {}))
    body = dm("4")
    post_x(app.test_client(), body, x_signature(SECRET, body))
    assert drain().retried == 1
    clock.advance(seconds=100)
    assert drain().handled == 0
    clock.advance(seconds=25)
    assert drain().retried == 1
    clock.advance(seconds=5)
    assert drain().sent == 1


def test_403_is_permanent(app, fake_api):
    fake_api.answer(Reply(403, {"title": "Forbidden"}))
    body = dm("5")
    post_x(app.test_client(), body, x_signature(SECRET, body))
    assert drain().failed == 1
    assert "X HTTP 403" in staff_page(app)
