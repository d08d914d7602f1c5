"""The consultant in a real browser (headless Chromium): type, answer without reload, rate, save."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sep_core import db

pytestmark = [pytest.mark.sep_plugins("kb_keyword"), pytest.mark.browser]


def session_cookie(app, user) -> dict:
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": user.get_id(), "_fresh": True})
    return {"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": value, "domain": "127.0.0.1",
            "path": "/"}


def test_type_get_answer_without_reload_rate_and_save(app, browser_page, live_server, small_base, h):
    from sep_plugins.kb_keyword.models import KbQuestion, KbSaved

    user = h.make_user()
    page = browser_page
    page.context.add_cookies([session_cookie(app, user)])
    page.goto("/ask")
    assert page.locator("h1").inner_text() == "Онлайн-консультант"
    page.evaluate("window.__sameDocument = true")
    page.locator("#question").press_sequentially("как получить выписку", delay=20)
    page.wait_for_selector("#kb-results[data-state=suggested] .kb-answer mark")
    assert "выписк" in page.locator(".kb-answer h3").first.inner_text().lower()
    page.locator("#question").press("Enter")
    page.wait_for_selector("#kb-thread .kb-rate-button")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    page.get_by_role("button", name="Помогло", exact=True).click()
    page.wait_for_selector(".kb-thanks")
    assert db.session.execute(db.select(KbQuestion.rating)).scalar() == 1
    page.get_by_role("link", name="Открыть, сохранить или отправить на почту").first.click()
    page.get_by_role("button", name="Сохранить в личный кабинет").click()
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    assert db.session.execute(db.select(KbSaved.user_id)).scalar() == user.id


def test_plain_form_works_without_javascript(app, _chromium, live_server, small_base):
    context = _chromium.new_context(base_url=live_server.url, java_script_enabled=False, locale="ru-RU")
    page = context.new_page()
    try:
        page.goto("/ask")
        page.locator("#question").fill("режим работы телефона")
        page.get_by_role("button", name="Спросить").click()
        expect(page.locator(".kb-fragment mark").first).to_be_visible()
        assert page.get_by_role("button", name="Помогло", exact=True).is_visible()
    finally:
        context.close()


def _typed(page, text):
    page.goto("/ask")
    page.locator("#question").press_sequentially(text, delay=20)
    page.wait_for_selector("#kb-results[data-state=suggested] .kb-answer")


def test_failed_rating_is_said_in_a_live_region(browser_page, live_server, small_base):
    page = browser_page
    page.route("**/api/v1/ask/rate", lambda route: route.fulfill(status=500, body="oops"))
    _typed(page, "как получить выписку")
    page.locator("#question").press("Enter")
    page.wait_for_selector("#kb-thread .kb-rate-button")
    page.get_by_role("button", name="Не помогло", exact=True).click()
    status = page.locator(".kb-rate-status")
    status.filter(has_text="Не удалось сохранить оценку").wait_for()
    assert status.get_attribute("role") == "status"
    assert page.get_by_role("button", name="Помогло", exact=True).is_visible()  # can try again


def test_copy_buttons_named_by_answer_and_copied_text_keeps_numbers(browser_page, live_server, app, h):
    from .test_page_fixes import STEPS

    h.load_rows([STEPS])
    page = browser_page
    page.add_init_script("navigator.clipboard.writeText = function (t) { window.__copied = t;"
                         " return Promise.resolve(); };")
    _typed(page, "как подать заявление на выписку")
    button = page.get_by_role("button", name=f"Копировать ответ «{STEPS['title']}»")
    button.first.click()
    page.get_by_role("button", name=f"Скопировано: «{STEPS['title']}»").wait_for()
    copied = page.evaluate("window.__copied").splitlines()
    assert copied[0] == STEPS["title"]
    assert "1. Войдите в личный кабинет." in copied and "2. Откройте раздел «Выписки»." in copied
    assert "- паспорт;" in copied


def test_suggestions_announce_a_short_status_not_the_results(browser_page, live_server, small_base):
    page = browser_page
    page.goto("/ask")
    assert page.locator("#kb-results").get_attribute("aria-live") is None
    page.evaluate("""() => {
        window.__statusChanges = [];
        window.__renders = 0;
        const s = document.getElementById('kb-status');
        new MutationObserver(() => window.__statusChanges.push(s.textContent))
            .observe(s, {childList: true, characterData: true, subtree: true});
        new MutationObserver(() => { window.__renders += 1; })
            .observe(document.getElementById('kb-results'), {childList: true});
    }""")
    box = page.locator("#question")
    box.press_sequentially("выписка", delay=20)
    page.wait_for_selector("#kb-results[data-state=suggested] .kb-answer")
    for ch in " из кабинета":  # a pause after each key: suggestions refresh each time
        box.press_sequentially(ch)
        page.wait_for_timeout(350)
    page.locator("#kb-status").filter(has_text=re.compile(r"\S")).wait_for()
    page.wait_for_timeout(1300)
    assert page.evaluate("window.__renders") >= 4
    changes = [c for c in page.evaluate("window.__statusChanges") if c.strip()]
    assert 1 <= len(changes) <= 2, changes
    assert re.match(r"^Найден[оы]? \d+ ответ", changes[-1])
    assert page.locator("#kb-status").get_attribute("role") == "status"


def test_an_answer_reaches_a_visitor_only_after_the_address_is_confirmed(app, browser_page, live_server, small_base):
    """Issue 13 item 7 in a browser: the answer page asks for the code mailed to the address."""
    import json

    from sep_plugins.kb_keyword.models import KbEntry

    from sep_core import OutboxMessage

    entry = db.session.execute(db.select(KbEntry).where(KbEntry.external_id == "t-1")).scalar_one()
    page = browser_page
    page.goto(f"/ask/entry/{entry.id}")
    page.get_by_label("Электронная почта").fill('"x"@[127.0.0.1]')
    page.get_by_role("button", name="Отправить мне на почту").click()
    expect(page.locator("#kb-email-error")).to_be_visible()  # the answer page, not the one being left
    page.get_by_label("Электронная почта").fill("me@example.org")
    page.get_by_role("button", name="Отправить мне на почту").click()
    page.wait_for_selector("#kb-code")
    db.session.expire_all()
    [row] = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "email")).scalars().all()
    code = re.search(r"\b(\d{6})\b", json.loads(row.payload_json)["subject"]).group(1)
    page.get_by_label("Код из письма").fill(code)
    page.get_by_role("button", name="Отправить мне на почту").click()
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    bodies = [json.loads(r.payload_json)["body"] for r in db.session.execute(db.select(OutboxMessage)).scalars()]
    assert len(bodies) == 2 and entry.question in bodies[1]
