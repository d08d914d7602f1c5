"""The JSON API, the ICS feed and the CLI: the three interfaces and their errors."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.sep_plugins("calendar_ru", "channel_web")


def test_api_calendar_year(client):
    r = client.get("/api/v1/calendar/2024")
    assert r.status_code == 200
    data = r.get_json()
    assert data["year"] == 2024 and len(data["days"]) == 366
    by_date = {d["date"]: d for d in data["days"]}
    assert by_date["2024-11-02"] == {**by_date["2024-11-02"], "kind": "working_weekend", "working": True, "short": True}
    assert by_date["2024-04-27"]["short"] is False
    assert by_date["2024-12-31"]["kind"] == "transferred_day_off"
    assert by_date["2024-01-07"]["name"] == "Рождество Христово"
    assert data["totals"]["working_days"] == 248


@pytest.mark.parametrize("path,status,code", [
    ("/api/v1/calendar/2031", 404, "calendar_year_missing"),
    ("/api/v1/calendar/abc", 400, "invalid"),
    ("/api/v1/availability?service=fax", 400, "unknown_service"),
    ("/api/v1/availability", 400, "invalid"),
    ("/api/v1/availability?service=phone&at=2026-02-30T10:00:00%2B03:00", 400, "invalid"),
    ("/api/v1/availability?service=phone&at=2026-03-02T10:00:00", 400, "invalid"),
    ("/api/v1/availability?service=phone&at=yesterday", 400, "invalid"),
    ("/api/v1/availability?service=phone&at=2031-03-03T10:00:00Z", 404, "calendar_year_missing"),
    ("/api/v1/deadline?service=tickets&from=2026-03-02T10:00:00Z&hours=-1", 400, "invalid"),
    ("/api/v1/deadline?service=tickets&from=2026-03-02T10:00:00Z&hours=nan", 400, "invalid"),
    ("/api/v1/deadline?service=tickets&from=2026-03-02T10:00:00Z", 400, "invalid"),
    ("/api/v1/deadline?service=tickets&hours=3", 400, "invalid"),
    ("/api/v1/deadline?service=tickets&from=2027-12-30T10:00:00%2B03:00&hours=40", 404, "calendar_year_missing"),
])
def test_api_bad_input_is_a_clear_4xx(client, path, status, code):
    r = client.get(path)
    assert r.status_code == status
    assert r.get_json()["error"]["code"] == code
    assert r.get_json()["error"]["message"]


def test_api_availability_and_deadline(client):
    r = client.get("/api/v1/availability?service=phone&at=2024-11-02T13:59:59Z")
    data = r.get_json()
    assert (data["open"], data["reason"], data["next_close"]) == (True, "working_weekend", "2024-11-02T17:00:00+03:00")
    r = client.get("/api/v1/deadline?service=tickets&from=2025-12-30T14:00:00Z&hours=24")
    assert r.get_json() == {"service": "tickets", "from": "2025-12-30T17:00:00+03:00", "hours": 24,
                            "due": "2026-01-13T17:00:00+03:00"}


def test_api_routes_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/calendar/{year}", "/api/v1/availability", "/api/v1/deadline"} <= set(paths)


def test_ics_feed_lists_non_working_days(client):
    r = client.get("/calendar/2026.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    body = r.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20260109" in body  # transferred day off
    assert "DTSTART;VALUE=DATE:20260612" in body
    assert "DTSTART;VALUE=DATE:20260307" not in body  # ordinary weekend
    assert client.get("/calendar/2031.ics").status_code == 404


def test_cli_show_json(runner):
    result = runner.invoke(args=["calendar", "show", "2021", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    days = {d["date"]: d for d in data["days"]}
    assert days["2021-02-20"]["kind"] == "working_weekend" and days["2021-02-20"]["short"] is True
    assert days["2021-02-22"]["kind"] == "transferred_day_off"
    assert days["2021-11-04"]["kind"] == "holiday"


def test_cli_availability_naive_is_moscow(runner):
    result = runner.invoke(args=["availability", "phone", "--at", "2026-03-02T05:59:59", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"service", "open", "reason", "next_open", "next_close"}
    assert (data["open"], data["next_open"]) == (False, "2026-03-02T06:00:00+03:00")


def test_cli_deadline(runner):
    result = runner.invoke(args=["deadline", "tickets", "--from", "2025-12-30T17:00", "--hours", "24", "--json"])
    assert json.loads(result.output) == {"service": "tickets", "from": "2025-12-30T17:00:00+03:00", "hours": 24,
                                         "due": "2026-01-13T17:00:00+03:00"}


@pytest.mark.parametrize("args,needle", [
    (["calendar", "show", "2031"], "No production calendar data for 2031"),
    (["calendar", "show", "20x1"], "Not a valid year"),
    (["availability", "fax"], "Unknown service"),
    (["availability", "phone", "--at", "2026-02-30T10:00"], "Not a valid ISO 8601 time"),
    (["deadline", "tickets", "--from", "2026-03-02T10:00", "--hours", "-2"], "must not be negative"),
    (["calendar", "override", "add", "--date", "2026-13-01", "--kind", "day_off", "--reason", "x"], "Not a valid date"),
    (["calendar", "override", "add", "--date", "2031-01-05", "--kind", "day_off", "--reason", "x"], "2031"),
    (["calendar", "override", "add", "--date", "2026-03-04", "--kind", "hours", "--hours", "18:00-06:00",
      "--reason", "x"], "must end after"),
    (["calendar", "override", "remove", "99"], "No override #99"),
])
def test_cli_errors_are_clear(runner, args, needle):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert needle in result.output
    assert "Traceback" not in result.output


def test_cli_override_lifecycle(runner, app):
    from sep_core import AuditEntry, availability, db
    from sep_core.clock import to_moscow

    moment = to_moscow(__import__("datetime").datetime(2026, 3, 4, 10))
    r = runner.invoke(args=["calendar", "override", "add", "--date", "2026-03-04", "--kind", "day_off",
                            "--reason", "Санитарный день", "--act", "Приказ № 7"])
    assert r.exit_code == 0, r.output
    assert not availability("phone", moment).open
    day = {d["date"]: d for d in json.loads(runner.invoke(args=["calendar", "show", "2026", "--json"]).output)["days"]}
    assert day["2026-03-04"]["kind"] == "override" and day["2026-03-04"]["working"] is False
    listed = json.loads(runner.invoke(args=["calendar", "override", "list", "--json"]).output)
    oid = listed[0]["id"]
    r = runner.invoke(args=["calendar", "override", "edit", str(oid), "--date", "2026-03-04", "--kind", "hours",
                            "--hours", "10:00-12:00", "--reason", "Сокращённый приём"])
    assert r.exit_code == 0, r.output
    assert availability("phone", moment).open
    assert runner.invoke(args=["calendar", "override", "remove", str(oid)]).exit_code == 0
    assert availability("phone", moment).open
    actions = [a.action for a in db.session.execute(db.select(AuditEntry)).scalars()]
    assert actions == ["calendar.override.create", "calendar.override.update", "calendar.override.delete"]


def test_moments_before_1970_are_refused_not_answered_in_local_mean_time(client):
    """Found by schemathesis (issue 13 item 12): in the year 456 Moscow's offset is +02:30:17,
    which is not an RFC 3339 date-time; such moments are a clear 400."""
    for path in ("/api/v1/deadline?service=bot&hours=1&from=0456-12-08T03:39:58%2B10:11",
                 "/api/v1/availability?service=bot&at=1900-01-01T00:00:00Z"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert response.get_json()["error"]["code"]
