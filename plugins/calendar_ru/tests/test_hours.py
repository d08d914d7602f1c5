"""Availability and deadlines through the core helpers (the hooks as other plugins use them)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event

from sep_core import availability, db, deadline

pytestmark = pytest.mark.sep_plugins("calendar_ru", "channel_web")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_full_working_saturday(app):
    v = availability("phone", at("2024-04-27T17:30:00+03:00"))
    assert (v.open, v.reason) == (True, "working_weekend")
    assert v.next_close == at("2024-04-27T18:00:00+03:00")


def test_short_working_saturday_closes_at_17(app):
    v = availability("phone", at("2024-11-02T16:59:59+03:00"))
    assert (v.open, v.reason) == (True, "working_weekend")
    assert v.next_close == at("2024-11-02T17:00:00+03:00")
    closed = availability("phone", at("2024-11-02T17:00:00+03:00"))
    assert (closed.open, closed.reason) == (False, "outside_hours")
    assert closed.next_open == at("2024-11-05T06:00:00+03:00")  # 3 Nov Sunday, 4 Nov holiday


def test_short_weekday_boundary(app):
    assert availability("tickets", at("2026-11-03T16:59:59+03:00")).open
    v = availability("tickets", at("2026-11-03T17:00:00+03:00"))
    assert not v.open and v.reason == "outside_hours"


def test_friday_before_weekend_and_monday_holiday_is_not_short(app):
    v = availability("phone", at("2023-06-09T17:30:00+03:00"))  # Mon 12 June is Russia Day
    assert (v.open, v.reason) == (True, "open")
    assert v.next_close == at("2023-06-09T18:00:00+03:00")
    closed = availability("phone", at("2023-06-12T10:00:00+03:00"))
    assert (closed.open, closed.reason) == (False, "holiday")
    assert closed.message == "День России"


def test_weekday_before_transferred_day_off_is_not_short(app):
    v = availability("phone", at("2025-05-07T17:30:00+03:00"))  # 8 May 2025 is a transferred day off
    assert (v.open, v.reason) == (True, "open")
    off = availability("phone", at("2025-05-08T12:00:00+03:00"))
    assert (off.open, off.reason) == (False, "transferred_day_off")
    assert "23.02.2025" in off.message


def test_new_year_break(app):
    v = availability("phone", at("2025-12-31T10:00:00+03:00"))
    assert (v.open, v.reason) == (False, "transferred_day_off")
    assert v.next_open == at("2026-01-12T06:00:00+03:00")
    h = availability("phone", at("2026-01-05T10:00:00+03:00"))
    assert (h.reason, h.message) == ("holiday", "Новогодние каникулы")
    assert availability("phone", at("2026-01-10T10:00:00+03:00")).reason == "weekend"


def test_utc_input_is_converted_to_moscow(app):
    assert not availability("phone", at("2026-03-02T02:59:59+00:00")).open  # 05:59:59 Moscow
    v = availability("phone", at("2026-03-02T03:00:00+00:00"))
    assert v.open
    assert v.next_close.isoformat() == "2026-03-02T18:00:00+03:00"


def test_bot_is_open_around_the_clock(app):
    v = availability("bot", at("2026-01-01T03:00:00+03:00"))
    assert v.open and v.next_close is None


def test_deadline_across_the_new_year_holidays(app):
    due = deadline("tickets", at("2025-12-30T17:00:00+03:00"), 24)
    # 1 h on 30 Dec, then closed to 12 Jan: 12 h on 12 Jan, 11 h on 13 Jan
    assert due.isoformat() == "2026-01-13T17:00:00+03:00"


def test_deadline_landing_on_closing_time_is_that_time(app):
    assert deadline("tickets", at("2026-03-02T06:00:00+03:00"), 12).isoformat() == "2026-03-02T18:00:00+03:00"
    # from a closed moment the clock starts at the next opening
    assert deadline("tickets", at("2026-03-01T12:00:00+03:00"), 1).isoformat() == "2026-03-02T07:00:00+03:00"


@pytest.mark.sep_plugin_config("calendar_ru", {"response_hours": 12})
def test_default_response_target_is_configurable(app):
    due = deadline("tickets", at("2026-03-02T06:00:00+03:00"), None)
    assert due.isoformat() == "2026-03-02T18:00:00+03:00"


def test_deadline_from_utc_start(app):
    due = deadline("phone", at("2026-03-02T15:00:00Z"), 0.5)  # 18:00 Moscow: closed -> next morning
    assert due.isoformat() == "2026-03-03T06:30:00+03:00"


def test_deadline_bad_input(app):
    from sep_plugins.calendar_ru.calendar_data import CalendarDataMissing, CalendarError

    with pytest.raises(CalendarError):
        deadline("tickets", at("2026-03-02T06:00:00+03:00"), -1)
    with pytest.raises(CalendarDataMissing):
        deadline("tickets", at("2027-12-30T10:00:00+03:00"), 30)  # runs into 2028


def test_year_without_data_is_explicit(app):
    v = availability("phone", at("2030-03-04T10:00:00+03:00"))  # a Monday: never a Mon-Fri guess
    assert (v.open, v.reason) == (False, "no_calendar_data")
    assert "2030" in v.message
    assert availability("bot", at("2030-03-04T10:00:00+03:00")).open


@pytest.mark.sep_plugin_config("calendar_ru", {"services": {
    "phone": {"days": "working", "hours": ["06:00-12:00", "13:00-18:00"]},
    "tickets": {"days": "working", "hours": ["06:00-18:00"]},
    "bot": {"days": "all", "hours": ["00:00-24:00"]}}})
def test_several_intervals_per_day(app):
    v = availability("phone", at("2026-03-02T12:30:00+03:00"))
    assert (v.open, v.reason) == (False, "outside_hours")
    assert v.next_open == at("2026-03-02T13:00:00+03:00")
    assert availability("phone", at("2026-03-02T11:59:59+03:00")).next_close == at("2026-03-02T12:00:00+03:00")
    assert deadline("phone", at("2026-03-02T11:00:00+03:00"), 2).isoformat() == "2026-03-02T14:00:00+03:00"
    # short day: the last interval ends an hour earlier
    assert not availability("phone", at("2026-11-03T17:00:00+03:00")).open
    assert availability("phone", at("2026-11-03T16:59:00+03:00")).open


def test_special_non_working_days_not_honoured_by_default(app):
    assert availability("phone", at("2020-04-01T10:00:00+03:00")).open


@pytest.mark.sep_plugin_config("calendar_ru", {"honour_special_non_working_days": True})
def test_special_non_working_days_when_enabled(app):
    v = availability("phone", at("2020-04-01T10:00:00+03:00"))
    assert (v.open, v.reason) == (False, "special_non_working")


def test_maintenance_closes_the_bot_only(app):
    from sep_plugins.calendar_ru import operations

    operations.create_window(None, at("2026-03-03T01:00:00+03:00"), at("2026-03-03T03:00:00+03:00"), ["bot"],
                             "Обновление базы знаний", "Knowledge base update")
    v = availability("bot", at("2026-03-03T02:00:00+03:00"))
    assert (v.open, v.reason) == (False, "maintenance")
    assert "Обновление базы знаний" in v.message
    assert v.next_open == at("2026-03-03T03:00:00+03:00")
    assert availability("phone", at("2026-03-03T10:00:00+03:00")).open
    assert availability("bot", at("2026-03-03T03:00:00+03:00")).open
    # announced in advance: the bot's verdict carries the message and the closing time
    before = availability("bot", at("2026-03-02T10:00:00+03:00"))
    assert before.open and before.next_close == at("2026-03-03T01:00:00+03:00")
    assert "Обновление базы знаний" in before.message
    # the clock of a deadline stops during the window
    assert deadline("bot", at("2026-03-03T00:30:00+03:00"), 1).isoformat() == "2026-03-03T03:30:00+03:00"


def test_maintenance_on_a_closed_phone_keeps_the_calendar_reason(app):
    from sep_plugins.calendar_ru import operations

    operations.create_window(None, at("2026-03-07T10:00:00+03:00"), at("2026-03-07T12:00:00+03:00"), ["phone"],
                             "Работы")
    assert availability("phone", at("2026-03-07T11:00:00+03:00")).reason == "weekend"


def test_overrides_change_the_day(app):
    from datetime import date

    from sep_plugins.calendar_ru import operations

    operations.create_override(None, date(2026, 3, 4), "day_off", reason="Санитарный день", act="Приказ № 1")
    v = availability("phone", at("2026-03-04T10:00:00+03:00"))
    assert (v.open, v.reason, v.message) == (False, "override", "Санитарный день")
    operations.create_override(None, date(2026, 3, 7), "working_day", reason="Отработка")
    assert availability("phone", at("2026-03-07T10:00:00+03:00")).open
    operations.create_override(None, date(2026, 3, 5), "hours", hours="10:00-14:00", services=["phone"],
                               reason="Учения")
    assert not availability("phone", at("2026-03-05T09:00:00+03:00")).open
    assert availability("phone", at("2026-03-05T13:00:00+03:00")).next_close == at("2026-03-05T14:00:00+03:00")
    assert availability("tickets", at("2026-03-05T09:00:00+03:00")).open  # only the phone changed


def test_no_database_or_file_reads_per_call(app, monkeypatch):
    from pathlib import Path

    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    availability("phone", at("2026-03-02T10:00:00+03:00"))  # first call may load the cache
    statements.clear()
    opened = []
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: opened.append(a) or "")
    for i in range(200):
        availability("phone", at("2026-03-02T10:00:00+03:00"))
        availability("bot", at("2026-03-02T10:00:00+03:00"))
        deadline("tickets", at("2026-03-02T10:00:00+03:00"), 24 + i)
    assert statements == [] and opened == []


def test_other_workers_see_changes_after_the_ttl(make_app, tmp_path):
    from datetime import date

    from sep_plugins.calendar_ru import operations, state

    instance = str(tmp_path)
    writer = make_app(shared_instance=instance)
    reader = make_app(shared_instance=instance, create_tables=False,
                      config={"SEP_PLUGIN_CONFIG": {"calendar_ru": {"cache_ttl_seconds": 3600}}})
    moment = at("2026-03-04T10:00:00+03:00")
    with reader.app_context():
        assert availability("phone", moment).open  # loads the (empty) overrides once
    with writer.app_context():
        operations.create_override(None, date(2026, 3, 4), "day_off", reason="Санитарный день")
        assert not availability("phone", moment).open  # the writing worker: at once
    with reader.app_context():
        assert availability("phone", moment).open  # within the TTL: the cached calendar
        state.current().checked_at -= 3600  # the TTL has passed
        assert not availability("phone", moment).open
