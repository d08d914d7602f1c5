"""Issue 17, phone-first: at 360 px no citizen page scrolls sideways, the closed navigation takes at
most 64 px, and the menu opens without JavaScript, from the keyboard, showing «Мои заявки» whole."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sep_core import User, db
from sep_core.accounts import hash_password

pytestmark = [pytest.mark.browser,
              pytest.mark.sep_plugins("channel_web", "calendar_ru", "kb_keyword", "tickets", "identity_check")]

PASSWORD = "зелёный слон летит 42"
PUBLIC = ["/", "/ask", "/login", "/register", "/consent", "/reset", "/calendar"]
SIGNED_IN = ["/cabinet", "/requests", "/requests/new", "/cabinet/password", "/cabinet/contact"]


def measure(page) -> dict:
    return page.evaluate("""() => ({
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        header: document.querySelector('.site-header').getBoundingClientRect().height,
        wide: [...document.querySelectorAll('main *, header *, footer *')].filter(e => {
            const r = e.getBoundingClientRect(); return r.width > 0 && r.right > innerWidth + 1
                && !e.closest('.table-scroll, table'); }).map(e => e.tagName + '.' + e.className).slice(0, 5)})""")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_citizen_pages_fit_a_360_px_phone(_chromium, live_server, app, javascript):
    db.session.add(User(email="a.very.long.mailbox.name@example-long-domain.org", phone="+79160000009",
                        surname="Константинопольская", first_name="Александра", patronymic="Владиславовна",
                        password_hash=hash_password(PASSWORD), role="citizen", session_token="p",
                        email_confirmed_at=db.func.now(), phone_confirmed_at=db.func.now()))
    db.session.commit()
    context = _chromium.new_context(base_url=live_server.url, locale="ru-RU", viewport={"width": 360, "height": 740},
                                    is_mobile=True, has_touch=True, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        for path in PUBLIC:
            page.goto(path)
            m = measure(page)
            assert m["overflow"] <= 0 and not m["wide"], (path, m)
            assert m["header"] <= 64, (path, m)
        page.goto("/login")
        page.get_by_label("Электронная почта или телефон").fill("a.very.long.mailbox.name@example-long-domain.org")
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_url("**/cabinet")
        page.goto("/requests/new")
        page.locator("#category").select_option(index=1)
        page.get_by_label("Тема").fill("Очень-длинное-слово-без-пробелов-" * 3)
        page.get_by_label("Опишите вопрос").fill("Не могу скачать выписку из ЭПТС в личном кабинете.")
        page.get_by_role("button", name="Отправить заявку").click()
        expect(page.locator(".flashes")).to_contain_text("отправлена")
        for path in [*SIGNED_IN, page.url.replace(live_server.url, "")]:
            page.goto(path)
            m = measure(page)
            assert m["overflow"] <= 0 and not m["wide"], (path, m)
            assert m["header"] <= 64, (path, m)

        # The menu, closed: its links are hidden; opened from the keyboard (Tab to the button, Space)
        page.goto("/")
        my_requests = page.locator("#main-nav").get_by_role("link", name="Мои заявки")
        expect(my_requests).to_be_hidden()
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "nav-toggle":
                break
        assert page.evaluate("document.activeElement.id") == "nav-toggle"
        page.keyboard.press("Space")
        expect(my_requests).to_be_visible()
        box = my_requests.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360  # not clipped
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        my_requests.click()
        page.wait_for_url("**/requests")
    finally:
        context.close()
