"""The request service with the other plugins enabled (identity, working calendar, consultant):
only hooks and the facade connect them."""

from __future__ import annotations

import pytest

from sep_core import db

pytestmark = pytest.mark.sep_plugins("identity_check", "calendar_ru", "kb_keyword", "tickets", "channel_web")


def test_filing_with_every_plugin_enabled(app, client, citizen, duty, clock, h):
    from sep_plugins.tickets.models import Ticket
    from sep_plugins.tickets.sla import from_naive_utc

    from sep_core import deadline

    app.extensions["sep"].pm.hook.sep_init_data(app=app, demo=True)  # as `sep init --demo` does
    db.session.commit()
    clock.set("2026-03-06T17:00:00")  # Friday evening: the deadline counts working days only
    h.login(client, citizen)
    suggestions = client.get("/api/v1/tickets/suggest", query_string={"q": "Как получить выписку из ЭПТС?"})
    answers = suggestions.get_json()["answers"]
    assert answers and "выписк" in (answers[0]["title"] + answers[0]["fragment_html"]).lower()
    response = h.file_new_request(client, files=[h.upload(h.jpeg_bytes(), "скан.jpg")])
    assert response.status_code == 302
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    due = from_naive_utc(ticket.due_at)
    # 7 h of Friday, then Tuesday (the weekend and the transferred day off on Monday do not count).
    assert due == deadline("working_days", clock.moment, 24) and due.isoformat() == "2026-03-10T17:00:00+03:00"
    cabinet = client.get("/cabinet")
    assert cabinet.status_code == 200 and ticket.number in cabinet.get_data(as_text=True)
    h.login(client, duty)
    assert h.desk_post(client, ticket.number, "reply", **{"reply-body": "Ответ"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "answered"


def test_an_unconfirmed_citizen_is_told_by_the_identity_plugin(client, h):
    user = h.make_user("half@example.org", phone="+79160000000", confirmed=False)
    h.login(client, user)
    response = client.get("/requests/new")
    assert response.status_code == 403
    assert "/cabinet" in response.get_data(as_text=True)


@pytest.mark.sep_plugins("client_check", "tickets", "channel_web")
def test_technical_requirement_with_the_requirements_plugin(app, client, citizen, duty, h):
    """Staff pick a requirement from the requirements plugin's catalog; the plugin learns that it was
    asked (sep_requested_requirements) and tells when it is met (sep_on_requirement_met): the
    request stops waiting."""
    from sep_plugins.tickets.models import Ticket

    from sep_core import current_state

    pm = current_state().pm
    catalog = [r for group in pm.hook.sep_requirement_catalog() for r in group or []]
    assert catalog, "the requirements plugin offers a catalog"
    wanted = catalog[0]
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    assert wanted.name in client.get(f"/desk/requests/{number}").get_data(as_text=True)
    response = h.desk_post(client, number, "requirement", **{"requirement-requirement_ids": wanted.id})
    assert response.status_code == 302
    assert [i for group in pm.hook.sep_requested_requirements(user=citizen) for i in group] == [wanted.id]
    h.login(client, citizen)
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert wanted.name in page and "/check" in page
    pm.hook.sep_on_requirement_met(user=citizen, requirement=wanted, result={"outcome": "confirmed", "met": True})
    db.session.commit()
    db.session.expire_all()
    ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
    assert ticket.status == "new" and ticket.paused_at is None and ticket.requirements[0]["done"] is True
    assert [i for group in pm.hook.sep_requested_requirements(user=citizen) for i in group] == []
