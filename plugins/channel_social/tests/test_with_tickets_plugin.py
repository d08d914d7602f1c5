"""With the real requests plugin (``tickets``, enabled by name, used only through hooks and HTTP):
a linked, confirmed citizen's unanswerable Telegram question becomes a request, and the duty
specialist's answer on the desk reaches the chat as well as the citizen's e-mail."""

from __future__ import annotations

import re

import pytest
from sep_plugins.channel_social.testing import Answerer, make_user, post_tg, sign_in, tg_update

from sep_core import OutboxMessage
from sep_core.outbox import drain
from sep_core.plugins import installed_plugins

pytestmark = pytest.mark.skipif("tickets" not in installed_plugins(), reason="the tickets plugin is not installed")

QUESTION = "Почему не приходит уведомление о статусе?"


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)


def test_request_from_telegram_and_the_desk_answer_back_in_the_chat(make_app, fake_api, secrets_env):
    from sep_plugins.channel_social.testing import network_config

    app = make_app({"SEP_PLUGINS": ["tickets", "channel_social"],
                    "SEP_PLUGIN_CONFIG": {"channel_social": network_config(fake_api.url)},
                    "SEP_PUBLIC_URL": "https://help.example.ru"}, plugins=[("answerer", Answerer())])
    with app.app_context():
        citizen = make_user()
        browser = app.test_client()
        sign_in(browser, citizen)
        page = browser.get("/social/accounts").get_data(as_text=True)
        shown = browser.post("/social/accounts", data={"issue-csrf_token": hidden(page, "issue-csrf_token"),
                                                       "issue-action": "issue"}).get_data(as_text=True)
        code = re.search(r'id="link-code">([^<]+)<', shown).group(1)
        chat = app.test_client()
        post_tg(chat, tg_update(1, text=code))
        post_tg(chat, tg_update(2, text=QUESTION))
        drain()
        opened = fake_api.sent("/sendMessage")[-1]["body"]["text"]
        number = re.search(r"№ (\S+) ", opened).group(1)

        staff = app.test_client()
        sign_in(staff, make_user("duty@example.ru", role="duty"))
        detail = staff.get(f"/desk/requests/{number}")
        assert detail.status_code == 200, detail.status_code
        token = hidden(detail.get_data(as_text=True), "reply-csrf_token")
        response = staff.post(f"/desk/requests/{number}/reply",
                              data={"reply-csrf_token": token, "reply-body": "Уведомление отправлено повторно."})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        drain()
        last = fake_api.sent("/sendMessage")[-1]["body"]
        assert last["chat_id"] == "1111111"
        assert "Уведомление отправлено повторно." in last["text"] and number in last["text"]
        mails = [m for m in OutboxMessage.query.filter_by(kind="email") if citizen.email in m.payload_json]
        assert mails, "the citizen is also told by e-mail (tickets)"
