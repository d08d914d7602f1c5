"""The core's conversational channel base, used by a channel that is not channel_social (which
is not enabled here): conversations visible to staff, linking by one-time code, a request opened
through sep_open_ticket with the staff reply sent back, per-recipient send rate, personal data,
the reply helper and its locale, and the migration that adopts channel_social's tables."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import inspect, text

from sep_core import (
    Answer,
    AuditEntry,
    ConversationalChannel,
    InboundEvent,
    OutboxMessage,
    conversations,
    db,
    hookimpl,
    id_of,
    reply_text,
    text_of,
)
from sep_core.testing import FakeResponse, assert_nothing_stored, create_user, deliver_outbox, sign_in

pytestmark = pytest.mark.sep_plugins("channel_web")


class Chatly(ConversationalChannel):
    name = "chatly"
    title = "Chatly"
    rate_per_second = 50

    def verify(self, body, headers):
        return headers.get("X-Secret") == "s"

    def events(self, data, headers):
        return [InboundEvent(event_id=id_of(data["id"]), sender=id_of(data["user"]), reply_to=id_of(data["chat"]),
                             text=text_of(data.get("text")), meta={"private": data.get("private", True)})]

    def send(self, payload):
        from sep_core import JsonHttp

        JsonHttp(self.settings["api_url"], 2).request(
            "POST", "/send", json_body={"chat": payload["to"], "text": payload["text"]}).raise_for_delivery("Chatly")


class Plugin:
    def __init__(self, settings):
        self.settings = settings

    @hookimpl
    def sep_register_channels(self, app):
        return [Chatly(app, self.settings)]

    @hookimpl
    def sep_answer(self, inquiry):
        if "паспорт" in inquiry.text.lower():
            return [Answer(source="test", confidence=0.9, fragment_text="ЭПТС — электронный паспорт.")]
        return []


class Tickets:
    def __init__(self):
        self.opened = []

    @hookimpl
    def sep_open_ticket(self, user, subject, text, channel, inquiry):
        self.opened.append((user.id, text, channel))
        return {"id": 41, "number": "2026-000041"}


@pytest.fixture
def chat_app(make_app, fake_http_api):
    tickets = Tickets()
    app = make_app({"SEP_PUBLIC_URL": "https://help.example.ru"},
                   plugins=[("chatly", Plugin({"api_url": fake_http_api.url})), ("tickets", tickets)])
    app.tickets = tickets
    with app.app_context():
        yield app


def post(app, event_id, text, user=7, chat=70, secret="s", **extra):  # noqa: S107
    body = json.dumps({"id": event_id, "user": user, "chat": chat, "text": text, **extra}).encode()
    return app.test_client().post("/hooks/chatly", data=body, headers={"X-Secret": secret},
                                  content_type="application/json")


def last_text(api) -> str:
    return api.sent("/send")[-1]["body"]["text"]


def link(app, api, user) -> None:
    post(app, 900, "/link")
    deliver_outbox()
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", last_text(api)).group(0)
    browser = sign_in(app.test_client(), user)
    page = browser.get("/social/accounts").get_data(as_text=True)
    token = re.search(r'name="redeem-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert browser.post("/social/accounts", data={"redeem-csrf_token": token, "redeem-code": code}).status_code == 302


def test_a_chat_is_answered_and_shown_to_staff(chat_app, fake_http_api):
    assert post(chat_app, 1, "Что такое паспорт?").status_code == 200
    assert deliver_outbox().sent == 1
    assert fake_http_api.sent("/send")[0]["body"] == {"chat": "70", "text": "ЭПТС — электронный паспорт."}
    staff = sign_in(chat_app.test_client(), create_user("duty@example.ru", role="duty"))
    listing = staff.get("/staff/social").get_data(as_text=True)
    assert "Chatly" in listing
    conversation = conversations.Conversation.query.one()
    history = staff.get(f"/staff/social/{conversation.id}").get_data(as_text=True)
    assert "Что такое паспорт?" in history and "ЭПТС — электронный паспорт." in history
    assert {e.action for e in AuditEntry.query.all()} >= {"list", "view"}
    editor = sign_in(chat_app.test_client(), create_user("kb@example.ru", role="kb_editor"))
    assert editor.get(f"/staff/social/{conversation.id}").status_code == 403


def test_linking_then_a_request_opened_and_the_staff_reply_sent_back(chat_app, fake_http_api):
    citizen = create_user()
    post(chat_app, 2, "Куда пропала моя заявка?")  # not linked yet: the request form's link
    deliver_outbox()
    assert "https://help.example.ru/requests/new" in last_text(fake_http_api)
    link(chat_app, fake_http_api, citizen)
    assert conversations.Conversation.query.one().user_id == citizen.id
    post(chat_app, 3, "Куда пропала моя заявка?")
    deliver_outbox()
    assert chat_app.tickets.opened == [(citizen.id, "Куда пропала моя заявка?", "chatly")]
    assert "2026-000041" in last_text(fake_http_api)
    hook = chat_app.extensions["sep"].pm.hook
    hook.sep_on_ticket_message(ticket={"id": 41, "number": "2026-000041"},
                               message={"id": 5, "body": "Заявка в работе.", "from_staff": True})
    db.session.commit()
    deliver_outbox()
    assert "Заявка в работе." in last_text(fake_http_api)


def test_no_linking_or_requests_in_a_group_chat(chat_app, fake_http_api):
    post(chat_app, 4, "/link", private=False)
    deliver_outbox()
    assert "private chat" in last_text(fake_http_api) or "личном" in last_text(fake_http_api)


@pytest.mark.sep_plugins("channel_web")
def test_the_send_rate_per_recipient_holds_replies_back_without_using_attempts(make_app, fake_http_api, clock):
    settings = {"api_url": fake_http_api.url, "recipient_rate_per_minute": 1}
    app = make_app(plugins=[("chatly", Plugin(settings))])
    with app.app_context():
        post(app, 1, "паспорт?")
        post(app, 2, "паспорт!")
        post(app, 3, "паспорт.", chat=71, user=8)  # another chat is not held back
        report = deliver_outbox()
        assert (report.sent, report.retried) == (2, 1)
        held = OutboxMessage.query.filter_by(status="pending").one()
        assert held.attempts == 0 and "rate limit" in held.last_error
        assert deliver_outbox(clock).sent == 1  # the clock moves to the next window
        assert [r["body"]["chat"] for r in fake_http_api.sent("/send")] == ["70", "71", "70"]


def test_retry_after_as_a_date_under_the_frozen_clock(chat_app, fake_http_api, clock):
    clock.set("2026-03-02T10:00:00")  # 07:00 UTC
    fake_http_api.respond(FakeResponse(429, headers={"Retry-After": "Mon, 02 Mar 2026 07:05:00 GMT"}), 503)
    post(chat_app, 5, "паспорт?")
    report = deliver_outbox(clock)
    assert (report.sent, report.retried) == (1, 2)
    # waited for the date (10:05), then the backoff of the 503 (30 s doubled for the 2nd attempt)
    assert clock().strftime("%H:%M:%S") == "10:06:00"


def test_forged_and_foreign_bodies_store_nothing(chat_app):
    assert post(chat_app, 6, "паспорт", secret="nope").status_code == 403
    assert chat_app.test_client().post("/hooks/chatly", data=b'{"id": 7}', headers={"X-Secret": "s"}).status_code == 400
    assert_nothing_stored()


def test_the_citizens_chats_are_exported_and_erased(chat_app, fake_http_api):
    citizen = create_user()
    link(chat_app, fake_http_api, citizen)
    post(chat_app, 8, "Мой паспорт?")
    post(chat_app, 9, "Аноним", user=9, chat=90)
    hook = chat_app.extensions["sep"].pm.hook
    [data] = [d for d in hook.sep_user_data(user=citizen) if d and "social_chats" in d]
    assert "Мой паспорт?" in [m["text"] for m in data["social_chats"][0]["messages"]]
    hook.sep_on_user_deleted(user=citizen, retention="anonymise")
    db.session.commit()
    assert [c.external_id for c in conversations.Conversation.query.all()] == ["9"]


def test_the_reply_helper_speaks_the_citizens_language(chat_app):
    from sep_core import Availability, Inquiry, InquiryResult, Route, RouteAction

    result = InquiryResult(inquiry=Inquiry(channel="chatly", text="?"), answers=[],
                           availability=Availability(service="bot", open=True), route=Route(RouteAction.TICKET))
    english = create_user("en@example.ru", locale="en")
    with chat_app.test_request_context("/hooks/chatly?lang=ru"):
        assert reply_text(result, user=english).startswith("I could not find")
        russian = reply_text(result)
        assert "https://help.example.ru/requests/new" in russian and not russian.startswith("I could")
        closed = InquiryResult(inquiry=result.inquiry, answers=[], route=Route(RouteAction.UNAVAILABLE),
                               availability=Availability(service="bot", open=False, message="Техработы до 18:00."))
        assert reply_text(closed).startswith("Техработы до 18:00.")


def test_without_a_chat_channel_the_core_adds_no_pages_or_hooks(make_app):
    app = make_app()
    with app.app_context():
        assert app.test_client().get("/staff/social").status_code == 404
        assert app.extensions["sep"].pm.get_plugin("sep_core.conversations") is None


# --- migrations ----------------------------------------------------------------------------------


def test_a_database_made_by_the_old_channel_social_keeps_its_chats(make_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sep_core.migrate import current_heads, upgrade

    app = make_app({"SEP_PLUGINS": None}, create_tables=False)  # every built-in, channel_social too
    with app.app_context():
        upgrade(app, "core_0001")  # a deployment from before the move: channel_social made the tables
        moved = {model.__tablename__ for model in (conversations.Conversation, conversations.Message,
                                                    conversations.LinkCode, conversations.LinkFailure,
                                                    conversations.TicketLink)}
        tables = [t for t in db.metadata.sorted_tables if t.name in moved]
        db.metadata.create_all(db.engine, tables=tables)
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO channel_social_conversations (channel, external_id, reply_to, "
                                    "display_name, private, status, created_at, last_message_at) VALUES "
                                    "('vk', '5', '5', '', true, 'open', '2026-01-01', '2026-01-01')"))
        upgrade(app)
        assert {"core_0004", "channel_social_0001"} <= current_heads(app)
        assert conversations.Conversation.query.one().external_id == "5"
        assert "channel_social_quota" in inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []


def test_the_locale_inside_a_webhook_is_the_citizens_not_the_platforms(chat_app, fake_http_api):
    body = json.dumps({"id": 11, "user": 7, "chat": 70, "text": "Где заявка?"}).encode()
    chat_app.test_client().post("/hooks/chatly?lang=en", data=body, content_type="application/json",
                                headers={"X-Secret": "s", "Accept-Language": "en"})
    deliver_outbox()
    assert last_text(fake_http_api).startswith("Я не нашёл")  # not the ?lang=en of the request
    link(chat_app, fake_http_api, create_user("en@example.ru", locale="en"))
    post(chat_app, 12, "Где заявка?")
    deliver_outbox()
    assert last_text(fake_http_api).startswith("Your request No.")  # opened for the English citizen
    from sep_core import InquiryLog

    assert InquiryLog.query.order_by(InquiryLog.id.desc()).first().locale == "en"


def test_sep_plugins_all_lists_the_internal_plugin_of_chat_channels(chat_app):
    from sep_core.cli import main as sep_cli

    rows = json.loads(chat_app.test_cli_runner().invoke(sep_cli, ["plugins", "--json", "--all"]).output)
    internal = next(r for r in rows if r["name"] == "sep_core.conversations")
    assert {"sep_on_ticket_message", "sep_send_code", "sep_user_data", "sep_on_user_deleted"} <= set(internal["hooks"])


def test_a_reply_held_back_by_the_channel_rate_spends_none_of_the_chats_budget(make_app, fake_http_api, clock):
    settings = {"api_url": fake_http_api.url, "rate_per_second": 1, "recipient_rate_per_minute": 2}
    app = make_app(plugins=[("chatly", Plugin(settings))])
    with app.app_context():
        clock.set("2026-03-02T10:00:00")
        for event_id in (1, 2):
            post(app, event_id, "паспорт?")
        assert (deliver_outbox().sent, len(fake_http_api.sent("/send"))) == (1, 1)  # the channel's 1/s
        clock.advance(seconds=1)
        assert deliver_outbox().sent == 1  # the chat's budget (2/min) was not spent by the wait
