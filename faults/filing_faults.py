"""Fault run: filing requests while the database connections are killed (issue 13, item 4).

8 clients file requests through ``POST /api/v1/tickets`` against the app under gunicorn on a
temporary PostgreSQL database (created and dropped here), while another connection repeatedly
terminates the app's backends (``pg_terminate_backend`` on every connection whose
``application_name`` is the app's, every 20-120 ms, bounded by ``--max-kills``). Each client
retries a request with the same ``Idempotency-Key`` until it is acknowledged (201) or
``--attempts`` run out, waiting the ``Retry-After`` it is given (capped by ``--max-wait``).
``--drop-rate`` (10 %) of the attempts hang up before reading the answer — a response lost on
the way, the case where the request may be stored although the client saw an error — and are
retried at once with the same key (racing the first attempt when it is still running).

Reported (target in brackets):

- acknowledged vs stored, lost = acknowledged but not stored [0];
- duplicate numbers, and logical requests stored more than once [0];
- stored but answered with an error (the client gave up, yet the request exists) [0];
- 5xx answers whose body is not JSON [0]; and, for context, the 503s, connection errors and
  replayed answers seen along the way.

    .venv/bin/python faults/filing_faults.py [--clients 8] [--requests 40] [--max-kills 400]
    make faults

Needs gunicorn (``server``/``bench`` extra) and PostgreSQL on 127.0.0.1:5432 (``SEP_FAULTS_PG``).
``--without-key`` runs the same retries without an Idempotency-Key, to show what the key prevents.
Results: ``faults/results/filing.json`` and ``.md``. Never part of ``make test``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "faults" / "results"
VENV_BIN = Path(sys.executable).parent
PLUGINS = "tickets,channel_web"
APP_NAME = "sep_faults_app"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_database(base: str) -> tuple[str, str, str]:
    """A temporary database: (its URL, the admin DSN, its name)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"sep_faults_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), admin, name


def prepare(instance: Path, url: str, secret: str, clients: int) -> list[str]:
    """Migrate, create confirmed citizens, return their session cookies."""
    from sep_core import User, create_app, db
    from sep_core.migrate import upgrade

    app = create_app({"SEP_INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret,
                      "SEP_PLUGINS": PLUGINS.split(","), "SEP_ENV": "production", "SEP_MAIL_BACKEND": "file"})
    upgrade(app)
    cookies = []
    with app.app_context():
        from sep_plugins.tickets.service import ensure_categories

        ensure_categories()
        serializer = app.session_interface.get_signing_serializer(app)
        for i in range(clients):
            user = User(email=f"fault{i}@example.org", surname="Сбоев", first_name=f"Клиент{i}", role="citizen",
                        email_confirmed_at=datetime(2026, 1, 1), session_token=secrets.token_hex(8))
            db.session.add(user)
            db.session.flush()
            cookies.append(serializer.dumps({"_user_id": user.get_id(), "_fresh": True}))
        db.session.commit()
        db.engine.dispose()
    return cookies


