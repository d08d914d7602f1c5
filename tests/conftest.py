"""Shared fixtures of the core test suite: a real SMTP server and a fake HTTP API on loopback,
and the external demo plugin installed as a distribution."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

EXTERNAL_PLUGIN_SRC = Path(__file__).parent / "external_plugin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """aiosmtpd on loopback that records messages and can be told to refuse or stop."""

    def __init__(self):
        self.messages = []
        self.received = []  # every DATA seen, refused ones too (retries of one message)
        self.refuse_with: str | None = None  # e.g. "451 4.3.0 Try again later"
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = None
        self.running = False

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(message_from_bytes(envelope.content, policy=default_policy))
        if self.refuse_with:
            return self.refuse_with
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)  # a stopped one cannot restart
        self.controller.start()
        self.running = True
        return self

    def stop(self):
        if self.running:
            self.controller.stop()
            self.running = False

    def config(self) -> dict:
        return {"SEP_MAIL_BACKEND": "smtp", "SEP_MAIL_SERVER": "127.0.0.1", "SEP_MAIL_PORT": self.port,
                "SEP_MAIL_TIMEOUT": 3}


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


class FakeApi:
    """An HTTP server that records JSON POSTs and answers with queued statuses (200 by default)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.responses: list[tuple[int, dict]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, headers = api.responses.pop(0) if api.responses else (200, {})
                api.requests.append({"path": self.path, "json": json.loads(body or b"null"), "status": status})
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_api():
    api = FakeApi().start()
    yield api
    api.stop()


@pytest.fixture
def external_plugin(tmp_path, monkeypatch):
    """Install tests/external_plugin as the distribution ``sep-channel-demo`` (a dist-info with
    its entry point on sys.path, as pip would leave it) for this test only."""
    dist = tmp_path / "site" / "sep_channel_demo-1.0.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sep-channel-demo\nVersion: 1.0.0\n")
    (dist / "entry_points.txt").write_text("[sep_helpdesk.plugins]\ndemo = sep_channel_demo\n")
    monkeypatch.syspath_prepend(str(EXTERNAL_PLUGIN_SRC))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield "demo"
