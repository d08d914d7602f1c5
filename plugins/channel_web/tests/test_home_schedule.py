"""The home page says the hours (the calendar's) and the response target (the request service's
answer-time rule) that are configured, not fixed text."""

from __future__ import annotations

import re

import pytest

from sep_core import hookimpl, service_schedule

FALLBACK_PHONE_RU = "С 06:00 до 18:00 по московскому времени в рабочие дни. В выходные и праздничные дни не работаем."
FALLBACK_TICKETS_RU = "Мы отвечаем в течение 24 часов; считаются только рабочие дни."
RULE_RU = "Мы отвечаем в течение 24 часов; считаются только рабочие дни (выходные и праздники не считаются)."

OTHER_HOURS = {
    "services": {
        "phone": {"days": "working", "hours": ["08:00-12:00", "13:00-20:00"]},
        "tickets": {"days": "working", "hours": ["09:00-17:00"]},
        "bot": {"days": "all", "hours": ["07:00-23:00"]},
    },
}


def card(html: str, heading_id: str) -> str:
    """The text of one contact card, tags stripped and spaces collapsed."""
    start = html.index(f'id="{heading_id}"')
    section = html[start:html.index("</section>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_default_calendar_hours_and_response_target_in_russian(client):
    html = client.get("/").get_data(as_text=True)
    assert ("С 06:00 до 18:00 по московскому времени в рабочие дни, в предпраздничные дни до 17:00. "
            "В выходные и праздничные дни не работаем.") in card(html, "way-phone")
    assert RULE_RU in card(html, "way-request")
    assert "круглосуточно" in card(html, "way-bot")


@pytest.mark.sep_plugin_config("calendar_ru", OTHER_HOURS)
@pytest.mark.sep_plugin_config("tickets", {"deadline_policy": "working_hours", "deadline_hours": 8})
def test_configured_hours_and_response_target_are_shown(client):
    html = client.get("/").get_data(as_text=True)
    phone = card(html, "way-phone")
    assert ("С 08:00 до 12:00 и с 13:00 до 20:00 по московскому времени в рабочие дни, "
            "в предпраздничные дни до 19:00. В выходные и праздничные дни не работаем.") in phone
    assert "06:00" not in phone and "18:00" not in phone
    request = card(html, "way-request")
    assert "Мы отвечаем в течение 8 рабочих часов." in request and "24" not in request
    bot = card(html, "way-bot")
    assert "С 07:00 до 23:00 по московскому времени ежедневно" in bot and "круглосуточно" not in bot

    html = client.get("/?lang=en").get_data(as_text=True)
    assert ("From 08:00 to 12:00 and from 13:00 to 20:00 Moscow time on working days, "
            "on pre-holiday days until 19:00. Closed on weekends and public holidays.") in card(html, "way-phone")
    assert "We answer within 8 working hours." in card(html, "way-request")
    assert "From 07:00 to 23:00 Moscow time every day" in card(html, "way-bot")


@pytest.mark.sep_plugin_config("calendar_ru", {
    "services": {
        "phone": {"days": "working", "hours": ["06:00-18:00"], "short_day_hours": ["06:00-18:00"]},
        "tickets": {"days": "all", "hours": ["00:00-24:00"]},
    },
})
@pytest.mark.sep_plugin_config("tickets", {"deadline_policy": "working_hours", "deadline_hours": 1})
def test_short_days_not_shorter_and_one_hour_target(client):
    html = client.get("/").get_data(as_text=True)
    phone = card(html, "way-phone")
    assert ("С 06:00 до 18:00 по московскому времени в рабочие дни. "
            "В выходные и праздничные дни не работаем.") in phone
    assert "предпраздничные" not in phone
    assert "Мы отвечаем в течение 1 рабочего часа." in card(html, "way-request")
    assert "We answer within 1 working hour." in client.get("/?lang=en").get_data(as_text=True)


@pytest.mark.sep_plugins("channel_web")
def test_without_a_calendar_the_standard_wording_is_shown(client):
    assert service_schedule("phone") is None
    html = client.get("/").get_data(as_text=True)
    assert FALLBACK_PHONE_RU in card(html, "way-phone")
    assert FALLBACK_TICKETS_RU in card(html, "way-request")
    assert "круглосуточно" in card(html, "way-bot")


class Abstains:
    @hookimpl
    def sep_service_schedule(self, service):
        return None


class Office:
    """Another calendar: a break at lunch, closed on pre-holiday days; another request service with a
    fractional target and no text of its own."""

    @hookimpl
    def sep_response_target(self):
        return {"policy": "working_hours", "hours": 1.5}

    @hookimpl
    def sep_service_schedule(self, service):
        if service == "phone":
            return {"service": "phone", "days": "working", "hours": ["09:00-13:00", "14:00-18:00"],
                    "short_day_hours": [], "response_hours": None, "timezone": "Europe/Moscow"}
        if service == "tickets":
            return {"service": "tickets", "days": "working", "hours": ["09:00-18:00"],
                    "short_day_hours": ["09:00-18:00"], "response_hours": 1.5, "timezone": "Europe/Moscow"}
        return None


@pytest.mark.sep_plugins("channel_web")
def test_hook_sep_service_schedule(app, client, register_plugin):
    register_plugin(Abstains())
    assert service_schedule("phone") is None  # abstaining plugins, no core default
    register_plugin(Office())
    assert service_schedule("phone")["hours"] == ["09:00-13:00", "14:00-18:00"]
    assert service_schedule("bot") is None

    html = client.get("/").get_data(as_text=True)
    assert ("С 09:00 до 13:00 и с 14:00 до 18:00 по московскому времени в рабочие дни; "
            "в предпраздничные дни не работаем.") in card(html, "way-phone")
    assert "Мы отвечаем в течение 1,5 рабочего часа." in card(html, "way-request")
    assert "круглосуточно" in card(html, "way-bot")  # no answer for the bot: standard wording
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "We answer within 1.5 working hours." in card(html, "way-request")


class Garbled:
    @hookimpl
    def sep_service_schedule(self, service):
        if service == "bot":
            return ["00:00-24:00"]  # not a mapping at all
        return {"days": "sometimes", "hours": "nine to five", "response_hours": "soon"}

    @hookimpl
    def sep_response_target(self):
        return {"policy": "soon", "hours": "soon", "text": ""}


@pytest.mark.sep_plugins("channel_web")
def test_an_answer_the_page_does_not_understand_gives_the_standard_wording(client, register_plugin):
    register_plugin(Garbled())
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert FALLBACK_PHONE_RU in card(html, "way-phone")
    assert FALLBACK_TICKETS_RU in card(html, "way-request")
    assert "круглосуточно" in card(html, "way-bot")
