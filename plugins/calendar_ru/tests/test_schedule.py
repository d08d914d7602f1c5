"""``sep_service_schedule``: the regular hours and the response target, from the settings."""

from __future__ import annotations

import pytest

from sep_core import ConfigError, service_schedule

pytestmark = pytest.mark.sep_plugins("calendar_ru", "channel_web")


def test_default_schedules(app):
    assert service_schedule("phone") == {
        "service": "phone", "days": "working", "hours": ["06:00-18:00"], "short_day_hours": ["06:00-17:00"],
        "response_hours": None, "timezone": "Europe/Moscow"}
    tickets = service_schedule("tickets")
    assert (tickets["days"], tickets["hours"], tickets["response_hours"]) == ("working", ["06:00-18:00"], 24)
    bot = service_schedule("bot")
    assert (bot["days"], bot["hours"], bot["short_day_hours"]) == ("all", ["00:00-24:00"], None)
    assert service_schedule("fax") is None  # not a calendar service: abstain


@pytest.mark.sep_plugin_config("calendar_ru", {
    "services": {
        "phone": {"days": "working", "hours": "08:00-12:00, 13:00-20:00", "short_day_hours": ["08:00-12:00"]},
        "tickets": {"days": "working", "hours": ["09:00-10:00"]},
    },
    "response_hours": 7.5,
})
def test_configured_schedules(app):
    phone = service_schedule("phone")
    assert (phone["hours"], phone["short_day_hours"]) == (["08:00-12:00", "13:00-20:00"], ["08:00-12:00"])
    tickets = service_schedule("tickets")
    assert tickets["short_day_hours"] == []  # a one-hour day less one hour: closed on short days
    assert tickets["response_hours"] == 7.5
    assert service_schedule("bot") is None  # not configured any more


@pytest.mark.parametrize("value", ["24", 0, -3, True, None])
def test_a_bad_response_target_stops_start_up(make_app, value):
    with pytest.raises(ConfigError, match="response_hours"):
        make_app(config={"SEP_PLUGIN_CONFIG": {"calendar_ru": {"response_hours": value}}})
