"""The calendar cliff (issue 13, item 10): with the clock past the last loaded year no page may
fail; staff see a warning; an administrator loads the new year's decree without a release."""

from __future__ import annotations

import io
import json
import re
import secrets
from datetime import datetime

import pytest

from sep_core import User, db
from sep_core.accounts import hash_password
from sep_core.plugins import installed_plugins
from sep_core.testing import csrf_token, sign_in

pytestmark = pytest.mark.sep_plugins("identity_check", "calendar_ru", "tickets", "channel_web")

WARNING_ID = 'id="calendar-fallback-warning"'


def _user(email: str, role: str) -> User:
    user = User(email=email, role=role, password_hash=hash_password("x" * 12), surname="Иванов",
                first_name="Иван", patronymic="", locale="ru", phone="+79161234567" if role == "citizen" else None,
                email_confirmed_at=datetime(2026, 1, 1), phone_confirmed_at=datetime(2026, 1, 1),
                session_token=secrets.token_hex(8))
    db.session.add(user)
    db.session.commit()
    return user


def _file_request(client) -> str:
    response = client.post("/requests/new", data={
        "csrf_token": csrf_token(client), "surname": "Иванов", "first_name": "Иван", "patronymic": "",
        "email": "ivan@example.org", "phone": "", "category": "extract", "subject": "Нужна выписка",
        "description": "Не могу скачать выписку из ЭПТС в личном кабинете."}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"].rsplit("/", 1)[1]


def year_2028() -> dict:
    """A 2028 decree as an administrator would load it (the shape of the shipped years). The
    transfer from Saturday 1 January to Monday 10 January is what the five-day-week fallback
    cannot know."""
    holidays = [(f"2028-01-0{d}", "Новогодние каникулы", "New Year holidays") for d in (1, 2, 3, 4, 5, 6, 8)]
    holidays += [("2028-01-07", "Рождество Христово", "Orthodox Christmas"),
                 ("2028-02-23", "День защитника Отечества", "Defender of the Fatherland Day"),
                 ("2028-03-08", "Международный женский день", "International Women's Day"),
                 ("2028-05-01", "Праздник Весны и Труда", "Spring and Labour Day"),
                 ("2028-05-09", "День Победы", "Victory Day"),
                 ("2028-06-12", "День России", "Russia Day"),
                 ("2028-11-04", "День народного единства", "Unity Day")]
    return {
        "format": 1, "year": 2028, "status": "final", "decree": "Постановление о переносе выходных дней в 2028 году",
        "sources": ["test"],
        "holidays": [{"date": d, "name_ru": ru, "name_en": en} for d, ru, en in sorted(holidays)],
        "transferred_days_off": [{"date": "2028-01-10", "from": "2028-01-01", "basis": "government_decree"}],
        "working_weekends": [],
        "short_days": [{"date": "2028-02-22", "before": "2028-02-23"}],
        "special_non_working_days": [],
    }


def _pages(client, number: str) -> dict[str, object]:
    return {path: client.get(path) for path in (
        "/", "/requests/new", f"/requests/{number}", "/cabinet", "/calendar",
        "/api/v1/tickets/estimate?category=extract")}


def test_past_the_last_year_every_page_answers_and_staff_are_warned(app, client, clock):
    citizen, duty = _user("ivan@example.org", "citizen"), _user("duty@example.org", "duty")
    clock.set("2027-12-22T10:00:00")  # the estimate looks 168 working hours ahead, into 2028
    sign_in(client, citizen)
    number = _file_request(client)
    for path, response in _pages(client, number).items():
        assert response.status_code == 200, path
        if not path.startswith("/api/"):
            assert WARNING_ID not in response.get_data(as_text=True), f"citizens are not warned: {path}"
    estimate = client.get("/api/v1/tickets/estimate?category=extract").get_json()
    assert estimate["estimate"].startswith(("2027-12", "2028-01"))
    sign_in(client, duty)
    for path in ("/desk", f"/desk/requests/{number}"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert WARNING_ID in html and "2028" in html, path
    assert client.get("/api/v1/deadline?service=tickets&from=2027-12-30T10:00:00%2B03:00&hours=40"
                      ).status_code == 200
    # the fallback is the standard five-day week with the fixed federal holidays
    days = {d["date"]: d for d in client.get("/api/v1/calendar/2028").get_json()["days"]}
    assert days["2028-01-10"]["working"] is True and days["2028-01-08"]["working"] is False
    assert days["2028-01-15"]["working"] is False  # a Saturday


def test_cli_import_ends_the_warning_and_the_days_are_right(app, client, clock, tmp_path):
    duty = _user("duty@example.org", "duty")
    clock.set("2027-12-22T10:00:00")
    sign_in(client, duty)
    assert WARNING_ID in client.get("/desk").get_data(as_text=True)
    path = tmp_path / "2028.json"
    path.write_text(json.dumps(year_2028(), ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2028" in result.output
    assert WARNING_ID not in client.get("/desk").get_data(as_text=True)
    data = client.get("/api/v1/calendar/2028").get_json()
    days = {d["date"]: d for d in data["days"]}
    assert data["status"] == "final"
    assert (days["2028-01-10"]["kind"], days["2028-01-10"]["working"]) == ("transferred_day_off", False)
    assert days["2028-02-22"]["short"] is True
    # the deadline now skips the transferred day off: 24 working hours from Friday 2028-01-07 (a holiday)
    due = client.get("/api/v1/deadline?service=tickets&from=2028-01-07T10:00:00%2B03:00&hours=24").get_json()["due"]
    assert due == "2028-01-12T18:00:00+03:00"


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d.update(year="20x8"), "year"),
    (lambda d: d["holidays"][0].update(date="2028-02-30"), "holidays[0].date"),
    (lambda d: d["holidays"][0].update(date="2029-01-01"), "holidays[0].date"),
    (lambda d: d.pop("holidays"), "holidays"),
    (lambda d: d["transferred_days_off"][0].pop("from"), "transferred_days_off[0].from"),
    (lambda d: d.update(expected={"working_days": 1}), "expected"),
])
def test_cli_import_refuses_bad_files_clearly(app, tmp_path, mutate, message):
    data = year_2028()
    mutate(data)
    path = tmp_path / "2028.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(path)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "JSON" in result.output


def test_admin_uploads_the_decree_on_the_staff_calendar_page(app, client, clock):
    from sep_core import AuditEntry

    admin = _user("admin@example.org", "admin")
    clock.set("2027-12-22T10:00:00")
    sign_in(client, admin)
    page = client.get("/staff/calendar")
    assert page.status_code == 200 and WARNING_ID in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    bad = client.post("/staff/calendar/years", data={
        "csrf_token": token, "file": (io.BytesIO(b"{\"year\": 2028}"), "2028.json")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and "holidays" in bad.get_data(as_text=True)
    body = json.dumps(year_2028(), ensure_ascii=False).encode()
    ok = client.post("/staff/calendar/years", data={"csrf_token": token, "file": (io.BytesIO(body), "2028.json")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    assert WARNING_ID not in client.get("/staff/calendar").get_data(as_text=True)
    assert [e.action for e in db.session.execute(db.select(AuditEntry)).scalars()] == ["calendar.year.import"]
    days = {d["date"]: d for d in client.get("/api/v1/calendar/2028").get_json()["days"]}
    assert days["2028-01-10"]["working"] is False


def test_only_admins_upload(client, clock):
    duty = _user("duty@example.org", "duty")
    sign_in(client, duty)
    body = json.dumps(year_2028()).encode()
    response = client.post("/staff/calendar/years", data={
        "csrf_token": csrf_token(client), "file": (io.BytesIO(body), "2028.json")},
        content_type="multipart/form-data")
    assert response.status_code == 403


#: GET routes without path arguments that need a query (answered with it below) or a state the
#: walk does not make: the sign-up pages redirect a signed-in visitor, the reset form needs a link.
NEEDS_MORE = {"/api/v1/availability", "/api/v1/deadline", "/api/v1/registry/lookup", "/desk/calls/lookup",
              "/register", "/confirm", "/reset/password"}


@pytest.mark.sep_plugins(*installed_plugins())  # every built-in plugin: every page of the product
@pytest.mark.parametrize("years", [(2029, 2031)])
def test_years_past_the_last_loaded_one_every_page_answers_with_the_staff_warning(app, client, clock, years):
    """Issue 13 item 10: the shipped data end years before the clock; one server keeps running from
    December 2029 to December 2031 (the calendar is rebuilt as the clock moves). Every page a
    signed-in citizen and an administrator can open answers 200; staff pages carry the warning
    naming the year, citizens' pages do not."""
    from sep_plugins.calendar_ru import state

    citizen, admin = _user("ivan@example.org", "citizen"), _user("admin@example.org", "admin")
    assert max(state.current().years) < min(years) - 1  # more than a year past the last loaded year
    for year in years:
        clock.set(f"{year}-12-22T10:00:00")
        sign_in(client, citizen)
        number = _file_request(client)
        with_args = [f"/calendar?year={year}", f"/calendar?year={year + 1}", f"/calendar/{year}.ics",
                     f"/calendar/{year + 1}.ics", f"/api/v1/calendar/{year}", f"/api/v1/calendar/{year + 1}",
                     "/api/v1/tickets/estimate?category=extract",
                     f"/api/v1/tickets/estimate?category=extract&at={year}-12-30T17:00:00%2B03:00",
                     f"/api/v1/availability?service=tickets&at={year}-12-31T10:00:00%2B03:00",
                     f"/api/v1/deadline?service=tickets&from={year}-12-30T10:00:00%2B03:00&hours=40"]
        for who, extra in ((citizen, [f"/requests/{number}"]), (admin, [f"/desk/requests/{number}"])):
            sign_in(client, who)
            paths = [rule.rule for rule in app.url_map.iter_rules()
                     if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static")
                     and rule.rule not in NEEDS_MORE and not rule.rule.endswith(".csv")]
            failed = []
            for path in paths + with_args + extra:
                response = client.get(path)
                if who is citizen and (response.status_code == 403 or path.startswith(("/desk", "/staff"))):
                    continue  # staff pages: refused to citizens, as on any day
                if response.status_code in (301, 308):
                    continue  # a permanent alias of another address (e.g. /favicon.ico)
                if response.status_code != 200:
                    failed.append((path, response.status_code))
                    continue
                if response.mimetype == "text/html":
                    html = response.get_data(as_text=True)
                    if who is admin and (WARNING_ID not in html or str(year) not in html):
                        failed.append((path, "no warning"))
                    if who is citizen and WARNING_ID in html:
                        failed.append((path, "warning shown to a citizen"))
            assert not failed, (year, who.role, failed)
        days = {d["date"]: d for d in client.get(f"/api/v1/calendar/{year + 1}").get_json()["days"]}
        assert days[f"{year + 1}-01-01"]["working"] is False  # the fallback's fixed holidays
