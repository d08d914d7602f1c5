"""Registration, confirmation and sign-in in a real browser (headless Chromium)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.sep_plugins("identity_check", "channel_web"), pytest.mark.browser]


def test_register_confirm_and_sign_in_in_a_browser(browser_page, mailbox):
    page = browser_page
    page.goto("/")
    page.get_by_role("link", name="Регистрация").click()
    page.wait_for_url("**/register")
    # a mistake first: the form says what is wrong, in Russian, and keeps what was typed
    page.get_by_label("Фамилия").fill("Иванова")
    page.get_by_label("Имя", exact=True).fill("Мария")
    page.get_by_label("Мобильный телефон").fill("восемь девятьсот")
    page.get_by_label("Электронная почта").fill("Maria.Ivanova@Example.ru")
    page.get_by_label("Пароль").fill(mailbox.citizen["password"])
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.locator(".error-summary")).to_be_visible()  # the answer, not the form being left
    expect(page.locator("#phone-error")).to_contain_text("Введите номер телефона цифрами")
    assert page.get_by_label("Фамилия").input_value() == "Иванова"
    page.get_by_label("Мобильный телефон").fill("8 (916) 123-45-67")
    page.get_by_label("Пароль").fill(mailbox.citizen["password"])
    page.get_by_label("Я даю согласие").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_url("**/confirm")

    page.locator("#email-code").fill(mailbox.code("email", mailbox.email))
    page.locator("#email-code ~ p > button").click()
    # the same address before and after: wait for the new page's text, not for the URL
    expect(page.locator("body")).to_contain_text("Электронная почта подтверждена")
    page.locator("#sms-code").fill("000000" if mailbox.code("sms", mailbox.phone) != "000000" else "111111")
    page.locator("#sms-code ~ p > button").click()
    expect(page.locator("#sms-code-error")).to_contain_text("Неверный код. Осталось попыток: 4.")
    page.locator("#sms-code").fill(mailbox.code("sms", mailbox.phone))
    page.locator("#sms-code ~ p > button").click()
    page.wait_for_url("**/cabinet")
    assert page.get_by_role("heading", name="Личный кабинет").is_visible()
    assert "Иванова Мария" in page.content()
    assert page.locator("#missing-confirmations").count() == 0

    page.get_by_role("link", name="Выйти").click()
    page.wait_for_url("**/logout")  # the confirmation page, not the cabinet being left
    page.get_by_role("button", name="Выйти", exact=True).click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="Войти").click()
    page.get_by_label("Электронная почта или телефон").fill("+7 916 123-45-67")
    page.get_by_label("Пароль").fill("not my password")
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".error-summary")).to_contain_text("Неверная почта, телефон или пароль")
    page.get_by_label("Пароль").fill(mailbox.citizen["password"])
    page.get_by_label("Запомнить меня").check()
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/cabinet")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sep_session"]["httpOnly"] and cookies["sep_session"]["sameSite"] == "Lax"
    assert cookies["remember_token"]["httpOnly"]


def test_cabinet_fits_a_360_px_phone(browser_page, live_server, app, mailbox):
    from .conftest import Visitor

    visitor = Visitor(app.test_client())
    visitor.register_confirmed(email="a.very.long.mailbox.name@example-long-domain.org")
    name = app.config["SESSION_COOKIE_NAME"]
    browser_page.context.add_cookies([{"name": name, "value": visitor.client.get_cookie(name).value,
                                       "url": live_server.url}])
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/cabinet")
    assert "a.very.long.mailbox.name@example-long-domain.org" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
