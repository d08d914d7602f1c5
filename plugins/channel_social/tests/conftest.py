"""Fixtures for channel_social tests; the helpers are in ``sep_plugins.channel_social.testing``."""

from __future__ import annotations

import pytest
from sep_plugins.channel_social.testing import (
    OK_PATH,
    TG_SECRET,
    VK_CONFIRMATION,
    VK_SECRET,
    Answerer,
    FakeApi,
    network_config,
)


@pytest.fixture
def fake_api():
    api = FakeApi().start()
    yield api
    api.stop()


@pytest.fixture
def secrets_env(monkeypatch):
    for name, value in {"SEP_VK_SECRET": VK_SECRET, "SEP_VK_CONFIRMATION": VK_CONFIRMATION,
                        "SEP_VK_TOKEN": "vk-token", "SEP_TELEGRAM_TOKEN": "123:tg-token",
                        "SEP_TELEGRAM_SECRET_TOKEN": TG_SECRET, "SEP_OK_TOKEN": "ok-token",
                        "SEP_OK_PATH_SECRET": OK_PATH}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def social(make_app, fake_api, secrets_env):
    """``social(plugins=(), plugin_config=None, config=None, **network_overrides)``: an app with
    channel_social (VK, OK and Telegram pointing at the fake API), the test answerer and the given
    direct plugins."""

    def build(plugins=(), plugin_config=None, config=None, shared_instance=None, **network_overrides):
        settings = network_config(fake_api.url, **network_overrides)
        settings.update(plugin_config or {})
        return make_app({"SEP_PLUGINS": ["channel_social"], "SEP_PLUGIN_CONFIG": {"channel_social": settings},
                         "SEP_OUTBOX_BACKOFF_SECONDS": 2, "SEP_OUTBOX_BACKOFF_MAX_SECONDS": 600,
                         "SEP_PUBLIC_URL": "https://help.example.ru", **(config or {})},
                        plugins=[("answerer", Answerer()), *plugins], shared_instance=shared_instance)

    return build
