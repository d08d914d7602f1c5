"""The consultant in a real browser (headless Chromium): type, answer without reload, rate, save."""

from __future__ import annotations

import pytest

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
    page.wait_for_selector("#kb-results[data-state=answered] .kb-rate-button")
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
        assert "<mark>" in page.locator(".kb-fragment").first.inner_html()
        assert page.get_by_role("button", name="Помогло", exact=True).is_visible()
    finally:
        context.close()
