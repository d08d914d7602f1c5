"""The core additions this plugin needed: WebhookChannel.intercept (tested through linking
commands elsewhere), prune_inbound_events (dedupe rows kept at least 24 h) and the hookspecs
sep_open_ticket / sep_on_ticket_message (tested end to end in test_linking_and_tickets.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sep_plugins.channel_social.testing import post_tg, tg_update

from sep_core import prune_inbound_events
from sep_core.models import InboundEvent
from sep_core.outbox import drain


@pytest.fixture
def app(social):
    app = social()
    with app.app_context():
        yield app


def test_dedupe_rows_are_kept_at_least_24_hours(app, fake_api, clock):
    client = app.test_client()
    post_tg(client, tg_update(1))
    clock.advance(hours=23)
    assert prune_inbound_events(timedelta(hours=1)) == 0  # asked for 1 h, kept 24 h
    post_tg(client, tg_update(1))                          # a redelivery within 24 h: still one reply
    clock.advance(hours=2)
    assert prune_inbound_events(timedelta(hours=1)) == 1
    assert InboundEvent.query.count() == 0
    assert drain().sent == 1


def test_prune_command_keeps_the_configured_retention(app, clock):
    client = app.test_client()
    post_tg(client, tg_update(1))
    clock.advance(hours=30)
    post_tg(client, tg_update(2))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["social", "prune"])  # default 48 h
    assert "deleted 0" in result.output
    clock.advance(hours=20)
    result = runner.invoke(args=["social", "prune"])
    assert "deleted 1" in result.output
    assert [e.event_id for e in InboundEvent.query.all()] == ["2"]
    assert runner.invoke(args=["social", "prune", "--keep-hours", "3"]).exit_code != 0  # below 24 h


def test_intercepted_events_are_deduplicated_too(app, fake_api):
    client = app.test_client()
    for _ in range(2):
        post_tg(client, tg_update(5, text="/link"))
    assert drain().sent == 1

