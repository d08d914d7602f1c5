"""The public calendar page, the staff pages (admin only, CSRF, audit) and the home page slots."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from sep_core import AuditEntry, availability, db

pytestmark = pytest.mark.sep_plugins("calendar_ru", "channel_web")


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_calendar_page_russian_by_default(client):
    r = client.get("/calendar?year=2024")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Производственный календарь 2024" in html
    assert 'data-date="2024-11-02" data-kind="working_weekend"' in html
    assert "02.11.2024 — рабочий день" in html


def test_calendar_page_english(client):
    html = client.get("/calendar?year=2024&lang=en").get_data(as_text=True)
    assert "Working calendar 2024" in html
    assert "Transferred days off" in html


@pytest.mark.parametrize("year,status", [("2031", 404), ("12ab", 400)])
def test_calendar_page_bad_year(client, year, status):
    r = client.get(f"/calendar?year={year}")
    assert r.status_code == status
    assert 'role="alert"' in r.get_data(as_text=True)


def test_home_page_links_to_calendar(client):
    assert 'href="/calendar"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/staff/calendar", "/staff/calendar/maintenance"])
def test_staff_pages_are_for_admins_only(client, make_user, login, path):
    assert client.get(path).status_code == 403
    login(client, make_user("duty", "duty@example.test"))
    assert client.get(path).status_code == 403
    assert client.post(path, data={}).status_code in (400, 403)


def test_admin_adds_an_override(admin_client, clock):
    page = admin_client.get("/staff/calendar").get_data(as_text=True)
    r = admin_client.post("/staff/calendar", data={
        "csrf_token": form_token(page), "date": "2026-03-04", "kind": "day_off", "hours": "",
        "reason": "Санитарный день", "act": "Приказ № 3", "published": "y"})
    assert r.status_code == 302
    assert not availability("phone", datetime.fromisoformat("2026-03-04T10:00:00+03:00")).open
    public = admin_client.get("/calendar?year=2026").get_data(as_text=True)
    assert "Санитарный день" in public and "Приказ № 3" in public
    entries = db.session.execute(db.select(AuditEntry)).scalars().all()
    assert [e.action for e in entries] == ["calendar.override.create"]


def test_override_form_errors_are_clear(admin_client):
    page = admin_client.get("/staff/calendar").get_data(as_text=True)
    r = admin_client.post("/staff/calendar", data={
        "csrf_token": form_token(page), "date": "2031-01-05", "kind": "day_off", "reason": "x"})
    assert r.status_code == 400
    assert "Нет данных производственного календаря на 2031 год" in r.get_data(as_text=True)
    r = admin_client.post("/staff/calendar", data={
        "csrf_token": form_token(page), "date": "2026-03-04", "kind": "hours", "hours": "9-18", "reason": "x"})
    assert r.status_code == 400
    assert '<p class="field-error" id="hours-error">Неверный интервал времени: 9-18' in r.get_data(as_text=True)


def test_override_form_errors_in_english(make_app):
    # a fresh app context per request, so the language is chosen per request
    app = make_app()
    client = app.test_client()
    client.set_cookie("sep_lang", "en")
    with app.app_context():
        from sep_core import User
        from sep_core import db as database

        user = User(email="admin2@example.test", role="admin", session_token="t")
        database.session.add(user)
        database.session.commit()
        user_id = user.get_id()
    with client.session_transaction() as s:
        s["_user_id"] = user_id
        s["_fresh"] = True
    page = client.get("/staff/calendar").get_data(as_text=True)
    r = client.post("/staff/calendar", data={
        "csrf_token": form_token(page), "date": "2026-03-04", "kind": "hours", "hours": "9-18", "reason": "x"})
    assert r.status_code == 400
    assert "Not a valid time interval: 9-18" in r.get_data(as_text=True)


def test_staff_form_without_csrf_is_refused(admin_client):
    r = admin_client.post("/staff/calendar", data={"date": "2026-03-04", "kind": "day_off", "reason": "x"})
    assert r.status_code == 400
    assert not db.session.execute(db.select(AuditEntry)).first()


def test_maintenance_window_announced_and_banner(admin_client, clock):
    clock.set("2026-03-02T10:00:00")
    page = admin_client.get("/staff/calendar/maintenance").get_data(as_text=True)
    r = admin_client.post("/staff/calendar/maintenance", data={
        "csrf_token": form_token(page), "start": "2026-03-03T01:00", "end": "2026-03-03T03:00",
        "services": ["bot"], "message": "Обновление системы", "message_en": "System update"})
    assert r.status_code == 302
    home = admin_client.get("/").get_data(as_text=True)
    assert "Плановые технические работы" in home and "Обновление системы" in home
    clock.set("2026-03-03T02:00:00")
    home = admin_client.get("/").get_data(as_text=True)
    assert 'class="banner" role="status">Технические работы до 03.03.2026 03:00' in home
    bot = availability("bot")
    assert (bot.open, bot.reason) == (False, "maintenance")
    assert availability("phone").reason == "outside_hours"  # 02:00: the phone keeps its own reason
    assert [e.action for e in db.session.execute(db.select(AuditEntry)).scalars()] == ["calendar.maintenance.create"]


def test_maintenance_end_before_start_is_a_form_error(admin_client):
    page = admin_client.get("/staff/calendar/maintenance").get_data(as_text=True)
    r = admin_client.post("/staff/calendar/maintenance", data={
        "csrf_token": form_token(page), "start": "2026-03-03T03:00", "end": "2026-03-03T01:00",
        "services": ["bot"], "message": "x"})
    assert r.status_code == 400
    assert '<p class="field-error" id="end-error">Окончание технических работ должно быть позже начала.' in \
        r.get_data(as_text=True)


@pytest.mark.sep_plugin_config("calendar_ru", {"missing_year_warning_days": 120})
def test_staff_warned_before_a_year_without_data(admin_client, clock):
    clock.set("2027-10-01T10:00:00")
    html = admin_client.get("/staff/calendar").get_data(as_text=True)
    assert 'id="missing-year"' in html and "2028" in html
    clock.set("2027-06-01T10:00:00")
    assert 'id="missing-year"' not in admin_client.get("/staff/calendar").get_data(as_text=True)


def test_delete_override_via_staff_page(admin_client):
    from datetime import date

    from sep_plugins.calendar_ru import operations

    row = operations.create_override(None, date(2026, 3, 4), "day_off", reason="x")
    page = admin_client.get("/staff/calendar").get_data(as_text=True)
    r = admin_client.post(f"/staff/calendar/overrides/{row.id}/delete", data={"csrf_token": form_token(page)})
    assert r.status_code == 302
    assert availability("phone", datetime.fromisoformat("2026-03-04T10:00:00+03:00")).open


def test_unpublished_reason_stays_internal(client):
    from datetime import date

    from sep_plugins.calendar_ru import operations

    operations.create_override(None, date(2026, 3, 4), "day_off", reason="Внутренняя причина", published=False)
    assert "Внутренняя причина" not in client.get("/calendar?year=2026").get_data(as_text=True)
    assert "Внутренняя причина" not in client.get("/api/v1/calendar/2026").get_data(as_text=True)
    assert "Внутренняя причина" not in client.get("/calendar/2026.ics").get_data(as_text=True)
    day = {d["date"]: d for d in client.get("/api/v1/calendar/2026").get_json()["days"]}["2026-03-04"]
    assert (day["kind"], day["working"]) == ("override", False)


def test_admin_edits_override_and_window(admin_client):
    from datetime import date

    from sep_plugins.calendar_ru import operations

    row = operations.create_override(None, date(2026, 3, 4), "day_off", reason="x")
    page = admin_client.get(f"/staff/calendar/overrides/{row.id}")
    assert page.status_code == 200 and 'value="2026-03-04"' in page.get_data(as_text=True)
    r = admin_client.post(f"/staff/calendar/overrides/{row.id}", data={
        "csrf_token": form_token(page.get_data(as_text=True)), "date": "2026-03-04", "kind": "working_day",
        "reason": "Отменено", "published": "y"})
    assert r.status_code == 302
    assert availability("phone", datetime.fromisoformat("2026-03-04T10:00:00+03:00")).open
    window = operations.create_window(None, datetime.fromisoformat("2026-03-03T01:00:00+03:00"),
                                      datetime.fromisoformat("2026-03-03T03:00:00+03:00"), ["bot"], "Работы")
    page = admin_client.get(f"/staff/calendar/maintenance/{window.id}")
    assert 'value="2026-03-03T01:00"' in page.get_data(as_text=True)
    r = admin_client.post(f"/staff/calendar/maintenance/{window.id}", data={
        "csrf_token": form_token(page.get_data(as_text=True)), "start": "2026-03-03T01:00",
        "end": "2026-03-03T05:00", "services": ["bot"], "message": "Работы"})
    assert r.status_code == 302
    assert availability("bot", datetime.fromisoformat("2026-03-03T04:00:00+03:00")).reason == "maintenance"
    assert admin_client.get("/staff/calendar/overrides/999").status_code == 404
