"""Facebook Messenger and Instagram (off by default): hub.challenge, X-Hub-Signature-256 over the
raw body (test vectors from the reference), echoes dropped, Send API with messaging_type=RESPONSE."""

from __future__ import annotations

import pytest
from sep_plugins.channel_social.networks.meta import meta_signature
from sep_plugins.channel_social.testing import Reply, staff_page

from sep_core import InquiryLog, OutboxMessage
from sep_core.models import InboundEvent
from sep_core.outbox import drain

META_SECRET = "test_app_secret"
META_BODY = (b'{"object":"page","entry":[{"id":"PAGE_ID","time":1457764198246,"messaging":[{"sender":{"id":"USER_ID"},'
             b'"recipient":{"id":"PAGE_ID"},"timestamp":1457764197627,"message":{"mid":"mid.1457764197618:41d102a3e1ae'
             b'206a38","text":"hello, world!"}}]}]}')
META_VECTOR = "sha256=f28386562adeeb3c4c846653194cfac7dbb8a703f11b82b71a33c44dfc265315"


def test_signature_vectors():
    assert meta_signature("It's a Secret to Everybody", b"Hello, World!") == \
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert meta_signature(META_SECRET, META_BODY) == META_VECTOR


def meta_settings(api_url: str) -> dict:
    return {"enabled": True, "app_secret": META_SECRET, "verify_token": "verify-me", "page_token": "page-token",
            "api_url": api_url, "timeout": 0.4}


@pytest.fixture
def app(social, fake_api):
    app = social(plugin_config={"facebook": meta_settings(fake_api.url),
                                "instagram": {**meta_settings(fake_api.url), "app_secret": "ig-secret"}})
    with app.app_context():
        yield app


def post_meta(client, body: bytes, signature: str | None, path: str = "/hooks/facebook"):
    headers = {"X-Hub-Signature-256": signature} if signature is not None else {}
    return client.post(path, data=body, content_type="application/json", headers=headers)


def test_off_by_default(social):
    app = social()
    assert "facebook" not in app.extensions["sep"].channels
    assert "instagram" not in app.extensions["sep"].channels
    assert app.test_client().get("/hooks/facebook").status_code == 404


def test_hub_challenge_verification(app):
    client = app.test_client()
    ok = client.get("/hooks/facebook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me")
    assert (ok.status_code, ok.get_data(as_text=True)) == (200, "1158201444")
    assert client.get("/hooks/facebook?hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope").status_code == 403
    assert client.get("/hooks/facebook?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=verify-me"
                      ).status_code == 403


def test_the_reference_body_with_its_vector_is_answered_once(app, fake_api):
    client = app.test_client()
    for _ in range(2):
        assert post_meta(client, META_BODY, META_VECTOR).status_code == 200
    assert drain().sent == 1
    [call] = fake_api.sent("/me/messages")
    assert call["path"] == "/v24.0/me/messages"
    assert call["query"] == {"access_token": "page-token"}
    assert call["body"] == {"recipient": {"id": "USER_ID"}, "messaging_type": "RESPONSE",
                            "message": {"text": call["body"]["message"]["text"]}}
    assert InboundEvent.query.one().event_id == "mid.1457764197618:41d102a3e1ae206a38"


@pytest.mark.parametrize("signature", [None, "", META_VECTOR.replace("sha256=", "sha1="), META_VECTOR[:-1] + "0",
                                       meta_signature("other", META_BODY)])
def test_forged_or_missing_signature_gets_403(app, signature):
    assert post_meta(app.test_client(), META_BODY, signature).status_code == 403
    assert InboundEvent.query.count() == 0 and OutboxMessage.query.count() == 0


def test_a_reserialised_body_does_not_verify(app):
    import json

    body = json.dumps(json.loads(META_BODY)).encode()  # spaces after separators
    assert post_meta(app.test_client(), body, META_VECTOR).status_code == 403


def test_echoes_and_receipts_are_ignored_and_several_entries_are_read(app, fake_api):
    import json

    data = json.loads(META_BODY)
    data["entry"].append({"id": "PAGE_ID", "time": 1, "messaging": [
        {"sender": {"id": "PAGE_ID"}, "recipient": {"id": "U2"}, "message": {"mid": "m.echo", "is_echo": True,
                                                                              "text": "our reply"}},
        {"sender": {"id": "U2"}, "recipient": {"id": "PAGE_ID"}, "delivery": {"mids": ["m.1"]}},
        {"sender": {"id": "U3"}, "recipient": {"id": "PAGE_ID"}, "message": {"mid": "m.3", "text": "паспорт"}}]})
    body = json.dumps(data).encode()
    assert post_meta(app.test_client(), body, meta_signature(META_SECRET, body)).status_code == 200
    assert drain().sent == 2
    assert sorted(c["body"]["recipient"]["id"] for c in fake_api.sent("/me/messages")) == ["U3", "USER_ID"]


def test_instagram_uses_its_own_object_and_secret(app, fake_api):
    body = META_BODY.replace(b'"object":"page"', b'"object":"instagram"')
    client = app.test_client()
    assert post_meta(client, body, meta_signature(META_SECRET, body), "/hooks/instagram").status_code == 403
    assert post_meta(client, body, meta_signature("ig-secret", body), "/hooks/instagram").status_code == 200
    assert post_meta(client, META_BODY, meta_signature("ig-secret", META_BODY), "/hooks/instagram").status_code == 200
    assert InquiryLog.query.count() == 1  # a "page" body at the Instagram hook is ignored
    assert drain().sent == 1


def test_rate_limit_613_is_retried_and_551_is_permanent(app, fake_api, clock):
    fake_api.answer(Reply(400, {"error": {"message": "Calls to this api have exceeded the rate limit.", "code": 613}}),
                    Reply(400, {"error": {"message": "This person isn't available right now.", "code": 551}}))
    post_meta(app.test_client(), META_BODY, META_VECTOR)
    assert drain().retried == 1
    clock.advance(seconds=3)
    assert drain().failed == 1
    assert "551" in OutboxMessage.query.one().last_error
    assert "Facebook Messenger error 551" in staff_page(app)


def test_5xx_is_retried_and_delivered_once(app, fake_api, clock):
    fake_api.answer(Reply(500, {"error": {"code": 1, "message": "An unknown error occurred"}}), Reply(503, {}))
    client = app.test_client()
    for _ in range(2):
        post_meta(client, META_BODY, META_VECTOR)
    assert drain().retried == 1
    clock.advance(seconds=2)
    assert drain().retried == 1
    clock.advance(seconds=4)
    assert drain().sent == 1
    assert [c["status"] for c in fake_api.sent("/me/messages")] == [500, 503, 200]
