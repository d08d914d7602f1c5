"""VK Callback API: confirmation, the secret, dedupe by event_id, messages.send with a stable
random_id, and errors 6, 9 and 901."""

from __future__ import annotations

import json

import pytest
from sep_plugins.channel_social.testing import (
    VK_CONFIRMATION,
    VK_GROUP,
    VK_SECRET,
    Reply,
    make_user,
    outbox,
    post_vk,
    sign_in,
    vk_event,
)

from sep_core import InquiryLog, OutboxMessage, db
from sep_core.models import InboundEvent
from sep_core.outbox import drain


@pytest.fixture
def app(social):
    app = social()
    with app.app_context():
        yield app


def test_confirmation_returns_the_configured_string(app):
    response = post_vk(app.test_client(), {"type": "confirmation", "group_id": VK_GROUP, "secret": VK_SECRET})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == VK_CONFIRMATION
    assert InboundEvent.query.count() == 0


@pytest.mark.parametrize("event", [
    {"type": "confirmation", "group_id": 1},                                  # another community
    {"type": "confirmation", "group_id": VK_GROUP, "secret": "wrong"},
])
def test_confirmation_for_another_group_or_with_a_wrong_secret_is_refused(app, event):
    response = post_vk(app.test_client(), event)
    assert response.status_code == 403
    assert VK_CONFIRMATION not in response.get_data(as_text=True)


def test_message_is_answered_once_with_ok_and_messages_send(app, fake_api):
    client = app.test_client()
    event = vk_event("b0c936fa537622981a096bd5e38a252e7cac0d20")
    for retry in range(2):  # VK redelivers (X-Retry-Counter) when unsure
        response = post_vk(client, event, headers={"X-Retry-Counter": str(retry)} if retry else {})
        assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
    assert drain().sent == 1
    assert drain().handled == 0
    [call] = fake_api.sent("/method/messages.send")
    assert call["method"] == "POST"
    assert call["headers"]["Authorization"] == "Bearer vk-token"
    body = call["body"]
    assert (body["peer_id"], body["message"], body["v"]) == ("228970688", "ЭПТС — электронный паспорт.", "5.199")
    assert 0 < int(body["random_id"]) < 2**31
    assert InboundEvent.query.count() == 1
    assert InquiryLog.query.one().channel == "vk"


@pytest.mark.parametrize("secret", [None, "", "wrong", VK_SECRET + "x", 12345])
def test_forged_or_missing_secret_gets_403_and_no_processing(app, fake_api, secret):
    event = vk_event("e1")
    if secret is None:
        del event["secret"]
    else:
        event["secret"] = secret
    response = post_vk(app.test_client(), event)
    assert response.status_code == 403
    assert InboundEvent.query.count() == 0
    assert OutboxMessage.query.count() == 0
    assert InquiryLog.query.count() == 0


def test_429_and_5xx_are_retried_with_backoff_and_the_same_random_id(app, fake_api, clock):
    fake_api.answer(Reply(429, {"error": "slow down"}, {"Retry-After": "5"}), Reply(502, {}))
    post_vk(app.test_client(), vk_event("e2"))
    assert drain().retried == 1          # 429, Retry-After 5 s
    clock.advance(seconds=4)
    assert drain().handled == 0
    clock.advance(seconds=1)
    assert drain().retried == 1          # 502, backoff 2 * 2 s
    clock.advance(seconds=3)
    assert drain().handled == 0
    clock.advance(seconds=1)
    assert drain().sent == 1
    calls = fake_api.sent("/method/messages.send")
    assert [c["status"] for c in calls] == [429, 502, 200]
    assert len({c["body"]["random_id"] for c in calls}) == 1  # VK drops repeats with one random_id


def test_timeout_is_retried(app, fake_api, clock):
    fake_api.answer(Reply(200, {"response": 1}, delay=1.0))
    post_vk(app.test_client(), vk_event("e3"))
    assert drain().retried == 1
    assert "timeout" in OutboxMessage.query.one().last_error.lower()
    clock.advance(seconds=10)
    assert drain().sent == 1


