"""Issue 17, the citizen's path without dead ends, in headless Chromium: a question the consultant
does not answer becomes a request pre-filled with it, through registration and confirmation, or
through sign-in; the question never goes into an address."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sep_core import OutboxMessage, User, db
from sep_core.accounts import hash_password

pytestmark = [pytest.mark.browser,
              pytest.mark.sep_plugins("channel_web", "kb_keyword", "tickets", "identity_check")]

QUESTION = "погода на марсе завтра и мой паспорт"
PASSWORD = "зелёный слон летит 42"


def last_code(kind: str, to: str) -> str:
    rows = [r for r in db.session.execute(db.select(OutboxMessage).filter_by(kind=kind)
                                          .order_by(OutboxMessage.id)).scalars() if r.payload.get("to") == to]
    db.session.commit()
    assert rows, f"nothing sent by {kind} to {to}"
    payload = rows[-1].payload
    return re.search(r"\b(\d{6})\b", payload["body"] if kind == "email" else payload["text"]).group(1)


def ask_and_give_up(page) -> None:
    """The consultant finds nothing; the citizen takes the one button to a request."""
    page.goto("/ask")
    page.get_by_label("Ваш вопрос").fill(QUESTION)
    page.get_by_role("button", name="Спросить", exact=True).click()
    button = page.locator("#kb-latest").get_by_role("button", name="Отправить заявку сотрудникам")
    expect(button).to_be_visible()
    button.click()



def watch_urls(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    return seen


def file_the_prefilled_request(page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Новая заявка")
    assert page.get_by_label("Опишите вопрос").input_value() == QUESTION
    assert page.get_by_label("Тема").input_value() == QUESTION
    page.get_by_label("Причина обращения").select_option(index=1)
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.locator(".flashes")).to_contain_text("отправлена")
    assert QUESTION in page.content()


def test_question_not_helpful_registration_confirmation_then_the_prefilled_request(browser_page, app):
    page = browser_page
    seen = watch_urls(page)
    ask_and_give_up(page)
    page.wait_for_url(re.compile(r"/login\?next="))
    reason = page.locator("#sign-in-reason")
    expect(reason).to_contain_text("вопрос сохранён")  # the citizen is told why they are here
    page.get_by_role("link", name="Регистрация", exact=True).last.click()
    page.wait_for_url(re.compile(r"/register\?next="))
    expect(page.locator("#sign-in-reason")).to_be_visible()
    page.get_by_label("Фамилия").fill("Петрова")
    page.get_by_label("Имя", exact=True).fill("Анна")
    page.get_by_label("Мобильный телефон").fill("8 (916) 765-43-21")
    page.get_by_label("Электронная почта").fill("anna.petrova@example.ru")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_label("Я даю согласие").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_url("**/confirm")
    page.locator("#email-code").fill(last_code("email", "anna.petrova@example.ru"))
    page.locator("#email-code ~ p > button").click()
    expect(page.locator(".flashes")).to_contain_text("подтверждена")
    page.locator("#sms-code").fill(last_code("sms", "+79167654321"))
    page.locator("#sms-code ~ p > button").click()
    page.wait_for_url("**/requests/new")
    file_the_prefilled_request(page)
    assert not any("%D0%BF%D0%BE%D0%B3%D0%BE%D0%B4" in u.upper() or "погода" in u for u in seen)


def test_question_not_helpful_then_sign_in_then_the_prefilled_request(browser_page, app):
    db.session.add(User(email="ivan@example.ru", phone="+79160000001", surname="Иванов", first_name="Иван",
                        password_hash=hash_password(PASSWORD), role="citizen", session_token="t1",
                        email_confirmed_at=db.func.now(), phone_confirmed_at=db.func.now()))
    db.session.commit()
    page = browser_page
    seen = watch_urls(page)
    ask_and_give_up(page)
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_label("Электронная почта или телефон").fill("ivan@example.ru")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/requests/new")
    file_the_prefilled_request(page)
    assert not any("погода" in u or "%D0%BF%D0%BE%D0%B3" in u.upper() for u in seen)
    # the draft is used up: a new request starts empty
    page.goto("/requests/new")
    assert page.get_by_label("Опишите вопрос").input_value() == ""


def test_phone_and_computer_stay_signed_in_together_until_sign_out_everywhere(_chromium, live_server, app):
    db.session.add(User(email="olga@example.ru", phone="+79160000002", surname="Орлова", first_name="Ольга",
                        password_hash=hash_password(PASSWORD), role="citizen", session_token="t2",
                        email_confirmed_at=db.func.now(), phone_confirmed_at=db.func.now()))
    db.session.commit()
    computer = _chromium.new_context(base_url=live_server.url, locale="ru-RU")
    phone = _chromium.new_context(base_url=live_server.url, locale="ru-RU", viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    try:
        pages = {}
        for name, context in (("computer", computer), ("phone", phone)):
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto("/login")
            page.get_by_label("Электронная почта или телефон").fill("olga@example.ru")
            page.get_by_label("Пароль").fill(PASSWORD)
            page.get_by_label("Запомнить меня").check()
            page.get_by_role("button", name="Войти").click()
            page.wait_for_url("**/cabinet")
            pages[name] = page
        # the phone's sign-in did not sign the computer out
        pages["computer"].goto("/cabinet")
        expect(pages["computer"].get_by_role("heading", level=1)).to_have_text("Личный кабинет")
        pages["phone"].goto("/cabinet")
        pages["phone"].get_by_role("button", name="Выйти на всех устройствах").click()
        pages["phone"].wait_for_url(live_server.url + "/")
        expect(pages["phone"].locator(".flashes")).to_contain_text("на всех устройствах")
        for page in pages.values():
            page.goto("/cabinet")
            page.wait_for_url(re.compile(r"/login\?next="))
            expect(page.locator("#sign-in-reason")).to_contain_text("доступна после входа")
    finally:
        computer.close()
        phone.close()


def _luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_form_errors_move_the_focus_to_the_summary_and_the_focus_ring_has_contrast(browser_page):
    page = browser_page
    page.goto("/login")
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.keyboard.press("Tab")
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {outline: s.outlineColor, width: s.outlineWidth, style: s.outlineStyle, halo: s.boxShadow}; }""")
    assert ring["style"] == "solid" and float(ring["width"].rstrip("px")) >= 2
    halo = re.match(r"(rgba?\([^)]*\))", ring["halo"]).group(1)
    assert contrast(ring["outline"], "rgb(255, 255, 255)") >= 3  # on the white page
    assert contrast(halo, "rgb(11, 92, 173)") >= 3  # on the blue header
