"""Real User-Agent strings (and client hints) get the expected verdicts under the default
minimum versions, through the API and the page banner."""

from __future__ import annotations

import pytest
from sep_plugins.client_check import browser as browsers
from sep_plugins.client_check.settings import DEFAULTS

pytestmark = pytest.mark.sep_plugins("client_check", "channel_web")

WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"

# (label, User-Agent, family, version, verdict)
TABLE = [
    ("chrome-current", f"{WIN} Chrome/156.0.0.0 Safari/537.36", "chrome", "156.0.0", "supported"),
    ("chrome-old-win7", "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/109.0.0.0 Safari/537.36", "chrome", "109.0.0", "outdated"),
    ("chrome-android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/155.0.0.0 Mobile Safari/537.36", "chrome", "155.0.0", "supported"),
    ("chromium-linux-old", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chromium/120.0.6099.224 Chrome/120.0.6099.224 Safari/537.36", "chrome", "120.0.6099", "outdated"),
    ("yandex-current", f"{WIN} Chrome/154.0.0.0 YaBrowser/26.9.1.800 Yowser/2.5 Safari/537.36",
     "yandex", "26.9.1", "supported"),
    ("yandex-old", f"{WIN} Chrome/122.0.0.0 YaBrowser/24.4.0.0 Safari/537.36", "yandex", "24.4.0", "outdated"),
    ("edge-current", f"{WIN} Chrome/156.0.0.0 Safari/537.36 Edg/156.0.3485.54", "edge", "156.0.3485", "supported"),
    ("edge-old", f"{WIN} Chrome/109.0.0.0 Safari/537.36 Edg/109.0.1518.78", "edge", "109.0.1518", "outdated"),
    ("opera-current", f"{WIN} Chrome/140.0.0.0 Safari/537.36 OPR/124.0.0.0", "opera", "124.0.0", "supported"),
    ("firefox-esr-140", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0",
     "firefox", "140.0", "supported"),
    ("firefox-esr-115", "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0",
     "firefox", "115.0", "outdated"),
    ("firefox-current-linux", "Mozilla/5.0 (X11; Linux x86_64; rv:158.0) Gecko/20100101 Firefox/158.0",
     "firefox", "158.0", "supported"),
    ("safari-ios-26", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1", "safari", "26.0", "supported"),
    ("safari-ios-16", "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_10 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/16.6.1 Mobile/15E148 Safari/604.1", "safari", "16.6.1", "outdated"),
    ("chrome-on-old-ios-is-safari", "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1", "safari", "16.5", "outdated"),
    ("safari-macos", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.3 Safari/605.1.15", "safari", "18.3", "supported"),
    ("ie11", "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko", "ie", "11.0", "unsupported"),
    ("googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
     "Googlebot", None, "bot"),
    ("yandexbot", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "YandexBot", None, "bot"),
    ("garbage", "}{ зю \x7f;;;((( not a browser", None, None, "unknown"),
    ("curl", "curl/8.5.0", "curl", "8.5.0", "unknown"),
]

SUPPORTED_FLAG = {"supported": True, "outdated": False, "unsupported": False, "unknown": None, "bot": None}


@pytest.mark.parametrize(("label", "agent", "family", "version", "verdict"), TABLE, ids=[t[0] for t in TABLE])
def test_user_agent_table_through_the_api(client, label, agent, family, version, verdict):
    response = client.get("/api/v1/client-check", headers={"User-Agent": agent})
    assert response.status_code == 200
    browser = response.get_json()["browser"]
    assert set(browser) == {"family", "version", "os", "supported", "minimum"}
    assert (browser["family"], browser["supported"]) == (family, SUPPORTED_FLAG[verdict])
    if verdict in ("supported", "outdated"):
        assert browser["version"] == version
        assert browser["minimum"] == DEFAULTS["minimum_versions"][family]
    assert browsers.detect(agent, {}, DEFAULTS).verdict == verdict


@pytest.mark.parametrize(("label", "agent", "family", "version", "verdict"), TABLE, ids=[t[0] for t in TABLE])
def test_banner_shows_only_for_outdated_or_unsupported(client, label, agent, family, version, verdict):
    response = client.get("/", headers={"User-Agent": agent})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("banner-browser" in html) is (verdict in ("outdated", "unsupported"))


def test_empty_user_agent_gets_no_banner_and_an_api_error(client):
    assert "banner-browser" not in client.get("/", headers={"User-Agent": ""}).get_data(as_text=True)
    response = client.get("/api/v1/client-check", headers={"User-Agent": ""})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "missing_user_agent"


def test_banner_for_outdated_chrome_says_what_to_update_and_links_from_config(client):
    old = TABLE[1][1]
    html = client.get("/", headers={"User-Agent": old, "Accept-Language": "en"}).get_data(as_text=True)
    assert "109.0.0" in html and "140" in html
    assert 'href="https://www.google.com/chrome/"' in html
    assert 'href="/check"' in html


def test_banner_never_blocks_the_page(client):
    response = client.get("/", headers={"User-Agent": TABLE[16][1]})  # IE 11
    assert response.status_code == 200
    assert "banner-browser" in response.get_data(as_text=True)
    assert client.get("/check", headers={"User-Agent": TABLE[16][1]}).status_code == 200


@pytest.mark.sep_plugin_config("client_check", {"update_links": {"chrome": "javascript:alert(1)"}})
def test_unsafe_update_link_from_config_is_not_shown(client):
    html = client.get("/", headers={"User-Agent": TABLE[1][1]}).get_data(as_text=True)
    assert "banner-browser" in html and "javascript:" not in html


@pytest.mark.sep_plugin_config("client_check", {"firefox_esr": [115]})
def test_firefox_esr_branch_from_config_is_accepted():
    assert browsers.detect(TABLE[10][1], {}, {**DEFAULTS, "firefox_esr": [115]}).verdict == "supported"


@pytest.mark.sep_plugin_config("client_check", {"firefox_esr": [115]})
def test_firefox_esr_branch_from_config_through_the_api(client):
    response = client.get("/api/v1/client-check", headers={"User-Agent": TABLE[10][1]})
    assert response.get_json()["browser"]["supported"] is True


# --- client hints -------------------------------------------------------------------------------

REDUCED = f"{WIN} Chrome/140.0.0.0 Safari/537.36"


@pytest.mark.parametrize(("hints", "family", "version", "supported", "os"), [
    ({"Sec-CH-UA": '"Chromium";v="140", "YaBrowser";v="25.4", "Not=A?Brand";v="24"',
      "Sec-CH-UA-Full-Version-List":
          '"Chromium";v="140.0.7339.0", "YaBrowser";v="25.4.1.100", "Not=A?Brand";v="24.0.0.0"',
      "Sec-CH-UA-Platform": '"Windows"', "Sec-CH-UA-Platform-Version": '"15.0.0"'},
     "yandex", "25.4.1.100", False, "Windows 15.0.0"),
    ({"Sec-CH-UA": '"Google Chrome";v="156", "Chromium";v="156", "Not_A Brand";v="24"',
      "Sec-CH-UA-Platform": '"macOS"'}, "chrome", "156", True, "macOS"),
    ({"Sec-CH-UA": '"Microsoft Edge";v="139", "Chromium";v="139", "Not)A;Brand";v="99"'},
     "edge", "139", False, "Windows 10"),
    ({"Sec-CH-UA": '"Not A(Brand";v="99"'}, "chrome", "140.0.0", True, "Windows 10"),  # nothing known: UA
    ({"Sec-CH-UA": '"Google Chrome";v="' + "9" * 600 + '"'}, "chrome", "140.0.0", True, "Windows 10"),
], ids=["yandex-hints-win", "chrome-hints", "edge-hints", "grease-only", "oversized"])
def test_client_hints_win_over_the_reduced_user_agent(client, hints, family, version, supported, os):
    browser = client.get("/api/v1/client-check", headers={"User-Agent": REDUCED, **hints}).get_json()["browser"]
    assert (browser["family"], browser["version"], browser["supported"], browser["os"]) == \
        (family, version, supported, os)


def test_plain_chromium_hint_does_not_hide_a_yandex_user_agent(client):
    agent = f"{WIN} Chrome/122.0.0.0 YaBrowser/24.4.0.0 Safari/537.36"
    browser = client.get("/api/v1/client-check", headers={
        "User-Agent": agent, "Sec-CH-UA": '"Chromium";v="122", "Not(A:Brand";v="24"'}).get_json()["browser"]
    assert (browser["family"], browser["supported"]) == ("yandex", False)


def test_html_pages_ask_for_full_version_hints(client):
    response = client.get("/check", headers={"User-Agent": REDUCED})
    assert "Sec-CH-UA-Full-Version-List" in response.headers["Accept-CH"]
