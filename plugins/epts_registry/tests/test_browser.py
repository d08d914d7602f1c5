"""/registry in a real browser (headless Chromium): a visitor looks a vehicle up by VIN, a typo
gets a form error, and the signed-in verified owner sees the service part and downloads the PDF."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import NUMBER, OWNER_NAME, PLUGINS, VIN, add_vehicle, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.sep_plugins(*PLUGINS)]


def test_visitor_looks_up_a_vehicle_by_vin(app, browser_page, make_user):
    add_vehicle(make_user())
    page = browser_page
    page.goto("/registry")
    assert page.get_by_role("heading", level=1).inner_text() == "Поиск записи ЭПТС"
    page.get_by_label("Номер ЭПТС или VIN").fill("1M8GDM9A1KP042788")  # a typo in the check digit
    page.get_by_role("button", name="Найти").click()
    expect(page.locator(".field-error")).to_contain_text("Контрольный знак VIN")  # the answer, not the form left
    assert page.get_by_label("Номер ЭПТС или VIN").input_value() == "1M8GDM9A1KP042788"
    page.get_by_label("Номер ЭПТС или VIN").fill(VIN.lower())
    page.keyboard.press("Enter")
    result = page.locator("#registry-result")
    expect(result.get_by_role("heading", level=2)).to_contain_text(NUMBER)
    assert page.locator("#public-part tr[data-field='status'] td").inner_text() == "действующий"
    assert page.locator("#service-part").count() == 0 and OWNER_NAME not in page.content()
    assert page.locator("#service-hidden").is_visible()
    # the plugin's stylesheet is served by the app under the strict CSP and applied
    assert page.evaluate("getComputedStyle(document.querySelector('.registry-table')).borderCollapse") == "collapse"


def test_verified_owner_sees_the_service_part_and_downloads_the_extract(app, browser_page, live_server, make_user):
    owner = make_user()
    add_vehicle(owner)
    client = sign_in(app.test_client(), owner)
    client.get("/registry")  # the test client writes the signed session cookie
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    browser_page.context.add_cookies([{"name": name, "value": cookie.value, "url": live_server.url}])
    page = browser_page
    page.goto(f"/registry?q={NUMBER}")
    assert page.locator("#service-part tr[data-field='owner_name'] td").inner_text() == OWNER_NAME
    assert page.locator("#owner-history tbody tr").count() == 2
    with page.expect_download() as info:
        page.get_by_role("link", name="Скачать выписку (PDF)").click()
    content = info.value.path().read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert OWNER_NAME in " ".join(text.split())
    code = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Код проверки"))
    page.goto("/registry/verify")
    page.get_by_label("Код проверки").fill(code)
    page.get_by_role("button", name="Проверить").click()
    expect(page.locator("#verify-result h2")).to_have_text("Выписка подлинная")
    assert page.locator("#verified-number").inner_text() == NUMBER


def test_owner_view_fits_a_360_px_phone(app, browser_page, live_server, make_user):
    owner = make_user(email="a.very.long.mailbox.name@example-long-domain.org")
    add_vehicle(owner)
    client = sign_in(app.test_client(), owner)
    client.get("/registry")
    name = app.config["SESSION_COOKIE_NAME"]
    browser_page.context.add_cookies([{"name": name, "value": client.get_cookie(name).value, "url": live_server.url}])
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/registry?q={NUMBER}")
    assert page.locator("#owner-history tbody tr").count() == 2
    # no sideways scrolling of the page; the wide history table scrolls in its own box
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for table in ("#public-part", "#service-part"):
        assert page.evaluate(f"document.querySelector('{table}').getBoundingClientRect().right") <= 360


def test_staff_reason_travels_in_the_body_not_the_url(app, browser_page, live_server, make_user):
    """Issue 13 item 9: a duty specialist's search with a reason is a POST: the service part is
    shown, the address bar holds no reason, and the extract is downloaded with a POSTed reason."""
    add_vehicle(make_user())
    staff = make_user(role="duty")
    client = sign_in(app.test_client(), staff)
    client.get("/registry")
    name = app.config["SESSION_COOKIE_NAME"]
    browser_page.context.add_cookies([{"name": name, "value": client.get_cookie(name).value, "url": live_server.url}])
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/registry")
    page.get_by_label("Номер ЭПТС или VIN").fill(VIN)
    page.get_by_label("Причина просмотра служебной части (для сотрудников)").fill("заявка QZX7")
    page.get_by_role("button", name="Найти").click()
    expect(page.locator("#service-part tr[data-field='owner_name'] td")).to_have_text(OWNER_NAME)
    with page.expect_download() as info:
        page.get_by_role("button", name="Скачать выписку (PDF)").click()
    assert info.value.path().read_bytes().startswith(b"%PDF")
    assert not [url for url in requested if "reason" in url or "QZX7" in url], requested
