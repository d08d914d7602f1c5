"""Codes through a linked chat (sep_identity_channels, sep_send_code), the citizen's data in the
download (sep_user_data) and its erasure (sep_on_user_deleted)."""

from __future__ import annotations

import re

import pytest
from sep_plugins.channel_social.models import Conversation, Message
from sep_plugins.channel_social.testing import make_user, post_tg, sign_in, tg_update

from sep_core import current_state, db, identity_channels, send_code
from sep_core.outbox import drain


@pytest.fixture
def app(social):
    app = social()
    with app.app_context():
        yield app


def link_telegram(app, user) -> None:
    browser = app.test_client()
    sign_in(browser, user)
    page = browser.get("/social/accounts").get_data(as_text=True)
    token = re.search(r'name="issue-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    shown = browser.post("/social/accounts", data={"issue-csrf_token": token, "issue-action": "issue"})
    code = re.search(r'id="link-code">([^<]+)<', shown.get_data(as_text=True)).group(1)
    post_tg(app.test_client(), tg_update(1, text=code))


def test_codes_go_through_a_linked_chat_only(app, fake_api):
    linked, other = make_user(), make_user("other@example.ru")
    link_telegram(app, linked)
    assert "telegram" in identity_channels(linked)
    assert identity_channels(other) == []
    assert send_code(other, "telegram", "482915", "identity:1") is False
    assert send_code(linked, "telegram", "482915", "identity:1") is True
    db.session.commit()
    drain()
    assert "482915" in fake_api.sent("/sendMessage")[-1]["body"]["text"]
    assert not any("482915" in m.text for m in Message.query.all())  # masked for staff


test_hook_sep_identity_channels = test_codes_go_through_a_linked_chat_only
test_hook_sep_send_code = test_codes_go_through_a_linked_chat_only


def test_the_citizens_data_is_exported_and_erased(app, fake_api):
    citizen = make_user()
    link_telegram(app, citizen)
    post_tg(app.test_client(), tg_update(2, text="Где мой паспорт?"))
    someone = tg_update(3, text="Аноним", chat_id=555)  # someone else, unlinked
    someone["message"]["from"]["id"] = 555
    post_tg(app.test_client(), someone)
    hook = current_state().pm.hook
    [data] = [d for d in hook.sep_user_data(user=citizen) if d and "social_chats" in d]
    [chat] = data["social_chats"]
    assert chat["network"] == "telegram"
    assert "Где мой паспорт?" in [m["text"] for m in chat["messages"]]
    hook.sep_on_user_deleted(user=citizen, retention="anonymise")
    db.session.commit()
    assert [c.external_id for c in Conversation.query.all()] == ["555"]
    assert not any(m.text == "Где мой паспорт?" for m in Message.query.all())
    assert any(m.text == "Аноним" for m in Message.query.all())
