"""The events from the real hooks of the request service, the pipeline and identity checks:
one body per event built in the cause's transaction, delivered signed, with no personal data."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sep_plugins.webhooks_out.models import Delivery

from sep_core import Inquiry, OutboxMessage, db, handle_inquiry
from sep_core.testing import create_user, deliver_outbox

pytestmark = [pytest.mark.sep_plugins("tickets", "webhooks_out"),
              pytest.mark.sep_plugin_config("webhooks_out", {"allow_private_targets": True}),
              pytest.mark.sep_config("SEP_PUBLIC_URL", "https://help.example.ru")]

PERSONAL = ("Иванова", "Мария", "citizen@example.ru", "+7916", "Паспорт транспортного средства", "секретный")


def subscribe(receiver, *events):
    from sep_plugins.webhooks_out import service

    subscription, _ = service.add(receiver.url, list(events), "test", None)
    db.session.commit()
    receiver.secret = subscription.secret
    return subscription


def file_ticket(citizen, commit=True):
    from sep_plugins.tickets import service

    return service.create_ticket(user=citizen, category=None, channel="web", commit=commit, fields={
        "surname": "Иванова", "first_name": "Мария", "email": citizen.email, "phone": citizen.phone,
        "subject": "Паспорт транспортного средства", "description": "Мой секретный номер ПТС 77УУ123456"})


def events_of(receiver):
    return [json.loads(r["raw"]) for r in receiver.requests if r["verdict"] == "processed"]


def test_ticket_events_carry_numbers_and_statuses_but_no_personal_data(app, receivers, real_time):
    from sep_plugins.tickets import service

    receiver = receivers()
    subscribe(receiver, "ticket.created", "ticket.status_changed", "ticket.message")
    citizen = create_user()
    staff = create_user("duty@example.ru", role="duty")
    ticket = file_ticket(citizen)
    service.answer(ticket, staff, "Ответ: ваш секретный номер принят")
    deliver_outbox()
    events = events_of(receiver)
    assert sorted(e["type"] for e in events) == ["ticket.created", "ticket.message", "ticket.status_changed"]
    by_type = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    created = by_type["ticket.created"][0]["data"]["ticket"]
    assert created["number"] == ticket.number and created["status"] == "new" and created["channel"] == "web"
    assert created["links"] == {"desk": f"https://help.example.ru/desk/requests/{ticket.number}",
                                "api": f"https://help.example.ru/api/v1/desk/tickets/{ticket.number}"}
    assert created["due_at"].endswith("Z") and created["created_at"].endswith("Z")
    changed = by_type["ticket.status_changed"][0]["data"]
    assert (changed["old_status"], changed["new_status"]) == ("new", "answered")
    assert changed["ticket"]["status"] == "answered"
    reply = [e["data"]["message"] for e in by_type["ticket.message"] if e["data"]["message"]["kind"] == "reply"]
    assert len(reply) == 1 and reply[0]["internal"] is False and isinstance(reply[0]["id"], int)
    everything = b"".join(r["raw"] for r in receiver.requests).decode()
    for personal in PERSONAL:
        assert personal not in everything
    # every request was verified by the independent library, and each event has its own id
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == len(receiver.requests)


def test_an_event_whose_cause_is_rolled_back_is_never_sent(app, receivers, real_time):
    receiver = receivers()
    subscribe(receiver, "ticket.created")
    file_ticket(create_user(), commit=False)
    assert db.session.query(Delivery).count() == 1  # queued in the cause's transaction ...
    db.session.rollback()                             # ... which fails
    assert db.session.query(Delivery).count() == 0 and OutboxMessage.query.count() == 0
    assert deliver_outbox().handled == 0 and receiver.requests == []


def test_only_subscribed_types_are_sent(app, receivers, real_time):
    receiver = receivers()
    subscribe(receiver, "ticket.status_changed")
    file_ticket(create_user())
    deliver_outbox()  # the citizen's e-mail only
    assert db.session.query(Delivery).count() == 0 and receiver.requests == []


def test_an_unanswered_question_is_an_event_without_its_text(app, receivers, real_time):
    receiver = receivers()
    subscribe(receiver, "inquiry.unanswered")
    result = handle_inquiry(Inquiry(channel="web", text="Мой секретный номер ПТС 77УУ123456, где заявка?"))
    deliver_outbox()
    [event] = events_of(receiver)
    assert event["type"] == "inquiry.unanswered"
    assert event["data"]["inquiry"] == {"id": result.inquiry.id, "channel": "web", "locale": "ru",
                                        "signed_in": False, "received_at": event["data"]["inquiry"]["received_at"]}
    assert event["data"]["route"]["action"] == result.route.action.value != "answer"
    assert "секретный" not in receiver.requests[0]["raw"].decode()


def test_an_answered_question_is_no_event(app, receivers, real_time, register_plugin):
    from sep_core import Answer, hookimpl

    class Sure:
        @hookimpl
        def sep_answer(self, inquiry):
            return [Answer(source="test", confidence=0.99, fragment_text="Да.")]

    register_plugin(Sure())
    receiver = receivers()
    subscribe(receiver, "inquiry.unanswered")
    handle_inquiry(Inquiry(channel="web", text="вопрос"))
    assert deliver_outbox().handled == 0


def test_identity_checked_is_sent_with_the_check_and_committed_by_the_listener(app, receivers, real_time):
    """identity_check broadcasts ``sep_on_identity_checked(check=check.as_dict())`` after its own
    commit; the listener's delivery is a transaction of its own."""
    receiver = receivers()
    subscribe(receiver, "identity.checked")
    check = {"id": 17, "user_id": 5, "requested_by_id": 2, "channel": "sms", "reason": "Иванова просила",
             "status": "passed", "created_at": "2026-03-02T07:00:00Z", "completed_at": "2026-03-02T07:03:00Z"}
    app.extensions["sep"].pm.hook.sep_on_identity_checked(check=check)
    db.session.rollback()  # what the caller does next cannot undo the queued delivery
    deliver_outbox()
    [event] = events_of(receiver)
    assert event["data"] == {"check": {"id": 17, "status": "passed", "channel": "sms", "user_id": 5,
                                       "created_at": "2026-03-02T07:00:00Z",
                                       "completed_at": "2026-03-02T07:03:00Z"}}


def test_deliveries_naming_a_deleted_account_are_erased_with_it(app, receivers, real_time):
    receiver = receivers()
    subscribe(receiver, "identity.checked")
    for check_id, user_id in ((1, 5), (2, 50), (3, 5)):
        app.extensions["sep"].pm.hook.sep_on_identity_checked(check={
            "id": check_id, "user_id": user_id, "channel": "sms", "status": "passed",
            "created_at": None, "completed_at": None})
    deliver_outbox()
    deleted = SimpleNamespace(id=5, email=None, phone=None)  # the account being deleted
    app.extensions["sep"].pm.hook.sep_on_user_deleted(user=deleted, retention="delete")
    db.session.commit()
    left = [json.loads(d.body)["data"]["check"]["user_id"] for d in db.session.query(Delivery)]
    assert left == [50]
