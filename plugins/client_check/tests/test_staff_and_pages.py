"""The admins' staff page for requirements, and the /check page without JavaScript."""

from __future__ import annotations

import re

import pytest
from sep_plugins.client_check.models import RequirementDefinition
from sep_plugins.client_check.tests.helpers import (
    CHROME_CURRENT,
    REQUIREMENTS,
    checklist,
    login,
    make_user,
    met_of,
)

from sep_core import db

pytestmark = [pytest.mark.sep_plugins("client_check", "channel_web"),
              pytest.mark.sep_plugin_config("client_check", {"requirements": REQUIREMENTS})]

GOOD = {"key": "cryptopro", "name": "КриптоПро ЭЦП Browser plug-in", "why": "Для подписи заявления.",
        "instructions": "1. Скачайте\n2. Установите <script>alert(1)</script> [ссылка](javascript:alert(1))",
        "download_url": "https://example.org/cades", "check": "probe", "probe_type": "promise",
        "probe_target": "cadesplugin", "server_check": "", "timeout_ms": "3000", "scope": "everyone",
        "active": "y"}


def form_token(client, path: str) -> str:
    html = client.get(path, headers={"User-Agent": CHROME_CURRENT}).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def admin_client(app):
    c = app.test_client()
    login(c, make_user("admin"))
    return c


def rows() -> list[str]:
    keys = list(db.session.execute(db.select(RequirementDefinition.key).order_by(RequirementDefinition.id)).scalars())
    db.session.remove()
    return keys


@pytest.mark.parametrize("role", [None, "citizen", "duty", "kb_editor"])
def test_only_admins_reach_the_staff_page(app, role):
    c = app.test_client()
    if role:
        login(c, make_user(role))
    for path in ("/staff/client-check", "/staff/client-check/new", "/staff/client-check/1"):
        assert c.get(path).status_code == 403
    assert c.post("/staff/client-check/new", data=GOOD).status_code in (400, 403)
    assert rows() == []


def test_admin_defines_a_requirement_that_citizens_then_see_sanitised(app, client):
    admin = admin_client(app)
    html = admin.get("/staff/client-check").get_data(as_text=True)
    assert "signature-plugin" in html  # config ones are listed too
    token = form_token(admin, "/staff/client-check/new")
    response = admin.post("/staff/client-check/new", data={**GOOD, "csrf_token": token})
    assert response.status_code == 302
    assert rows() == ["cryptopro"]
    item = {r["id"]: r for r in checklist(client).get_json()["requirements"]}["cryptopro"]
    assert item["name"] == GOOD["name"] and item["met"] is None
    assert "<ol>" in item["instructions_html"] and "Для подписи заявления." in item["instructions_html"]
    assert "<script" not in item["instructions_html"] and "javascript:" not in item["instructions_html"]
    page = client.get("/check", headers={"User-Agent": CHROME_CURRENT}).get_data(as_text=True)
    assert 'data-probe-target="cadesplugin"' in page and "<script>alert" not in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("key", "Bad Key!", "lowercase"),
    ("key", "browser", "lowercase"),
    ("key", "signature-plugin", "already exists"),
    ("probe_target", "__proto__.polluted", "global object path"),
    ("probe_target", "alert(1)", "global object path"),
    ("probe_type", "", "probe type"),
    ("download_url", "javascript:alert(1)", "http"),
    ("timeout_ms", "999999", "timeout"),
    ("timeout_ms", "abc", "Not a valid integer"),
    ("name", "", "name is required"),
    ("check", "magic", "Not a valid choice"),
])
def test_bad_definitions_get_form_errors_and_are_not_saved(app, field, value, message):
    admin = admin_client(app)
    admin.get("/language/en")
    data = {**GOOD, field: value, "csrf_token": form_token(admin, "/staff/client-check/new")}
    response = admin.post("/staff/client-check/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "error-summary" in html and message in html
    assert rows() == []


def test_admin_deactivates_a_requirement(app, client):
    admin = admin_client(app)
    admin.post("/staff/client-check/new", data={**GOOD, "csrf_token": form_token(admin, "/staff/client-check/new")})
    row_id = db.session.execute(db.select(RequirementDefinition.id)).scalar_one()
    db.session.remove()
    edit = f"/staff/client-check/{row_id}"
    data = {**GOOD, "csrf_token": form_token(admin, edit)}
    del data["active"]
    assert admin.post(edit, data=data).status_code == 302
    assert "cryptopro" not in met_of(checklist(client))
    assert admin.get("/staff/client-check/999999999").status_code == 404
    renamed = admin.post(edit, data={**data, "key": "renamed", "csrf_token": form_token(admin, edit)})
    assert renamed.status_code == 200 and "error-summary" in renamed.get_data(as_text=True)
    assert rows() == ["cryptopro"]


def test_confirm_without_javascript(app, client):
    token = form_token(client, "/check")
    response = client.post("/check/confirm", data={"csrf_token": token, "requirement": "rules", "outcome": "confirmed"},
                           headers={"User-Agent": CHROME_CURRENT})
    assert response.status_code == 302
    assert met_of(checklist(client))["rules"] is True
    bad = client.post("/check/confirm", data={"csrf_token": token, "requirement": "nope", "outcome": "confirmed"},
                      headers={"User-Agent": CHROME_CURRENT})
    assert bad.status_code == 404


def test_check_page_lists_the_checklist_and_loads_its_script(client):
    html = client.get("/check", headers={"User-Agent": CHROME_CURRENT}).get_data(as_text=True)
    for r in REQUIREMENTS:
        assert (f'data-requirement-id="{r["id"]}"' in html) is (r.get("scope") != "on_request")
    assert "/static/client_check/check.js" in html and "<script>" not in html


def test_navigation_links(app):
    c = app.test_client()
    assert 'href="/check"' in c.get("/").get_data(as_text=True)
    assert 'href="/staff/client-check"' not in c.get("/").get_data(as_text=True)
    login(c, make_user("admin"))
    assert 'href="/staff/client-check"' in c.get("/").get_data(as_text=True)
