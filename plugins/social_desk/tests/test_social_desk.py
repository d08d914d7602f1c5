"""Staff answer a VK and a Telegram chat end to end against a local fake platform API (the reply
goes through the outbox and the channel's send rate), see the history, turn a linked chat into a
request (answers on it come back to the chat), and filter the desk by the chat's channel."""

from __future__ import annotations

import pytest
from sep_plugins.channel_social.testing import post_tg, post_vk, tg_update, vk_event

from sep_core import AuditEntry, conversations, db
from sep_core.testing import create_user, csrf_token, deliver_outbox, sign_in


def staff_client(app):
    client = app.test_client()
    sign_in(client, create_user("duty@example.ru", role="duty"))
    return client


@pytest.mark.parametrize(("network", "post", "event", "path"), [
    ("vk", post_vk, lambda: vk_event("e1", text="Не приходит код подтверждения"), "/method/messages.send"),
    ("telegram", post_tg, lambda: tg_update(1, text="Не приходит код подтверждения"), "/sendMessage"),
])
def test_staff_answer_a_chat_end_to_end(app, fake_api, network, post, event, path):
    assert post(app.test_client(), event()).status_code == 200
    deliver_outbox()  # the bot's own answer (a link to the request form)
    conversation = db.session.execute(db.select(conversations.Conversation).filter_by(channel=network)).scalar_one()
    staff = staff_client(app)
    page = staff.get(f"/staff/social/{conversation.id}").get_data(as_text=True)
    assert "Не приходит код подтверждения" in page and 'id="social-reply"' in page
    before = len(fake_api.sent(path))
    response = staff.post(f"/staff/social/{conversation.id}/reply",
                          data={"social-reply-csrf_token": csrf_token(staff), "social-reply-body":
                                "Проверьте папку «Спам»; код действует 10 минут."})
    assert response.status_code == 302
    assert deliver_outbox().sent == 1
    sent = fake_api.sent(path)[before:]
    assert len(sent) == 1 and "Проверьте папку «Спам»" in str(sent[0]["body"])
    page = staff.get(f"/staff/social/{conversation.id}").get_data(as_text=True)
    assert "Проверьте папку «Спам»" in page  # the history shows it, delivered
    assert db.session.execute(db.select(AuditEntry).filter_by(action="reply")).scalar_one()


def test_the_reply_waits_for_the_send_rate(app, fake_api, clock):
    post_tg(app.test_client(), tg_update(1, text="Вопрос"))
    conversation = db.session.execute(db.select(conversations.Conversation)).scalar_one()
    staff = staff_client(app)
    token = csrf_token(staff)
    for i in range(3):
        staff.post(f"/staff/social/{conversation.id}/reply", data={"social-reply-csrf_token": token,
                                                                   "social-reply-body": f"Ответ {i}"})
    app.extensions["sep"].channels["telegram"].settings["recipient_rate_per_minute"] = 2
    report = deliver_outbox()  # the bot's answer and 3 replies, 2 a minute to one chat: 2 wait
    assert (report.sent, report.retried, report.failed) == (2, 2, 0)
    later = deliver_outbox(clock)  # the next minute: the rest go, no attempt lost
    assert (later.sent, later.failed) == (2, 0) and len(fake_api.sent("/sendMessage")) == 4


def test_turn_a_linked_chat_into_a_request(app, fake_api):
    from sep_plugins.tickets.models import Ticket

    post_vk(app.test_client(), vk_event("e1", text="Выписка не скачивается"))
    conversation = db.session.execute(db.select(conversations.Conversation)).scalar_one()
    staff = staff_client(app)
    response = staff.post(f"/staff/social/{conversation.id}/request",
                          data={"social-request-csrf_token": csrf_token(staff), "social-request-subject": "Выписка"})
    assert response.status_code == 302
    html = staff.get(f"/staff/social/{conversation.id}").get_data(as_text=True)
    assert "не привязан к подтверждённой учётной записи" in html  # not linked: refused, clearly
    assert db.session.execute(db.select(Ticket)).first() is None

    citizen = create_user("ivan@example.ru")
    conversation.user_id = citizen.id
    db.session.commit()
    response = staff.post(f"/staff/social/{conversation.id}/request",
                          data={"social-request-csrf_token": csrf_token(staff), "social-request-subject": "Выписка"})
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    assert (ticket.channel, ticket.user_id, ticket.subject) == ("vk", citizen.id, "Выписка")
    assert "Выписка не скачивается" in ticket.description
    deliver_outbox()
    assert any(ticket.number in str(r["body"]) for r in fake_api.sent("/method/messages.send"))
    # The desk filters requests by the chat's channel.
    desk = staff.get("/desk/?channel=vk").get_data(as_text=True)
    assert ticket.number in desk and '<option value="vk" selected' in desk
    assert ticket.number not in staff.get("/desk/?channel=web").get_data(as_text=True)
    # A staff answer on the request comes back to the chat.
    staff.post(f"/desk/requests/{ticket.number}/reply", data={"csrf_token": csrf_token(staff),
                                                              "reply-body": "Выписка готова в кабинете."},
               content_type="multipart/form-data")
    deliver_outbox()
    assert any("Выписка готова в кабинете." in str(r["body"]) for r in fake_api.sent("/method/messages.send"))


def test_a_closed_chat_and_outsiders_are_refused(app, fake_api):
    post_tg(app.test_client(), tg_update(1, text="Вопрос"))
    conversation = db.session.execute(db.select(conversations.Conversation)).scalar_one()
    conversation.status = conversations.CLOSED
    db.session.commit()
    staff = staff_client(app)
    staff.post(f"/staff/social/{conversation.id}/reply", data={"social-reply-csrf_token": csrf_token(staff),
                                                               "social-reply-body": "Ответ"})
    assert "не принимает сообщения" in staff.get(f"/staff/social/{conversation.id}").get_data(as_text=True)
    citizen = app.test_client()
    sign_in(citizen, create_user("ivan@example.ru"))
    assert citizen.post(f"/staff/social/{conversation.id}/reply",
                        data={"social-reply-csrf_token": csrf_token(citizen)}).status_code == 403
    visitor = app.test_client()
    assert visitor.post(f"/staff/social/{conversation.id}/reply",
                        data={"social-reply-csrf_token": csrf_token(visitor)}).status_code == 401
    assert visitor.post(f"/staff/social/{conversation.id}/reply").status_code == 400  # no CSRF token
    assert staff.post("/staff/social/999/reply", data={"social-reply-csrf_token": csrf_token(staff)}
                      ).status_code == 404


def test_hook_sep_ui_conversation_panels(app):
    post_tg(app.test_client(), tg_update(1, text="Вопрос"))
    conversation = db.session.execute(db.select(conversations.Conversation)).scalar_one()
    html = staff_client(app).get(f"/staff/social/{conversation.id}?lang=en").get_data(as_text=True)
    assert "Answer in the chat" in html and "Turn into a request" in html
