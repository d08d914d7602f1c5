"""Bad input at every webhook: not JSON, huge bodies, wrong types, unknown event types -> a 4xx or
an ignored event, never a 500, and never a reply to a forged message."""

from __future__ import annotations

import json

import pytest
from sep_plugins.channel_social.testing import VK_GROUP, VK_SECRET, post_ok, post_tg, post_vk, tg_update, vk_event

from sep_core import OutboxMessage
from sep_core.models import InboundEvent


@pytest.fixture
def app(social):
    app = social()
    with app.app_context():
        yield app


def vk_with(**changes) -> bytes:
    event = vk_event("bad")
    event.update(changes)
    return json.dumps(event).encode()


NOT_JSON = [b"", b"not json", b"\xff\xfe\x00", b"[]", b"null", b"42", b'"text"', b"{", b'{"a": NaN']

VK_BAD = [*NOT_JSON,
    vk_with(event_id=None), vk_with(event_id={"a": 1}), vk_with(event_id=True), vk_with(object="x"),
    vk_with(object={"message": "x"}), vk_with(object={"message": {"peer_id": {"x": 1}, "text": "a"}}),
    vk_with(object={"message": {"peer_id": 1, "text": ["a"]}}),
]
TG_BAD = [*NOT_JSON,
    json.dumps({"update_id": "1", "message": {}}).encode(), json.dumps({"update_id": 1.5}).encode(),
    json.dumps({"message": {"text": "hi"}}).encode(), json.dumps({**tg_update(5), "message": "hi"}).encode(),
    json.dumps({"update_id": 6, "message": {"chat": [], "text": "a"}}).encode(),
    json.dumps({"update_id": 7, "message": {"chat": {"id": None}, "from": {"id": 1}, "text": "a"}}).encode(),
    json.dumps({"update_id": 8, "message": {"chat": {"id": 1}, "from": {"id": 1}, "text": {"a": 1}}}).encode(),
]
OK_BAD = [*NOT_JSON,
    json.dumps({"message": "x"}).encode(), json.dumps({"message": {"text": "a"}}).encode(),
    json.dumps({"message": {"mid": {"x": 1}, "text": "a"}, "recipient": {"chat_id": "c"}}).encode(),
    json.dumps({"message": {"mid": "m", "text": "a"}, "recipient": "chat"}).encode(),
    json.dumps({"message": {"mid": "m", "text": 5}, "recipient": {"chat_id": "c"}}).encode(),
]


def assert_nothing_processed():
    assert InboundEvent.query.count() == 0
    assert OutboxMessage.query.count() == 0


def test_vk_bad_bodies(app):
    """One app for all bodies (fast); each body is named in the failure message."""
    client = app.test_client()
    for body in VK_BAD:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        expected = 400 if isinstance(data, dict) else 403  # no readable secret: not authentic
        assert post_vk(client, body).status_code == expected, body
    assert_nothing_processed()


def test_telegram_bad_bodies(app):
    client = app.test_client()
    for body in TG_BAD:
        assert post_tg(client, body).status_code == 400, body
    assert_nothing_processed()


def test_ok_bad_bodies(app):
    client = app.test_client()
    for body in OK_BAD:
        assert post_ok(client, body).status_code == 400, body
    assert_nothing_processed()


def test_huge_bodies_are_refused(app):
    text = "x" * 300_000
    assert post_vk(app.test_client(), vk_event("h1", text=text)).status_code == 413
    assert post_tg(app.test_client(), tg_update(1, text=text)).status_code == 413
    assert_nothing_processed()


def test_unknown_event_types_are_ignored(app):
    unknown = {"type": "wall_post_new", "group_id": VK_GROUP, "event_id": "u1", "secret": VK_SECRET, "object": {}}
    assert post_vk(app.test_client(), unknown).get_data(as_text=True) == "ok"
    assert post_tg(app.test_client(), {"update_id": 77, "poll": {"id": "1"}}).status_code == 200
    assert OutboxMessage.query.count() == 0


def test_a_forged_message_never_gets_a_reply_even_when_valid_later(app, fake_api):
    forged = vk_event("f1", secret="forged")
    assert post_vk(app.test_client(), forged).status_code == 403
    assert post_tg(app.test_client(), tg_update(1), secret="forged").status_code == 403
    assert_nothing_processed()
    assert fake_api.requests == []


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_4xx(app, method):
    for path in ("/hooks/vk", "/hooks/telegram"):
        assert 400 <= getattr(app.test_client(), method)(path).status_code < 500


def test_very_long_messages_are_truncated_not_refused(app):
    assert post_tg(app.test_client(), tg_update(2, text="а" * 20_000)).status_code == 200
    assert InboundEvent.query.count() == 1


def test_nul_and_lone_surrogates_in_a_message_are_removed_and_the_event_answered(app):
    """Issue 13 item 6: the event is stored without the characters (PostgreSQL refuses NUL in text)
    and answered; neither the text nor the name makes a 500."""
    from sep_core import InquiryLog

    client = app.test_client()
    update = tg_update(31, text="Что такое\u0000 электронный паспорт?")
    update["message"]["from"]["first_name"] = "Iv\u0000an"
    update["message"]["chat"]["first_name"] = "Iv\u0000an"
    assert post_tg(client, update).status_code == 200
    body = json.dumps(vk_event("nul1", text="Что такое\u0000 паспорт?"), ensure_ascii=True)
    assert post_vk(client, body.replace("\\u0000", "\\u0000\\ud800").encode()).get_data(as_text=True) == "ok"
    texts = [row.text for row in InquiryLog.query.order_by(InquiryLog.id).all()]
    assert texts == ["Что такое электронный паспорт?", "Что такое паспорт?"]
    assert InboundEvent.query.count() == 2
    assert OutboxMessage.query.count() == 2
