"""/staff/webhooks in headless Chromium, in Russian and in English: an administrator adds a
subscription to a receiver on loopback (which verifies every request with the independent
``standardwebhooks`` package, using the secret the page showed), sends a test event, sees the
delivery in the log, and resends it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sep_core.testing import create_user, deliver_outbox

pytestmark = [pytest.mark.sep_plugins("webhooks_out", "channel_web"), pytest.mark.browser,
              pytest.mark.sep_plugin_config("webhooks_out", {"allow_private_targets": True})]

TEXTS = {
    "ru": {"h1": "Вебхуки", "url": "Адрес получателя", "description": "Описание (необязательно)",
           "add": "Добавить подписку", "added": "Подписка добавлена.", "test": "Отправить тестовое событие",
           "queued": "Тестовое событие поставлено в очередь", "delivered": "доставлено", "resend": "Отправить повторно",
           "again": "Событие снова поставлено в очередь", "rotate": "Сменить секрет", "rotated": "Секрет сменён.",
           "private": "локальный, частный или зарезервированный"},
    "en": {"h1": "Webhooks", "url": "Receiver URL", "description": "Description (optional)",
           "add": "Add the subscription", "added": "The subscription is added.", "test": "Send a test event",
           "queued": "A test event is queued", "delivered": "delivered", "resend": "Resend",
           "again": "The event is queued again", "rotate": "Rotate the secret", "rotated": "The secret is rotated.",
           "private": "loopback, private or reserved"},
}


def sign_in(page, app, live_server, user) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_an_admin_subscribes_sees_the_delivery_and_resends_it(app, browser_page, live_server, receivers, real_time,
                                                              lang):
    t = TEXTS[lang]
    receiver = receivers()
    admin = create_user("admin@example.ru", role="admin", locale=lang)
    page = browser_page
    sign_in(page, app, live_server, admin)
    page.goto(f"/staff/webhooks?lang={lang}")
    expect(page.locator("h1")).to_have_text(t["h1"])

    # a loopback URL is refused unless the deployer allowed it — here it is allowed, so first a
    # bad scheme shows the error summary
    page.get_by_label(t["url"]).fill("ftp://127.0.0.1/x")
    page.get_by_label("webhook.test").check()
    page.get_by_role("button", name=t["add"], exact=True).click()
    expect(page.locator("[role=alert]")).to_contain_text("http://")

    page.get_by_label(t["url"]).fill(receiver.url)
    page.get_by_label(t["description"]).fill("CRM")
    page.get_by_label("webhook.test").check()
    page.get_by_role("button", name=t["add"], exact=True).click()
    expect(page.locator("#new-secret")).to_contain_text(t["added"])
    receiver.secret = page.locator("#secret-value").inner_text().strip()
    assert receiver.secret.startswith("whsec_")
    expect(page.locator("#subscriptions")).to_contain_text(receiver.url)

    page.get_by_role("button", name=t["test"]).click()
    expect(page.locator(".flashes")).to_contain_text(t["queued"])
    assert deliver_outbox().sent == 1
    assert [r["verdict"] for r in receiver.requests] == ["processed"]
    page.reload()
    row = page.locator("#deliveries tbody tr").first
    expect(row).to_contain_text("webhook.test")
    expect(row.locator(".delivery-status")).to_have_text(t["delivered"])
    expect(row).to_contain_text("HTTP 200")

    row.get_by_role("button", name=t["resend"]).click()
    expect(page.locator(".flashes")).to_contain_text(t["again"])
    assert deliver_outbox().sent == 1
    assert [r["verdict"] for r in receiver.requests] == ["processed", "duplicate"]  # the same event id
    page.reload()
    expect(page.locator("#deliveries tbody tr")).to_have_count(2)
    expect(page.locator("#deliveries tbody tr").first.locator(".delivery-status")).to_have_text(t["delivered"])

    # rotating shows the new secret once; the receiver still on the old one keeps verifying
    page.get_by_role("button", name=t["rotate"]).click()
    expect(page.locator("#new-secret")).to_contain_text(t["rotated"])
    new_secret = page.locator("#secret-value").inner_text().strip()
    assert new_secret.startswith("whsec_") and new_secret != receiver.secret
    page.get_by_role("button", name=t["test"]).click()
    expect(page.locator(".flashes")).to_contain_text(t["queued"])
    deliver_outbox()
    assert receiver.requests[-1]["verdict"] == "processed"
    page.reload()
    assert new_secret not in page.content() and receiver.secret not in page.content()
