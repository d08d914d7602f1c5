"""The staff reply form on a chat's page in headless Chromium: by keyboard, on a 360 px phone."""

from __future__ import annotations

import pytest
from sep_plugins.channel_social.testing import post_tg, tg_update

from sep_core import OutboxMessage, conversations, db
from sep_core.testing import create_user

pytestmark = pytest.mark.browser


def sign_in(page, app, live_server, user) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url}])


def test_staff_reply_by_keyboard_on_a_phone(app, browser_page, live_server):
    post_tg(app.test_client(), tg_update(1, text="Вопрос про выписку"))
    conversation = db.session.execute(db.select(conversations.Conversation)).scalar_one()
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, app, live_server, create_user("duty@example.ru", role="duty"))
    page.goto(f"/staff/social/{conversation.id}")
    box = page.get_by_role("textbox", name="Ответ в чат")
    box.focus()
    page.keyboard.type("Выписка доступна в личном кабинете.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Отправить в чат"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Ответ поставлен в очередь" in page.inner_text("main")
    assert "Выписка доступна в личном кабинете." in page.locator("#messages").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the bot's long link wraps too
    assert db.session.execute(db.select(OutboxMessage).filter_by(kind="telegram")).scalars().all()
