"""The whole life of a request through HTTP: the citizen files it with a scan, the duty
specialist takes it, asks for documents (the clock pauses), the citizen uploads them (it
resumes), escalation to a profile, the answer, notifications in the outbox, reopening, closing;
plus phone-registered requests and technical requirements."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sep_core import AuditEntry, OutboxMessage, db

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def ticket(number):
    from sep_plugins.tickets.models import Ticket

    db.session.expire_all()
    return db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()


def emails():
    return [json.loads(m.payload_json) for m in OutboxMessage.query.filter_by(kind="email").order_by(OutboxMessage.id)]


def test_full_life_of_a_request(app, client, citizen, duty, specialist, clock, h):
    clock.set("2026-03-02T10:00:00")  # Monday
    h.login(client, citizen)
    form = client.get("/requests/new?question=Где скачать выписку из ЭПТС?").get_data(as_text=True)
    assert "Где скачать выписку из ЭПТС?" in form and 'value="Иванов"' in form  # pre-filled
    response = h.file_new_request(client, files=[h.upload(h.pdf_bytes(), "Паспорт гражданина.pdf")])
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert number == "2026-000001"
    t = ticket(number)
    assert t.status == "new" and t.channel == "web" and t.queue == "duty"
    assert t.due_at is not None and (t.due_at - t.created_at) == timedelta(hours=24)  # core clock: wall time
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert "Паспорт гражданина.pdf" in page and "Не могу скачать выписку" in page
    assert emails() == []  # the page confirms the filing; no e-mail by default (email_notifications)

    # The duty specialist takes it, writes an internal note and asks for documents.
    h.login(client, duty)
    assert number in client.get("/desk").get_data(as_text=True)
    assert client.get(f"/desk/requests/{number}").status_code == 200
    assert AuditEntry.query.filter_by(action="ticket_viewed", object_id=number).count() == 1
    assert h.desk_post(client, number, "take").status_code == 302
    assert ticket(number).status == "in_progress" and ticket(number).assignee_id == duty.id
    assert emails() == []  # internal status changes are never e-mailed (the cabinet shows them)
    h.desk_post(client, number, "note", **{"note-body": "Похоже на ошибку в данных дилера"})
    clock.advance(hours=4)
    h.desk_post(client, number, "documents", **{"documents-body": "Скан СТС с обеих сторон"})
    t = ticket(number)
    assert t.status == "waiting_documents" and t.paused_at is not None
    assert abs(t.remaining_hours - 20) < 0.01
    assert "Скан СТС" in emails()[-1]["body"]

    # The citizen sees the request for documents, not the note; uploads a day later: the clock resumes.
    h.login(client, citizen)
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert "Скан СТС с обеих сторон" in page and "ошибку в данных дилера" not in page
    clock.advance(days=1)
    response = client.post(f"/requests/{number}/reply", data={
        "csrf_token": h.csrf(client), "body": "Прикладываю СТС", "attachments": [h.upload(h.png_bytes(), "стс.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    t = ticket(number)
    assert t.status == "in_progress" and t.paused_at is None
    assert t.due_at == h_naive(clock.moment + timedelta(hours=20))

    # Escalation: the default profile comes from the routing hook / category; the reason is internal.
    h.login(client, duty)
    assert h.desk_post(client, number, "escalate", **{"escalate-profile": "tech_support",
                                                      "escalate-reason": "Нужен технический специалист",
                                                      "escalate-assignee": ""}).status_code == 302
    assert ticket(number).status == "escalated" and ticket(number).profile == "tech_support"

    # The specialist answers; the citizen gets the answer by e-mail and in the cabinet.
    h.login(client, specialist)
    assert h.desk_post(client, number, "reply", **{"reply-body": "Выписка доступна в разделе «Документы»."}
                       ).status_code == 302
    t = ticket(number)
    assert t.status == "answered" and t.first_answered_at is not None
    assert "разделе «Документы»" in emails()[-1]["body"]
    h.login(client, citizen)
    assert 'data-status="answered"' in client.get("/requests").get_data(as_text=True)
    from sep_plugins.tickets.models import Notification

    assert Notification.query.filter_by(user_id=citizen.id).count() >= 3  # received, documents, answer
    assert Notification.query.filter_by(user_id=citizen.id, read_at=None).count() == 2  # escalated, answered: unseen

    # Reopen within the period gives a fresh deadline; then the citizen closes it.
    clock.advance(days=2)
    assert client.post(f"/requests/{number}/reopen", data={"csrf_token": h.csrf(client)}).status_code == 302
    t = ticket(number)
    assert t.status == "in_progress" and t.due_at == h_naive(clock.moment + timedelta(hours=24))
    client.post(f"/requests/{number}/close", data={"csrf_token": h.csrf(client)})
    assert ticket(number).status == "closed"
    subjects = [m["subject"] for m in emails()]
    # what the citizen wants by default: the request for documents and the answer; not the filing,
    # not "taken", "escalated", "reopened" or "closed" (email_notifications)
    assert len(subjects) == 2 and "документы" in subjects[0] and "ответили" in subjects[1], subjects


def h_naive(moment):
    from sep_plugins.tickets.sla import to_naive_utc

    return to_naive_utc(moment)


def test_reopen_is_refused_after_the_period(client, citizen, duty, clock, h):
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    h.desk_post(client, number, "reply", **{"reply-body": "Готово"})
    clock.advance(days=15)
    h.login(client, citizen)
    client.post(f"/requests/{number}/reopen", data={"csrf_token": h.csrf(client)})
    assert ticket(number).status == "answered"
    response = client.post(f"/requests/{number}/reply", data={"csrf_token": h.csrf(client), "body": "Ещё вопрос"},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "новую заявку" in response.get_data(as_text=True)


def test_a_request_registered_by_phone(client, citizen, duty, h):
    h.login(client, duty)
    data = h.form_data(citizen="ivan@example.org", subject="Звонок: не найден ЭПТС", category="epts_data")
    data["csrf_token"] = h.csrf(client)
    response = client.post("/desk/phone", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    t = ticket(number)
    assert (t.channel, t.user_id, t.registered_by_id) == ("phone", citizen.id, duty.id)
    assert AuditEntry.query.filter_by(action="ticket_registered", object_id=number).count() == 1
    h.login(client, citizen)
    assert "Звонок: не найден ЭПТС" in client.get("/requests").get_data(as_text=True)
    # Unknown account: a clear error, nothing filed; no account at all: filed without one.
    h.login(client, duty)
    data.update(citizen="nobody@example.org", csrf_token=h.csrf(client))
    response = client.post("/desk/phone", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "error-summary" in response.get_data(as_text=True)
    from sep_plugins.tickets.models import Ticket

    assert Ticket.query.count() == 1
    # The phone as staff hear it finds the account stored as +79161234567.
    data.update(citizen="8 (916) 123-45-67", csrf_token=h.csrf(client))
    response = client.post("/desk/phone", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and ticket(response.headers["Location"].rsplit("/", 1)[1]).user_id == citizen.id
    data.update(citizen="", email="caller@example.org")
    response = client.post("/desk/phone", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert ticket(response.headers["Location"].rsplit("/", 1)[1]).user_id is None


def test_technical_requirement_checklist_pauses_until_the_citizen_is_done(client, citizen, duty, h):
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    response = h.desk_post(client, number, "requirement", **{"requirement-text": "Обновите браузер до версии 120+"})
    assert response.status_code == 302
    assert ticket(number).status == "waiting_requirement" and ticket(number).paused_at is not None
    h.login(client, citizen)
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert "Обновите браузер до версии 120+" in page
    client.post(f"/requests/{number}/requirements-done", data={"csrf_token": h.csrf(client)})
    assert ticket(number).status == "new" and ticket(number).paused_at is None  # back where it was


def test_correcting_fields_keeps_history(client, citizen, duty, h):
    from sep_plugins.tickets.models import HistoryEntry

    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    fields = {f"edit-{k}": v for k, v in h.form_data(subject="Выписка ЭПТС для ГИБДД").items()}
    assert h.desk_post(client, number, "edit", **fields).status_code == 302
    assert ticket(number).subject == "Выписка ЭПТС для ГИБДД"
    change = HistoryEntry.query.filter_by(kind="field").one()
    assert change.data == {"field": "subject", "old": "Нужна выписка", "new": "Выписка ЭПТС для ГИБДД"}
    assert "Выписка ЭПТС для ГИБДД" in client.get(f"/desk/requests/{number}").get_data(as_text=True)


def test_identity_request_without_identity_plugin_is_a_clear_error(client, citizen, duty, h):
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    response = h.desk_post(client, number, "identity", **{"identity-channel": "sms"})
    assert response.status_code == 400
    assert ticket(number).status == "new"


def test_canned_responses_are_edited_by_staff(client, duty, h):
    h.login(client, duty)
    response = client.post("/desk/canned", data={"csrf_token": h.csrf(client), "title": "Выписка",
                                                 "body": "Выписку можно скачать в личном кабинете."})
    assert response.status_code == 302
    from sep_plugins.tickets.models import CannedResponse

    row = CannedResponse.query.one()
    client.post(f"/desk/canned?edit={row.id}", data={"csrf_token": h.csrf(client), "title": "Выписка ЭПТС",
                                                     "body": "Текст"})
    db.session.expire_all()
    assert CannedResponse.query.one().title == "Выписка ЭПТС"
    client.post(f"/desk/canned/{row.id}/delete", data={"csrf_token": h.csrf(client)})
    assert CannedResponse.query.count() == 0


def test_an_unconfirmed_citizen_cannot_file(client, h):
    user = h.make_user("new@example.org", confirmed=False)
    h.login(client, user)
    assert client.get("/requests/new").status_code == 403
    assert h.file_new_request(client).status_code == 403


def test_cabinet_section_and_nav_list_my_requests(app, client, citizen, h):
    from sep_core import ui_slot

    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    with app.test_request_context():
        html = str(ui_slot("cabinet_sections", user=citizen))
    assert number in html
    assert "/requests" in client.get("/").get_data(as_text=True)


@pytest.mark.sep_plugins("identity_check", "calendar_ru", "tickets", "channel_web")
def test_identity_confirmation_through_another_channel_resumes_the_request(app, client, citizen, duty, clock, h):
    from sep_core import current_state

    clock.set("2026-03-03T10:00:00")  # a Tuesday: working time on the calendar
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    response = h.desk_post(client, number, "identity", **{"identity-channel": "sms", "identity-reason": "проверка"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    t = ticket(number)
    assert t.status == "waiting_identity" and t.identity_check_id and t.paused_at is not None
    # The citizen types the code (through the identity plugin's hook, as its cabinet page does).
    sms = [m.payload for m in OutboxMessage.query.filter_by(kind="sms")]
    import re

    code = re.search(r"\b(\d{4,8})\b", sms[-1]["text"]).group(1)
    outcome = current_state().pm.hook.sep_verify_identity(check_id=t.identity_check_id, code=code, user=citizen)
    assert outcome == "passed"
    t = ticket(number)
    assert t.status == "new" and t.paused_at is None  # back where it was before the check
