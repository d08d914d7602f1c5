"""The call journal in headless Chromium: logging a call by keyboard on a 360 px phone with the
caller look-up, and the desk opening the caller card of the call the operator answered."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from sep_core import User, db
from sep_core.accounts import hash_password

SECRET = "pbx-shared-secret"
pytestmark = [pytest.mark.sep_plugins("calendar_ru", "tickets", "channel_phone", "channel_web"),
              pytest.mark.sep_plugin_config("channel_phone", {"webhook_secret": SECRET,
                                                              "operators": {"101": "duty@example.org"}}),
              pytest.mark.browser]


def make_user(email, role="citizen", phone=None):
    user = User(email=email, phone=phone, role=role, profiles=[], password_hash=hash_password("x" * 12),
                surname="Иванов", first_name="Иван", patronymic="", locale="ru")
    db.session.add(user)
    db.session.commit()
    return user


def sign_in(page, app, live_server, user) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


def post_event(live_server, clock, event):
    from sep_plugins.channel_phone.webhook import signature

    body, ts = json.dumps(event).encode(), str(int(clock.moment.timestamp()))
    request = urllib.request.Request(live_server.url + "/hooks/phone", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Timestamp": ts, "X-Signature": signature(SECRET, ts, body)})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def people(app):
    from sep_plugins.tickets import service

    citizen = make_user("ivan@example.org", phone="+79161234567")
    duty = make_user("duty@example.org", role="duty")
    service.create_ticket(user=citizen, fields={"surname": "Иванов", "first_name": "Иван", "subject": "Нет выписки",
                                                "description": "Не скачивается"}, category=None, channel="web")
    return citizen, duty


def test_log_a_call_by_keyboard_on_a_phone(app, browser_page, live_server, clock, people):
    clock.set("2026-03-02T10:00:00")
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, app, live_server, people[1])
    page.goto("/desk/calls")
    phone = page.get_by_label("Телефон звонящего")
    assert page.evaluate("document.activeElement.id") == phone.get_attribute("id")  # ready to type
    page.keyboard.type("8 916 123-45-67")
    page.keyboard.press("Tab")  # the look-up runs when the field is left
    page.locator("#caller li").wait_for()
    assert "Нет выписки" in page.locator("#caller").inner_text()
    page.keyboard.type("Статус заявки")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "outcome"  # the keyboard order follows the form
    page.get_by_label("Итог").select_option("answered")
    page.get_by_label("Длительность (м:сс)").fill("2:30")
    page.get_by_label("Длительность (м:сс)").press("Enter")
    expect(page.locator(".flash")).to_contain_text("Звонок записан в журнал.")  # the new page
    expect(page.locator("#calls")).to_contain_text("Статус заявки")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_desk_opens_the_card_of_the_answered_call(app, browser_page, live_server, clock, people):
    clock.set("2026-03-02T10:00:00")
    post_event(live_server, clock, {"event": "call.new", "call_id": "c1", "from": "+79161234567"})
    post_event(live_server, clock, {"event": "call.answered", "call_id": "c1", "operator": "101"})
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, app, live_server, people[1])
    page.goto("/desk/")
    link = page.locator("#current-call a")
    link.wait_for()
    link.click()
    expect(page.locator("#caller-name")).to_have_text("Иванов Иван")
    expect(page.locator("#caller-requests")).to_contain_text("Нет выписки")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # issue 14: "create request" opens the staff phone-request form pre-filled with the caller
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.get_by_role("button", name="Зарегистрировать заявку по этому звонку").click()
    expect(page.locator("h1")).to_have_text("Зарегистрировать заявку по телефону")
    assert page.locator("#surname").input_value() == "Иванов"
    assert page.locator("#first_name").input_value() == "Иван"
    assert page.locator("#phone").input_value() == "+79161234567"
    assert page.locator("#citizen").input_value() == "+79161234567"
    assert page.locator(".error-summary").count() == 0  # nothing validated or saved yet
    assert not [u for u in requested if "9161234567" in u], requested  # the caller's data never in a URL
