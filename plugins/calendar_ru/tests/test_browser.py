"""/calendar in a real browser (headless Chromium), in Russian and in English."""

import re

import pytest
from playwright.sync_api import expect

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
    expect(page.locator("h1")).to_have_text(re.compile("^Working calendar"))  # the new page, not the one left
    assert page.locator("#transfers").is_visible()


def test_calendar_page_fits_a_360px_phone(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/calendar?year=2024")
    # the long Russian word of the heading must not push the page sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_admin_loads_next_year_in_chromium_and_the_warning_goes(browser_page, app, live_server, clock, tmp_path,
                                                                 make_user):
    """Past the last shipped year: the staff banner shows; the admin uploads the decree through
    the file input of /staff/calendar; the banner goes and the new year's days are used."""
    import json

    from sep_plugins.calendar_ru.calendar_data import fallback_year

    clock.set("2027-12-22T10:00:00")
    admin = make_user("admin", "admin@example.test")
    serializer = app.session_interface.get_signing_serializer(app)
    browser_page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "url": live_server.url,
                                       "value": serializer.dumps({"_user_id": admin.get_id(), "_fresh": True})}])
    page = browser_page
    page.goto("/staff/calendar")
    assert "2028" in page.locator("#calendar-fallback-warning").inner_text()
    year = {**fallback_year(2028), "status": "final", "decree": "Постановление о переносе выходных дней в 2028 году",
            "transferred_days_off": [{"date": "2028-01-10", "from": "2028-01-01", "basis": "government_decree"}]}
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**year, "holidays": [{"date": "2028-02-30", "name_ru": "x"}]}), encoding="utf-8")
    page.locator("#calendar-years input[type=file]").set_input_files(str(broken))
    page.locator("#calendar-years button[type=submit]").click()
    expect(page.locator("#calendar-years .field-error")).to_contain_text("holidays[0].date")
    good = tmp_path / "2028.json"
    good.write_text(json.dumps(year, ensure_ascii=False), encoding="utf-8")
    page.locator("#calendar-years input[type=file]").set_input_files(str(good))
    page.locator("#calendar-years button[type=submit]").click()
    # the page being left has the same address and the warning: wait for the new page's content
    expect(page.locator("#calendar-fallback-warning")).to_have_count(0)
    expect(page.locator("#calendar-years")).to_contain_text("2028")
    page.goto("/calendar?year=2028")
    assert page.locator('td[data-date="2028-01-10"]').get_attribute("data-kind") == "transferred_day_off"
