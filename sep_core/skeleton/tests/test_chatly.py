"""The Chatly channel against a fake Chatly API on loopback, with a test answerer and a test
requests plugin. Only ``sep_core`` and ``sep_core.testing`` are used: run with ``pytest``."""

import json
import re

import pytest
import sep_chatly

from sep_core import Answer, OutboxMessage, conversations, hookimpl
from sep_core.testing import FakeResponse, assert_nothing_stored, create_user, deliver_outbox, sign_in

# Only this plugin (registered directly below, so the tests run before `pip install` too).
pytestmark = pytest.mark.sep_plugins()


class Answerer:
    """Confident about passports, silent about anything else."""

    @hookimpl
    def sep_answer(self, inquiry):
        if "паспорт" in inquiry.text.lower():
            return [Answer(source="test", confidence=0.9, fragment_text="ЭПТС — электронный паспорт.")]
        return []


class Requests:
    """A requests plugin: opens request No. 2026-000001 and remembers it."""

    def __init__(self):
        self.opened = []

    @hookimpl
    def sep_open_ticket(self, user, subject, text, channel, inquiry):
        self.opened.append((user.email, text, channel))
        return {"id": 1, "number": "2026-000001"}


@pytest.fixture
def app(make_app, fake_http_api, monkeypatch):
    monkeypatch.setenv("CHATLY_TOKEN", "chatly-token")
    monkeypatch.setenv("CHATLY_SECRET", "chatly-secret")
    requests = Requests()
    app = make_app({"SEP_PLUGIN_CONFIG": {"chatly": {"api_url": fake_http_api.url, "timeout": 2}},
                    "SEP_PUBLIC_URL": "https://help.example.ru"},
                   plugins=[("chatly", sep_chatly), ("answerer", Answerer()), ("requests", requests)])
    app.requests = requests
    with app.app_context():
        yield app


def post(app, event, secret="chatly-secret"):  # noqa: S107 (a test value)
    headers = {"X-Chatly-Secret": secret} if secret is not None else {}
    return app.test_client().post("/hooks/chatly", data=json.dumps(event), content_type="application/json",
                                  headers=headers)


def message(event_id, text, **extra):
    return {"id": event_id, "type": "message", "user": 7, "chat": 70, "text": text, **extra}


def test_a_message_is_answered_once_even_when_delivered_twice(app, fake_http_api):
    for _ in range(2):
        assert post(app, message(1, "Что такое паспорт?")).get_data(as_text=True) == "ok"
    assert deliver_outbox().sent == 1
    [sent] = fake_http_api.sent("/send")
    assert sent["method"] == "POST" and sent["headers"]["Authorization"] == "Bearer chatly-token"
    assert sent["body"] == {"chat": "70", "text": "ЭПТС — электронный паспорт."}


def test_forgeries_and_foreign_bodies_store_nothing(app):
    assert post(app, message(2, "x"), secret="forged").status_code == 403
    assert post(app, message(3, "x"), secret=None).status_code == 403
    assert post(app, {"type": "message"}).status_code == 400
    assert post(app, {"id": 4, "type": "message", "user": [], "chat": 1}).status_code == 400
    assert_nothing_stored()


def test_a_429_waits_for_retry_after_under_the_frozen_clock(app, fake_http_api, clock):
    fake_http_api.respond(FakeResponse(429, headers={"Retry-After": "120"}), 503)
    post(app, message(5, "паспорт?"))
    report = deliver_outbox(clock)  # moves the clock to each retry
    assert (report.retried, report.sent) == (2, 1)
    assert [r["status"] for r in fake_http_api.sent("/send")] == [429, 503, 200]


def test_a_blocked_bot_stops_and_staff_see_the_conversation(app, fake_http_api):
    fake_http_api.respond(403)
    post(app, message(6, "паспорт?", name="Мария"))
    assert deliver_outbox().failed == 1
    assert OutboxMessage.query.one().last_error == "Chatly HTTP 403"
    staff = sign_in(app.test_client(), create_user("duty@example.ru", role="duty"))
    page = staff.get("/staff/social").get_data(as_text=True)
    assert "Chatly" in page and "Мария" in page


def test_a_linked_citizen_gets_a_request_when_the_bot_cannot_answer(app, fake_http_api):
    post(app, message(7, "Где моя заявка?"))  # not linked: the request form's link
    deliver_outbox()
    assert "https://help.example.ru/requests/new" in fake_http_api.sent("/send")[-1]["body"]["text"]
    post(app, message(8, "/link"))
    deliver_outbox()
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", fake_http_api.sent("/send")[-1]["body"]["text"]).group(0)
    citizen = create_user()
    browser = sign_in(app.test_client(), citizen)
    page = browser.get("/social/accounts").get_data(as_text=True)
    token = re.search(r'name="redeem-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    browser.post("/social/accounts", data={"redeem-csrf_token": token, "redeem-code": code})
    assert conversations.Conversation.query.one().user_id == citizen.id
    post(app, message(9, "Где моя заявка?"))
    deliver_outbox()
    assert app.requests.opened == [(citizen.email, "Где моя заявка?", "chatly")]
    assert "2026-000001" in fake_http_api.sent("/send")[-1]["body"]["text"]
