"""/staff/sms in a real browser (headless Chromium): a duty specialist signs in, follows the
navigation link and filters SMS by status."""

import pytest
from playwright.sync_api import expect

from sep_core import db, enqueue
from sep_core.accounts import create_or_update_staff
from sep_core.outbox import drain

pytestmark = [pytest.mark.sep_plugins("sms_gateway", "identity_check", "channel_web"), pytest.mark.browser]

PASSWORD = "дежурный пароль 2026"


def test_duty_specialist_sees_sms_statuses_in_a_browser(app, browser_page):
    create_or_update_staff("duty@example.ru", "duty", [], PASSWORD)
    enqueue("sms", {"to": "+79161234567", "text": "Код 123456"})
    db.session.commit()
    assert drain().sent == 1

    page = browser_page
    page.goto("/login")
    page.locator("#login").fill("duty@example.ru")
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/login" not in url)  # signed in: the next page, then its menu
    page.get_by_role("link", name="SMS", exact=True).click()
    page.wait_for_url("**/staff/sms")
    assert page.locator("h1").inner_text() == "Доставка SMS"
    row = page.locator("#sms tbody tr").first
    assert "+7********67" in row.inner_text() and "доставлено" in row.inner_text()
    assert "9161234567" not in page.content() and "123456" not in page.content()
    page.locator("#status").select_option("failed")
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("#sms")).to_contain_text("SMS ещё не отправлялись.")  # the filtered page, not the one left
    page.goto("/staff/sms?lang=en")
    assert page.locator("h1").inner_text() == "SMS delivery"
