"""Reports in headless Chromium: the charts are drawn (SVG bars with the hand-counted figures), the
CSV downloads with the same numbers, the filters work by keyboard, and it fits a 360 px phone."""

from __future__ import annotations

import csv
import io

import pytest

pytestmark = [pytest.mark.sep_plugins("tickets", "kb_keyword", "channel_phone", "reports", "channel_web"),
              pytest.mark.browser]


def sign_in(page, app, live_server, user) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


def test_charts_filters_and_csv_in_a_browser(app, browser_page, live_server, synthetic, expected):
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, app, live_server, synthetic)
    page.goto("/desk/reports")
    page.get_by_label("С", exact=True).fill("2026-03-02")
    page.get_by_label("По", exact=True).fill("2026-03-04")
    page.get_by_label("Канал", exact=True).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Показать"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#kpi-received").inner_text() == "5"
    chart = page.locator("#chart-per-day")
    box = chart.bounding_box()
    assert box and 0 < box["width"] <= 360 and box["height"] > 50  # drawn, scaled to the phone
    bars = page.locator("#chart-per-day rect.bar")
    assert bars.count() == 9  # 3 days x received / answered / overdue
    drawn = {(b.get_attribute("data-label"), b.get_attribute("data-series")): int(b.get_attribute("data-value"))
             for b in bars.all()}
    for day in expected["per_day"]:
        assert drawn[(day["day"], "Поступило заявок")] == day["received"]
        assert drawn[(day["day"], "Просрочено заявок")] == day["overdue"]
    heights = {key: float(b.get_attribute("height")) for key, b in zip(drawn, bars.all(), strict=True)}
    assert heights[("2026-03-02", "Поступило заявок")] > heights[("2026-03-04", "Поступило заявок")] > 0
    assert page.locator("#chart-calls rect.bar").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with page.expect_download() as info:
        page.locator("#csv-link").click()
    download = info.value
    assert download.suggested_filename == "sep-report-2026-03-02-2026-03-04.csv"
    with open(download.path(), encoding="utf-8-sig") as fh:
        text = fh.read()
    rows = {(r[0], r[1], r[2]): r[3] for r in list(csv.reader(io.StringIO(text)))[1:]}
    assert rows[("requests", "total", "received")] == "5"
    assert rows[("requests", "deadline", "compliance_percent")] == "75.0"
    assert rows[("calls", "answered", "count")] == "2"

    page.get_by_label("Канал", exact=True).select_option("phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Показать").click()
    assert page.locator("#kpi-received").inner_text() == "2"
    page.goto("/desk/reports?from=2026-03-02&to=2026-03-04&lang=en")
    assert page.locator("h1").inner_text() == "Reports" and page.locator("#chart-per-day title").count() >= 1
