"""The desk's queues and filters, assignment, and categories edited by admins."""

from __future__ import annotations

import pytest

from sep_core import db

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def test_admin_edits_categories_and_a_profile_category_goes_to_the_specialists(client, citizen, specialist, h):
    from sep_plugins.tickets.models import Ticket

    admin = h.make_user("admin@example.org", role="admin")
    duty = h.make_user("d2@example.org", role="duty")
    h.login(client, duty)
    assert client.get("/desk/categories").status_code == 403
    h.login(client, admin)
    response = client.post("/desk/categories", data={
        "csrf_token": h.csrf(client), "code": "signature", "name_ru": "Электронная подпись",
        "name_en": "Electronic signature", "queue": "duty", "profile": "tech_support", "position": "9", "active": "y"})
    assert response.status_code == 302
    bad = client.post("/desk/categories", data={"csrf_token": h.csrf(client), "code": "Bad Code!", "name_ru": "x",
                                                "name_en": "x", "queue": "duty"})
    assert bad.status_code == 400
    h.login(client, citizen)
    assert "Электронная подпись" in client.get("/requests/new").get_data(as_text=True)
    number = h.file_new_request(client, category="signature").headers["Location"].rsplit("/", 1)[1]
    row = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
    assert (row.queue, row.profile) == ("duty", "tech_support")
    h.login(client, specialist)
    assert number in client.get("/desk").get_data(as_text=True)


def test_filters_and_assignment(client, citizen, duty, specialist, clock, h):
    from sep_plugins.tickets import service
    from sep_plugins.tickets.models import Ticket

    clock.set("2026-03-02T10:00:00")
    old = service.create_ticket(user=citizen, fields=h.form_data(subject="Старая заявка"), category=None, channel="web")
    clock.advance(hours=21)
    soon = service.create_ticket(user=None, fields=h.form_data(subject="По телефону"), category=None, channel="phone")
    clock.advance(hours=22)  # old: overdue (43 h); soon: 2 h left
    h.login(client, duty)
    overdue = client.get("/desk?due=overdue").get_data(as_text=True)
    assert old.number in overdue and soon.number not in overdue
    due_soon = client.get("/desk?due=soon").get_data(as_text=True)
    assert soon.number in due_soon and old.number not in due_soon
    by_channel = client.get("/desk?channel=phone").get_data(as_text=True)
    assert soon.number in by_channel and old.number not in by_channel
    response = h.desk_post(client, old.number, "assign", **{"assign-assignee": str(specialist.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, old.id).assignee_id == specialist.id
    h.login(client, specialist)  # assigned to them, although of no profile of theirs
    assert client.get(f"/desk/requests/{old.number}").status_code == 200
    assert client.get("/desk?mine=1").get_data(as_text=True).count("/desk/requests/") == 1
    h.login(client, duty)
    assert h.desk_post(client, old.number, "assign", **{"assign-assignee": str(citizen.id)}).status_code == 400
