"""The browser-side probes run in headless Chromium under the site's strict CSP: a plug-in object
that is present, one that is absent, and one whose probe times out; results reach the server."""

from __future__ import annotations

import pytest
from sep_plugins.client_check.tests.helpers import REQUIREMENTS

pytestmark = [pytest.mark.browser, pytest.mark.sep_plugins("client_check", "channel_web"),
              pytest.mark.sep_plugin_config("client_check", {"requirements": REQUIREMENTS})]

# What a signature plug-in's extension does: put an object on the page before the site's scripts.
# The slow one is a plug-in that never answers (its readiness promise never settles).
PLUGIN_OBJECTS = "window.sepTestPlugin = {version: '2.0.1'}; window.sepTestSlow = new Promise(function () {});"


def open_check_page(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/check")
    page.wait_for_selector("#client-check[data-state=done]", timeout=5000)
    return problems


def state(page, requirement_id: str) -> tuple[str | None, str | None]:
    item = page.locator(f'[data-requirement-id="{requirement_id}"]')
    return item.get_attribute("data-met"), item.get_attribute("data-outcome")


def test_probes_find_present_absent_and_timed_out_plugins(browser_page):
    browser_page.add_init_script(PLUGIN_OBJECTS)
    problems = open_check_page(browser_page)
    assert problems == []  # no CSP violation, no script error
    assert state(browser_page, "signature-plugin") == ("true", "present")
    assert state(browser_page, "crypto-provider") == ("false", "absent")
    assert state(browser_page, "slow-plugin") == ("false", "timeout")
    assert state(browser_page, "browser")[0] == "true"  # headless Chromium 15x is current
    assert state(browser_page, "desktop")[0] == "true"
    slow_status = browser_page.locator('[data-requirement-id="slow-plugin"] .status').inner_text()
    assert slow_status in ("The check did not answer in time", "Проверка не ответила вовремя")
    # The server stored them for this browser's session: a reload shows them without probing.
    data = browser_page.evaluate("fetch('/api/v1/client-check').then(function (r) { return r.json(); })")
    met = {r["id"]: r["met"] for r in data["requirements"]}
    assert (met["signature-plugin"], met["crypto-provider"], met["slow-plugin"]) == (True, False, False)


def test_without_the_plugin_object_the_probe_reports_absent(browser_page):
    open_check_page(browser_page)
    assert state(browser_page, "signature-plugin") == ("false", "absent")
    assert state(browser_page, "slow-plugin") == ("false", "absent")


def test_citizen_confirms_a_requirement_with_a_click(browser_page):
    open_check_page(browser_page)
    assert state(browser_page, "rules")[0] == "null"
    browser_page.locator('[data-requirement-id="rules"] button[value="confirmed"]').click()
    browser_page.wait_for_selector('[data-requirement-id="rules"][data-met="true"]', timeout=5000)
    browser_page.reload()
    browser_page.wait_for_selector("#client-check[data-state=done]", timeout=5000)
    assert state(browser_page, "rules")[0] == "true"
