"""The checklist API: its exact shape, results stored per user and per anonymous session, and
bad input (missing or huge User-Agent, forged results, unknown ids) refused with a clear 4xx
that changes nobody's checklist."""

from __future__ import annotations

import pytest
from sep_plugins.client_check.models import CheckResult
from sep_plugins.client_check.tests.helpers import (
    CHROME_CURRENT,
    REQUIREMENTS,
    checklist,
    login,
    make_user,
    met_of,
    post_results,
    token,
)

from sep_core import db

pytestmark = [pytest.mark.sep_plugins("client_check", "channel_web"),
              pytest.mark.sep_plugin_config("client_check", {"requirements": REQUIREMENTS})]

EVERYONE = [r["id"] for r in REQUIREMENTS if r.get("scope", "everyone") == "everyone"]


def stored() -> list[tuple]:
    rows = db.session.execute(db.select(CheckResult).order_by(CheckResult.id)).scalars()
    out = [(r.owner, r.requirement_key, r.outcome, r.met) for r in rows]
    db.session.remove()
    return out


def test_checklist_has_exactly_the_documented_shape(client):
    data = checklist(client).get_json()
    assert set(data) == {"browser", "requirements"}
    assert set(data["browser"]) == {"family", "version", "os", "supported", "minimum"}
    assert [r["id"] for r in data["requirements"]] == ["browser", *EVERYONE]
    for item in data["requirements"]:
        assert set(item) == {"id", "name", "met", "instructions_html"}
    by_id = {r["id"]: r for r in data["requirements"]}
    assert by_id["browser"]["met"] is True
    assert by_id["signature-plugin"]["met"] is None
    assert by_id["desktop"]["met"] is True  # Windows, no mobile hint
    assert "<strong>plug-in</strong>" in by_id["signature-plugin"]["instructions_html"]
    assert 'href="https://example.org/plugin"' in by_id["signature-plugin"]["instructions_html"]


def test_server_side_desktop_check_follows_the_mobile_hint(client):
    assert met_of(checklist(client, **{"Sec-CH-UA-Mobile": "?1"}))["desktop"] is False
    android = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/155.0.0.0 Mobile Safari/537.36")
    assert met_of(checklist(client, agent=android))["desktop"] is False


def test_anonymous_results_belong_to_the_browser_session(app):
    alice, bob = app.test_client(), app.test_client()
    response = post_results(alice, [{"id": "signature-plugin", "outcome": "present"},
                                    {"id": "crypto-provider", "outcome": "absent"},
                                    {"id": "slow-plugin", "outcome": "timeout"},
                                    {"id": "rules", "outcome": "confirmed"}])
    assert response.status_code == 200
    assert met_of(response) == {"browser": True, "signature-plugin": True, "crypto-provider": False,
                                "slow-plugin": False, "rules": True, "desktop": True}
    assert met_of(checklist(alice))["signature-plugin"] is True
    assert met_of(checklist(bob))["signature-plugin"] is None
    assert len({owner for owner, *_ in stored()}) == 1


def test_signed_in_results_follow_the_user_to_another_browser(app):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    login(first, user)
    assert post_results(first, [{"id": "rules", "outcome": "confirmed"}]).status_code == 200
    login(second, user)
    assert met_of(checklist(second))["rules"] is True
    assert (f"u:{user.id}", "rules", "confirmed", True) in stored()


