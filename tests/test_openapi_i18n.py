"""The generated OpenAPI document covers every API route of every built-in plugin, and every
catalog is complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from sep_core.api import undocumented_api_rules
from sep_core.catalogs import missing

ROOT = Path(__file__).parents[1]


def test_every_api_route_of_every_builtin_plugin_is_documented(app):
    assert undocumented_api_rules(app) == []


def test_openapi_document_lists_api_routes_with_methods_and_error_schema(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    api_rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    documented = set(doc["paths"])
    from sep_core.api import _openapi_path

    assert {_openapi_path(rule)[0] for rule in api_rules} == documented
    health = doc["paths"]["/api/v1/health"]["get"]
    assert health["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}


def test_openapi_includes_a_plugin_route_with_path_parameters(make_app):
    from flask import Blueprint

    from sep_core import api_doc, hookimpl

    class Api:
        @hookimpl
        def sep_blueprints(self, app):
            bp = Blueprint("things", __name__, url_prefix="/api/v1/things")

            @bp.get("/<int:thing_id>")
            @api_doc("One thing", parameters=[{"name": "full", "in": "query", "schema": {"type": "boolean"}}])
            def thing(thing_id):
                return {"id": thing_id}

            return [bp]

    app = make_app({"SEP_PLUGINS": []}, plugins=[("things", Api())])
    op = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/things/{thing_id}"]["get"]
    assert op["summary"] == "One thing"
    assert {(p["name"], p["in"]) for p in op["parameters"]} == {("thing_id", "path"), ("full", "query")}


def catalogs() -> list[tuple[str, Path, str]]:
    found = [("sep_core", ROOT / "sep_core", "sep_core")]
    for folder in sorted((ROOT / "plugins").iterdir()):
        if (folder / "__init__.py").exists():
            found.append((folder.name, folder, f"sep_{folder.name}"))
    return found


@pytest.mark.parametrize(("name", "folder", "domain"), catalogs(), ids=[c[0] for c in catalogs()])
def test_russian_catalog_is_complete(name, folder, domain):
    assert missing(folder, domain, "ru") == []
