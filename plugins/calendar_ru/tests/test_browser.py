"""/calendar in a real browser (headless Chromium), in Russian and in English."""

import pytest

pytestmark = [pytest.mark.sep_plugins("calendar_ru", "channel_web"), pytest.mark.browser]


def test_calendar_page_in_chromium(browser_page):
    page = browser_page
    page.goto("/calendar?year=2024")
    assert page.locator("h1").inner_text().startswith("Производственный календарь")
    saturday = page.locator('td[data-date="2024-11-02"]')
    assert "cal-working-weekend" in saturday.get_attribute("class")
    assert "cal-short" in saturday.get_attribute("class")
    # the stylesheet is served under the strict CSP and applied: a holiday cell is coloured
    colour = page.locator('td[data-date="2024-01-01"]').evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    page.get_by_role("link", name="EN").click()
    assert page.locator("h1").inner_text().startswith("Working calendar")
    assert page.locator("#transfers").is_visible()


def test_calendar_page_fits_a_360px_phone(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/calendar?year=2024")
    # the long Russian word of the heading must not push the page sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
