"""The answer-time rule as a policy: "24 clock hours, only working days count" (default) or the
working hours of the tickets service, on the production calendar's tricky days; the pause while
waiting for the citizen; ``/api/v1/tickets/estimate?at=``; and the home page, the request form
and page, the e-mail and the desk all telling the same rule and the same deadline."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from sep_core import MOSCOW, ConfigError, OutboxMessage, hookimpl

pytestmark = pytest.mark.sep_plugins("calendar_ru", "tickets", "channel_web")
WORKING_HOURS = pytest.mark.sep_plugin_config("tickets", {"deadline_policy": "working_hours"})


def msk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW)


def file_at(clock, h, moment: str):
    from sep_plugins.tickets import service

    clock.set(moment)
    return service.create_ticket(user=None, fields=h.form_data(), category=None, channel="phone")


def due(ticket) -> datetime:
    from sep_plugins.tickets import sla

    return sla.from_naive_utc(ticket.due_at)


@pytest.mark.parametrize(("filed", "expected"), [
    # An ordinary week: Friday 17:00 -> Monday 17:00 (the weekend does not count).
    ("2026-03-13T17:00:00", "2026-03-16T17:00:00"),
    # Wednesday morning: the next morning, not Friday.
    ("2026-03-11T09:30:00", "2026-03-12T09:30:00"),
    # Filed on a Saturday: the clock starts at 00:00 of Monday and runs the whole Monday.
    ("2026-03-14T10:00:00", "2026-03-17T00:00:00"),
    # Friday before the transferred day off (Monday 9 March 2026): Tuesday 10 March.
    ("2026-03-06T12:00:00", "2026-03-10T12:00:00"),
    # A pre-holiday short day counts in full: Thursday 30 April 17:00 -> Monday 4 May 17:00.
    ("2026-04-30T17:00:00", "2026-05-04T17:00:00"),
    # The New Year break: 30 December 10:00 -> 31 December (a transferred day off) and 1-10 January
    # do not count -> Monday 11 January 2027 10:00 (not 12 January, as 24 working hours would be).
    ("2026-12-30T10:00:00", "2027-01-11T10:00:00"),
    # A working Saturday (20 February 2027, also a short day) counts: Friday 12:00 -> Saturday 12:00.
    ("2027-02-19T12:00:00", "2027-02-20T12:00:00"),
    # Filed on that working Saturday evening: Sunday, 22 (day off) and 23 (holiday) February skip.
    ("2027-02-20T20:00:00", "2027-02-24T20:00:00"),
])
def test_clock_hours_on_working_days(app, clock, h, filed, expected):
    assert due(file_at(clock, h, filed)) == msk(expected)


@WORKING_HOURS
@pytest.mark.parametrize(("filed", "expected"), [
    # 12 working hours a day (06:00-18:00): Wednesday morning -> Friday morning.
    ("2026-03-11T09:30:00", "2026-03-13T09:30:00"),
    # The short day ends at 17:00: nothing left of it; Monday 06:00 + 24 h -> Tuesday 18:00.
    ("2026-04-30T17:00:00", "2026-05-05T18:00:00"),
    # The New Year break, as the issue describes the old behaviour: 30 December -> 12 January.
    ("2026-12-30T10:00:00", "2027-01-12T10:00:00"),
])
def test_working_hours_policy_keeps_the_old_clock(app, clock, h, filed, expected):
    assert due(file_at(clock, h, filed)) == msk(expected)


def test_the_clock_pauses_while_waiting_for_the_citizen(app, clock, duty, h):
    from sep_plugins.tickets import service, sla

    t = file_at(clock, h, "2026-03-12T10:00:00")  # Thursday; due Friday 10:00
    clock.set("2026-03-12T16:00:00")  # 6 hours spent, 18 left
    service.request_documents(t, duty, "СТС")
    assert t.remaining_hours == pytest.approx(18, abs=0.01)
    clock.set("2026-03-14T11:00:00")  # the citizen answers on Saturday: the clock waits for Monday
    service.citizen_reply(t, duty, "Вот документы")
    assert t.status == "new" and t.paused_at is None
    assert due(t) == msk("2026-03-16T18:00:00")
    assert sla.time_left(t) == pytest.approx(18, abs=0.01)


def test_desk_time_left_is_in_the_policys_units(app, client, clock, duty, h):
    t = file_at(clock, h, "2026-03-13T17:00:00")  # due Monday 17:00
    clock.set("2026-03-14T12:00:00")  # Saturday noon: only Monday's 17 hours are left
    h.login(client, duty)
    html = client.get("/desk/").get_data(as_text=True)
    assert re.search(r"<td>17:00</td>", html) and "часов рабочих дней" in html
    html = client.get(f"/desk/requests/{t.number}?lang=en").get_data(as_text=True)
    assert re.search(r'id="time-left">17:00</span> \(hours of working days\)', html)
    clock.set("2026-03-17T09:00:00")  # Tuesday 09:00: 16 hours overdue
    html = client.get(f"/desk/requests/{t.number}").get_data(as_text=True)
    assert 'id="time-left">-16:00</span>' in html


@WORKING_HOURS
def test_desk_time_left_in_working_hours(app, client, clock, duty, h):
    t = file_at(clock, h, "2026-03-13T17:00:00")  # 1 h on Friday, due Tuesday 17:00 (23 working hours)
    clock.set("2026-03-14T12:00:00")
    h.login(client, duty)
    html = client.get(f"/desk/requests/{t.number}?lang=en").get_data(as_text=True)
    assert re.search(r'id="time-left">23:00</span> \(working hours\)', html)


def test_estimate_api_answers_the_deadline_for_a_moment(app, client, clock):
    clock.set("2026-03-11T08:00:00")
    body = client.get("/api/v1/tickets/estimate?category=extract&at=2026-03-13T17:00:00").get_json()
    assert body["deadline"] == "2026-03-16T17:00:00+03:00"
    assert body["policy"] == "clock_hours_on_working_days" and body["deadline_hours"] == 24
    # With a zone (the '+' of an unencoded query arrives as a space) and in UTC.
    assert client.get("/api/v1/tickets/estimate?at=2026-03-13T17:00:00+03:00").get_json()["deadline"] == \
        "2026-03-16T17:00:00+03:00"
    assert client.get("/api/v1/tickets/estimate?at=2026-03-14T07:00:00Z").get_json()["deadline"] == \
        "2026-03-17T00:00:00+03:00"
    # Without 'at': now.
    assert client.get("/api/v1/tickets/estimate").get_json()["deadline"] == "2026-03-12T08:00:00+03:00"
    for bad in ("yesterday", "2026-13-01T00:00", "1900-01-01T00:00:00"):
        response = client.get(f"/api/v1/tickets/estimate?at={bad}")
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_at"
    response = client.get("/api/v1/tickets/estimate?at=2040-06-01T10:00:00")  # no calendar data
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "no_calendar_data"


@WORKING_HOURS
def test_estimate_api_under_working_hours(app, client, clock):
    body = client.get("/api/v1/tickets/estimate?at=2026-03-13T17:00:00").get_json()
    assert body["deadline"] == "2026-03-17T17:00:00+03:00" and body["policy"] == "working_hours"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


RULE_RU = ("Мы отвечаем в течение 24 часов; считаются только рабочие дни (выходные и праздники не "
           "считаются).")


@pytest.mark.parametrize("policy", ["clock_hours_on_working_days", "working_hours"])
def test_home_request_page_email_and_desk_agree(make_app, clock, h, policy):
    app = make_app(config={"SEP_PLUGIN_CONFIG": {"tickets": {"deadline_policy": policy, "deadline_hours": 16,
                                                             "email_notifications": ["received"]}}})
    with app.app_context():
        check_agreement(app, app.test_client(), clock, h, policy)


def check_agreement(app, client, clock, h, policy):
    citizen, duty = h.make_user("ivan@example.org"), h.make_user("duty@example.org", role="duty")
    clock.set("2026-03-13T17:00:00")
    api = client.get("/api/v1/tickets/estimate").get_json()
    rule = api["rule"]
    assert "16" in rule and ("рабочие дни" in rule) == (policy == "clock_hours_on_working_days")
    assert rule in text_of(client.get("/").get_data(as_text=True))  # the home page
    h.login(client, citizen)
    assert rule in text_of(client.get("/requests/new").get_data(as_text=True))  # the form
    number = h.file_new_request(client).headers["Location"].rsplit("/", 1)[1]
    shown = datetime.fromisoformat(api["deadline"]).strftime("%d.%m.%Y %H:%M")
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert re.search(rf'id="deadline">\s*{re.escape(shown)}', page) and rule in text_of(page)
    mail = next(json.loads(m.payload_json) for m in OutboxMessage.query.filter_by(kind="email"))
    assert shown in mail["body"] and rule in mail["body"]
    h.logout(client)
    h.login(client, duty)
    assert shown in client.get("/desk/").get_data(as_text=True)
    desk = client.get(f"/desk/requests/{number}").get_data(as_text=True)
    assert shown in desk and 'id="time-left">16:00</span>' in desk
    # Friday 17:00 + 16 h: 7 h of Friday and 9 h of Monday, or 1 + 12 + 3 working hours.
    expected = {"clock_hours_on_working_days": "16.03.2026 09:00", "working_hours": "17.03.2026 09:00"}[policy]
    assert shown == expected


def test_home_page_rule_in_russian_by_default(client):
    assert RULE_RU in text_of(client.get("/").get_data(as_text=True))


@pytest.mark.parametrize("settings", [{"deadline_policy": "calendar_days"}, {"deadline_hours": 0},
                                      {"deadline_hours": "24"}])
def test_a_bad_policy_stops_start_up(make_app, settings):
    with pytest.raises(ConfigError, match="tickets: deadline_"):
        make_app(config={"SEP_PLUGIN_CONFIG": {"tickets": settings}})


class OtherRule:
    @hookimpl
    def sep_response_target(self):
        return {"policy": "working_hours", "hours": 8, "text": "Answer within one shift."}


@pytest.mark.sep_plugins("channel_web")
def test_hook_sep_response_target(app, client, register_plugin):
    from sep_core import current_state

    assert current_state().pm.hook.sep_response_target() is None
    assert "24 часов; считаются только рабочие дни" in text_of(client.get("/").get_data(as_text=True))
    register_plugin(OtherRule())
    assert current_state().pm.hook.sep_response_target()["hours"] == 8
    assert "Answer within one shift." in client.get("/").get_data(as_text=True)
