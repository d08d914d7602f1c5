"""A webhook receiver on loopback that checks each delivery with the independent
``standardwebhooks`` package (the reference implementation of the specification), the way an
integrator's endpoint would: 400 for a forged, tampered or stale request, 200 otherwise, and
each event processed once by its ``webhook-id``."""

from __future__ import annotations

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from sep_core import MOSCOW


class Receiver:
    def __init__(self, port: int = 0) -> None:
        self.secret: str | None = None
        self.status = 200          # the answer to a valid delivery
        self.script: list[tuple[int, dict]] = []  # answers before that: (status, headers)
        self.requests: list[dict] = []   # everything that arrived
        self.processed: list[dict] = []  # valid, first time seen
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/sep"

    def verify(self, raw: bytes, headers: dict) -> dict:
        """The receiver's check (raises WebhookVerificationError)."""
        return Webhook(self.secret).verify(raw, headers)

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict(self.headers)
                record = {"path": self.path, "headers": headers, "raw": raw, "verdict": "", "status": 0}
                status, extra = 200, {}
                with receiver.lock:
                    receiver.requests.append(record)
                    try:
                        event = receiver.verify(raw, headers)
                    except WebhookVerificationError as exc:
                        record["verdict"], status = f"rejected: {exc}", 400
                    else:
                        if receiver.script:
                            status, extra = receiver.script.pop(0)
                            record["verdict"] = "valid, refused by script"
                        else:
                            status = receiver.status
                            event_id = headers.get("webhook-id") or headers.get("Webhook-Id")
                            if event_id in receiver.seen:
                                record["verdict"] = "duplicate"
                            else:
                                receiver.seen.add(event_id)
                                receiver.processed.append(event)
                                record["verdict"] = "processed"
                    record["status"] = status
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        return Handler

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    """``receivers(port=0)`` starts a :class:`Receiver`; all are stopped after the test."""
    started: list[Receiver] = []

    def start(port: int = 0) -> Receiver:
        receiver = Receiver(port).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def real_time(clock):
    """The frozen clock set to the real time now: the reference library checks
    ``webhook-timestamp`` against the wall clock (5 minutes' tolerance)."""
    clock.set(datetime.now(MOSCOW).replace(microsecond=0))
    return clock
