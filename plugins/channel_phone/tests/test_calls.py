"""The call journal and the PBX webhook: a local HTTP client posts the documented, signed events
to the live app (forged or stale -> 403); the journal entry, the caller card for the operator who
answered, the callback list for a missed call, a call outside the phone hours."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from sep_core import User, db
from sep_core.accounts import hash_password
from sep_core.testing import csrf_token, sign_in

SECRET = "pbx-shared-secret"
pytestmark = [pytest.mark.sep_plugins("calendar_ru", "tickets", "channel_phone", "channel_web"),
              pytest.mark.sep_plugin_config("channel_phone", {"webhook_secret": SECRET,
                                                              "operators": {"101": "duty@example.org"}})]


def make_user(email, role="citizen", phone=None, surname="Иванов"):
    user = User(email=email, phone=phone, role=role, profiles=[], password_hash=hash_password("x" * 12),
                surname=surname, first_name="Иван", patronymic="", locale="ru")
    db.session.add(user)
    db.session.commit()
    return user


def post_event(live_server, clock, event: dict, secret: str = SECRET, timestamp: int | None = None):
    """What a PBX adapter does: JSON body, X-Timestamp, X-Signature = sha256=HMAC(secret, ts.body)."""
    from sep_plugins.channel_phone.webhook import signature

    body = json.dumps(event).encode()
    ts = str(timestamp if timestamp is not None else int(clock.moment.timestamp()))
    request = urllib.request.Request(live_server.url + "/hooks/phone", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Timestamp": ts, "X-Signature": signature(secret, ts, body)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def people(app):
    from sep_plugins.tickets import service

    citizen = make_user("ivan@example.org", phone="+79161234567")
    duty = make_user("duty@example.org", role="duty", surname="Дежурная")
    service.create_ticket(user=citizen, fields={"surname": "Иванов", "first_name": "Иван", "phone": "+79161234567",
                                                "subject": "Нет выписки", "description": "Не скачивается"},
                          category=None, channel="web")
    return citizen, duty


def test_pbx_sequence_journal_card_and_callback(app, client, clock, live_server, people):
    from sep_plugins.channel_phone.models import Call

    citizen, duty = people
    clock.set("2026-03-02T10:00:00")  # Monday, the line is open 06:00-18:00
    status, body = post_event(live_server, clock, {"event": "call.new", "call_id": "c1", "from": "8 916 123-45-67",
                                                   "to": "88002000000"})
    assert status == 200 and body["state"] == "ringing"
    status, body = post_event(live_server, clock, {"event": "call.answered", "call_id": "c1", "operator": "101"})
    assert (status, body["state"]) == (200, "answered")

    sign_in(client, duty)  # the operator's desk finds the call and opens its card
    active = client.get("/desk/calls/active").get_json()
    assert active["caller"] == {"known": True, "name": "Иванов Иван", "requests": 1}
    card = client.get(active["call"]["url"]).get_data(as_text=True)
    assert "Нет выписки" in card and "Иванов Иван" in card and "+79161234567" in card
    clock.advance(minutes=3, seconds=20)
    status, body = post_event(live_server, clock, {"event": "call.hangup", "call_id": "c1"})
    assert (status, body["state"], body["outcome"]) == (200, "ended", None)
    response = client.post(active["call"]["url"], data={"csrf_token": csrf_token(client), "topic": "Выписка",
                                                        "outcome": "answered", "request_number": "", "note": ""})
    assert response.status_code == 302
    call = db.session.execute(db.select(Call).filter_by(pbx_call_id="c1")).scalar_one()
    assert (call.caller_id, call.operator_id, call.duration_seconds, call.outcome, call.topic) == (
        citizen.id, duty.id, 200, "answered", "Выписка")
    assert client.get("/desk/calls/active").get_json() == {"call": None}  # filled in: the card closes

    # A call nobody answers: missed, on the callback list.
    post_event(live_server, clock, {"event": "call.new", "call_id": "c2", "from": "+7 495 111-22-33"})
    clock.advance(seconds=40)
    status, body = post_event(live_server, clock, {"event": "call.hangup", "call_id": "c2"})
    assert body["outcome"] == "missed"
    page = client.get("/desk/calls?view=callbacks").get_data(as_text=True)
    assert "+74951112233" in page and "Перезвонить: 1" in page
    missed = db.session.execute(db.select(Call).filter_by(pbx_call_id="c2")).scalar_one()
    response = client.post(f"/desk/calls/{missed.id}/called-back", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302 and "Перезвонить: 0" in client.get("/desk/calls").get_data(as_text=True)

    # Repeated events are harmless; an event for an unknown call is a 404.
    assert post_event(live_server, clock, {"event": "call.new", "call_id": "c1", "from": "+79161234567"})[0] == 200
    assert post_event(live_server, clock, {"event": "call.hangup", "call_id": "nope"})[0] == 404
    assert db.session.execute(db.select(db.func.count(Call.id))).scalar_one() == 2


def test_a_call_outside_the_phone_hours_is_missed_with_the_next_opening(app, client, clock, live_server, people):
    from sep_plugins.channel_phone.models import Call

    clock.set("2026-03-06T19:00:00")  # Friday evening; Monday 9 March is a transferred day off
    status, body = post_event(live_server, clock, {"event": "call.new", "call_id": "late", "from": "+79161234567"})
    assert (status, body["outcome"], body["next_open"]) == (200, "missed", "2026-03-10T06:00:00+03:00")
    call = db.session.execute(db.select(Call).filter_by(pbx_call_id="late")).scalar_one()
    assert call.outside_hours and call.state == "ended"
    sign_in(client, people[1])
    page = client.get("/desk/calls?view=callbacks").get_data(as_text=True)
    assert "10.03.2026 06:00" in page


def test_forged_stale_and_malformed_events_are_refused(app, clock, live_server, people):
    from sep_plugins.channel_phone.models import Call

    clock.set("2026-03-02T10:00:00")
    event = {"event": "call.new", "call_id": "x1", "from": "+79161234567"}
    assert post_event(live_server, clock, event, secret="guessed")[0] == 403
    assert post_event(live_server, clock, event, timestamp=int(clock.moment.timestamp()) - 3600)[0] == 403
    request = urllib.request.Request(live_server.url + "/hooks/phone", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        urllib.request.urlopen(request, timeout=10)
    assert unsigned.value.code == 403
    assert post_event(live_server, clock, {"event": "call.teleport", "call_id": "x"})[0] == 400
    assert post_event(live_server, clock, {"call_id": "x"})[0] == 400
    assert post_event(live_server, clock, {"event": "call.new", "call_id": "x", "at": "вчера"})[0] == 400
    assert db.session.execute(db.select(Call)).first() is None


@pytest.mark.sep_plugin_config("channel_phone", {"webhook_secret": ""})
def test_without_a_secret_the_webhook_does_not_exist(client):
    assert client.post("/hooks/phone", data=b"{}").status_code == 404


def test_operator_logs_a_call_in_a_few_seconds(app, client, clock, people):
    from sep_plugins.channel_phone.models import Call

    citizen, duty = people
    clock.set("2026-03-02T11:00:00")
    sign_in(client, duty)
    lookup = client.get("/desk/calls/lookup?phone=8(916)1234567").get_json()
    assert lookup["known"] and lookup["requests"][0]["subject"] == "Нет выписки"
    assert client.get("/desk/calls/lookup?phone=abc").status_code == 400
    response = client.post("/desk/calls", data={"csrf_token": csrf_token(client), "phone": "12",
                                                "topic": "x", "outcome": "answered", "duration": "1:00"})
    assert response.status_code == 400 and "Укажите номер телефона" in response.get_data(as_text=True)
    response = client.post("/desk/calls", data={"csrf_token": csrf_token(client), "phone": "+7 916 123 45 67",
                                                "topic": "x", "outcome": "answered", "duration": "1:99"})
    assert response.status_code == 400 and "минуты:секунды" in response.get_data(as_text=True)
    response = client.post("/desk/calls", data={"csrf_token": csrf_token(client), "phone": "+7 916 123 45 67",
                                                "topic": "Статус заявки", "outcome": "callback_needed",
                                                "duration": "2:05"})
    assert response.status_code == 302
    call = db.session.execute(db.select(Call)).scalar_one()
    assert (call.phone, call.caller_id, call.duration_seconds, call.source) == ("+79161234567", citizen.id, 125,
                                                                                "manual")
    assert "Статус заявки" in client.get("/desk/calls?view=callbacks&lang=en").get_data(as_text=True)


def test_citizens_do_not_see_the_journal(client, people):
    sign_in(client, people[0])
    assert client.get("/desk/calls").status_code == 403
    assert client.get("/desk/calls/lookup?phone=%2B79161234567").status_code == 403


def test_hook_sep_contact_requests(app, people):
    from sep_core import current_state

    citizen = people[0]
    rows = [r for g in current_state().pm.hook.sep_contact_requests(user=None, phone="+79161234567") for r in g]
    assert [r["subject"] for r in rows] == ["Нет выписки"]
    rows = [r for g in current_state().pm.hook.sep_contact_requests(user=citizen, phone="") for r in g]
    assert rows and rows[0]["url"].startswith("/desk/requests/")


def test_hook_sep_report_metrics(app, client, clock, live_server, people):
    """The journal's figures for reports, against hand-counted calls: two answered and one missed on
    2 March, one outside the hours on 6 March (missed); a filter on another channel gives nothing."""
    from datetime import datetime

    from sep_core import MOSCOW, current_state

    clock.set("2026-03-02T10:00:00")
    for call_id in ("a", "b"):
        post_event(live_server, clock, {"event": "call.new", "call_id": call_id, "from": "+79161234567"})
        post_event(live_server, clock, {"event": "call.answered", "call_id": call_id, "operator": "101"})
        post_event(live_server, clock, {"event": "call.hangup", "call_id": call_id})
    post_event(live_server, clock, {"event": "call.new", "call_id": "m", "from": "+79161234567"})
    post_event(live_server, clock, {"event": "call.hangup", "call_id": "m"})
    clock.set("2026-03-06T20:00:00")
    post_event(live_server, clock, {"event": "call.new", "call_id": "late", "from": "+79161234567"})
    start, end = datetime(2026, 3, 1, tzinfo=MOSCOW), datetime(2026, 3, 8, tzinfo=MOSCOW)
    results = [r for r in current_state().pm.hook.sep_report_metrics(start=start, end=end, channel=None) if r]
    calls = next(r["calls"] for r in results if "calls" in r)
    assert calls["total"] == 4 and calls["by_day"] == {"2026-03-02": 3, "2026-03-06": 1}
    assert calls["by_outcome"]["missed"] == 2 and calls["by_outcome"]["unfilled"] == 2
    assert not [r for r in current_state().pm.hook.sep_report_metrics(start=start, end=end, channel="vk")
                if r and "calls" in r]
