"""The core's chat pages in headless Chromium, for a channel that is not channel_social: a citizen
gets a linking code in the cabinet and sends it in the chat; a duty specialist opens the
conversation from the staff list."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from sep_core import Answer, ConversationalChannel, InboundEvent, hookimpl, id_of, text_of
from sep_core.testing import create_user, deliver_outbox

pytestmark = [pytest.mark.sep_plugins("channel_web"), pytest.mark.browser]


class Chatly(ConversationalChannel):
    name = "chatly"
    title = "Chatly"

    def verify(self, body, headers):
        return headers.get("X-Secret") == "s"

    def events(self, data, headers):
        return [InboundEvent(event_id=id_of(data["id"]), sender=id_of(data["user"]), text=text_of(data["text"]),
                             meta={"name": "Мария"})]

    def send(self, payload):
        self.sent.append(payload)


class Plugin:
    @hookimpl
    def sep_register_channels(self, app):
        channel = Chatly(app)
        channel.sent = []
        return [channel]

    @hookimpl
    def sep_answer(self, inquiry):
        return [Answer(source="test", confidence=0.9, fragment_text="ЭПТС — электронный паспорт.")]


@pytest.fixture
def app(make_app):
    app = make_app(plugins=[("chatly", Plugin())])
    with app.app_context():
        yield app


def sign_in(page, app, live_server, user) -> None:
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


def chat(app, event_id, text):
    body = json.dumps({"id": event_id, "user": 7, "text": text})
    assert app.test_client().post("/hooks/chatly", data=body, headers={"X-Secret": "s"}).status_code == 200


def test_a_citizen_links_the_chat_and_staff_read_it(app, browser_page, live_server):
    citizen, duty = create_user(), create_user("duty@example.ru", role="duty")
    page = browser_page
    sign_in(page, app, live_server, citizen)
    page.goto("/social/accounts")
    page.get_by_role("button", name="Получить код").click()
    expect(page.locator("#link-code")).to_be_visible()
    code = page.locator("#link-code").inner_text()
    chat(app, 1, code)
    chat(app, 2, "Что такое ЭПТС?")
    deliver_outbox()
    page.goto("/social/accounts")
    assert "Chatly" in page.locator("#linked-list").inner_text()
    sign_in(page, app, live_server, duty)
    page.goto("/staff/social")
    page.get_by_role("link", name="Мария").click()
    expect(page.locator("#messages")).to_contain_text("Что такое ЭПТС?")  # the conversation's page
    messages = page.locator("#messages").inner_text()
    assert "Что такое ЭПТС?" in messages and "ЭПТС — электронный паспорт." in messages
    assert code not in messages  # linking codes are masked for staff
