"""The home page a citizen lands on."""

import pytest


def test_home_page_is_russian_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="ru">' in html
    assert "Онлайн-консультант" in html
    assert "8 800 200-00-00" in html


def test_home_page_in_english(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Online consultant" in html


@pytest.mark.sep_plugin_config("channel_web", {"social_links": [
    {"network": "vk", "url": "https://vk.com/example"},
    {"network": "ok", "url": "javascript:alert(1)"},
]})
def test_social_links_from_config_only_http(client):
    html = client.get("/").get_data(as_text=True)
    assert "https://vk.com/example" in html
    assert "javascript:" not in html


def test_each_request_chooses_its_language_even_in_a_shared_context(client):
    """The ``app`` fixture keeps an app context open; requests must not share cached state."""
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="ru">' in client.get("/").get_data(as_text=True)


def test_home_page_links_to_every_enabled_way_of_contact(client):
    html = client.get("/").get_data(as_text=True)
    for path in ('href="/ask"', 'href="/requests/new"', 'href="/calendar"'):
        assert path in html
    nav = html[html.index("<nav"):html.index("</nav>")]
    assert nav.index(">Главная<") < nav.index(">Онлайн-консультант<") < nav.index(">Войти<")


@pytest.mark.sep_plugins("channel_web")
def test_home_page_hides_links_of_disabled_plugins(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/ask"' not in html and 'href="/requests/new"' not in html
