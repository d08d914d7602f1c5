"""The centre's communities on the home page come from the config (only http(s) links)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.sep_plugins("channel_web"), pytest.mark.sep_plugin_config("channel_web", {
    "social_links": [{"network": "vk", "url": "https://vk.com/epts_help"},
                     {"network": "ok", "url": "https://ok.ru/group/epts"},
                     {"network": "telegram", "url": "https://t.me/epts_help"},
                     {"network": "max", "url": "https://max.ru/epts"},
                     {"network": "vk", "url": "javascript:alert(1)"}]})]


def test_communities_are_listed_with_safe_links(client):
    html = client.get("/").get_data(as_text=True)
    section = html[html.index('id="social"'):]
    for name, url in [("ВКонтакте", "https://vk.com/epts_help"), ("Одноклассники", "https://ok.ru/group/epts"),
                      ("Telegram", "https://t.me/epts_help"), ("MAX", "https://max.ru/epts")]:
        assert f'<a href="{url}" rel="noopener noreferrer">{name}</a>' in section
    assert "javascript:" not in html
    assert "We are on social networks" in client.get("/?lang=en").get_data(as_text=True)


@pytest.mark.sep_plugin_config("channel_web", {"social_links": []})
def test_no_communities_no_section(client):
    assert 'id="social"' not in client.get("/").get_data(as_text=True)
