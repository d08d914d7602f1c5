"""The citizen's form (with an attachment and the consultant's suggestions) and the staff desk's
main flow in a real browser (headless Chromium)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sep_core import Answer, hookimpl

pytestmark = [pytest.mark.sep_plugins("tickets", "channel_web"), pytest.mark.browser]


def sign_in(page, app, live_server, user) -> None:
    """Put a signed session cookie for the user into the browser (what a sign-in would do)."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


class Consultant:
    @hookimpl
    def sep_answer(self, inquiry):
        if "выписк" in inquiry.text.lower():
            return [Answer(source="test", confidence=0.8, title="Как скачать выписку из ЭПТС",
                           fragment_html="<mark>Выписка</mark> доступна в личном кабинете", entry_id=1)]
        return []


def test_citizen_files_a_request_with_a_scan(browser_page, app, live_server, citizen, register_plugin, tmp_path, h):
    register_plugin(Consultant())
    page = browser_page
    sign_in(page, app, live_server, citizen)
    page.goto("/requests/new")
    assert page.get_by_label("Фамилия").input_value() == "Иванов"  # pre-filled from the profile
    page.get_by_label("Причина обращения").select_option("extract")
    page.get_by_label("Тема").fill("Выписка")
    page.get_by_label("Опишите вопрос").fill("Где скачать выписку из ЭПТС для ГИБДД?")
    page.locator("#suggestions").wait_for(state="visible")
    assert "Как скачать выписку из ЭПТС" in page.locator("#suggestions").inner_text()
    # The citizen still wants to file: first forgets the subject, with a file chosen.
    scan = tmp_path / "Скан СТС.pdf"
    scan.write_bytes(h.pdf_bytes())
    page.get_by_label("Тема").fill("")
    page.set_input_files("#attachments", str(scan))
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.locator(".error-summary")).to_be_visible()  # the answer, not the form being left
    expect(page.locator("#pending-files")).to_contain_text("Скан СТС.pdf")  # kept, not lost
    assert page.get_by_label("Опишите вопрос").input_value() == "Где скачать выписку из ЭПТС для ГИБДД?"
    page.get_by_label("Тема").fill("Выписка для ГИБДД")
    page.get_by_role("button", name="Отправить заявку").click()
    page.wait_for_url("**/requests/2026-000001")
    assert page.locator("#ticket-number").inner_text() == "2026-000001"
    assert page.get_by_role("link", name="Скан СТС.pdf").is_visible()
    assert page.locator("#deadline").inner_text().strip()
    with page.expect_download() as download:
        page.get_by_role("link", name="Скан СТС.pdf").click()
    assert download.value.suggested_filename == "Скан СТС.pdf"


def test_staff_desk_main_flow(browser_page, app, live_server, citizen, duty, h):
    from sep_plugins.tickets import service
    from sep_plugins.tickets.models import CannedResponse

    from sep_core import db

    ticket = service.create_ticket(user=citizen, fields=h.form_data(), category=service.category_by_code("extract"),
                                   channel="web")
    db.session.add(CannedResponse(title="Выписка", body="Выписку можно скачать в разделе «Документы»."))
    db.session.commit()
    page = browser_page
    sign_in(page, app, live_server, duty)
    page.goto("/desk")
    page.get_by_role("link", name=ticket.number).click()
    page.wait_for_url(f"**/desk/requests/{ticket.number}")
    page.get_by_role("button", name="Взять в работу").click()
    expect(page.locator(".flashes")).to_contain_text("Вы взяли заявку в работу")  # the new page's flash
    assert page.locator("#assignee").inner_text().startswith("Дежурная")
    page.get_by_label("Внутренняя заметка").check()  # the composer's kind
    page.locator("#note-body").fill("Проверить данные дилера")
    page.get_by_role("button", name="Сохранить заметку").click()
    # The note is a form POST and a redirect: wait for the new page before using its controls,
    # or the choice lands on the page being left.
    expect(page.locator(".flashes")).to_contain_text("Заметка сохранена")
    # The flash shows before desk.js (at the end of the page) has run: the canned choice needs its handler.
    page.wait_for_load_state("load")
    page.locator("#canned-select").select_option(label="Выписка")
    expect(page.locator("#reply-body")).to_have_value(re.compile("разделе «Документы»"))
    page.get_by_role("button", name="Отправить ответ").click()
    expect(page.locator(".flashes")).to_contain_text("Ответ отправлен гражданину")
    assert page.locator(".status[data-status='answered']").first.is_visible()
    # The citizen sees the answer but not the note.
    sign_in(page, app, live_server, citizen)
    page.goto(f"/requests/{ticket.number}")
    body = page.locator("main").inner_text()
    assert "разделе «Документы»" in body and "Проверить данные дилера" not in body


@pytest.mark.parametrize("path", ["/desk", "/requests/new", "/requests"])
def test_pages_fit_a_360_px_phone(browser_page, app, live_server, citizen, duty, h, path):
    """No horizontal scrolling of the whole page at 360 px: wide tables scroll inside their box."""
    from sep_plugins.tickets import service

    service.create_ticket(user=citizen, fields=h.form_data(subject="Очень длинная тема заявки про выписку ЭПТС"),
                          category=service.category_by_code("extract"), channel="web")
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, app, live_server, duty if path == "/desk" else citizen)
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
