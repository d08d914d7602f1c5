"""Access control: another citizen gets 404 for everything of A's (and for the neighbours), a
specialist of another profile cannot open an escalated request that is not theirs."""

from __future__ import annotations

import pytest

from sep_core import db

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def test_citizen_b_gets_404_for_everything_of_citizen_a(client, citizen, duty, h):
    from sep_plugins.tickets.models import Attachment, Message

    h.login(client, citizen)
    numbers = []
    for _ in range(3):
        r = h.file_new_request(client, files=[h.upload(h.pdf_bytes(), "скан.pdf")])
        numbers.append(r.headers["Location"].rsplit("/", 1)[1])
    h.login(client, duty)
    h.desk_post(client, numbers[1], "note", **{"note-body": "internal"})
    attachment_ids = [a.id for a in Attachment.query]
    message_ids = [m.id for m in Message.query]
    # Everything of A's works for A...
    h.login(client, citizen)
    assert client.get(f"/requests/{numbers[1]}").status_code == 200
    assert client.get(f"/api/v1/tickets/{numbers[1]}").status_code == 200
    assert client.get(f"/requests/attachments/{attachment_ids[1]}").status_code == 200
    public = [m.id for m in Message.query.filter_by(internal=False)]
    assert client.get(f"/api/v1/tickets/messages/{public[0]}").status_code == 200
    internal = Message.query.filter_by(internal=True).one().id
    assert client.get(f"/api/v1/tickets/messages/{internal}").status_code == 404  # notes never reach A
    # ... and nothing of it for B, including the sequential neighbours.
    b = h.make_user("b@example.org", surname="Сидоров")
    h.login(client, b)
    token = h.csrf(client)
    neighbours = [*numbers, "2026-000000", "2026-000004", "2026-000005"]
    for number in neighbours:
        assert client.get(f"/requests/{number}").status_code == 404, number
        assert client.get(f"/api/v1/tickets/{number}").status_code == 404, number
        assert client.post(f"/api/v1/tickets/{number}/messages", json={"body": "x"},
                           headers={"X-CSRFToken": token}).status_code == 404
        assert client.post(f"/requests/{number}/reply", data={"csrf_token": token, "body": "x"}).status_code == 404
        assert client.post(f"/requests/{number}/close", data={"csrf_token": token}).status_code == 404
    for attachment_id in [*attachment_ids, max(attachment_ids) + 1, 0]:
        assert client.get(f"/requests/attachments/{attachment_id}").status_code == 404
    for message_id in [*message_ids, max(message_ids) + 1]:
        assert client.get(f"/api/v1/tickets/messages/{message_id}").status_code == 404
    assert client.get("/api/v1/tickets").get_json() == {"tickets": []}
    # Citizens never reach the desk.
    assert client.get(f"/desk/requests/{numbers[0]}").status_code == 403
    assert client.get("/desk").status_code == 403


def test_a_specialist_of_another_profile_cannot_open_an_escalated_request(client, citizen, duty, specialist, h):
    other = h.make_user("legal@example.org", role="specialist", profiles=["legal"])
    h.login(client, citizen)
    number = h.file_new_request(client, files=[h.upload(h.pdf_bytes(), "скан.pdf")]).headers["Location"].rsplit("/")[-1]
    h.login(client, duty)
    h.desk_post(client, number, "escalate", **{"escalate-profile": "tech_support", "escalate-reason": "сложный",
                                               "escalate-assignee": str(specialist.id)})
    from sep_plugins.tickets.models import Attachment

    attachment = Attachment.query.first().id
    h.login(client, other)
    assert client.get(f"/desk/requests/{number}").status_code == 404
    assert h.desk_post(client, number, "reply", **{"reply-body": "x"}).status_code == 404
    assert client.get(f"/requests/attachments/{attachment}").status_code == 404
    assert number not in client.get("/desk?status=all").get_data(as_text=True)
    h.login(client, specialist)
    assert client.get(f"/desk/requests/{number}").status_code == 200
    assert client.get(f"/requests/attachments/{attachment}").status_code == 200
    assert number in client.get("/desk").get_data(as_text=True)


def test_anonymous_visitors_are_sent_away(client):
    assert client.get("/requests/new").status_code in (302, 403)
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.get("/desk").status_code == 403
    db.session.rollback()
