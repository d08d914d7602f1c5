"""Second review pass: the citizen hears about every status change (a requirement met through
the requirements plugin, the daily auto-close), the form's estimate follows the chosen category,
and the identity check outcome in the desk history is translated."""

from __future__ import annotations

import json
import re

import pytest

from sep_core import OutboxMessage, db

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")

ON_REQUEST = [{"id": "rules", "name": "Read the rules", "check": "confirm", "scope": "on_request"}]


def emails():
    return [json.loads(m.payload_json) for m in OutboxMessage.query.filter_by(kind="email").order_by(OutboxMessage.id)]


def ticket(number):
    from sep_plugins.tickets.models import Ticket

    db.session.expire_all()
    return db.session.execute(db.select(Ticket).filter_by(number=number)).scalar_one()


@pytest.mark.sep_plugins("client_check", "tickets", "channel_web")
@pytest.mark.sep_plugin_config("client_check", {"requirements": ON_REQUEST})
@pytest.mark.sep_config("SEP_PUBLIC_URL", "https://help.example.ru/")
@pytest.mark.parametrize("lang, words", [("ru", "изменился: Новая"), ("en", "has changed: New")])
def test_a_met_requirement_resumes_the_request_and_tells_the_citizen(app, client, duty, h, lang, words):
    from flask import g

    citizen = h.make_user("ivan@example.org", phone="+79161234567", locale=lang)
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    assert h.desk_post(client, number, "requirement", **{"requirement-requirement_ids": "rules"}).status_code == 302
    assert ticket(number).status == "waiting_requirement"
    before = len(emails())
    h.login(client, citizen)
    g.pop("csrf_token", None)
    response = client.post("/api/v1/client-check/results", json={"results": [{"id": "rules", "outcome": "confirmed"}]},
                           headers={"X-CSRFToken": h.csrf(client)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert ticket(number).status == "new"
    assert emails()[before:] == []  # resuming is an internal move: the cabinet says it, no e-mail
    from sep_plugins.tickets.models import Notification

    note = db.session.execute(db.select(Notification).order_by(Notification.id.desc())).scalars().first()
    assert note.user_id == citizen.id and number in note.text and words in note.text


@pytest.mark.sep_config("SEP_PUBLIC_URL", "https://help.example.ru/")
@pytest.mark.parametrize("lang, words", [("ru", "закрыта"), ("en", "closed")])
@pytest.mark.sep_plugin_config("tickets", {"email_notifications": ["answer", "closed"]})
def test_the_daily_auto_close_tells_the_citizen(app, client, duty, clock, h, lang, words):
    citizen = h.make_user("ivan@example.org", phone="+79161234567", locale=lang)
    clock.set("2026-03-02T10:00:00")
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    h.desk_post(client, number, "reply", **{"reply-body": "Ответ"})
    before = len(emails())
    clock.advance(days=15)
    result = app.test_cli_runner().invoke(args=["tickets", "close-answered"])
    assert result.exit_code == 0 and "closed 1" in result.output
    assert ticket(number).status == "closed"
    sent = emails()[before:]
    assert len(sent) == 1
    assert sent[0]["to"] == "ivan@example.org" and words in sent[0]["subject"]
    assert f"https://help.example.ru/requests/{number}" in sent[0]["body"]


def _estimate_on(page: str) -> str:
    return re.search(r'id="estimate-at"[^>]*>([^<]+)<', page).group(1)


@pytest.mark.sep_plugin_config("tickets", {"estimate_default_per_hour": 1.0})
def test_the_form_estimate_follows_the_chosen_category(app, client, citizen, clock, h):
    from sep_plugins.tickets import service

    clock.set("2026-03-02T10:00:00")  # Monday
    for _ in range(5):  # five open requests in the "tech" lane (profile tech_support), none in the duty lane
        service.create_ticket(user=None, fields=h.form_data(), category=service.category_by_code("tech"),
                              channel="phone")
    h.login(client, citizen)
    duty_page = client.get("/requests/new").get_data(as_text=True)
    tech_page = client.get("/requests/new?category=tech").get_data(as_text=True)
    assert _estimate_on(duty_page) == "02.03.2026 11:00"  # nobody ahead: one hour at one an hour
    assert _estimate_on(tech_page) == "02.03.2026 16:00"  # five ahead
    assert 'data-estimate-url="/api/v1/tickets/estimate"' in duty_page
    # A form sent back with an error keeps the chosen category's estimate.
    data = {**h.form_data(category="tech", subject=""), "csrf_token": h.csrf(client)}
    response = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and _estimate_on(response.get_data(as_text=True)) == "02.03.2026 16:00"
    # The live update asks the API with the category chosen.
    api = client.get("/api/v1/tickets/estimate?category=tech").get_json()
    assert api["estimate"].startswith("2026-03-02T16:00") and api["ahead"] == 5


@pytest.mark.sep_plugins("identity_check", "calendar_ru", "tickets", "channel_web")
def test_the_identity_check_outcome_in_the_history_is_translated(app, client, citizen, duty, clock, h):
    from sep_core import current_state

    clock.set("2026-03-03T10:00:00")
    h.login(client, citizen)
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    h.login(client, duty)
    h.desk_post(client, number, "identity", **{"identity-channel": "sms", "identity-reason": "проверка"})
    t = ticket(number)
    sms = [m.payload for m in OutboxMessage.query.filter_by(kind="sms")]
    code = re.search(r"\b(\d{4,8})\b", sms[-1]["text"]).group(1)
    assert current_state().pm.hook.sep_verify_identity(check_id=t.identity_check_id, code=code,
                                                       user=citizen) == "passed"
    page = " ".join(client.get(f"/desk/requests/{number}").get_data(as_text=True).split())
    assert f"Проверка личности {t.identity_check_id}: пройдена" in page
    assert "Identity check" not in page
    english = " ".join(client.get(f"/desk/requests/{number}?lang=en").get_data(as_text=True).split())
    assert f"Identity check {t.identity_check_id}: passed" in english


@pytest.mark.browser
@pytest.mark.sep_plugin_config("tickets", {"estimate_default_per_hour": 1.0})
def test_the_form_estimate_changes_with_the_category_in_the_browser(browser_page, app, live_server, citizen, h):
    from sep_plugins.tickets import service

    for _ in range(5):
        service.create_ticket(user=None, fields=h.form_data(), category=service.category_by_code("tech"),
                              channel="phone")
    serializer = app.session_interface.get_signing_serializer(app)
    browser_page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "url": live_server.url,
                                       "value": serializer.dumps({"_user_id": citizen.get_id(), "_fresh": True})}])
    page = browser_page
    page.goto("/requests/new")
    duty_text = page.locator("#estimate-at").inner_text()
    page.get_by_label("Причина обращения").select_option("tech")
    page.wait_for_function("t => document.getElementById('estimate-at').textContent !== t", arg=duty_text)
    tech_text = page.locator("#estimate-at").inner_text()
    expected = page.request.get(live_server.url + "/api/v1/tickets/estimate?category=tech").json()
    assert tech_text == expected["estimate_display"] != duty_text
    page.get_by_label("Причина обращения").select_option("extract")
    page.wait_for_function("t => document.getElementById('estimate-at').textContent === t", arg=duty_text)
