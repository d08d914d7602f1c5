"""API tokens (issue 18): Bearer authentication with scopes, expiry, revocation, a per-token rate
limit, no CSRF for token calls (cookie calls keep it), the token never stored or logged in plain
text, the CLI and the administrators' page."""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request

import pytest
from flask import Blueprint, jsonify
from flask_login import current_user
from sqlalchemy import inspect, select, text

from sep_core import (
    API_PREFIX,
    ApiError,
    AuditEntry,
    api_doc,
    audit,
    current_token,
    db,
    hookimpl,
    require_scope,
)
from sep_core.cli import main as sep
from sep_core.models import ApiToken
from sep_core.testing import create_user, csrf_token, sign_in
from sep_core.tokens import create_token, hash_token

probe = Blueprint("token_probe", __name__, url_prefix=API_PREFIX + "/probe")


def _staff_only():
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Sign in.")
    if not current_user.is_staff:
        raise ApiError(403, "forbidden", "Staff only.")


@probe.get("/read")
@require_scope("tickets:read")
@api_doc("probe read", responses={401: "no", 403: "no"})
def read():
    _staff_only()
    return jsonify({"user": current_user.email, "token": getattr(current_token(), "id", None)})


@probe.post("/write")
@require_scope("tickets:write")
@api_doc("probe write", responses={401: "no", 403: "no"})
def write():
    _staff_only()
    audit(current_user, "probe_written", "probe", 1)
    db.session.commit()
    return jsonify({"written": True})


@probe.post("/unscoped")
@api_doc("probe without a scope", responses={401: "no"})
def unscoped():
    _staff_only()
    return jsonify({"ok": True})


class Probe:
    @hookimpl
    def sep_blueprints(self, app):
        return [probe]


pytestmark = pytest.mark.sep_plugins()


@pytest.fixture
def app(make_app):
    app = make_app(plugins=[("probe", Probe())])
    with app.app_context():
        yield app


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def duty(app):
    return create_user("duty@example.ru", role="duty")


def test_a_read_only_token_reads_but_cannot_write(app, client, duty):
    row, token = create_token(duty, ["tickets:read"])
    answer = client.get("/api/v1/probe/read", headers=bearer(token))
    assert answer.status_code == 200 and answer.get_json() == {"user": "duty@example.ru", "token": row.id}
    refused = client.post("/api/v1/probe/write", json={}, headers=bearer(token))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_scope"
    assert db.session.execute(select(AuditEntry).filter_by(action="probe_written")).first() is None
    # a route that declares no scope accepts no token at all
    assert client.post("/api/v1/probe/unscoped", json={}, headers=bearer(token)).status_code == 403


