"""What a plugin author meets first (issue 15): enabling one extra plugin, secrets from the
environment, a parser that trips over a foreign body, Retry-After in both forms, and what
``sep plugins --json`` says about a channel."""

from __future__ import annotations

import json

import pytest

from sep_core import ConfigError, DeliveryError, HttpResult, InboundEvent, WebhookChannel, hookimpl, retry_after_seconds
from sep_core.cli import main as sep_cli
from sep_core.config import builtin_plugin_names
from sep_core.models import InboundEvent as InboundEventRow
from sep_core.models import OutboxMessage


class Clumsy(WebhookChannel):
    """A parser that assumes the body's shape and trips with AttributeError on anything else."""

    name = "clumsy"

    def verify(self, body, headers):
        return True

    def parse(self, body, headers):
        data = json.loads(body)
        return [InboundEvent(event_id=str(data.get("id")), sender="1", text=data.get("text").strip())]

    def deliver(self, payload):
        pass


class ClumsyPlugin:
    @hookimpl
    def sep_register_channels(self, app):
        return [Clumsy(app)]


@pytest.mark.sep_plugins("channel_web")
@pytest.mark.parametrize("body", [b"[1, 2]", b'{"id": 1}', b'"text"', b"\xff\xfe"])
def test_any_exception_from_parse_is_a_400_and_nothing_is_stored(make_app, body):
    app = make_app(plugins=[("clumsy", ClumsyPlugin())])
    response = app.test_client().post("/hooks/clumsy", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_payload"
    with app.app_context():
        assert InboundEventRow.query.count() == 0 and OutboxMessage.query.count() == 0


@pytest.mark.sep_plugins("channel_web")
def test_sep_plugins_json_shows_the_transport_of_a_channel_that_delivers_itself(make_app):
    app = make_app(plugins=[("clumsy", ClumsyPlugin())])
    result = app.test_cli_runner().invoke(sep_cli, ["plugins", "--json"])
    row = next(r for r in json.loads(result.output) if r["name"] == "clumsy")
    assert row["channels"] == ["clumsy"] and row["transports"] == ["clumsy"]
    assert row["origin"] == "direct"


def test_an_unset_env_secret_stops_startup_naming_the_variable(make_app, monkeypatch):
    monkeypatch.delenv("SEP_TEST_UNSET_PHONE", raising=False)
    config = {"SEP_PLUGINS": ["channel_web"],
              "SEP_PLUGIN_CONFIG": {"channel_web": {"phone": "$env:SEP_TEST_UNSET_PHONE"}}}
    with pytest.raises(ConfigError, match="SEP_TEST_UNSET_PHONE") as raised:
        make_app(config)
    assert "channel_web" in str(raised.value)
    monkeypatch.setenv("SEP_TEST_UNSET_PHONE", "")  # set, even if empty, is the deployer's choice
    assert make_app(config) is not None


# --- SEP_PLUGINS relative to the defaults -------------------------------------------------------


def origins(app) -> dict[str, str]:
    rows = json.loads(app.test_cli_runner().invoke(sep_cli, ["plugins", "--json"]).output)
    return {row["name"]: row["origin"] for row in rows}


def test_plus_name_in_the_environment_adds_to_every_builtin(make_app, external_plugin, monkeypatch):
    monkeypatch.setenv("SEP_PLUGINS", f"+{external_plugin}")
    monkeypatch.setenv("DEMO_WEBHOOK_SECRET", "s")
    app = make_app()
    enabled = [info.name for info in app.extensions["sep"].pm.enabled()]
    assert enabled == [*builtin_plugin_names(), "demo"]  # added last: lowest priority
    assert origins(app) == {**{name: "default" for name in builtin_plugin_names()}, "demo": "added"}


def test_plus_and_minus_in_the_config_file(make_app, external_plugin, monkeypatch, tmp_path):
    monkeypatch.delenv("SEP_PLUGINS", raising=False)
    monkeypatch.setenv("DEMO_WEBHOOK_SECRET", "s")
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('SEP_PLUGINS = ["+demo", "-client_check", "-calendar_ru"]\n')
    app = make_app(shared_instance=str(instance))
    expected = [n for n in builtin_plugin_names() if n not in ("client_check", "calendar_ru")] + ["demo"]
    assert [info.name for info in app.extensions["sep"].pm.enabled()] == expected


def test_plain_names_with_plus_and_minus_are_relative_to_the_names(make_app, external_plugin, monkeypatch):
    monkeypatch.setenv("DEMO_WEBHOOK_SECRET", "s")
    app = make_app({"SEP_PLUGINS": "kb_keyword channel_web +demo -kb_keyword"})
    assert origins(app) == {"channel_web": "config", "demo": "added"}


def test_removing_a_plugin_that_is_not_enabled_names_it(make_app):
    with pytest.raises(ConfigError, match="'chanel_web'"):
        make_app({"SEP_PLUGINS": "-chanel_web"})
    with pytest.raises(ConfigError, match="nosuch"):
        make_app({"SEP_PLUGINS": "+nosuch"})


# --- Retry-After ---------------------------------------------------------------------------------


def test_retry_after_in_seconds_and_as_an_http_date(app, clock):
    clock.set("2026-03-02T10:00:00")  # 07:00 UTC
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Mon, 02 Mar 2026 07:01:30 GMT") == 90.0
    assert retry_after_seconds("Mon, 02 Mar 2026 06:00:00 GMT") == 0.0  # in the past: now
    assert retry_after_seconds("soon", 5) == 5 and retry_after_seconds(None) is None


def test_an_http_answer_is_read_the_usual_way(app, clock):
    clock.set("2026-03-02T10:00:00")
    HttpResult(204).raise_for_delivery("Demo")
    with pytest.raises(DeliveryError) as raised:
        HttpResult(429, headers={"retry-after": "Mon, 02 Mar 2026 07:00:30 GMT"}).raise_for_delivery("Demo")
    assert raised.value.retry_after == 30 and not raised.value.permanent
    with pytest.raises(DeliveryError) as raised:
        HttpResult(503).raise_for_delivery("Demo")
    assert not raised.value.permanent and raised.value.retry_after is None
    with pytest.raises(DeliveryError) as raised:
        HttpResult(403).raise_for_delivery("Demo")
    assert raised.value.permanent and str(raised.value) == "Demo HTTP 403"
