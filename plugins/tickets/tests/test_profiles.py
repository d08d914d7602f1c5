"""Specialist profiles as a managed list: the admin page, the CLI, escalation picking from the list
and refusing a profile nobody works, and the hook other plugins read."""

from __future__ import annotations

import json

import pytest

from sep_core import AuditEntry, current_state, db

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def file_request(client, citizen, h) -> str:
    h.login(client, citizen)
    return h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]


def test_escalation_picks_from_the_list_and_refuses_a_profile_nobody_works(client, citizen, duty, h):
    from sep_plugins.tickets.models import Ticket

    number = file_request(client, citizen, h)
    h.login(client, duty)
    page = client.get(f"/desk/requests/{number}").get_data(as_text=True)
    assert '<option value="tech_support">Техническая поддержка</option>' in page
    assert '<option value="registration_data">' in page
    # A misspelt profile is not on the list: a form error, the request stays where it was.
    response = h.desk_post(client, number, "escalate", **{"escalate-profile": "tech_suport",
                                                          "escalate-reason": "сложный случай", "escalate-assignee": ""})
    assert response.status_code == 400
    # On the list, but no active specialist has it: refused with a clear message.
    response = h.desk_post(client, number, "escalate", **{"escalate-profile": "tech_support",
                                                          "escalate-reason": "сложный случай", "escalate-assignee": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Ни у одного активного специалиста нет профиля tech_support" in html
    ticket = db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()
    assert ticket.profile == "" and ticket.status == "new"
    response = h.desk_post(client, number, "escalate?lang=en", **{
        "escalate-profile": "tech_support", "escalate-reason": "сложный случай", "escalate-assignee": ""})
    assert "No active specialist has the profile tech_support" in response.get_data(as_text=True)

    h.make_user("spec@example.org", role="specialist", profiles=["tech_support"])
    response = h.desk_post(client, number, "escalate", **{"escalate-profile": "tech_support",
                                                          "escalate-reason": "сложный случай", "escalate-assignee": ""})
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert (ticket.profile, ticket.status) == ("tech_support", "escalated")


def test_admin_page_manages_the_list(client, duty, h):
    from sep_plugins.tickets import profiles

    admin = h.make_user("admin@example.org", role="admin")
    h.login(client, duty)
    assert client.get("/desk/profiles").status_code == 403
    h.login(client, admin)
    page = client.get("/desk/profiles").get_data(as_text=True)
    assert 'data-code="tech_support"' in page and "никого" in page
    response = client.post("/desk/profiles", data={"csrf_token": h.csrf(client), "code": "Bad Code",
                                                   "name_ru": "x", "name_en": "x", "position": "0"})
    assert response.status_code == 400 and "строчные латинские буквы" in response.get_data(as_text=True)
    response = client.post("/desk/profiles", data={"csrf_token": h.csrf(client), "code": "extracts",
                                                   "name_ru": "Выписки", "name_en": "Extracts", "position": "5",
                                                   "active": "y"})
    assert response.status_code == 302
    assert "extracts" in profiles.active_codes()
    assert db.session.execute(db.select(AuditEntry).filter_by(action="ticket_profile_saved")).scalar_one()
    # Deactivated: off the escalation list.
    client.post("/desk/profiles", data={"csrf_token": h.csrf(client), "code": "extracts", "name_ru": "Выписки",
                                        "name_en": "Extracts", "position": "5"})
    assert "extracts" not in profiles.active_codes()
    assert "Specialist profiles" in client.get("/desk/profiles?lang=en").get_data(as_text=True)


def test_cli_lists_and_sets_profiles(app, runner, h):
    h.make_user("spec@example.org", role="specialist", profiles=["tech_support"])
    result = runner.invoke(args=["tickets", "profiles", "set", "extracts", "--ru", "Выписки", "--en", "Extracts"])
    assert result.exit_code == 0, result.output
    rows = json.loads(runner.invoke(args=["tickets", "profiles", "list", "--json"]).output)
    assert {r["code"]: r["specialists"] for r in rows} == {"registration_data": 0, "tech_support": 1, "extracts": 0}
    result = runner.invoke(args=["tickets", "profiles", "set", "Bad!", "--ru", "x", "--en", "x"])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_a_category_or_route_profile_off_the_list_is_not_proposed(app, citizen, h):
    from sep_plugins.tickets import profiles, service
    from sep_plugins.tickets.models import Category

    service.ensure_categories()
    tech = db.session.execute(db.select(Category).filter_by(code="tech")).scalar_one()
    ticket = service.create_ticket(user=citizen, fields=h.form_data(category="tech"), category=tech, channel="web")
    assert service.default_profile(ticket) == "tech_support"
    profiles.save("tech_support", "Техподдержка", "Tech support", active=False)
    db.session.commit()
    assert service.default_profile(ticket) == ""


def test_hook_sep_specialist_profiles(app, h):
    h.make_user("spec@example.org", role="specialist", profiles=["registration_data"])
    groups = current_state().pm.hook.sep_specialist_profiles()
    rows = {r["code"]: r for group in groups for r in group}
    assert rows["registration_data"]["specialists"] == 1 and rows["registration_data"]["active"]
    assert rows["tech_support"]["name"] == "Техническая поддержка"
