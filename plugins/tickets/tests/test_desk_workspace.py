"""The desk's request page as one workspace (issue 17): the thread and one composer, the facts and
actions beside them, all within the first screen at 1280×900; keyboard shortcuts that never steal
keys while typing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.sep_plugins("tickets", "channel_web", "identity_check"), pytest.mark.browser]


def sign_in(page, app, live_server, user) -> None:
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


@pytest.fixture
def busy_ticket(app, citizen, duty, h):
    """A request with a long thread: the citizen's question, replies, notes and documents asked."""
    from sep_plugins.tickets import service
    from sep_plugins.tickets.models import CannedResponse

    from sep_core import db

    ticket = service.create_ticket(user=citizen, fields=h.form_data(), category=service.category_by_code("extract"),
                                   channel="web")
    service.take(ticket, duty)
    for i in range(4):
        service.note(ticket, duty, f"Заметка {i}: проверить данные дилера.\nВторая строка заметки.")
        service.answer(ticket, duty, f"Ответ {i}: выписку можно скачать в личном кабинете.\n" * 3)
        service.citizen_reply(ticket, citizen, f"Вопрос {i}: не получается, кнопка неактивна.")
    db.session.add(CannedResponse(title="Выписка", body="Выписку можно скачать в разделе «Документы»."))
    db.session.commit()
    return ticket


def bottom(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return box["y"] + box["height"]


def test_composer_and_main_actions_fit_the_first_screen_at_1280x900(browser_page, app, live_server, duty,
                                                                       busy_ticket):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, app, live_server, duty)
    page.goto(f"/desk/requests/{busy_ticket.number}")
    assert page.evaluate("window.scrollY") == 0
    for selector in ("#reply-body", "#reply-form button[type=submit]", "#kind-note", "#kind-documents",
                     "#take", "#assign-assignee", "#assign-form button[type=submit]", "#escalate > summary",
                     "#close-form button", "#time-left", "#assignee"):
        assert bottom(page, selector) <= 900, f"{selector} is below the first screen"
    # the side panel is beside the thread, not below it
    assert page.locator("#take").bounding_box()["x"] > page.locator("#reply-body").bounding_box()["x"] + 400
    # the thread scrolls in its own box, the latest message in view
    assert page.locator("#thread li").last.is_visible()
    assert page.locator("#thread").evaluate("e => e.scrollTop > 0 && e.scrollHeight > e.clientHeight")
    # one composer: the note's text box appears only when "internal note" is chosen
    assert not page.locator("#note-body").is_visible()
    page.get_by_label("Внутренняя заметка").check()
    expect(page.locator("#note-body")).to_be_visible()
    assert not page.locator("#reply-body").is_visible()
    assert bottom(page, "#note-form button[type=submit]") <= 900


def test_keyboard_shortcuts_and_never_while_typing(browser_page, app, live_server, duty, busy_ticket):
    from sep_plugins.tickets.models import Message

    from sep_core import db

    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, app, live_server, duty)
    page.goto(f"/desk/requests/{busy_ticket.number}")
    page.wait_for_load_state()
    assert page.locator("#shortcuts").get_by_text("Внутренняя заметка").count() == 1  # documented on the page
    page.keyboard.press("n")
    expect(page.locator("#note-body")).to_be_focused()
    page.keyboard.type("не трогать: t, r, d, g")  # letters while typing stay in the text box
    assert page.locator("#note-body").input_value() == "не трогать: t, r, d, g"
    assert page.url.endswith(busy_ticket.number)
    page.keyboard.press("Control+Enter")
    expect(page.locator(".flashes")).to_contain_text("Заметка сохранена")
    page.wait_for_load_state()  # the new page's script listens for the keys
    db.session.expire_all()
    assert db.session.execute(db.select(Message).filter_by(kind="note", body="не трогать: t, r, d, g")).scalar()
    page.keyboard.press("r")
    expect(page.locator("#reply-body")).to_be_focused()
    page.locator("#reply-body").fill("Черновик")
    page.locator("#reply-body").blur()
    page.keyboard.press("d")  # the draft moves with the composer's kind
    expect(page.locator("#documents-body")).to_be_focused()
    assert page.locator("#documents-body").input_value() == "Черновик"
    page.locator("#documents-body").fill("")
    page.locator("#documents-body").blur()
    page.keyboard.press("a")
    expect(page.locator("#assign-assignee")).to_be_focused()
    page.locator("#assign-assignee").blur()
    page.keyboard.press("e")
    expect(page.locator("#escalate-profile")).to_be_focused()
    page.locator("#escalate-profile").blur()
    page.keyboard.press("g")
    page.wait_for_url(re.compile(r".*/desk/?$"))


def test_queue_filter_bar_is_one_aligned_row_at_1280(browser_page, app, live_server, duty, busy_ticket):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, app, live_server, duty)
    page.goto("/desk")
    controls = page.locator(".filter-bar select, .filter-bar button, .filter-bar input[type=checkbox]")
    assert controls.count() == 6
    boxes = [controls.nth(i).bounding_box() for i in range(controls.count())]
    selects = boxes[:4]
    assert max(b["y"] for b in selects) - min(b["y"] for b in selects) <= 1  # one row, tops aligned
    aligned = [*selects, boxes[5]]  # the selects and the button end on one line
    assert max(b["y"] + b["height"] for b in aligned) - min(b["y"] + b["height"] for b in aligned) <= 6
    check = boxes[4]["y"] + boxes[4]["height"] / 2  # the checkbox sits within the row
    assert selects[0]["y"] <= check <= selects[0]["y"] + selects[0]["height"]
    assert page.locator("#queue").get_by_text("Сайт").count() >= 1  # the channel by its label
