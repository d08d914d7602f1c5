"""The roster page and the desk's "On duty now" in headless Chromium: a 360 px phone, the keyboard,
a CSV import with a file chooser, Russian and English."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.sep_plugins("tickets", "duty_roster", "channel_web"), pytest.mark.browser]

CSV = "email,role,profile,date,from,to\nanna@example.org,duty,,2026-03-02,06:00,14:00\n"


def sign_in(page, app, live_server, user) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


def fits(page, width: int = 360) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_admin_imports_shifts_by_keyboard_on_a_phone(app, browser_page, live_server, clock, r, tmp_path):
    admin = r.make_user("admin@example.org", "admin", surname="Админ")
    r.make_user("anna@example.org", "duty", surname="Анна")
    clock.set("2026-03-02T09:00:00")
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, app, live_server, admin)
    page.goto("/desk/roster")
    assert page.locator("h1").inner_text() == "График дежурств" and fits(page)
    csv_file = tmp_path / "shifts.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    page.get_by_label("Файл CSV").set_input_files(str(csv_file))
    page.get_by_label("Файл CSV").focus()
    page.keyboard.press("Tab")  # to the Import button
    assert page.evaluate("document.activeElement.textContent") == "Загрузить"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Загружено смен: 1." in page.inner_text("main")
    assert "Анна" in page.locator("#on-duty-now").inner_text() and fits(page)

    page.goto("/desk/")  # the desk's panel
    assert "Анна" in page.locator("#on-duty").inner_text() and fits(page)
    page.goto("/desk/roster?lang=en")
    assert page.locator("h1").inner_text() == "Duty roster" and "until 14:00" in page.inner_text("#on-duty-now")
    # A bad file: the error summary is announced and nothing is added.
    page.goto("/desk/roster")
    csv_file.write_text("email,role\nx,y\n", encoding="utf-8")
    page.get_by_label("Файл CSV").set_input_files(str(csv_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Загрузить").click()
    assert "В заголовке должны быть столбцы" in page.locator("[role=alert]").inner_text() and fits(page)


def test_profiles_page_on_a_phone(app, browser_page, live_server, r):
    admin = r.make_user("admin@example.org", "admin")
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, app, live_server, admin)
    page.goto("/desk/profiles")
    assert page.locator("h1").inner_text() == "Профили специалистов" and fits(page)
    page.get_by_label("Код").fill("extracts")
    page.get_by_label("Название на русском").fill("Выписки")
    page.get_by_label("Название на английском").fill("Extracts")
    with page.expect_navigation():
        page.get_by_label("Название на английском").press("Enter")
    assert page.locator('tr[data-code="extracts"]').count() == 1


def test_the_assign_list_offers_only_who_is_on_shift(app, browser_page, live_server, clock, r):
    """Issue 14: on a request's page the assign list shows those off shift disabled with the reason;
    the one on shift is assigned; a forged POST for someone off shift is refused by the server."""
    from playwright.sync_api import expect
    from sep_plugins.tickets import service

    from sep_core import db
    from sep_core.testing import csrf_token
    from sep_core.testing import sign_in as sign_in_client

    admin = r.make_user("admin@example.org", "admin", surname="Админ")
    anna = r.make_user("anna@example.org", "duty", surname="Анна")
    boris = r.make_user("boris@example.org", "duty", surname="Борис")
    clock.set("2026-03-02T09:00:00")
    r.shift(anna, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    r.shift(boris, "duty", "2026-03-02T14:00", "2026-03-02T22:00")  # later today
    service.ensure_categories()
    ticket = service.create_ticket(user=None, fields={"surname": "Иванов", "first_name": "Иван",
                                                      "email": "ivan@example.org", "subject": "Нет выписки",
                                                      "description": "Не скачивается"},
                                   category=service.category_by_code("extract"), channel="web")
    ticket.assignee_id = None
    db.session.commit()
    page = browser_page
    sign_in(page, app, live_server, admin)
    page.goto(f"/desk/requests/{ticket.number}")
    options = page.locator("#assign-form select option")
    boris_option = options.filter(has_text="Борис")
    expect(boris_option).to_contain_text("не на смене")
    assert boris_option.is_disabled()
    assert not options.filter(has_text="Анна").is_disabled()
    page.locator("#assign-form select").select_option(str(anna.id))
    page.locator("#assign-form button[type=submit]").click()
    expect(page.locator("#assignee")).to_contain_text("Анна")  # the new page
    client = sign_in_client(app.test_client(), admin)
    forged = client.post(f"/desk/requests/{ticket.number}/assign",
                         data={"csrf_token": csrf_token(client), "assign-assignee": str(boris.id)})
    assert "выберите того, кто на дежурстве" in forged.get_data(as_text=True), forged.status_code  # refused
    db.session.refresh(ticket)
    assert ticket.assignee_id == anna.id
