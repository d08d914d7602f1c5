"""docs/writing_plugins.md, "Adding a social network": the Chatly network is built from the text
of the page alone (its first Python block), added to NETWORKS as the page says, configured as the
page says, and works end to end against a fake Chatly API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sep_plugins.channel_social as plugin
from sep_plugins.channel_social.testing import Reply, make_user, sign_in

from sep_core import OutboxMessage
from sep_core.models import InboundEvent
from sep_core.outbox import drain

DOC = Path(__file__).parents[3] / "docs" / "writing_plugins.md"


def section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Adding a social network")
    end = text.find("\n## ", start + 3)
    return text[start:] if end == -1 else text[start:end]


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", section(), re.S)


@pytest.fixture
def chatly(monkeypatch):
    namespace: dict = {}
    exec(compile(python_blocks()[0], str(DOC), "exec"), namespace)  # noqa: S102 (our own documentation)
    channel_class = namespace["ChatlyChannel"]
    monkeypatch.setattr(plugin, "NETWORKS", [*plugin.NETWORKS, channel_class])  # "add it to NETWORKS"
    monkeypatch.setenv("SEP_CHATLY_TOKEN", "chatly-token")
    monkeypatch.setenv("SEP_CHATLY_SECRET", "chatly-secret")
    return channel_class


@pytest.fixture
def app(social, fake_api, chatly):
    deployer: dict = {}
    exec(python_blocks()[1], deployer)  # noqa: S102 (the deployer's config from the page)
    settings = deployer["SEP_PLUGIN_CONFIG"]["channel_social"]["chatly"]
    settings["api_url"] = fake_api.url  # the only change: the fake server instead of the real API
    app = social(plugin_config={"chatly": {**settings, "timeout": 0.4}})
    with app.app_context():
        yield app


def post(client, event: dict, secret: str | None = "chatly-secret"):  # noqa: S107
    headers = {"X-Chatly-Secret": secret} if secret is not None else {}
    return client.post("/hooks/chatly", data=json.dumps(event), content_type="application/json", headers=headers)


def test_the_page_has_the_class_and_the_config():
    blocks = python_blocks()
    assert "class ChatlyChannel(SocialChannel)" in blocks[0]
    assert "SEP_PLUGIN_CONFIG" in blocks[1]


def test_the_documented_network_answers_once_and_retries(app, fake_api, clock):
    assert "chatly" in app.extensions["sep"].channels
    client = app.test_client()
    message = {"id": 1, "type": "message", "user": 7, "chat": 70, "text": "Что такое паспорт?"}
    fake_api.answer(Reply(503, {}))
    for _ in range(2):
        assert post(client, message).get_data(as_text=True) == "ok"
    assert drain().retried == 1
    clock.advance(seconds=2)
    assert drain().sent == 1
    calls = fake_api.sent("/send")
    assert [c["status"] for c in calls] == [503, 200]
    assert calls[-1]["body"] == {"chat": "70", "text": "ЭПТС — электронный паспорт."}
    assert calls[-1]["headers"]["Authorization"] == "Bearer chatly-token"


def test_the_documented_network_refuses_forgeries_and_bad_bodies(app):
    client = app.test_client()
    message = {"type": "message", "user": 7, "chat": 70, "text": "x"}
    assert post(client, {"id": 2, **message}, secret="nope").status_code == 403
    assert post(client, {"id": 3, **message}, secret=None).status_code == 403
    assert post(client, {"type": "message"}).status_code == 400
    assert post(client, {"id": 4, "type": "typing"}).status_code == 200
    assert InboundEvent.query.count() == 1 and OutboxMessage.query.count() == 0


def test_the_documented_network_gets_linking_and_the_staff_page(app, fake_api):
    client = app.test_client()
    post(client, {"id": 5, "type": "message", "user": 7, "chat": 70, "text": "/link"})
    drain()
    assert re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", fake_api.sent("/send")[-1]["body"]["text"])
    staff = app.test_client()
    sign_in(staff, make_user("duty@example.ru", role="duty"))
    assert "Chatly" in staff.get("/staff/social").get_data(as_text=True)


def test_a_permanent_error_stops(app, fake_api):
    fake_api.answer(Reply(400, {}))
    post(app.test_client(), {"id": 6, "type": "message", "user": 7, "chat": 70, "text": "паспорт"})
    assert drain().failed == 1
    assert OutboxMessage.query.one().last_error == "Chatly HTTP 400"