def test_forged_results_for_another_users_checklist_are_refused(app):
    victim, attacker = make_user(), make_user()
    victim_client, attacker_client = app.test_client(), app.test_client()
    login(victim_client, victim)
    login(attacker_client, attacker)
    post_results(victim_client, [{"id": "rules", "outcome": "declined"}])
    before = stored()
    for extra in ({"user_id": victim.id}, {"user": victim.id}, {"owner": f"u:{victim.id}"},
                  {"session": "0" * 32}):
        response = post_results(attacker_client, [{"id": "rules", "outcome": "confirmed"}], **extra)
        assert response.status_code == 403, (extra, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
    anonymous = app.test_client()
    assert post_results(anonymous, [{"id": "rules", "outcome": "confirmed"}],
                        user_id=victim.id).status_code == 403
    assert stored() == before
    assert met_of(checklist(victim_client))["rules"] is False


def test_own_user_id_in_the_body_is_accepted(app):
    user = make_user()
    c = app.test_client()
    login(c, user)
    assert post_results(c, [{"id": "rules", "outcome": "confirmed"}], user_id=user.id).status_code == 200


def test_unknown_requirement_ids_are_refused_and_nothing_is_stored(app, client):
    other = app.test_client()
    post_results(other, [{"id": "rules", "outcome": "confirmed"}])
    before = stored()
    response = post_results(client, [{"id": "rules", "outcome": "confirmed"},
                                     {"id": "no-such-thing", "outcome": "present"}])
    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "unknown_requirement", "message": "Unknown requirement id(s) for your checklist: no-such-thing.",
        "details": {"ids": ["no-such-thing"]}}
    assert stored() == before
    # An on-request requirement nobody asked this citizen to meet is not on their checklist.
    assert post_results(client, [{"id": "on-request", "outcome": "confirmed"}]).status_code == 404
    assert stored() == before


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"results": [{"id": "browser", "outcome": "present"}]}, 409, "checked_by_server"),
    ({"results": [{"id": "desktop", "outcome": "present"}]}, 409, "checked_by_server"),
    ({"results": [{"id": "rules", "outcome": "present"}]}, 400, "invalid_outcome"),
    ({"results": [{"id": "signature-plugin", "outcome": "confirmed"}]}, 400, "invalid_outcome"),
    ({"results": [{"id": "rules", "outcome": "confirmed", "met": True}]}, 400, "invalid_result"),
    ({"results": [{"id": 5, "outcome": "confirmed"}]}, 400, "invalid_result"),
    ({"results": []}, 400, "invalid_results"),
    ({"results": "rules"}, 400, "invalid_results"),
    ({"results": [{"id": "rules", "outcome": "confirmed"}] * 51}, 400, "invalid_results"),
    ({"results": [{"id": "rules", "outcome": "confirmed"}], "extra": 1}, 400, "unknown_field"),
    ({}, 400, "missing_field"),
    ([1, 2], 400, "invalid_json"),
], ids=["browser", "server", "bad-outcome", "probe-confirmed", "extra-key", "id-type", "empty", "string",
        "too-many", "unknown-field", "missing", "not-object"])
def test_malformed_results_get_a_clear_4xx(client, body, status, code):
    response = client.post("/api/v1/client-check/results", json=body,
                           headers={"User-Agent": CHROME_CURRENT, "X-CSRFToken": token(client)})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert stored() == []


@pytest.mark.parametrize("agent", [None, "", "   ", "Mozilla/5.0 " + "A" * 10_000],
                         ids=["missing", "empty", "blank", "10000-chars"])
def test_missing_or_huge_user_agent_is_a_clear_400(app, agent):
    c = app.test_client()
    headers = {} if agent is None else {"User-Agent": agent}
    get = c.get("/api/v1/client-check", headers=headers, environ_base={"HTTP_USER_AGENT": agent or ""})
    assert get.status_code == 400
    assert get.get_json()["error"]["code"] in ("missing_user_agent", "user_agent_too_long")
    post = c.post("/api/v1/client-check/results", json={"results": [{"id": "rules", "outcome": "confirmed"}]},
                  headers={**headers, "X-CSRFToken": token(c)}, environ_base={"HTTP_USER_AGENT": agent or ""})
    assert post.status_code == 400
    assert stored() == []
    # The pages still work: no banner, no error.
    for path in ("/", "/check"):
        page = c.get(path, headers=headers, environ_base={"HTTP_USER_AGENT": agent or ""})
        assert page.status_code == 200
        assert "banner-browser" not in page.get_data(as_text=True)


def test_posting_without_the_csrf_header_is_refused(client):
    response = client.post("/api/v1/client-check/results", json={"results": [{"id": "rules", "outcome": "confirmed"}]},
                           headers={"User-Agent": CHROME_CURRENT})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert stored() == []


def test_signed_in_server_checks_are_recorded_for_staff(app):
    user = make_user()
    c = app.test_client()
    login(c, user)
    checklist(c, agent="Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko")
    assert (f"u:{user.id}", "browser", "unmet", False) in stored()
    checklist(c)
    assert (f"u:{user.id}", "browser", "met", True) in stored()


def test_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/client-check"]
    assert "post" in paths["/api/v1/client-check/results"]
