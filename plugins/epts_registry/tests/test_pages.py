"""/registry and the lookup API as people and programs use them: who sees which fields, what is
audited, and what bad input and floods get."""

from __future__ import annotations

import html
from datetime import datetime

import pytest

from sep_core import db
from sep_core.testing import csrf_token

from .conftest import NUMBER, OWNER_NAME, PLUGINS, VIN, add_vehicle

pytestmark = pytest.mark.sep_plugins(*PLUGINS)

PUBLIC = {"epts_number", "vin", "status", "status_changed_on", "issued_on", "make", "model", "year", "category",
          "body", "engine", "power_kw", "colour", "eco_class"}
SERVICE = {"owner_name", "owner_kind", "owner_region", "owned_since", "ownership_document", "owner_history"}


@pytest.fixture
def owner(make_user):
    return make_user(phone_confirmed=False)


@pytest.fixture
def vehicle(app, owner):
    return add_vehicle(owner)


def lookup(client, **params):
    return client.get("/api/v1/registry/lookup", query_string=params)


def test_anonymous_gets_exactly_the_public_fields(vehicle, browser_for, audits):
    client = browser_for()
    body = lookup(client, vin=VIN).get_json()
    assert set(body["fields"]) == PUBLIC and body["access"] == "public" and body["service_withheld"] is True
    assert set(body["classification"].values()) == {"public"}
    assert body["fields"]["epts_number"] == NUMBER and body["fields"]["status"] == "active"
    page = client.get("/registry", query_string={"q": NUMBER})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "LADA" in text and VIN in text
    assert OWNER_NAME not in text and "Автосалон" not in text and 'id="service-part"' not in text
    assert 'id="service-hidden"' in text
    assert audits() == []


def test_other_citizen_and_owner_before_and_after_confirmation(vehicle, owner, make_user, browser_for, audits):
    other = browser_for(make_user())
    assert set(lookup(other, number=NUMBER).get_json()["fields"]) == PUBLIC
    mine = browser_for(owner)
    assert set(lookup(mine, number=NUMBER).get_json()["fields"]) == PUBLIC  # phone not confirmed yet
    assert OWNER_NAME not in mine.get("/registry", query_string={"q": NUMBER}).get_data(as_text=True)
    assert audits() == []

    owner.phone_confirmed_at = datetime(2026, 3, 2, 7, 0)
    db.session.commit()
    body = lookup(mine, number=NUMBER).get_json()
    assert set(body["fields"]) == PUBLIC | SERVICE and body["access"] == "owner"
    assert body["fields"]["owner_name"] == OWNER_NAME
    assert [h["seq"] for h in body["fields"]["owner_history"]] == [1, 2]
    page = mine.get("/registry", query_string={"q": VIN.lower()}).get_data(as_text=True)
    assert OWNER_NAME in page and 'id="extract-link"' in page and "Автосалон Пример" in html.unescape(page)
    entries = audits("registry_service_view")
    assert len(entries) == 2 and {e.actor_id for e in entries} == {owner.id}
    assert all(e.object_id == f"epts_registry:{NUMBER}" for e in entries)
    # still nothing for the other citizen
    assert set(lookup(other, number=NUMBER).get_json()["fields"]) == PUBLIC


def test_owner_linked_by_confirmed_email(app, make_user, browser_for):
    user = make_user(email="owner.by.mail@example.org")
    add_vehicle(None, owner_email="owner.by.mail@example.org")
    assert lookup(browser_for(user), vin=VIN).get_json()["access"] == "owner"


def test_staff_roles_and_reasons(vehicle, make_user, browser_for, audits):
    duty = browser_for(make_user(role="duty"))
    body = lookup(duty, vin=VIN).get_json()
    assert set(body["fields"]) == PUBLIC and body["reason_required"] is True
    page = duty.get("/registry", query_string={"q": VIN}).get_data(as_text=True)
    assert 'name="reason"' in page and OWNER_NAME not in page
    # a reason in the URL opens nothing (it would reach access logs), with or without a CSRF token
    token = csrf_token(duty)
    assert set(lookup(duty, vin=VIN, reason="заявка 2026-0042").get_json()["fields"]) == PUBLIC
    forged = duty.get("/registry", query_string={"q": VIN, "reason": "чужая ссылка", "csrf_token": token})
    assert OWNER_NAME not in forged.get_data(as_text=True)
    # a POST without the session's CSRF token (a form on another site) is refused
    assert duty.post("/api/v1/registry/lookup", json={"vin": VIN, "reason": "x"}).status_code == 400
    assert duty.post("/registry", data={"q": VIN, "reason": "чужая форма"}).status_code == 400
    response = duty.post("/api/v1/registry/lookup", json={"vin": VIN, "reason": "заявка 2026-0042"},
                         headers={"X-CSRFToken": token})
    body = response.get_json()
    assert set(body["fields"]) == PUBLIC | SERVICE and body["access"] == "staff"
    page = duty.post("/registry", data={"q": VIN, "reason": "заявка 2026-0042", "csrf_token": token})
    text = page.get_data(as_text=True)
    assert OWNER_NAME in text and 'method="post"' in text and "reason=" not in text
    assert [e.reason for e in audits("registry_service_view")] == ["staff: заявка 2026-0042"] * 2
    assert duty.post("/api/v1/registry/lookup", json={"vin": VIN, "reason": 5},
                     headers={"X-CSRFToken": token}).status_code == 400
    kb_editor = browser_for(make_user(role="kb_editor"))
    assert set(lookup(kb_editor, vin=VIN, reason="любопытно").get_json()["fields"]) == PUBLIC
    assert len(audits("registry_service_view")) == 2