class Client:
    def __init__(self, port: int, cookie: str):
        self.port = port
        self.cookies = {"sep_session": cookie}
        self.token = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        try:
            conn.request(method, path, body=body, headers=head)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        return response.status, dict(response.headers), data

    def drop(self, method: str, path: str, body: bytes, headers: dict) -> None:
        """Send a request and hang up without reading the answer (a lost response: the server
        may well have stored the request)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **headers}
        try:
            conn.request(method, path, body=body, headers=head)
        finally:
            conn.close()

    def file(self, label: str, key: str | None, drop: bool = False):
        boundary = uuid.uuid4().hex
        fields = {"category": "extract", "subject": label, "description": f"Заявка под отказами: {label}."}
        body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in fields.items()) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": self.token}
        if key:
            headers["Idempotency-Key"] = key
        if drop:
            self.drop("POST", "/api/v1/tickets", body, headers)
            return None
        return self.request("POST", "/api/v1/tickets", body, headers)


def is_json(headers: dict, data: bytes) -> bool:
    if not headers.get("Content-Type", "").startswith("application/json"):
        return False
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.attempts = Counter()
        self.non_json_5xx: list[str] = []
        self.acknowledged: dict[str, str] = {}  # label -> number
        self.gave_up: list[str] = []

    def add(self, kind: str) -> None:
        with self.lock:
            self.attempts[kind] += 1


def file_with_retries(client: Client, label: str, use_key: bool, tally: Tally, attempts: int,
                      max_wait: float, drop_rate: float, rng: random.Random) -> None:
    key = str(uuid.uuid4()) if use_key else None
    for _ in range(attempts):
        try:
            answer = client.file(label, key, drop=rng.random() < drop_rate)
        except (OSError, http.client.HTTPException):
            tally.add("connection_error")
            time.sleep(0.05)
            continue
        if answer is None:
            tally.add("response_dropped")
            time.sleep(0.05)
            continue
        status, headers, data = answer
        if status == 201:
            tally.add("replayed_201" if headers.get("Idempotent-Replayed") == "true" else "created_201")
            with tally.lock:
                tally.acknowledged[label] = json.loads(data)["number"]
            return
        if status >= 500 and not is_json(headers, data):
            with tally.lock:
                tally.non_json_5xx.append(f"{status} {headers.get('Content-Type')} {data[:80]!r}")
        tally.add(f"status_{status}")
        wait = float(headers.get("Retry-After") or 0.1)
        time.sleep(min(max(wait, 0.05), max_wait))
    with tally.lock:
        tally.gave_up.append(label)


def killer(admin: str, database: str, stop: threading.Event, max_kills: int, counts: Counter) -> None:
    """Terminate the app's backends again and again (bounded), from another connection."""
    import psycopg

    rng = random.Random(13)
    with psycopg.connect(admin, autocommit=True) as conn:
        while not stop.is_set() and counts["rounds"] < max_kills:
            rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                                "AND application_name = %s AND pid <> pg_backend_pid()",
                                (database, APP_NAME)).fetchall()
            counts["rounds"] += 1
            counts["backends_killed"] += sum(1 for (ok,) in rows if ok)
            stop.wait(rng.uniform(0.02, 0.12))


