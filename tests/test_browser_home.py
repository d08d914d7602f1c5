"""The home page in a real browser (headless Chromium): Russian by default, switch to English,
keyboard access."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.sep_plugins("channel_web")]


def test_home_page_in_a_real_browser(browser_page):
    page = browser_page
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", level=1).inner_text() == "Чем мы можем помочь?"
    assert page.get_by_role("heading", name="Онлайн-консультант").is_visible()
    assert page.locator("main").get_by_role("link", name="8 800 200-00-00").get_attribute("href") == "tel:+78002000000"
    # the stylesheet is served by the app itself (no CDN) and applied
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") \
        == "rgb(11, 92, 173)"
    # the first Tab reaches the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.get_by_role("link", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the new page, not the one being left
    assert page.get_by_role("heading", level=1).inner_text() == "How can we help?"
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"  # the choice is remembered


def test_home_page_fits_a_phone_screen(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_language_switch_is_a_labelled_group_and_works_from_a_lang_link(browser_page):
    page = browser_page
    page.goto("/?lang=en")  # e.g. a link shared by an English-speaking citizen
    switch = page.get_by_role("group", name="Language")
    assert switch.is_visible()
    switch.get_by_role("link", name="RU").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert page.get_by_role("group", name="Язык").is_visible()
