"""A filing's SQL on PostgreSQL (issue 16): the citizen's session user and one statement that
writes the request with its message, file, history and notification — no roster query, no
estimate count (8 statements before) — with rows as complete as the ORM's flush writes them; and
the unit of work still takes over when the transaction holds something else of that kind."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sep_core import db
from sep_core.testing import recorded_statements

pytestmark = pytest.mark.sep_plugins("tickets", "duty_roster", "channel_web")


def file_api(client, h, token, subject):
    return client.post("/api/v1/tickets", data={**h.form_data(subject=subject),
                                                "attachments": [h.upload(h.pdf_bytes(), "scan.pdf")]},
                       headers={"X-CSRFToken": token}, content_type="multipart/form-data")


@pytest.fixture
def pg_app(make_app, postgres_url):
    return make_app({"SQLALCHEMY_DATABASE_URI": postgres_url})


def test_a_filing_is_two_statements_with_the_roster_in_use(pg_app, clock, h):
    from sep_plugins.duty_roster import roster
    from sep_plugins.tickets.models import Attachment, HistoryEntry, Message, Notification, Ticket

    with pg_app.app_context():
        duty = h.make_user("duty@example.org", role="duty")
        tomorrow = clock() + timedelta(days=1)  # the roster is in use, nobody is on shift now
        roster.add_shift(duty, "duty", "", tomorrow, tomorrow + timedelta(hours=8), None)
        db.session.commit()
        citizen = h.make_user("ivan@example.org", phone="+79161234567")
        client = pg_app.test_client()
        h.login(client, citizen)
        token = h.csrf(client)
        aheads = []
        assert file_api(client, h, token, "первая").status_code == 201
        for subject in ("вторая", "третья"):
            clock.advance(seconds=1)
            with recorded_statements() as seen:
                response = file_api(client, h, token, subject)
            assert response.status_code == 201
            aheads.append(response.get_json()["estimate"]["ahead"])
            assert len(seen) <= 2, seen
            assert seen[0].startswith("SELECT users.")
            assert seen[-1].startswith("WITH r0 AS (INSERT INTO tickets_tickets")
        assert aheads == [1, 2]  # the answer's estimate counts this worker's earlier filings
        body = response.get_json()
        db.session.remove()
        ticket = db.session.execute(db.select(Ticket).filter_by(number=body["number"])).scalar_one()
        message = db.session.execute(db.select(Message).filter_by(ticket_id=ticket.id)).scalar_one()
        attachment = db.session.execute(db.select(Attachment).filter_by(ticket_id=ticket.id)).scalar_one()
        history = db.session.execute(db.select(HistoryEntry).filter_by(ticket_id=ticket.id)).scalar_one()
        notice = db.session.execute(db.select(Notification).filter_by(ticket_id=ticket.id)).scalar_one()
    assert (ticket.subject, ticket.status, ticket.channel, ticket.category.code) == ("третья", "new", "api", "extract")
    assert ticket.requirements == [] and ticket.resume_status == "" and ticket.due_at is not None
    assert body["messages"][0]["id"] == message.id and message.kind == "citizen" and not message.internal
    assert attachment.message_id == message.id and attachment.owner_id == citizen.id
    assert attachment.created_at is not None and attachment.filename == "scan.pdf"
    assert body["messages"][0]["attachments"][0]["url"].endswith(f"/{attachment.id}")
    assert history.kind == "created" and history.data == {"channel": "api"} and history.actor_id == citizen.id
    assert notice.user_id == citizen.id and ticket.number in notice.text


def test_the_unit_of_work_takes_over_when_the_transaction_holds_other_rows(pg_app, h):
    """A message of another request waiting in the same transaction: not written by the one
    statement; the new request and its rows are flushed by the ORM with the right ids."""
    from sep_plugins.tickets import service
    from sep_plugins.tickets.models import HistoryEntry, Message

    fields = {"surname": "Иванов", "first_name": "Иван", "email": "ivan@example.org", "subject": "Вопрос",
              "description": "Не могу скачать выписку."}
    with pg_app.app_context():
        first = service.create_ticket(user=None, fields=fields, category=None, channel="phone")
        db.session.add(Message(ticket_id=first.id, kind="note", body="заметка", internal=True))
        second = service.create_ticket(user=None, fields=fields, category=None, channel="phone", commit=False)
        db.session.commit()
        one, two = first.id, second.id
        kinds = db.session.execute(db.select(Message.ticket_id, Message.kind)).all()
        history = db.session.execute(db.select(HistoryEntry.ticket_id, HistoryEntry.kind)).all()
    assert sorted(kinds) == sorted([(one, "citizen"), (one, "note"), (two, "citizen")])
    assert sorted(history) == sorted([(one, "created"), (two, "created")])