def test_a_write_token_writes_without_csrf_and_its_audit_entries_name_it(app, client, duty):
    row, token = create_token(duty, ["tickets:read", "tickets:write"])
    answer = client.post("/api/v1/probe/write", json={}, headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    assert "Set-Cookie" not in answer.headers  # a token call never gets a session
    entry = db.session.execute(select(AuditEntry).filter_by(action="probe_written")).scalar_one()
    assert (entry.actor_id, entry.token_id) == (duty.id, row.id)


def test_a_cookie_call_still_needs_csrf(app, client, duty):
    sign_in(client, duty)
    refused = client.post("/api/v1/probe/write", json={})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    ok = client.post("/api/v1/probe/write", json={}, headers={"X-CSRFToken": csrf_token(client)})
    assert ok.status_code == 200
    assert db.session.execute(select(AuditEntry).filter_by(action="probe_written")).scalar_one().token_id is None


def test_a_bad_token_is_not_rescued_by_the_session_cookie(app, client, duty):
    sign_in(client, duty)
    answer = client.post("/api/v1/probe/write", json={}, headers=bearer("sep_" + "x" * 43))
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_expired_unknown_and_deactivated_tokens_get_401(app, client, duty, clock):
    revoked_row, revoked = create_token(duty, ["tickets:read"])
    _, expiring = create_token(duty, ["tickets:read"], expires_days=1)
    assert client.get("/api/v1/probe/read", headers=bearer(revoked)).status_code == 200
    assert client.get("/api/v1/probe/read", headers=bearer(expiring)).status_code == 200
    client.post(f"/staff/tokens/{revoked_row.id}/revoke")  # not signed in: nothing happens
    db.session.expire_all()
    assert db.session.get(ApiToken, revoked_row.id).revoked_at is None
    from sep_core.tokens import revoke_token

    revoke_token(revoked_row, None)
    clock.advance(days=1, seconds=1)
    for token in (revoked, expiring, "sep_unknown", "not-even-ours", ""):
        answer = client.get("/api/v1/probe/read", headers=bearer(token))
        assert answer.status_code == 401, token
        assert answer.get_json()["error"]["code"] == "unauthorized"
    _, live = create_token(duty, ["tickets:read"])
    duty.active = False
    db.session.commit()
    assert client.get("/api/v1/probe/read", headers=bearer(live)).status_code == 401


def test_a_citizen_token_cannot_exist_and_a_citizen_session_stays_as_it_was(app, client):
    from sep_core.tokens import TokenError

    citizen = create_user()
    with pytest.raises(TokenError):
        create_token(citizen, ["tickets:read"])
    sign_in(client, citizen)
    assert client.get("/api/v1/probe/read").status_code == 403  # the view's own rule, unchanged


def test_each_token_has_its_own_rate_limit_and_last_used_time(app, client, duty, clock):
    slow_row, slow = create_token(duty, ["tickets:read"], rate_per_minute=2)
    _, other = create_token(duty, ["tickets:read"], rate_per_minute=2)
    assert slow_row.last_used_at is None
    assert [client.get("/api/v1/probe/read", headers=bearer(slow)).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/probe/read", headers=bearer(other)).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, slow_row.id).last_used_at is not None
    clock.advance(minutes=1)
    assert client.get("/api/v1/probe/read", headers=bearer(slow)).status_code == 200


def test_the_token_is_never_stored_or_logged_in_plain_text(app, duty, live_server, caplog, runner):
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(sep, ["tokens", "create", "duty@example.ru", "--scope", "tickets:read",
                                 "--scope", "tickets:write", "--json"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    token = created["token"]
    assert set(created) == {"id", "token"} and token.startswith("sep_") and len(token) > 40
    for path, method in (("/api/v1/probe/read", "GET"), ("/api/v1/probe/write", "POST"),
                         (f"/api/v1/probe/read?access_token={token}", "GET")):
        body = b"{}" if method == "POST" else None
        request = urllib.request.Request(live_server.url + path, method=method, data=body,
                                         headers={**bearer(token), "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200
    request = urllib.request.Request(live_server.url + "/api/v1/probe/read", headers=bearer(token + "x"))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
    listing = runner.invoke(sep, ["tokens", "list", "--json"])
    assert listing.exit_code == 0 and token not in listing.output and token[4:] not in listing.output
    secret = token[4:]  # without the public "sep_" prefix
    assert secret not in caplog.text
    # every text column of every table
    db.session.commit()
    found = []
    for table in inspect(db.engine).get_table_names():
        for column in inspect(db.engine).get_columns(table):
            rows = db.session.execute(text(f'SELECT "{column["name"]}" FROM "{table}"')).scalars()  # noqa: S608
            found += [(table, column["name"]) for value in rows if value is not None and secret in str(value)]
    assert found == []
    row = db.session.get(ApiToken, created["id"])
    assert row.token_hash == hash_token(token) and row.prefix == token[:10]


def test_the_cli_lists_and_revokes(app, client, runner, duty):
    result = runner.invoke(sep, ["tokens", "create", "duty@example.ru", "--scope", "tickets:read",
                                 "--expires-days", "30", "--name", "CRM", "--json"])
    created = json.loads(result.output)
    listing = json.loads(runner.invoke(sep, ["tokens", "list", "--json"]).output)
    assert [(t["id"], t["user"], t["scopes"], t["state"], t["name"]) for t in listing] == [
        (created["id"], "duty@example.ru", ["tickets:read"], "active", "CRM")]
    assert listing[0]["expires_at"] is not None
    assert runner.invoke(sep, ["tokens", "revoke", str(created["id"])]).exit_code == 0
    assert client.get("/api/v1/probe/read", headers=bearer(created["token"])).status_code == 401
    assert json.loads(runner.invoke(sep, ["tokens", "list", "--json"]).output)[0]["state"] == "revoked"
    bad = runner.invoke(sep, ["tokens", "create", "duty@example.ru", "--scope", "tickets:delete"])
    assert bad.exit_code != 0
    nobody = runner.invoke(sep, ["tokens", "create", "crm@example.ru", "--scope", "tickets:read"])
    assert nobody.exit_code != 0 and "service-role" in nobody.output
    service = runner.invoke(sep, ["tokens", "create", "crm@example.ru", "--scope", "tickets:read",
                                  "--service-role", "duty", "--json"])
    assert service.exit_code == 0, service.output
    assert client.get("/api/v1/probe/read", headers=bearer(json.loads(service.output)["token"])).get_json()[
        "user"] == "crm@example.ru"
    actions = [a.action for a in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert actions == ["api_token_created", "api_token_revoked", "api_token_created"]


def _form_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_admin_page_shows_a_new_token_once_and_revokes_it(app, client, duty):
    sign_in(app.test_client(), duty)
    assert sign_in(app.test_client(), duty).get("/staff/tokens").status_code == 403
    admin = sign_in(client, create_user("admin@example.ru", role="admin"))
    page = admin.get("/staff/tokens").get_data(as_text=True)
    answer = admin.post("/staff/tokens", data={"csrf_token": _form_token(page), "email": "duty@example.ru",
                                               "name": "PBX", "scopes": ["tickets:read", "kb:read"],
                                               "expires_days": "7"})
    assert answer.status_code == 200
    shown = re.search(r'<code id="token-value">(sep_[^<]+)</code>', answer.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/probe/read", headers=bearer(shown)).status_code == 200
    again = admin.get("/staff/tokens").get_data(as_text=True)
    assert shown not in again and shown[:10] in again and "PBX" in again
    db.session.expire_all()
    row = db.session.execute(select(ApiToken)).scalar_one()
    assert row.scopes == ["kb:read", "tickets:read"] and row.created_by_id is not None
    refused = admin.post("/staff/tokens", data={"csrf_token": _form_token(again), "email": "nobody@example.ru",
                                                "scopes": ["tickets:read"]})
    assert refused.status_code == 400
    revoked = admin.post(f"/staff/tokens/{row.id}/revoke", data={"csrf_token": _form_token(again)})
    assert revoked.status_code == 302
    assert client.get("/api/v1/probe/read", headers=bearer(shown)).status_code == 401
    assert admin.post(f"/staff/tokens/{row.id}/revoke", data={}).status_code == 400  # CSRF kept on the page


def test_the_openapi_document_declares_the_bearer_scheme_and_the_scopes(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["bearerAuth"][
            "description"]}
    read_op = doc["paths"]["/api/v1/probe/read"]["get"]
    assert read_op["security"][0] == {"bearerAuth": ["tickets:read"]}
    assert {"401", "403", "429"} <= set(read_op["responses"])
    assert "security" not in doc["paths"]["/api/v1/probe/unscoped"]["post"]


def test_public_routes_take_any_valid_token_and_refuse_a_bad_one(app, client, duty):
    _, token = create_token(duty, ["kb:read"])
    assert client.get("/api/v1/openapi.json", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/health", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/health", headers=bearer("sep_forged")).status_code == 401
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["paths"]["/api/v1/health"]["get"]["security"] == [{}, {"bearerAuth": []}]