@pytest.mark.parametrize(("params", "code"), [
    ({"number": "12345"}, "invalid_number"),
    ({"number": "'; DROP TABLE users; --"}, "invalid_number"),
    ({"number": "1" * 65}, "too_long"),
    ({"number": "1 OR 1=1"}, "invalid_number"),
    ({"vin": "1M8GDM9A1KP042788"}, "vin_check_digit"),
    ({"vin": "<script>alert(1)</script>"}, "invalid_vin"),
    ({"vin": "\u202e\u200b"}, "invalid_vin"),
    ({"vin": "\u0000\u202e"}, "invalid_text"),  # the core's rule for NUL, before the view
    ({}, "missing"),
    ({"number": NUMBER, "vin": VIN}, "ambiguous"),
])
def test_api_bad_input_is_a_clear_400(vehicle, client, params, code):
    response = lookup(client, **params)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code and response.get_json()["error"]["message"]


def test_api_unknown_record_is_404(vehicle, client):
    response = lookup(client, number="164301999999999")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("q", "message"), [
    ("1M8GDM9A1KP042788", "Контрольный знак VIN"),
    ("<script>alert(1)</script>", "17 символов"),
    ("<b>1M8GDM9AXK</b>", "латинских букв и цифр"),
    ("' OR 1=1 --", "17 символов"),
    ("12345", "ровно из 15 цифр"),
])
def test_page_bad_input_is_a_form_error_in_russian_and_escaped(vehicle, client, q, message):
    response = client.get("/registry", query_string={"q": q})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and message in text and 'class="field-error"' in text
    assert "<script>alert(1)</script>" not in text and "<b>1M8" not in text


def test_page_in_english(vehicle, client):
    response = client.get("/registry", query_string={"q": "1M8GDM9A1KP042788", "lang": "en"})
    assert "The VIN check digit (the 9th character) does not match" in response.get_data(as_text=True)


def test_page_not_found_and_empty_form(vehicle, client):
    assert client.get("/registry").status_code == 200
    response = client.get("/registry", query_string={"q": "164301999999999"})
    assert response.status_code == 404 and "Ничего не найдено" in response.get_data(as_text=True)


@pytest.mark.sep_plugin_config("epts_registry", {"lookups_per_session": [5, 60], "lookups_per_ip": [8, 60]})
def test_floods_get_429_per_session_and_per_ip(vehicle, app, clock):
    browser = app.test_client()
    statuses = [browser.get("/registry", query_string={"q": NUMBER}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = browser.get("/registry", query_string={"q": NUMBER})
    assert "Слишком много запросов" in limited.get_data(as_text=True) and int(limited.headers["Retry-After"]) > 0
    # 7 lookups from this address so far: a fresh cookie jar per request does not get around the
    # per-IP limit (8 per minute in all)
    fresh = [app.test_client().get("/api/v1/registry/lookup", query_string={"number": NUMBER}) for _ in range(3)]
    assert [r.status_code for r in fresh] == [200, 429, 429]
    assert fresh[1].get_json()["error"]["code"] == "rate_limited"
    clock.advance(seconds=61)
    assert app.test_client().get("/registry", query_string={"q": NUMBER}).status_code == 200


def test_redis_backed_limiter(vehicle, make_app):
    """Two web workers (two apps) share one limit through Redis."""
    from sep_core.testing import redis_client

    url = "redis://127.0.0.1:6379/15"
    redis_client(url)
    import secrets

    settings = {"lookups_per_ip": [3, 60], "lookups_per_session": [100, 60]}
    secret = secrets.token_hex(8)  # keys are hashed with it: this test's counters are its own
    apps = [make_app({"SEP_REDIS_URL": url, "SECRET_KEY": secret, "SEP_PLUGIN_CONFIG": {"epts_registry": settings}},
                     create_tables=False) for _ in range(2)]
    first, second = (a.test_client() for a in apps)
    codes = [c.get("/api/v1/registry/lookup", query_string={"number": "12"}).status_code
             for c in (first, second, first, second)]
    assert codes == [400, 400, 400, 429]


def test_page_shows_dates_as_russian_readers_write_them(vehicle, owner, browser_for):
    owner.phone_confirmed_at = datetime(2026, 3, 2, 7, 0)
    db.session.commit()
    client = browser_for(owner)
    text = client.get("/registry", query_string={"q": NUMBER}).get_data(as_text=True)
    assert "01.03.2023" in text and "11.04.2023" in text and "10.04.2023" in text  # issued, owner since, history
    assert "2023-03-01" not in text and "2023-04-11" not in text
    # the API keeps ISO dates for programs
    assert lookup(client, number=NUMBER).get_json()["fields"]["issued_on"] == "2023-03-01"
