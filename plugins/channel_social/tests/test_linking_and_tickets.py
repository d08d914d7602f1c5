"""End to end through VK and Telegram: linking a chat to the cabinet with a one-time code (both
directions), a request opened for a linked, confirmed citizen when the bot cannot answer, and
staff replies to it reaching the chat."""

from __future__ import annotations

import re

import pytest
from sep_plugins.channel_social.models import Conversation, Message
from sep_plugins.channel_social.testing import (
    FakeTickets,
    TicketMessage,
    TicketRef,
    make_user,
    post_tg,
    post_vk,
    sign_in,
    tg_update,
    vk_event,
)

from sep_core import OutboxMessage, current_state, db, ui_slot
from sep_core.outbox import drain

CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b")
QUESTION = "Почему не приходит уведомление о статусе?"  # the test answerer is unsure about it


@pytest.fixture
def tickets():
    return FakeTickets()


@pytest.fixture
def app(social, tickets):
    app = social(plugins=[("tickets", tickets)])
    with app.app_context():
        yield app


def cabinet_code(client) -> str:
    page = client.get("/social/accounts")
    assert page.status_code == 200
    token = re.search(r'name="issue-csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/social/accounts", data={"issue-csrf_token": token, "issue-action": "issue"})
    return re.search(r'id="link-code">([^<]+)<', response.get_data(as_text=True)).group(1)


def redeem_in_cabinet(client, code: str):
    page = client.get("/social/accounts").get_data(as_text=True)
    token = re.search(r'name="redeem-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/social/accounts", data={"redeem-csrf_token": token, "redeem-code": code})


def last_text(fake_api, path_part: str) -> str:
    drain()
    call = fake_api.sent(path_part)[-1]
    return call["body"]["text"] if "text" in call["body"] else call["body"]["message"]


def test_hook_sep_open_ticket(app, fake_api, tickets):
    """Through Telegram, after linking from the cabinet: an unanswerable question opens a request."""
    citizen = make_user()
    browser = app.test_client()
    sign_in(browser, citizen)
    code = cabinet_code(browser)
    chat = app.test_client()
    post_tg(chat, tg_update(1, text=f"/link {code}"))
    reply = last_text(fake_api, "/sendMessage")
    assert code not in reply
    conversation = Conversation.query.one()
    assert conversation.user_id == citizen.id
    assert code not in " ".join(m.text for m in Message.query.all())  # codes are not kept
    post_tg(chat, tg_update(2, text=QUESTION))
    reply = last_text(fake_api, "/sendMessage")
    assert tickets.opened == [{"user_id": citizen.id, "subject": QUESTION, "text": QUESTION, "channel": "telegram",
                               "inquiry_id": tickets.opened[0]["inquiry_id"], "number": "2026-000001"}]
    assert tickets.opened[0]["inquiry_id"] is not None
    assert "2026-000001" in reply
    # an answerable question is still answered by the bot, not turned into a request
    post_tg(chat, tg_update(3, text="Что такое паспорт?"))
    assert last_text(fake_api, "/sendMessage") == "ЭПТС — электронный паспорт."
    assert len(tickets.opened) == 1


def test_hook_sep_on_ticket_message(app, fake_api, tickets):
    """Staff replies to a request opened from a chat reach that chat, once; notes and the citizen's
    own messages do not."""
    citizen = make_user()
    browser = app.test_client()
    sign_in(browser, citizen)
    post_tg(app.test_client(), tg_update(1, text=cabinet_code(browser)))  # a bare code works too
    post_tg(app.test_client(), tg_update(2, text=QUESTION))
    drain()
    before = len(fake_api.sent("/sendMessage"))
    hook = current_state().pm.hook
    ticket = TicketRef(id=1, number="2026-000001")
    hook.sep_on_ticket_message(ticket=ticket, message=TicketMessage(id=10, body="Заметка", internal=True))
    hook.sep_on_ticket_message(ticket=ticket, message=TicketMessage(id=11, body="Спасибо", from_staff=False))
    for _ in range(2):  # a repeated broadcast does not repeat the message
        hook.sep_on_ticket_message(ticket=ticket, message=TicketMessage(id=12, body="Документы получены."))
    hook.sep_on_ticket_message(ticket=TicketRef(id=99, number="2026-000099"),
                               message=TicketMessage(id=13, body="Чужая заявка"))
    db.session.commit()
    assert drain().sent == 1
    calls = fake_api.sent("/sendMessage")[before:]
    assert len(calls) == 1
    assert "Документы получены." in calls[0]["body"]["text"] and "2026-000001" in calls[0]["body"]["text"]
    assert calls[0]["body"]["chat_id"] == "1111111"


def test_linking_from_the_vk_chat_and_a_request_through_vk(app, fake_api, tickets):
    citizen = make_user()
    chat = app.test_client()
    post_vk(chat, vk_event("v1", text="/link"))
    code = CODE.search(last_text(fake_api, "/method/messages.send")).group(1)
    browser = app.test_client()
    sign_in(browser, citizen)
    response = redeem_in_cabinet(browser, code.lower().replace("-", ""))
    assert response.status_code == 302
    page = browser.get("/social/accounts").get_data(as_text=True)
    assert "ВКонтакте" in page
    post_vk(chat, vk_event("v2", text=QUESTION))
    reply = last_text(fake_api, "/method/messages.send")
    assert "2026-000001" in reply
    assert tickets.opened[0]["channel"] == "vk"
    # staff answer in the request reaches VK with a fresh random_id
    current_state().pm.hook.sep_on_ticket_message(ticket=TicketRef(1, "2026-000001"),
                                                   message=TicketMessage(id=1, body="Готово."))
    db.session.commit()
    assert "Готово." in last_text(fake_api, "/method/messages.send")
    ids = [c["body"]["random_id"] for c in fake_api.sent("/method/messages.send")]
    assert len(set(ids)) == len(ids)


def test_an_unlinked_chat_gets_a_request_link_and_no_request(app, fake_api, tickets):
    post_tg(app.test_client(), tg_update(1, text=QUESTION))
    reply = last_text(fake_api, "/sendMessage")
    assert "https://help.example.ru/requests/new" in reply
    assert "/link" in reply
    assert tickets.opened == []


def test_a_linked_but_unconfirmed_citizen_gets_a_request_link(app, fake_api, tickets):
    citizen = make_user(confirmed=False)
    browser = app.test_client()
    sign_in(browser, citizen)
    post_vk(app.test_client(), vk_event("u1", text=cabinet_code(browser)))
    assert Conversation.query.one().user_id == citizen.id
    post_vk(app.test_client(), vk_event("u2", text=QUESTION))
    assert "https://help.example.ru/requests/new" in last_text(fake_api, "/method/messages.send")
    assert tickets.opened == []


def test_without_a_requests_plugin_a_linked_citizen_gets_the_link(social, fake_api):
    app = social()
    with app.app_context():
        citizen = make_user()
        browser = app.test_client()
        sign_in(browser, citizen)
        post_tg(app.test_client(), tg_update(1, text=cabinet_code(browser)))
        post_tg(app.test_client(), tg_update(2, text=QUESTION))
        reply = last_text(fake_api, "/sendMessage")
        assert "https://help.example.ru/requests/new" in reply and "/link" not in reply


def test_wrong_codes_are_limited_per_chat(app, fake_api):
    citizen = make_user()
    browser = app.test_client()
    sign_in(browser, citizen)
    chat = app.test_client()
    for n in range(5):
        post_tg(chat, tg_update(100 + n, text=f"/link ZZZZ-ZZZ{n + 2}"))
    code = cabinet_code(browser)
    post_tg(chat, tg_update(200, text=f"/link {code}"))
    assert Conversation.query.one().user_id is None


def test_wrong_codes_are_limited_per_account(app, fake_api):
    post_vk(app.test_client(), vk_event("w0", text="/link"))
    code = CODE.search(last_text(fake_api, "/method/messages.send")).group(1)
    browser = app.test_client()
    sign_in(browser, make_user())
    for n in range(5):
        response = redeem_in_cabinet(browser, f"ZZZZ-ZZZ{n + 2}")
        assert response.status_code == 422
    assert redeem_in_cabinet(browser, code).status_code == 422
    assert Conversation.query.one().user_id is None


def test_codes_expire_and_are_single_use(app, fake_api, clock):
    citizen, other = make_user(), make_user("other@example.ru")
    browser = app.test_client()
    sign_in(browser, citizen)
    code = cabinet_code(browser)
    clock.advance(minutes=16)
    post_tg(app.test_client(), tg_update(1, text=f"/link {code}"))
    assert Conversation.query.one().user_id is None
    code = cabinet_code(browser)
    post_tg(app.test_client(), tg_update(2, text=f"/link {code}"))
    assert Conversation.query.one().user_id == citizen.id
    post_vk(app.test_client(), vk_event("s1", text=f"/link {code}"))  # used already
    assert Conversation.query.filter_by(channel="vk").one().user_id is None
    assert other.id != citizen.id


def test_group_chats_cannot_be_linked(app, fake_api):
    browser = app.test_client()
    sign_in(browser, make_user())
    code = cabinet_code(browser)
    post_vk(app.test_client(), vk_event("g1", text=f"/link {code}", peer_id=2_000_000_005))
    assert Conversation.query.one().user_id is None
    post_tg(app.test_client(), tg_update(1, text="/link", chat_id=-100, chat_type="group"))
    assert not CODE.search(last_text(fake_api, "/sendMessage"))


def test_an_ordinary_question_is_not_taken_for_a_code(app, fake_api):
    post_tg(app.test_client(), tg_update(1, text="question"))
    post_tg(app.test_client(), tg_update(2, text="Код 12 не подходит"))
    assert OutboxMessage.query.count() == 2
    assert [m.kind for m in Message.query.filter_by(direction="in").order_by(Message.id)] == ["question", "question"]


def test_cabinet_section_and_unlinking(app, fake_api):
    citizen = make_user()
    browser = app.test_client()
    sign_in(browser, citizen)
    post_tg(app.test_client(), tg_update(1, text=cabinet_code(browser)))
    with app.test_request_context("/cabinet"):
        from flask_login import login_user

        login_user(citizen)
        section = str(ui_slot("cabinet_sections", user=citizen))
    assert "Telegram" in section and "/social/accounts" in section
    page = browser.get("/social/accounts").get_data(as_text=True)
    conversation_id = Conversation.query.one().id
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = browser.post("/social/accounts/unlink", data={"csrf_token": token, "conversation_id": conversation_id})
    assert response.status_code == 302
    db.session.expire_all()
    assert Conversation.query.one().user_id is None


def test_someone_else_cannot_unlink_my_chat(app, fake_api):
    citizen, intruder = make_user(), make_user("intruder@example.ru")
    browser = app.test_client()
    sign_in(browser, citizen)
    post_tg(app.test_client(), tg_update(1, text=cabinet_code(browser)))
    other = app.test_client()
    sign_in(other, intruder)
    page = other.get("/social/accounts").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is None  # nothing to unlink on the intruder's page
    issue = re.search(r'name="issue-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    other.post("/social/accounts/unlink", data={"csrf_token": issue, "conversation_id": Conversation.query.one().id})
    db.session.expire_all()
    assert Conversation.query.one().user_id == citizen.id


def test_anonymous_visitors_cannot_reach_the_accounts_page(app):
    assert app.test_client().get("/social/accounts").status_code in (302, 401)


def test_chat_replies_are_in_russian_by_default(app, fake_api):
    post_tg(app.test_client(), tg_update(1, text=QUESTION))
    assert last_text(fake_api, "/sendMessage").startswith("Я не нашёл точного ответа")


def test_the_accounts_page_in_english(app):
    browser = app.test_client()
    sign_in(browser, make_user())
    page = browser.get("/social/accounts?lang=en").get_data(as_text=True)
    assert "Social network accounts" in page
    assert "Аккаунты в социальных сетях" in browser.get("/social/accounts").get_data(as_text=True)


def test_a_linked_citizen_writing_in_a_group_gets_no_request_and_no_private_replies_there(app, fake_api, tickets):
    browser = app.test_client()
    sign_in(browser, make_user())
    post_tg(app.test_client(), tg_update(1, text=cabinet_code(browser)))
    group = tg_update(2, text=QUESTION, chat_id=-100500, chat_type="group")
    group["message"]["from"]["id"] = 1111111  # the same person, in a group chat
    post_tg(app.test_client(), group)
    assert "https://help.example.ru/requests/new" in last_text(fake_api, "/sendMessage")
    assert tickets.opened == []
    assert Conversation.query.count() == 2
    post_tg(app.test_client(), tg_update(3, text=QUESTION))  # privately: a request
    current_state().pm.hook.sep_on_ticket_message(ticket=TicketRef(1, "2026-000001"),
                                                   message=TicketMessage(id=1, body="Ответ специалиста"))
    db.session.commit()
    drain()
    to_group = [c for c in fake_api.sent("/sendMessage") if c["body"]["chat_id"] == "-100500"]
    assert len(to_group) == 1 and "Ответ специалиста" not in to_group[0]["body"]["text"]
    assert "Ответ специалиста" in fake_api.sent("/sendMessage")[-1]["body"]["text"]


def test_staff_replies_are_in_the_citizens_language_not_the_staff_members(app, fake_api, tickets):
    browser = app.test_client()
    sign_in(browser, make_user())
    post_tg(app.test_client(), tg_update(1, text=cabinet_code(browser)))
    post_tg(app.test_client(), tg_update(2, text=QUESTION))
    with app.test_request_context("/desk?lang=en"):  # a staff member reading the desk in English
        current_state().pm.hook.sep_on_ticket_message(ticket=TicketRef(1, "2026-000001"),
                                                       message=TicketMessage(id=3, body="Готово."))
        db.session.commit()
    assert last_text(fake_api, "/sendMessage").startswith("Ответ по вашей заявке № 2026-000001")


def test_vk_901_tells_a_linked_citizen_by_e_mail(app, fake_api):
    from sep_plugins.channel_social.testing import Reply

    citizen = make_user()
    browser = app.test_client()
    sign_in(browser, citizen)
    post_vk(app.test_client(), vk_event("m1", text=cabinet_code(browser)))
    drain()
    fake_api.answer(Reply(200, {"error": {"error_code": 901, "error_msg": "Can't send messages"}}))
    post_vk(app.test_client(), vk_event("m2", text="Что такое паспорт?"))
    assert drain().failed == 1
    [mail] = OutboxMessage.query.filter_by(kind="email").all()
    assert mail.payload["to"] == citizen.email
    assert "ЭПТС — электронный паспорт." in mail.payload["body"]
    assert "https://help.example.ru/requests/new" in mail.payload["body"]
    assert Conversation.query.one().status == "no_messages"


def test_a_failing_requests_plugin_still_leaves_the_citizen_a_way_forward(social, fake_api):
    from sep_core import hookimpl

    class Broken:
        @hookimpl
        def sep_open_ticket(self, user, subject, text, channel, inquiry):
            from sep_core import User

            db.session.add(User(email=None, phone=None, role="citizen", session_token="half-written"))
            db.session.flush()
            raise RuntimeError("numbering service down")

    app = social(plugins=[("tickets", Broken())])
    with app.app_context():
        browser = app.test_client()
        sign_in(browser, make_user())
        post_tg(app.test_client(), tg_update(1, text=cabinet_code(browser)))
        response = post_tg(app.test_client(), tg_update(2, text=QUESTION))
        assert response.status_code == 200
        assert "https://help.example.ru/requests/new" in last_text(fake_api, "/sendMessage")
        from sep_core import User

        assert User.query.filter_by(session_token="half-written").count() == 0  # rolled back
