"""Input limits every request passes before any view or form parses it.

Two rules, checked in one ``before_request`` function that runs first (ahead of CSRF, which
parses forms):

* **Body size.** A JSON or form route gets ``SEP_MAX_FORM_BYTES`` (64 KB by default); only views
  marked with :func:`large_body` (file uploads) keep ``SEP_MAX_BODY_BYTES``. The limit is checked
  on ``Content-Length`` before anything is read and on the streamed length of a body sent without
  one (werkzeug stops reading at the limit), so a 55 MB JSON costs a worker nothing. Too large:
  413 (JSON on API paths).
* **Text.** NUL, invalid UTF-8 (decoded by werkzeug to U+FFFD) and lone surrogates in any query
  value, form field (name or value), uploaded file name or JSON string (key or value) are refused
  with 400 (JSON on API paths, the translated error page otherwise): such text is never what a
  person typed, and databases refuse it (PostgreSQL rejects NUL in text) — a 500 otherwise.
  Webhook views are marked with :func:`raw_text`: platforms send what their users typed, so the
  channel base removes the characters (:func:`clean_text`) and answers.

A third concern lives here too: :class:`QueryScrubber`, the logging filter that keeps query
strings (questions, registry reasons) and reset tokens out of the access log of the development
server (``sep_core.gunicorn_conf`` does the same for gunicorn).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter

from .api import json_error, wants_json

#: Characters refused in text: NUL, the replacement character werkzeug substitutes for invalid
#: UTF-8, and UTF-16 surrogates (lone ones come from JSON ``\\ud800`` escapes).
BAD_TEXT = re.compile("[\x00\ufffd\ud800-\udfff]")
_REMOVABLE = re.compile("[\x00\ud800-\udfff]")


class DatabaseInt(IntegerConverter):
    """``<int:...>`` in URLs, limited to what a database integer column holds: a longer number is
    a 404 like any unknown id, not an overflow in the database driver (a 500)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def large_body(view: Callable) -> Callable:
    """Mark a view that accepts file uploads: it keeps the large body limit."""
    view._sep_body_limit = "large"  # type: ignore[attr-defined]
    return view


def raw_text(view: Callable) -> Callable:
    """Mark a view that cleans text itself (webhooks) instead of refusing it."""
    view._sep_raw_text = True  # type: ignore[attr-defined]
    return view


def bad_text(value: str) -> bool:
    """True when the text holds NUL, invalid UTF-8 or a lone surrogate."""
    return BAD_TEXT.search(value) is not None


def clean_text(value: Any) -> Any:
    """The value with NUL and lone surrogates removed, in strings nested in lists and dicts."""
    if isinstance(value, str):
        return _REMOVABLE.sub("", value)
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    return value


def body_limit(app: Flask, view: Callable | None) -> int:
    marked = getattr(view, "_sep_body_limit", None)
    if marked == "large":
        return int(app.config["SEP_MAX_BODY_BYTES"])
    if isinstance(marked, int):
        return marked
    return min(int(app.config["SEP_MAX_FORM_BYTES"]), int(app.config["SEP_MAX_BODY_BYTES"]))


def _json_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)


def undecodable(raw: bytes) -> bool:
    """True when a percent-encoded query or form body is not UTF-8 once decoded (werkzeug keeps
    such bytes as ``%FF`` text or drops the form, so it is checked on the raw bytes)."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _request_strings() -> Iterable[str]:
    if undecodable(request.query_string):
        yield "\ufffd"
    if request.mimetype == "application/x-www-form-urlencoded" and undecodable(request.get_data(cache=True)):
        yield "\ufffd"
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            yield key if isinstance(key, str) else "\x00"  # name="\\" parses to None
            yield value
        for key, storage in request.files.items(multi=True):
            yield key if isinstance(key, str) else "\x00"
            yield storage.filename or ""
    elif request.is_json:
        yield from _json_strings(request.get_json(silent=True))


def _too_large():
    from .web import render_error

    return render_error(413, "The request body is too large for this address.")


def _invalid_text():
    from flask import render_template

    from .i18n import gettext as _

    if wants_json():
        return json_error(400, "invalid_text",
                          "The request contains characters that are not text (NUL, invalid UTF-8 or "
                          "a lone surrogate).")
    return render_template("sep/error.html", status=400, title=_("Characters that are not text"),
                           text=_("What you sent contains characters that are not text (for example a zero "
                                  "byte). Remove them, or type the text again, and send it once more.")), 400


def _buffer_within(limit: int) -> bool:
    """A body sent without Content-Length (chunked): read at most ``limit`` + 1 bytes; within the
    limit it becomes an ordinary body with a length, beyond it the request is refused (werkzeug
    alone would silently cut it at the limit)."""
    environ = request.environ
    data = environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        return False
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)
    request.__dict__.pop("stream", None)
    return True


def check_request():
    """The before_request rule described in the module docstring."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    view = app.view_functions.get(request.endpoint or "")
    limit = body_limit(app, view)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        return _too_large()
    if request.content_length is None and request.environ.get("wsgi.input_terminated") and not _buffer_within(limit):
        return _too_large()
    if getattr(view, "_sep_raw_text", False):
        return None
    if any(bad_text(s) for s in _request_strings()):
        return _invalid_text()
    return None


def register_url_converters(app: Flask) -> None:
    """Before any blueprint: rules pick their converters when they are added."""
    app.url_map.converters["int"] = DatabaseInt


def register_input_rules(app: Flask) -> None:
    """Run :func:`check_request` before every other before_request function (CSRF included)."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
    logging.getLogger("werkzeug").addFilter(QueryScrubber())


_REQUEST_LINE = re.compile(r"(?P<method>[A-Z]{3,7}) (?P<target>/[^ \"]*)")
#: A path segment that looks like a secret (a reset link's token: 43 URL-safe characters).
_SECRET_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_-]{24,}(?=/|$)")


def scrub_target(target: str) -> str:
    """``/reset/<token>?q=secret`` -> ``/reset/…?…``: the path stays for debugging; the query
    (questions, registry reasons) and token-like path segments (reset links) go."""
    path, mark, _ = target.partition("?")
    return _SECRET_SEGMENT.sub("…", path) + ("?…" if mark else "")


def scrub_query(text: str) -> str:
    """Every request line in ``text`` (``GET /path?q=secret HTTP/1.1``) with its target scrubbed."""
    return _REQUEST_LINE.sub(lambda m: f"{m['method']} {scrub_target(m['target'])}", text)


class QueryScrubber(logging.Filter):
    """Removes query strings from request lines in access-log records (werkzeug's dev server
    logs ``"GET /path?query HTTP/1.1" 200 -``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(scrub_query(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = scrub_query(record.msg)
        return True