def run(args) -> dict:
    base = os.environ.get("SEP_FAULTS_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    url, admin, name = make_database(base)
    instance = Path(tempfile.mkdtemp(prefix="sep_faults_"))
    secret = secrets.token_hex(16)
    port = free_port()
    server = None
    try:
        cookies = prepare(instance, url, secret, args.clients)
        app_url = url + ("&" if "?" in url else "?") + f"application_name={APP_NAME}"
        env = {**os.environ, "SEP_INSTANCE_PATH": str(instance), "SEP_DATABASE_URL": app_url,
               "SEP_SECRET_KEY": secret, "SEP_PLUGINS": PLUGINS, "SEP_ENV": "production", "SEP_MAIL_BACKEND": "file"}
        server = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-k", "gthread", "-w", str(args.workers), "--threads", str(args.threads),
             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "sep_core:create_app()"],
            env=env, cwd=str(ROOT), stderr=(instance / "gunicorn.log").open("w"))
        wait_until_up(port)
        clients = [Client(port, c) for c in cookies]
        for c in clients:
            _, _, data = c.request("GET", "/api/v1/csrf")
            c.token = json.loads(data)["csrf_token"]
        tally, stop, kills = Tally(), threading.Event(), Counter()
        chaos = threading.Thread(target=killer, args=(admin, name, stop, args.max_kills, kills))
        began = time.perf_counter()
        chaos.start()
        threads = [threading.Thread(target=lambda i=i, c=c: [
            file_with_retries(c, f"fault-{i}-{n}", not args.without_key, tally, args.attempts, args.max_wait,
                              args.drop_rate, random.Random(i * 1000 + n))
            for n in range(args.requests)]) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        chaos.join()
        elapsed = time.perf_counter() - began
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    log_path = instance / "gunicorn.log"
    server_log = log_path.read_text(errors="replace") if log_path.exists() else ""
    try:
        result = summarise(url, args, tally, kills, elapsed, server_log)
    finally:
        import psycopg

        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(instance, ignore_errors=True)
    return result


def wait_until_up(port: int) -> None:
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def summarise(url: str, args, tally: Tally, kills: Counter, elapsed: float, server_log: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT number, subject FROM tickets_tickets WHERE subject LIKE 'fault-%'")).all()
    engine.dispose()
    numbers = [r.number for r in rows]
    by_label = Counter(r.subject for r in rows)
    stored_numbers = set(numbers)
    logical = args.clients * args.requests
    result = {
        "run": datetime.now().isoformat(timespec="seconds"),
        "clients": args.clients, "logical_requests": logical, "idempotency_key": not args.without_key,
        "drop_rate": args.drop_rate,
        "gunicorn": f"gthread {args.workers}x{args.threads}", "seconds": round(elapsed, 1),
        "kill_rounds": kills["rounds"], "backends_killed": kills["backends_killed"],
        "acknowledged": len(tally.acknowledged), "stored": len(rows),
        "lost": sum(1 for n in tally.acknowledged.values() if n not in stored_numbers),
        "duplicate_numbers": len(numbers) - len(stored_numbers),
        "stored_more_than_once": sum(1 for c in by_label.values() if c > 1),
        "stored_but_answered_error": sum(1 for label in tally.gave_up if by_label.get(label)),
        "gave_up": len(tally.gave_up),
        "non_json_5xx": len(tally.non_json_5xx),
        "attempts": dict(sorted(tally.attempts.items())),
        "first_non_json_5xx": tally.non_json_5xx[:3],
        "server_tracebacks": server_log.count("Traceback"),
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40, help="per client")
    parser.add_argument("--attempts", type=int, default=60, help="per request, before the client gives up")
    parser.add_argument("--max-wait", type=float, default=0.5, help="cap on the Retry-After wait (seconds)")
    parser.add_argument("--max-kills", type=int, default=400, help="bound on the kill rounds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--drop-rate", type=float, default=0.1,
                        help="share of attempts whose answer the client never reads (a lost response)")
    parser.add_argument("--without-key", action="store_true", help="retry without an Idempotency-Key")
    args = parser.parse_args()
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "-without-key" if args.without_key else ""
    (RESULTS / f"filing{suffix}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    lines = [f"# filing under killed connections{' (no Idempotency-Key)' if args.without_key else ''}", "",
             f"{result['clients']} clients x {args.requests} requests ({args.drop_rate:.0%} of attempts hang up "
             f"before the answer), gunicorn {result['gunicorn']}, "
             f"{result['kill_rounds']} kill rounds ({result['backends_killed']} backends terminated) in "
             f"{result['seconds']} s; {os.cpu_count()} CPUs, load average {result['load_average_1m_after']} after; "
             f"run {result['run']}.", "",
             "| acknowledged | stored | lost | duplicate numbers | stored twice | stored but answered error "
             "| gave up | non-JSON 5xx |", "|---|---|---|---|---|---|---|---|",
             f"| {result['acknowledged']} | {result['stored']} | {result['lost']} | {result['duplicate_numbers']} "
             f"| {result['stored_more_than_once']} | {result['stored_but_answered_error']} | {result['gave_up']} "
             f"| {result['non_json_5xx']} |", "",
             f"Attempts by outcome: {result['attempts']}; server tracebacks in the gunicorn log: "
             f"{result['server_tracebacks']}."]
    (RESULTS / f"filing{suffix}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if result["first_non_json_5xx"]:
        print("non-JSON 5xx:", result["first_non_json_5xx"])
    failed = result["lost"] or result["duplicate_numbers"] or result["non_json_5xx"] or (
        not args.without_key and (result["stored_more_than_once"] or result["stored_but_answered_error"]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
