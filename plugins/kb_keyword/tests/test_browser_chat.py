"""The conversation in headless Chromium: driven by the keyboard alone with JavaScript, and by plain form
posts without it; Russian and English; a 360 px phone without horizontal scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sep_plugins.kb_keyword.settings import DEFAULTS

from sep_core import db

# Every question with candidates is clarified, so that the choices are exercised whatever the calibration.
pytestmark = [pytest.mark.sep_plugins("kb_keyword"), pytest.mark.browser,
              pytest.mark.sep_config("SEP_BOT_CONFIDENCE_THRESHOLD", 0.999)]
if "decision" in DEFAULTS:
    pytestmark.append(pytest.mark.sep_plugin_config("kb_keyword", {"decision": {"answer_threshold": 0.999,
                                                                                 "clarify_threshold": 0.0}}))

TEXTS = {"ru": {"choose": "Возможно, вы спрашиваете о…", "none": "Ничего из этого", "unhelpful": "Не помогло",
                "request": "Отправить заявку сотрудникам", "ask": "Спросить", "next": "Следующий вопрос",
                "mean": "Я имею в виду:"},
         "en": {"choose": "Maybe you are asking about…", "none": "None of these", "unhelpful": "Not helpful",
                "request": "Send a request to staff", "ask": "Ask", "next": "Your next question",
                "mean": "I mean:"}}


def focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {id: e.id, cls: e.className, tag: e.tagName, name: e.name || '', text: (e.textContent || '').trim(),
                href: e.getAttribute('href') || ''}; }""")


def tab_to(page, test, limit: int = 60, back: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element passes ``test``: the keyboard's way there."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        if test(now):
            return now
    raise AssertionError(f"never reached by the keyboard; last focused {now}")


def test_the_thread_and_its_choices_are_driven_by_the_keyboard_alone(browser_page, live_server, small_base):
    from sep_plugins.kb_keyword.models import KbQuestion

    page, t = browser_page, TEXTS["ru"]
    page.goto("/ask")
    page.evaluate("window.__sameDocument = true")
    tab_to(page, lambda f: f["id"] == "question")
    page.keyboard.type("выписка в кабинете")
    page.keyboard.press("Enter")
    page.locator("#kb-thread .kb-turn-clarify").wait_for()
    assert "kb-choice" in focused(page)["cls"]  # focus goes to the first choice
    assert page.locator("#kb-thread .kb-turn-clarify .kb-message").inner_text() == t["choose"]
    page.locator("#kb-status").filter(has_text="выберите").wait_for()
    chosen = focused(page)["text"]
    page.keyboard.press("Enter")
    page.locator("#kb-thread .kb-turn-answer").wait_for()
    assert focused(page)["tag"] == "H3" and focused(page)["text"] == chosen  # focus on the answer picked
    assert page.locator(".kb-turn-answer .kb-msg-user").inner_text().endswith(f"{t['mean']} {chosen}")
    tab_to(page, lambda f: f["text"] == t["unhelpful"])
    page.keyboard.press("Enter")
    page.locator(".kb-turn-answer .kb-thanks").wait_for()
    link = focused(page)
    assert link["text"] == t["request"] and "kb-request" in link["cls"] and not link["href"]  # a form's button
    db.session.expire_all()
    row = db.session.execute(db.select(KbQuestion)).scalar_one()
    assert row.rating == -1 and row.entry_id is not None  # rated the picked entry

    tab_to(page, lambda f: f["id"] == "question")  # the next question, the thread kept
    page.keyboard.type("режим работы телефона")
    page.keyboard.press("Enter")
    page.locator("#kb-thread .kb-turn").nth(2).wait_for()
    tab_to(page, lambda f: f["text"] == t["none"])
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_text(t["request"])  # the handler may answer after a fetch
    assert page.locator("#kb-thread .kb-turn").count() == 3 and page.evaluate("window.__sameDocument") is True
    state = page.locator("#kb-thread-state").input_value()
    assert '"n": 1' in state.replace('":1', '": 1') and '"r": -1' in state.replace('":-1', '": -1')


def test_the_conversation_works_without_javascript(app, _chromium, live_server, small_base):
    context = _chromium.new_context(base_url=live_server.url, java_script_enabled=False, locale="ru-RU")
    page = context.new_page()
    t = TEXTS["ru"]
    try:
        page.goto("/ask")
        page.get_by_label("Ваш вопрос").fill("выписка в кабинете")
        page.get_by_role("button", name=t["ask"], exact=True).click()
        assert page.locator(".kb-turn-clarify .kb-message").inner_text() == t["choose"]
        choice = page.locator(".kb-choice").first
        title = choice.inner_text()
        choice.focus()
        page.keyboard.press("Enter")  # a plain submit button of the ask form
        page.locator(".kb-turn-answer").wait_for()
        assert page.locator(".kb-turn-answer h3").inner_text() == title
        assert "<mark>" in page.locator(".kb-turn-answer .kb-fragment").inner_html()
        page.get_by_role("button", name=t["unhelpful"], exact=True).click()
        offer = page.locator("#kb-latest .kb-offer")
        expect(offer).to_be_visible()  # each click loads a new page: wait for it, not the one left
        expect(offer.get_by_role("button", name=t["request"])).to_be_visible()
        assert offer.locator("input[name=question]").input_value() == "выписка в кабинете"  # posted, not in a URL
        page.get_by_label(t["next"]).fill("режим работы телефона")
        turns = page.locator(".kb-turn").count()
        page.get_by_role("button", name=t["ask"], exact=True).click()
        expect(page.locator(".kb-turn")).not_to_have_count(turns)  # the new page, before its buttons are used
        page.get_by_role("button", name=t["none"]).last.click()
        expect(page.locator(".kb-turn")).to_have_count(3)
        expect(page.locator("#kb-latest .kb-offer")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_phone_width_without_horizontal_scroll_in_both_languages(app, _chromium, live_server, small_base, lang):
    context = _chromium.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740},
                                    locale="ru-RU" if lang == "ru" else "en-GB")
    context.add_cookies([{"name": "sep_lang", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    t = TEXTS[lang]
    try:
        page.goto("/ask")
        box = page.locator("#question")
        box.fill("выписка в кабинете " + "оченьдлинноесловобезпробелов" * 3)
        box.press("Enter")
        page.locator(".kb-turn").first.wait_for()
        box.fill("выписка в кабинете")
        box.press("Enter")
        page.locator(".kb-turn").nth(1).locator(".kb-choice").first.wait_for()
        assert "kb-choice" in focused(page)["cls"]
        page.keyboard.press("Enter")
        page.locator(".kb-turn-answer").wait_for()
        assert page.locator("label[for=question]").inner_text() == t["next"]
        assert page.locator(".kb-turn-clarify .kb-message").first.inner_text() == t["choose"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.locator("#kb-status").get_attribute("role") == "status"
        assert page.locator("#kb-thread").get_attribute("aria-live") is None  # turns are not read out whole
        names = page.evaluate("""() => [...document.querySelectorAll('#kb-thread button, #kb-thread a')]
            .filter(e => e.offsetParent).map(e => (e.getAttribute('aria-label') || e.textContent).trim())""")
        assert names and all(re.search(r"\w", n) for n in names)  # every control has a name
    finally:
        context.close()
