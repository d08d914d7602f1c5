"""docs/api.md's integration example, run as printed against a live server: the `sep tokens create`
command, the curl calls, the Python client (crm_sync.py), and the ticket.message webhook of the
webhooks_out plugin reaching a receiver on loopback with a valid signature (checked here with
HMAC, independently of the plugin) and the handler (crm_webhook.py). If the page changes, this test
runs the new text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shlex
import subprocess
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sep_core import User, db
from sep_core.cli import main as sep
from sep_core.testing import create_user, deliver_outbox

DOC = (Path(__file__).parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
EXAMPLE = DOC[DOC.index("## A complete integration example"):]


def code(info: str) -> str:
    return re.search(r"```" + re.escape(info) + r"\n(.*?)```", EXAMPLE, re.S).group(1)


def command(start: str) -> str:
    """The shell command of the example that starts with ``start`` (continuation lines joined)."""
    blocks = re.findall(r"```sh\n(.*?)```", EXAMPLE, re.S)
    for text in blocks:
        joined = text.replace("\\\n", " ")
        for line in joined.splitlines():
            if line.strip().startswith(start):
                return line.strip()
    raise AssertionError(f"no command starting with {start!r} in docs/api.md")


class Receiver:
    """The CRM's webhook endpoint on loopback: records each POST's headers and raw body."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/sep"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def app(make_app):
    app = make_app({"SEP_PLUGIN_CONFIG": {"webhooks_out": {"allow_private_targets": True}}})  # a loopback receiver
    with app.app_context():
        yield app


def file_request(clock, at) -> str:
    from sep_plugins.tickets import service

    clock.set(at)
    citizen = db.session.execute(db.select(User).filter_by(email="citizen@example.ru")).scalar_one()
    ticket = service.create_ticket(user=citizen, fields={
        "surname": "Иванова", "first_name": "Мария", "email": "citizen@example.ru",
        "subject": "Не могу скачать выписку",
        "description": "Не могу скачать выписку из ЭПТС в личном кабинете."},
        category=service.category_by_code("extract"), channel="web")
    return ticket.number


def test_the_integration_example_runs_as_printed(app, live_server, clock, monkeypatch):
    from sep_plugins.tickets import access, service, sla

    create_user()
    service.ensure_categories()
    older = file_request(clock, "2026-02-24T10:00:00")  # overdue since an earlier day
    todays = file_request(clock, "2026-03-02T10:00:00")
    due = sla.from_naive_utc(access.ticket_by_number(todays).due_at)
    fresh = file_request(clock, due + timedelta(minutes=5))  # past its deadline, on its day; the new one is not late
    today = clock().date()

    # 1. the token, by the command printed in the docs
    args = shlex.split(command("sep tokens create"))[1:]
    created = app.test_cli_runner().invoke(sep, args)
    assert created.exit_code == 0, created.output
    token = json.loads(created.output)["token"]
    env = {"SEP_URL": live_server.url, "SEP_TOKEN": token, "PATH": "/usr/bin:/bin"}
    monkeypatch.setenv("SEP_URL", live_server.url)
    monkeypatch.setenv("SEP_TOKEN", token)

    # 4 (set up before the reply). the webhook subscription, by the printed command
    receiver = Receiver()
    try:
        add = shlex.split(command("sep webhooks add").replace("https://crm.example.org/hooks/sep", receiver.url))[1:]
        added = app.test_cli_runner().invoke(sep, add)
        assert added.exit_code == 0, added.output
        secret = json.loads(added.output)["secret"]

        # 2. the curl call of the docs
        listing = subprocess.run(["bash", "-c", command("curl -s -H")], capture_output=True, text=True, env=env,
                                 timeout=30, check=True)
        items = json.loads(listing.stdout)["items"]
        assert [t["number"] for t in items] == [older, todays]  # the most urgent first; the fresh one is not late
        assert fresh not in listing.stdout

        # the Python client of the docs, as printed
        namespace = {"__name__": "crm_sync"}
        exec(compile(code("python crm_sync.py"), "crm_sync.py", "exec"), namespace)  # noqa: S102
        assert [t["number"] for t in namespace["overdue_today"](today)] == [todays]
        answered = namespace["reply"](todays, "Выписка сформирована, она в личном кабинете.")
        assert answered["ticket"]["status"] == "answered"
        # 3. the curl reply of the docs, on the older request
        curl_reply = command("curl -s -X POST").replace("2026-000042", older)
        result = json.loads(subprocess.run(["bash", "-c", curl_reply], capture_output=True, text=True, env=env,
                                           timeout=30, check=True).stdout)
        assert result["ticket"]["status"] == "answered"
        db.session.expire_all()
        for number in (todays, older):
            ticket = access.ticket_by_number(number)
            assert ticket.status == "answered"
            [reply] = [m for m in access.visible_messages(ticket, staff=False) if m.kind == "reply"]
            assert reply.body.startswith("Выписка сформирована")

        deliver_outbox(clock)
        events = [(headers, body, json.loads(body)) for headers, body in receiver.received]
        replies = [(h, b, e) for h, b, e in events if e["type"] == "ticket.message"
                   and e["data"]["ticket"]["number"] == todays and e["data"]["message"]["kind"] == "reply"]
        assert len(replies) == 1, [e for _, _, e in events]
        headers, body, event = replies[0]
        # the signature, checked independently of the plugin (Standard Webhooks, v1)
        key = base64.b64decode(secret.removeprefix("whsec_"))
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        assert f"v1,{expected}" in headers["webhook-signature"].split()
        handler = {"__name__": "crm_webhook"}
        exec(compile(code("python crm_webhook.py"), "crm_webhook.py", "exec"), handler)  # noqa: S102
        seen: set[str] = set()
        assert handler["handle"](event, seen, headers["webhook-id"]) == todays
        assert handler["handle"](event, seen, headers["webhook-id"]) is None  # a retry is dropped
    finally:
        receiver.stop()
