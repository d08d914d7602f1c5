"""The inquiry pipeline through a real external channel plugin (installed by entry point and
enabled by name) and a test answerer."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from sep_core import Answer, Availability, Inquiry, InquiryLog, OutboxMessage, hookimpl
from sep_core.models import InboundEvent
from sep_core.outbox import drain

SECRET = "demo-secret"

#: The core contract is tested with only the home-page plugin enabled, so that other plugins
#: (a calendar that wins sep_deadline, an identity plugin) do not change what is measured.
pytestmark = pytest.mark.sep_plugins("channel_web")



class KeywordAnswerer:
    """A fake answerer: confident about passports, unsure about anything else."""

    @hookimpl
    def sep_answer(self, inquiry):
        if "паспорт" in inquiry.text.lower():
            return [Answer(source="fake", confidence=0.9, title="ЭПТС", fragment_text="ЭПТС — электронный паспорт.")]
        return [Answer(source="fake", confidence=0.2, title="?", fragment_text="maybe")]


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def sep_on_inquiry(self, inquiry, result):
        self.seen.append((inquiry.channel, result.route.action.value))


@pytest.fixture
def demo_app(make_app, external_plugin, fake_api, monkeypatch):
    monkeypatch.setenv("DEMO_WEBHOOK_SECRET", SECRET)
    events = Events()
    app = make_app({"SEP_PLUGINS": [external_plugin],
                    "SEP_PLUGIN_CONFIG": {"demo": {"api_url": fake_api.url + "/send"}},
                    "SEP_OUTBOX_BACKOFF_SECONDS": 1},
                   plugins=[("answerer", KeywordAnswerer()), ("events", events)])
    app.events = events
    return app


def post_event(client, event: dict | bytes, secret: str | None = SECRET, signature: str | None = None):
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if signature is None and secret is not None:
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if signature is not None:
        headers["X-Demo-Signature"] = signature
    return client.post("/hooks/demo", data=body, headers=headers)


def test_external_plugin_is_enabled_by_name_from_its_entry_point(demo_app):
    info = demo_app.extensions["sep"].pm.plugin_info["demo"]
    assert info.distribution == "sep-channel-demo"
    assert info.version == "1.0.0"
    assert "demo" in demo_app.extensions["sep"].channels


def test_webhook_message_is_answered_once_through_the_outbox(demo_app, fake_api):
    client = demo_app.test_client()
    event = {"id": 1, "type": "message", "chat": 77, "text": "Что такое электронный паспорт?"}
    assert post_event(client, event).get_data(as_text=True) == "ok"
    assert post_event(client, event).get_data(as_text=True) == "ok"  # delivered twice by the platform
    with demo_app.app_context():
        assert drain().sent == 1
        assert drain().handled == 0
        assert InboundEvent.query.count() == 1
        logged = InquiryLog.query.one()
        assert (logged.channel, logged.action, logged.answered) == ("demo", "answer", True)
    assert fake_api.requests == [{"path": "/send", "json": {"chat": "77", "text": "ЭПТС — электронный паспорт."},
                                  "status": 200}]
    assert demo_app.events.seen == [("demo", "answer")]


def test_unconfident_answer_routes_to_a_request(demo_app, fake_api):
    client = demo_app.test_client()
    post_event(client, {"id": 2, "type": "message", "chat": 5, "text": "сломалось всё"})
    with demo_app.app_context():
        drain()
        assert InquiryLog.query.one().action == "ticket"
    assert "/requests/new" in fake_api.requests[0]["json"]["text"]  # the request form, from reply_text


@pytest.mark.parametrize("signature", [None, "", "0" * 64, "forged"])
def test_forged_or_missing_signature_is_rejected_without_processing(demo_app, signature):
    client = demo_app.test_client()
    event = {"id": 3, "type": "message", "chat": 1, "text": "паспорт"}
    response = post_event(client, event, secret=None, signature=signature)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    with demo_app.app_context():
        assert InboundEvent.query.count() == 0
        assert OutboxMessage.query.count() == 0


def test_wrong_secret_is_rejected(demo_app):
    response = post_event(demo_app.test_client(), {"id": 4, "type": "message", "chat": 1, "text": "x"},
                          secret="other")
    assert response.status_code == 403


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"type": "message"}', b'{"id": 1, "type": "message"}',
                                  b"\xff\xfe\x00", json.dumps({"id": {"a": 1}}).encode(), b"[" * 100_000])
def test_malformed_bodies_get_400_never_500(demo_app, body):
    response = post_event(demo_app.test_client(), body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_payload"


def test_huge_body_is_refused(demo_app):
    body = json.dumps({"id": 5, "type": "message", "chat": 1, "text": "x" * 300_000}).encode()
    assert post_event(demo_app.test_client(), body).status_code == 413


def test_unknown_event_type_is_acknowledged_and_ignored(demo_app):
    assert post_event(demo_app.test_client(), {"id": 6, "type": "typing"}).get_data(as_text=True) == "ok"
    with demo_app.app_context():
        assert InquiryLog.query.count() == 0
        assert OutboxMessage.query.count() == 0


def test_get_on_a_webhook_is_405_json(demo_app):
    response = demo_app.test_client().get("/hooks/demo")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_reply_is_retried_after_a_429_and_delivered_once(demo_app, fake_api, clock):
    fake_api.responses = [(429, {"Retry-After": "2"}), (503, {})]
    post_event(demo_app.test_client(), {"id": 7, "type": "message", "chat": 9, "text": "паспорт"})
    with demo_app.app_context():
        assert drain().retried == 1
        assert drain().handled == 0  # not due yet
        clock.advance(seconds=2)
        assert drain().retried == 1  # the 503
        clock.advance(seconds=2)
        assert drain().sent == 1
    assert [r["status"] for r in fake_api.requests] == [429, 503, 200]


def test_permanent_error_stops_retrying_and_is_visible(demo_app, fake_api, clock):
    failed = []

    class Watcher:
        @hookimpl
        def sep_on_outbox_failed(self, message):
            failed.append((message.kind, message.last_error))

    demo_app.extensions["sep"].pm.register(Watcher())
    fake_api.responses = [(400, {})]
    post_event(demo_app.test_client(), {"id": 8, "type": "message", "chat": 9, "text": "паспорт"})
    with demo_app.app_context():
        assert drain().failed == 1
        clock.advance(hours=1)
        assert drain().handled == 0
        row = OutboxMessage.query.one()
        assert (row.status, row.attempts, row.last_error) == ("failed", 1, "Demo HTTP 400")
    assert failed == [("demo", "Demo HTTP 400")]


test_hook_sep_on_outbox_failed = test_permanent_error_stops_retrying_and_is_visible
test_hook_sep_register_channels = test_webhook_message_is_answered_once_through_the_outbox
test_hook_sep_on_inquiry = test_webhook_message_is_answered_once_through_the_outbox


def test_hook_sep_answer_and_default_route(app, register_plugin):
    from sep_core import handle_inquiry

    register_plugin(KeywordAnswerer())
    confident = handle_inquiry(Inquiry(channel="web", text="Где мой паспорт?"))
    unsure = handle_inquiry(Inquiry(channel="web", text="Привет"))
    assert confident.route.action.value == "answer"
    assert confident.route.answer.title == "ЭПТС"
    assert unsure.route.action.value == "ticket"
    assert unsure.route.reason == "low_confidence"


test_hook_sep_answer = test_hook_sep_answer_and_default_route


def test_hook_sep_route_plugin_overrides_core_default(app, register_plugin):
    from sep_core import Route, RouteAction, handle_inquiry

    class Escalator:
        @hookimpl
        def sep_route(self, inquiry, answers, availability):
            if "юрист" in inquiry.text:
                return Route(action=RouteAction.ESCALATE, profile="legal")
            return None  # let the next plugin (here the core) decide

    register_plugin(Escalator())
    assert handle_inquiry(Inquiry(channel="web", text="нужен юрист")).route.profile == "legal"
    assert handle_inquiry(Inquiry(channel="web", text="привет")).route.action.value == "ticket"


test_hook_sep_route = test_hook_sep_route_plugin_overrides_core_default


def test_hook_sep_availability_closed_if_any_plugin_says_closed(app, register_plugin, clock):
    from sep_core import availability, handle_inquiry

    class Maintenance:
        @hookimpl
        def sep_availability(self, service, at):
            if service == "bot":
                return Availability(service=service, open=False, reason="maintenance", message="Работы до 12:00")
            return None

    class AlwaysOpen:
        @hookimpl
        def sep_availability(self, service, at):
            return Availability(service=service, open=True, reason="open", next_close=at)

    register_plugin(Maintenance())
    register_plugin(AlwaysOpen())
    register_plugin(KeywordAnswerer())
    assert availability("bot").reason == "maintenance"
    assert availability("phone").open is True
    result = handle_inquiry(Inquiry(channel="web", text="паспорт"))
    assert result.route.action.value == "unavailable"
    assert result.answers == []  # no answering while the bot is closed


test_hook_sep_availability = test_hook_sep_availability_closed_if_any_plugin_says_closed


def test_hook_sep_deadline_first_plugin_wins_and_core_default(app, register_plugin, clock):
    from datetime import timedelta

    from sep_core import deadline

    start = clock()
    assert deadline("tickets", start, 24) == start + timedelta(hours=24)

    class Office:
        @hookimpl
        def sep_deadline(self, service, start, hours):
            return start + timedelta(days=hours)

    register_plugin(Office())
    assert deadline("tickets", start, 2) == start + timedelta(days=2)


test_hook_sep_deadline = test_hook_sep_deadline_first_plugin_wins_and_core_default


def test_long_inquiry_text_is_truncated_not_rejected(app, register_plugin):
    from sep_core import handle_inquiry

    result = handle_inquiry(Inquiry(channel="web", text="а" * 20_000))
    assert len(result.inquiry.text) == 4000
    assert InquiryLog.query.one().text == "а" * 4000


class JsonHandshakeChannel:
    """A channel that, like VK's, reads the unsigned body in handshake() and verify()."""

    @hookimpl
    def sep_register_channels(self, app):
        from sep_core import WebhookChannel

        class Confirming(WebhookChannel):
            name = "confirming"

            def handshake(self, body, headers, args):
                data = json.loads(body) if body else None
                return "confirmed" if isinstance(data, dict) and data.get("type") == "confirmation" else None

            def verify(self, body, headers):
                return False

            def deliver(self, payload):
                pass

        return [Confirming(app)]


def test_deeply_nested_unsigned_body_is_a_400_never_a_500(make_app):
    app = make_app({"SEP_PLUGINS": ["channel_web"]}, plugins=[("confirming", JsonHandshakeChannel())])
    client = app.test_client()
    assert client.post("/hooks/confirming", data=b'{"type": "confirmation"}').get_data(as_text=True) == "confirmed"
    assert client.post("/hooks/confirming", data=b"{}").status_code == 403
    response = client.post("/hooks/confirming", data=b"[" * 100_000)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_payload"
