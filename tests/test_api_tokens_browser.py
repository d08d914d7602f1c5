"""The administrators' API token page in a real browser (headless Chromium): create a token for a
service account (shown once), use it, revoke it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from sep_core.testing import create_user

pytestmark = [pytest.mark.sep_plugins("tickets", "channel_web"), pytest.mark.browser]


def sign_in(page, app, live_server, user) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


def status_with(live_server, token: str) -> int:
    request = urllib.request.Request(live_server.url + "/api/v1/desk/tickets",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            json.load(answer)
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_an_admin_creates_uses_and_revokes_a_token(browser_page, app, live_server):
    create_user("crm@example.ru", role="duty")
    admin = create_user("admin@example.ru", role="admin")
    page = browser_page
    sign_in(page, app, live_server, admin)
    page.goto("/staff/tokens")
    page.get_by_label("Учётная запись сотрудника или служебная (e-mail)").fill("crm@example.ru")
    page.get_by_label("Для чего токен").fill("CRM")
    page.get_by_label("tickets:read").check()
    page.get_by_role("button", name="Создать токен").click()
    expect(page.locator("#new-token")).to_contain_text("Токен № 1 создан")
    token = page.locator("#token-value").inner_text()
    assert token.startswith("sep_")
    assert status_with(live_server, token) == 200
    page.goto("/staff/tokens")  # shown once: never again
    expect(page.locator("#tokens")).to_contain_text("CRM")
    assert token not in page.content() and page.locator("#new-token").count() == 0
    page.locator("#token-1").get_by_role("button", name="Отозвать").click()
    expect(page.locator("#token-1 .token-state")).to_have_text("Отозван")
    assert status_with(live_server, token) == 401
