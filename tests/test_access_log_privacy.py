"""Issue 13 item 9: personal data in query strings never reaches the access logs the project
configures — werkzeug's development server (a logging filter of the core) and gunicorn (the
shipped ``sep_core.gunicorn_conf``)."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from sep_core.inputs import scrub_query
from sep_core.testing import _free_port

SECRET = "Иванов-паспорт-4510-123456"
QUERIES = [
    "/requests/new?description=" + SECRET,
    "/api/v1/tickets/suggest?q=" + SECRET,
    "/ask?question=" + SECRET,
    "/reset?token=" + SECRET,
    "/reset/Zk3v9Qx_7bT2mLr8Yh4WcN1pD6sA0eFgUjKoIuHy5Xq",
]
TOKEN = "Zk3v9Qx_7bT2mLr8Yh4WcN1pD6sA0eFgUjKoIuHy5Xq"


def _get(url: str) -> None:
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=10).read()


def _quoted(path: str) -> str:
    return urllib.request.quote(path, safe="/?=&")


def test_scrub_query_keeps_the_path_only():
    assert scrub_query('GET /ask?question=x%20y HTTP/1.1') == "GET /ask?… HTTP/1.1"
    assert scrub_query("POST /login HTTP/1.1") == "POST /login HTTP/1.1"
    assert scrub_query(f"GET /reset/{TOKEN} HTTP/1.1") == "GET /reset/… HTTP/1.1"
    assert scrub_query("GET /registry/123456789012345 HTTP/1.1") == "GET /registry/123456789012345 HTTP/1.1"


def test_the_development_server_log_has_no_query_strings(live_server, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    for path in QUERIES:
        _get(live_server.url + _quoted(path))
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len([line for line in lines if "HTTP/1.1" in line]) >= len(QUERIES)
    text = "\n".join(lines)
    assert "4510" not in text and "%D0%98" not in text and SECRET not in text and TOKEN not in text
    assert "/ask?…" in text and "/reset/…" in text


def test_the_gunicorn_access_log_has_no_query_strings(tmp_path: Path):
    port = _free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "SEP_INSTANCE_PATH": str(tmp_path / "instance"), "SEP_ENV": "testing",
           "SEP_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "python:sep_core.gunicorn_conf", "-w", "1", "-b", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "sep_core:create_app()"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/api/v1/openapi.json")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        for path in QUERIES:
            request = urllib.request.Request(f"http://127.0.0.1:{port}" + _quoted(path),
                                             headers={"Referer": f"http://127.0.0.1:{port}" + _quoted(path)})
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=10).read()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = log.read_text(encoding="utf-8")
    assert text.count("\n") >= len(QUERIES) + 1
    assert "/api/v1/tickets/suggest" in text and "/reset/…" in text
    assert "4510" not in text and "%D0%98" not in text and TOKEN not in text
