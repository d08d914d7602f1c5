"""Issue 13 items 3 and 6: the core's input rules (sep_core/inputs.py) — small body limits for
JSON and form routes checked before parsing, large ones only for upload routes, and one rule for
NUL / invalid UTF-8 / lone surrogates: 400, never 500."""

from __future__ import annotations

import pytest

from sep_core.testing import csrf_token

API_TEXT_BODIES = [
    ("/api/v1/ask/rate", b'{"token": "\\u0000", "helpful": true}'),
    ("/api/v1/ask/rate", b'{"token": "\\ud800", "helpful": true}'),
    ("/api/v1/ask", b'{"question": "\\u0000"}'),
    ("/api/v1/ask", b'{"question": "ok", "\\u0000": 1}'),
    ("/api/v1/ask", b'{"question": "\xff\xfe bad utf-8"}'),
]


@pytest.mark.parametrize(("path", "body"), API_TEXT_BODIES)
def test_bad_text_in_json_is_a_json_400(client, path, body):
    response = client.post(path, data=body, content_type="application/json",
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 400
    assert response.json["error"]["code"] in ("invalid_text", "invalid_json")


def test_bad_text_in_query_and_forms_is_a_400(client):
    token = csrf_token(client)
    assert client.get("/ask?question=a%00b").status_code == 400
    assert client.get("/api/v1/tickets/suggest?q=%ff%fe").json["error"]["code"] == "invalid_text"
    response = client.post("/ask", data={"question": "a\u0000b", "csrf_token": token})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Characters that are not text" in client.get("/ask?question=a%00b&lang=en").get_data(as_text=True)
    assert client.post("/login", data=b"email=a%00&password=x", content_type="application/x-www-form-urlencoded",
                       headers={"X-CSRFToken": token}).status_code == 400


@pytest.mark.parametrize("name", ['"', "\\", "\u0000", "a\udc80"])
def test_multipart_with_a_hostile_field_name_is_a_400_before_sign_in(client, name):
    token = csrf_token(client)
    raw = name.encode("utf-8", "surrogateescape") if "\udc80" in name else name.encode()
    for path in ("/login", "/register", "/ask", "/requests/new", "/api/v1/tickets"):
        body = (b'--XX\r\nContent-Disposition: form-data; name="' + raw + b'"\r\n\r\nv\r\n'
                b'--XX\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                + token.encode() + b"\r\n--XX--\r\n")
        response = client.post(path, data=body, headers={"Content-Type": "multipart/form-data; boundary=XX",
                                                          "X-CSRFToken": token})
        assert response.status_code < 500, (path, response.status_code)
        if name in ("\\", "\u0000"):  # werkzeug reads name="\\" as None: a TypeError in every form
            assert response.status_code == 400, (path, response.status_code)


def test_json_routes_refuse_bodies_over_the_small_limit_before_parsing(make_app):
    app = make_app({"SEP_MAX_FORM_BYTES": 1024})
    client = app.test_client()
    token = csrf_token(client)
    big = b'{"question": "' + b"a" * 5000 + b'"}'
    response = client.post("/api/v1/ask", data=big, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
    response = client.post("/ask", data={"question": "a" * 5000, "csrf_token": token})
    assert response.status_code == 413
    assert "text/html" in response.content_type


def test_the_streamed_length_counts_when_there_is_no_content_length(make_app):
    app = make_app({"SEP_MAX_FORM_BYTES": 1024})
    client = app.test_client()
    token = csrf_token(client)

    def chunks():
        yield b'{"question": "'
        for _ in range(50):
            yield b"a" * 100
        yield b'"}'

    environ = {"wsgi.input": _Stream(chunks()), "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}
    response = client.post("/api/v1/ask", environ_overrides=environ,
                           headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert response.status_code == 413


def test_default_small_limit_is_64_kb_and_upload_routes_keep_the_large_one(app):
    from sep_core.inputs import body_limit

    assert app.config["SEP_MAX_FORM_BYTES"] == 64 * 1024
    assert body_limit(app, app.view_functions["kb_keyword.api_ask"]) == 64 * 1024
    large = {name for name, view in app.view_functions.items()
             if body_limit(app, view) == app.config["SEP_MAX_BODY_BYTES"]}
    assert {"tickets.new", "tickets.reply", "tickets_api.create", "tickets_api.add_message", "tickets_desk.act",
            "tickets_desk.phone"} <= large
    assert "identity_check.login" not in large


class _Stream:
    """A wsgi.input without a length: what a chunked upload looks like to the app."""

    def __init__(self, chunks):
        self.buffer = b"".join(chunks)
        self.pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.buffer) if size is None or size < 0 else self.pos + size
        data, self.pos = self.buffer[self.pos:end], min(end, len(self.buffer))
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def test_405_lists_the_allowed_methods(client):
    """Issue 13 item 12 (RFC 9110): a 405, JSON or HTML, carries ``Allow``."""
    response = client.delete("/api/v1/ask")
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}
    response = client.put("/ask")
    assert response.status_code == 405 and {"GET", "POST"} <= set(response.headers["Allow"].replace(" ", "").split(","))


def test_an_int_in_a_path_beyond_a_database_integer_is_a_404(client):
    """Found by schemathesis: ``/ask/entry/<int>`` with 23 digits overflowed the database driver."""
    assert client.get("/ask/entry/99999999999999999999999").status_code == 404
    assert client.get("/ask/entry/2147483648").status_code == 404
