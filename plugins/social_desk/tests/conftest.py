"""An app with channel_social (VK, OK and Telegram pointing at a local fake platform API), tickets and
social_desk."""

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
def app(make_app, fake_api, monkeypatch):
    for name, value in {"SEP_VK_SECRET": VK_SECRET, "SEP_VK_CONFIRMATION": VK_CONFIRMATION,
                        "SEP_VK_TOKEN": "vk-token", "SEP_TELEGRAM_TOKEN": "123:tg-token",
                        "SEP_TELEGRAM_SECRET_TOKEN": TG_SECRET, "SEP_OK_TOKEN": "ok-token",
                        "SEP_OK_PATH_SECRET": OK_PATH}.items():
        monkeypatch.setenv(name, value)
    app = make_app({"SEP_PLUGINS": ["channel_social", "tickets", "social_desk", "channel_web"],
                    "SEP_PLUGIN_CONFIG": {"channel_social": network_config(fake_api.url)},
                    "SEP_PUBLIC_URL": "https://help.example.ru"}, plugins=[("answerer", Answerer())])
    with app.app_context():
        yield app
