"""Error pages and JSON errors, security headers, cookies, CSRF, redirects, body limits."""

from __future__ import annotations

import pytest
from flask import Blueprint, abort, request

from sep_core import ApiError, api_doc, hookimpl, json_body


class Boom:
    """A plugin with routes that fail in every way a route can."""

    @hookimpl
    def sep_blueprints(self, app):
        bp = Blueprint("boom", __name__)

        @bp.get("/boom")
        def boom():
            raise RuntimeError("secret personal data: " + request.args.get("phone", ""))

        @bp.get("/api/v1/boom")
        @api_doc("Fails")
        def api_boom():
            raise RuntimeError("boom")

        @bp.post("/api/v1/echo")
        @api_doc("Echo", request_body={"type": "object"})
        def api_echo():
            data = json_body(required=("text",))
            if not isinstance(data["text"], str):
                raise ApiError(422, "invalid_field", "text must be a string")
            return {"text": data["text"]}

        @bp.post("/form")
        def form():
            return "accepted"

        @bp.get("/members-only")
        def members_only():
            abort(401)

        return [bp]


@pytest.fixture
def boom_app(make_app):
    return make_app({"SEP_PLUGINS": ["channel_web"]}, plugins=[("boom", Boom())])


def test_unhandled_error_is_a_friendly_500_page_without_leaking(boom_app, caplog):
    response = boom_app.test_client().get("/boom", query_string={"phone": "+79991234567"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Что-то пошло не так" in html
    assert "secret personal data" not in html
    assert "RuntimeError" in caplog.text  # staff can still find the failing code
    assert "+79991234567" not in caplog.text


def test_api_errors_are_json(boom_app):
    client = boom_app.test_client()
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "error", "message": "Internal error"}}
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/v1/health")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    ("not json", "application/json", 400, "invalid_json"),
    ("[1, 2]", "application/json", 400, "invalid_json"),
    ("{}", "application/json", 400, "missing_field"),
    ('{"text": 5}', "application/json", 422, "invalid_field"),
    ('{"text": "привет"}', "text/plain", 400, "invalid_json"),
    ("\x00\xff", "application/json", 400, "invalid_json"),
])
def test_bad_json_bodies_get_clear_4xx(boom_app, body, content_type, status, code):
    client = boom_app.test_client()
    from sep_core.testing import csrf_token

    token = csrf_token(client)
    response = client.post("/api/v1/echo", data=body.encode("utf-8", "surrogateescape"),
                           headers={"Content-Type": content_type, "X-CSRFToken": token})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_api_post_without_csrf_token_is_refused(boom_app):
    response = boom_app.test_client().post("/api/v1/echo", json={"text": "x"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_form_post_without_csrf_token_gets_a_page_not_a_500(boom_app):
    response = boom_app.test_client().post("/form", data={"a": "b"})
    assert response.status_code == 400
    assert "Срок действия формы истёк" in response.get_data(as_text=True)


def test_html_404_is_russian_and_english(boom_app):
    client = boom_app.test_client()
    assert "Страница не найдена" in client.get("/nowhere").get_data(as_text=True)
    assert "Page not found" in client.get("/nowhere?lang=en").get_data(as_text=True)


def test_security_headers_on_pages(boom_app):
    response = boom_app.test_client().get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # development/testing over http


def test_production_cookies_are_secure_and_hsts_is_sent(make_app):
    app = make_app({"SEP_ENV": "production", "SEP_PLUGINS": ["channel_web"]})
    client = app.test_client()
    response = client.get("/api/v1/csrf")  # puts something in the session
    cookie = response.headers["Set-Cookie"]
    assert "sep_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age=31536000" in client.get("/").headers["Strict-Transport-Security"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x",
                                    "/\r\nSet-Cookie: a=b", "/?q=\n", "/\t/evil.example"])
def test_language_switch_never_redirects_off_site(boom_app, target):
    response = boom_app.test_client().get("/language/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_keeps_the_page_and_remembers_the_choice(boom_app):
    client = boom_app.test_client()
    response = client.get("/language/en?next=/%3Fx%3D1")
    assert response.headers["Location"] == "/?x=1"
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    assert client.get("/language/fr").status_code == 404


def test_body_over_the_limit_is_413(make_app):
    app = make_app({"SEP_PLUGINS": ["channel_web"], "SEP_MAX_BODY_BYTES": 1000}, plugins=[("boom", Boom())])
    client = app.test_client()
    from sep_core.testing import csrf_token

    response = client.post("/api/v1/echo", data=b"{" + b" " * 5000 + b"}",
                           headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_health_reports_database(boom_app):
    assert boom_app.test_client().get("/api/v1/health").get_json() == {"status": "ok", "database": "ok"}


def test_language_switch_drops_the_pages_own_lang_parameter(boom_app):
    # A page opened as /?lang=en offers "RU" as /language/ru?next=/?lang=en; ?lang= outranks the
    # cookie, so keeping it in the redirect would leave the citizen in English.
    client = boom_app.test_client()
    response = client.get("/language/ru", query_string={"next": "/?lang=en&x=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/?x=1"
    assert 'lang="ru"' in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/language/ru", query_string={"next": "/?lang=en"}).headers["Location"] == "/"


def test_csrf_error_points_at_the_core_token_route(boom_app):
    # Only channel_web is enabled: the route a JSON client is told to use must exist.
    client = boom_app.test_client()
    message = client.post("/api/v1/echo", json={"text": "x"}).get_json()["error"]["message"]
    route = message.rsplit(" ", 1)[-1].rstrip(".")
    assert route == "/api/v1/csrf"
    assert client.get(route).status_code == 200


def test_deeply_nested_json_is_a_400_not_a_500(boom_app):
    from sep_core.testing import csrf_token

    client = boom_app.test_client()
    response = client.post("/api/v1/echo", data="[" * 60_000,  # under the 64 KB limit, too deep to parse
                           headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


class WhoAmI:
    @hookimpl
    def sep_blueprints(self, app):
        bp = Blueprint("whoami", __name__)

        @bp.get("/whoami")
        def whoami():
            return {"ip": request.remote_addr, "scheme": request.scheme, "host": request.host}

        return [bp]


@pytest.mark.parametrize("proxies, expected", [
    (0, {"ip": "127.0.0.1", "scheme": "http", "host": "localhost"}),
    (1, {"ip": "203.0.113.7", "scheme": "https", "host": "help.example.org"}),
])
def test_forwarded_client_address_is_trusted_only_behind_configured_proxies(make_app, proxies, expected):
    # Behind the TLS proxy of docs/deployment.md every request comes from 127.0.0.1: per-IP rate
    # limits (sign-in, registry look-ups) would count every citizen together unless the proxy's
    # X-Forwarded-For is trusted; without a configured proxy the header is a client's lie.
    app = make_app({"SEP_PLUGINS": ["channel_web"], "SEP_TRUSTED_PROXIES": proxies}, plugins=[("whoami", WhoAmI())])
    response = app.test_client().get("/whoami", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                     headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7",
                                              "X-Forwarded-Proto": "https", "X-Forwarded-Host": "help.example.org"})
    assert response.get_json() == expected


def test_401_says_sign_in_is_needed_not_bad_request(boom_app):
    client = boom_app.test_client()
    page = client.get("/members-only")
    assert page.status_code == 401
    assert "Требуется вход" in page.get_data(as_text=True)
    assert "Некорректный запрос" not in page.get_data(as_text=True)
    assert "Sign-in required" in client.get("/members-only?lang=en").get_data(as_text=True)
    response = client.get("/members-only", headers={"Accept": "application/json"})
    assert response.get_json()["error"] == {"code": "unauthorized", "message": "Sign-in required"}


def test_a_form_posted_through_the_tls_proxy_passes_the_csrf_check(make_app):
    app = make_app({"SEP_ENV": "production", "SEP_PLUGINS": ["channel_web"], "SEP_TRUSTED_PROXIES": 1},
                   plugins=[("boom", Boom())])
    client = app.test_client()
    proxy = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "help.example.org"}
    token = client.get("/api/v1/csrf", base_url="http://127.0.0.1:8000", headers=proxy).get_json()["csrf_token"]
    ok = client.post("/form", data={"csrf_token": token}, base_url="http://127.0.0.1:8000",
                     headers={**proxy, "Referer": "https://help.example.org/"})
    assert ok.get_data(as_text=True) == "accepted"
    forged = client.post("/form", data={"csrf_token": token}, base_url="http://127.0.0.1:8000",
                         headers={**proxy, "Referer": "https://evil.example/"})
    assert forged.status_code == 400
