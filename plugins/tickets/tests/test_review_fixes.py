"""Defects found in the review pass: e-mails without a link to the request, the citizen's
page not saying which time zone its times are in, and the clock across a pause on the Russian
working calendar measured exactly."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sep_core import OutboxMessage, db

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def emails():
    return [json.loads(m.payload_json) for m in OutboxMessage.query.filter_by(kind="email").order_by(OutboxMessage.id)]


@pytest.mark.sep_config("SEP_PUBLIC_URL", "https://help.example.ru/")
def test_every_email_to_the_citizen_links_to_the_request(app, client, citizen, duty, clock, h):
    clock.set("2026-03-02T10:00:00")
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    h.desk_post(client, number, "take")
    h.desk_post(client, number, "documents", **{"documents-body": "Скан СТС"})
    h.desk_post(client, number, "reply", **{"reply-body": "Ответ"})
    sent = emails()
    assert len(sent) == 2  # the request for documents and the answer (not the filing, not "taken")
    for mail in sent:
        assert f"https://help.example.ru/requests/{number}" in mail["body"], mail["body"]
        assert "Заявка" in mail["subject"]


@pytest.mark.sep_plugin_config("tickets", {"email_notifications": ["received"]})
def test_phone_request_without_account_has_no_link(app, client, duty, clock, h):
    h.login(client, duty)
    data = {"csrf_token": h.csrf(client), **h.form_data(email="caller@example.org"), "citizen": ""}
    assert client.post("/desk/phone", data=data, content_type="multipart/form-data").status_code == 302
    body = emails()[-1]["body"]
    assert "/requests/" not in body and "получили" in body


def test_the_citizen_page_says_times_are_moscow_time(app, client, citizen, clock, h):
    clock.set("2026-03-02T10:00:00")
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert "03.03.2026 10:00" in page and "московское" in page
    page = client.get(f"/requests/{number}?lang=en").get_data(as_text=True)
    assert "03.03.2026 10:00" in page and "Moscow time" in page


def test_overdue_request_tells_the_citizen_honestly(app, client, citizen, clock, h):
    clock.set("2026-03-02T10:00:00")
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    clock.advance(hours=25)
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert "Срок ответа прошёл" in page
    assert "deadline has passed" in client.get(f"/requests/{number}?lang=en").get_data(as_text=True)


@pytest.mark.sep_plugins("calendar_ru", "tickets", "channel_web")
@pytest.mark.sep_plugin_config("tickets", {"deadline_policy": "working_hours"})
def test_pause_over_a_weekend_keeps_the_exact_working_time_left(app, clock, duty, h):
    from sep_plugins.tickets import service, sla

    from sep_core import deadline

    clock.set("2026-03-06T16:00:00")  # Friday
    t = service.create_ticket(user=None, fields=h.form_data(), category=None, channel="phone")
    due = sla.from_naive_utc(t.due_at)
    clock.advance(hours=1)  # Friday 17:00, still working time
    service.request_documents(t, duty, "СТС")
    expected_left = 24 - 1
    assert t.remaining_hours == pytest.approx(expected_left, abs=1 / 3600)
    clock.set("2026-03-09T12:00:00")  # Monday 9 March: the day off for 8 March (a holiday on Sunday)
    service.set_status(t, "in_progress", duty)
    db.session.commit()
    new_due = sla.from_naive_utc(t.due_at)
    assert new_due == deadline("tickets", clock.moment, expected_left)
    assert new_due > due
    assert sla.working_hours_between(clock.moment, new_due, 48) == pytest.approx(expected_left, abs=1 / 3600)
    assert new_due - clock.moment > timedelta(hours=expected_left)


def test_ids_beyond_the_integer_range_are_404_not_500(app, client, citizen, duty, h):
    h.login(client, citizen)
    huge = 10**20
    assert client.get(f"/requests/attachments/{huge}").status_code == 404
    response = client.get(f"/api/v1/tickets/messages/{huge}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/requests/attachments/{2**31}").status_code == 404
    h.login(client, duty)
    assert client.post(f"/desk/canned/{huge}/delete", data={"csrf_token": h.csrf(client)}).status_code == 404


@pytest.mark.sep_plugin_config("tickets", {"max_files": 2})
def test_filing_runs_few_statements_and_later_uploads_still_count_the_files_already_there(app, client, citizen, h):
    """Filing skips the queries it does not need (the size of a new request's files, whether the
    categories exist after the first time); a reply still counts the files already attached."""
    from sqlalchemy import event

    h.login(client, citizen)
    token = h.csrf(client)

    def file_one():
        return client.post("/api/v1/tickets", data={**h.form_data(), "attachments": [h.upload(h.pdf_bytes(), "a.pdf")]},
                           headers={"X-CSRFToken": token}, content_type="multipart/form-data")

    assert file_one().status_code == 201
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = file_one()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 201
    assert not any(s.startswith("SELECT tickets_attachments.size") for s in statements)
    assert not any(s.startswith("SELECT tickets_categories.id \nFROM") for s in statements)
    number = response.get_json()["number"]
    reply = client.post(f"/api/v1/tickets/{number}/messages", data={
        "body": "ещё", "attachments": [h.upload(h.pdf_bytes("2"), "b.pdf"), h.upload(h.pdf_bytes("3"), "c.pdf")]},
        headers={"X-CSRFToken": token}, content_type="multipart/form-data")
    assert reply.status_code == 422 and "2" in reply.get_json()["error"]["message"]


def test_the_desk_history_speaks_russian_and_english(app, client, citizen, duty, h):
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    h.desk_post(client, number, "take")
    h.desk_post(client, number, "edit", **{"edit-surname": "Петров", "edit-first_name": "Иван",
                                           "edit-email": "ivan@example.org", "edit-category": "extract",
                                           "edit-subject": "Нужна выписка", "edit-description":
                                           "Не могу скачать выписку из ЭПТС в личном кабинете."})
    page = client.get(f"/desk/requests/{number}").get_data(as_text=True)
    history = page.split('class="history"')[1]
    assert "Создана" in history and "Назначена → Дежурная Ольга" in " ".join(history.split())
    assert "Исправлено" in history and "Фамилия: «Иванов» → «Петров»" in history
    for raw in (": created", ": assigned", ": field", "surname:"):
        assert raw not in history
    english = client.get(f"/desk/requests/{number}?lang=en").get_data(as_text=True).split('class="history"')[1]
    assert "Created" in english and "Surname: «Иванов» → «Петров»" in english
