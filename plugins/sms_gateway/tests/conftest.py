"""Fixtures: the local SMSC and SMS.ru servers, and an app whose "sms" transport points at them."""

from __future__ import annotations

import pytest
from sep_plugins.sms_gateway.testing import FakeSmsc, FakeSmsRu

PLUGINS = ["sms_gateway", "identity_check", "channel_web"]


@pytest.fixture
def smsc():
    server = FakeSmsc().start()
    yield server
    server.stop()


@pytest.fixture
def smsru():
    server = FakeSmsRu().start()
    yield server
    server.stop()


def app_for(make_app, settings: dict, **config):
    return make_app({"SEP_PLUGINS": PLUGINS, "SEP_PLUGIN_CONFIG": {"sms_gateway": settings}, **config})