@pytest.mark.parametrize(("code", "wait"), [(6, 1), (9, 3600), (10, 2)])
def test_vk_errors_6_9_and_10_back_off(app, fake_api, clock, code, wait):
    fake_api.answer(Reply(200, {"error": {"error_code": code, "error_msg": "..."}}))
    post_vk(app.test_client(), vk_event("e4"))
    assert drain().retried == 1
    clock.advance(seconds=wait - 0.5)
    assert drain().handled == 0
    clock.advance(seconds=0.5)
    assert drain().sent == 1


def test_error_901_stops_and_is_visible_to_staff(app, fake_api, clock):

    fake_api.answer(Reply(200, {"error": {"error_code": 901, "error_msg": "Can't send messages"}}))
    post_vk(app.test_client(), vk_event("e5"))
    assert drain().failed == 1
    clock.advance(hours=2)
    assert drain().handled == 0
    row = OutboxMessage.query.one()
    assert row.status == "failed" and "901" in row.last_error
    staff = app.test_client()
    sign_in(staff, make_user("duty@example.ru", role="duty"))
    page = staff.get("/staff/social").get_data(as_text=True)
    assert "901" in page and "ВКонтакте" in page
    assert "does not accept messages" in page or "не принимает сообщения" in page


@pytest.mark.parametrize("code", [5, 7, 100])
def test_auth_permission_and_parameter_errors_are_permanent(app, fake_api, code):
    fake_api.answer(Reply(200, {"error": {"error_code": code, "error_msg": "..."}}))
    post_vk(app.test_client(), vk_event("e6"))
    assert drain().failed == 1
    assert f"VK error {code}" in OutboxMessage.query.one().last_error


def test_other_event_types_and_our_own_messages_are_acknowledged_without_reply(app):
    client = app.test_client()
    typing = {"type": "message_typing_state", "group_id": VK_GROUP, "event_id": "t1", "secret": VK_SECRET,
              "object": {"state": "typing", "from_id": 1, "to_id": -VK_GROUP}}
    assert post_vk(client, typing).get_data(as_text=True) == "ok"
    own = vk_event("t2")
    own["object"]["message"]["out"] = 1
    assert post_vk(client, own).get_data(as_text=True) == "ok"
    other_group = vk_event("t3", group_id=42)
    assert post_vk(client, other_group).get_data(as_text=True) == "ok"
    assert OutboxMessage.query.count() == 0
    assert InquiryLog.query.count() == 0


def test_old_api_versions_with_the_message_as_object_are_understood(app, fake_api):
    event = vk_event("old-1")
    event["object"] = event["object"]["message"]
    post_vk(app.test_client(), event)
    assert drain().sent == 1


def test_a_restart_between_acknowledgement_and_reply_loses_nothing(social, fake_api, tmp_path_factory):
    """The event and its reply are committed before "ok": a worker started later (another app,
    the same database) delivers it."""
    instance = str(tmp_path_factory.mktemp("shared"))
    web = social(shared_instance=instance)
    assert post_vk(web.test_client(), vk_event("restart-1")).get_data(as_text=True) == "ok"
    assert fake_api.requests == []
    worker = social(shared_instance=instance)
    with worker.app_context():
        assert worker.config["SQLALCHEMY_DATABASE_URI"] == web.config["SQLALCHEMY_DATABASE_URI"]
        assert drain().sent == 1
    assert len(fake_api.sent("/method/messages.send")) == 1


def test_a_worker_that_died_mid_delivery_is_replaced_without_a_double_message(app, fake_api, clock):
    post_vk(app.test_client(), vk_event("lease-1"))
    # a worker claims the row and dies before recording the outcome
    from sep_core.outbox import _claim

    assert len(_claim(10)) == 1
    assert drain().handled == 0  # leased
    clock.advance(seconds=app.config["SEP_OUTBOX_LEASE_SECONDS"] + 1)
    assert drain().sent == 1
    [call] = fake_api.sent("/method/messages.send")
    payload = json.loads(OutboxMessage.query.one().payload_json)
    assert int(call["body"]["random_id"]) == payload["random_id"]


def test_outbox_rows_of_vk(app):
    post_vk(app.test_client(), vk_event("k1"))
    [row] = outbox("vk")
    assert row.dedupe_key == "vk:reply:k1"
    db.session.remove()
