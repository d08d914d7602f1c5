"""Benchmark of the request service under concurrent creation (issue 6).

16 concurrent clients create 2,000 requests (one small PDF attachment each) through
``POST /api/v1/tickets`` against the app under gunicorn, first on a temporary PostgreSQL database
(created and dropped here), then on SQLite. Reported: requests lost, duplicate numbers, p50/p99
latency, and throughput as a ratio to a trivial endpoint of the same app in the same run
(``GET /api/v1/health``, one ``SELECT 1``). Target: 0 lost, 0 duplicates, p99 <= 100 ms on
PostgreSQL.

    .venv/bin/python benchmarks/tickets_bench.py [--requests 2000] [--clients 16] [--only postgres|sqlite]

Needs gunicorn (``bench`` extra) and, for the PostgreSQL part, a server on 127.0.0.1:5432
(``SEP_BENCH_PG``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; skipped when
unreachable). Results: ``benchmarks/results/tickets.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
VENV_BIN = Path(sys.executable).parent
PLUGINS = "tickets,channel_web"
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
       b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n"
       b"xref\n0 4\n"
       b"0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
       b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n")  # a valid one-page PDF: uploads are parsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(instance: Path, url: str, secret: str) -> dict[str, str]:
    return {**os.environ, "SEP_INSTANCE_PATH": str(instance), "SEP_DATABASE_URL": url, "SEP_SECRET_KEY": secret,
            "SEP_PLUGINS": PLUGINS, "SEP_ENV": "production", "SEP_MAIL_BACKEND": "file"}


def prepare(instance: Path, url: str, secret: str, clients: int) -> list[str]:
    """Migrate the database, create confirmed citizens, and return their session cookies."""
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
            user = User(email=f"bench{i}@example.org", surname="Тестов", first_name=f"Клиент{i}", role="citizen",
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
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        conn.request(method, path, body=body, headers=head)
        response = conn.getresponse()
        data = response.read()
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        conn.close()
        return response.status, data

    def login_csrf(self) -> None:
        status, data = self.request("GET", "/api/v1/csrf")
        assert status == 200, (status, data[:200])
        self.token = json.loads(data)["csrf_token"]

    def create(self, n: int):
        boundary = uuid.uuid4().hex
        parts = []
        fields = {"category": "extract", "subject": f"bench-{n}", "description": f"Нагрузочная заявка номер {n}."}
        for key, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="scan-{n}.pdf"'
                     f"\r\nContent-Type: application/pdf\r\n\r\n".encode() + PDF + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", "/api/v1/tickets", b"".join(parts), {
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": self.token})


def run_load(clients: list[Client], total: int, work) -> tuple[list[float], list, float]:
    latencies: list[float] = []
    outcomes: list = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(client: Client):
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            start = time.perf_counter()
            try:
                outcome = work(client, n)
            except Exception as exc:  # a lost request: recorded, never hidden
                outcome = ("error", repr(exc))
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, outcomes, time.perf_counter() - began


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def bench_database(kind: str, url: str | None, total: int, concurrency: int, workers: int, threads: int) -> dict:
    instance = Path(tempfile.mkdtemp(prefix=f"sep_tickets_bench_{kind}_"))
    url = url or f"sqlite:///{instance}/bench.sqlite3"
    secret = secrets.token_hex(16)
    cookies = prepare(instance, url, secret, concurrency)
    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-k", "gthread", "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "sep_core:create_app()"],
        env=app_env(instance, url, secret), cwd=str(ROOT))
    try:
        for _ in range(200):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        clients = [Client(port, c) for c in cookies]
        for c in clients:
            c.login_csrf()
        # Warm-up (every worker imports and connects), not measured.
        run_load(clients, concurrency * 2, lambda c, n: c.request("GET", "/api/v1/health"))
        health = lambda c, n: c.request("GET", "/api/v1/health")  # noqa: E731
        trivial_lat, trivial_out, trivial_time = run_load(clients, total, health)
        create_lat, create_out, create_time = run_load(clients, total, lambda c, n: c.create(n))
    finally:
        server.terminate()
        server.wait(30)
    created = [json.loads(data) for status, data in create_out if status == 201]
    failures = [(status, data[:200] if isinstance(data, bytes) else data) for status, data in create_out
                if status != 201]
    numbers = [c["number"] for c in created]

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT number FROM tickets_tickets WHERE subject LIKE 'bench-%'")).scalars().all()
        files = conn.execute(text("SELECT count(*) FROM tickets_attachments")).scalar_one()
    engine.dispose()
    acknowledged_missing = len(set(numbers) - set(stored))
    result = {
        "load_average_1m_after": round(os.getloadavg()[0], 2),
        "database": kind, "requests": total, "clients": concurrency, "gunicorn": f"gthread {workers}x{threads}",
        "created_201": len(created), "failed_responses": len(failures),
        "lost": total - len(stored) + acknowledged_missing, "acknowledged_but_missing": acknowledged_missing,
        "duplicate_numbers": (len(numbers) - len(set(numbers))) + (len(stored) - len(set(stored))),
        "attachments_stored": files,
        "trivial_failed": sum(1 for status, _ in trivial_out if status != 200),
        "create_p50_ms": round(statistics.median(create_lat) * 1000, 1),
        "create_p99_ms": round(percentile(create_lat, 99) * 1000, 1),
        "create_per_s": round(total / create_time, 1),
        "trivial_p50_ms": round(statistics.median(trivial_lat) * 1000, 1),
        "trivial_p99_ms": round(percentile(trivial_lat, 99) * 1000, 1),
        "trivial_per_s": round(total / trivial_time, 1),
        "first_failures": failures[:3],
    }
    result["throughput_ratio"] = round(result["create_per_s"] / result["trivial_per_s"], 3)
    shutil.rmtree(instance, ignore_errors=True)
    return result


def postgres_database(base: str):
    """Create a temporary database; returns (url, drop) or None when the server is unreachable."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"sep_tickets_bench_{os.getpid()}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL unreachable ({exc}); skipping that part")
        return None

    def drop():
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    args = parser.parse_args()
    results = []
    if args.only in (None, "postgres"):
        made = postgres_database(os.environ.get("SEP_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
        if made:
            url, drop = made
            try:
                results.append(bench_database("postgresql", url, args.requests, args.clients, args.workers,
                                              args.threads))
            finally:
                drop()
    if args.only in (None, "sqlite"):
        results.append(bench_database("sqlite", None, args.requests, args.clients, args.workers, args.threads))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "tickets.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    lines = ["# tickets benchmark", "", f"{args.requests} requests with one PDF each, {args.clients} concurrent "
             f"clients, gunicorn gthread {args.workers}x{args.threads}, {os.cpu_count()} CPUs; "
             f"run {datetime.now().isoformat(timespec='seconds')}.", "",
             "Latency is end to end from a client thread in the same machine (the clients share the CPUs",
             "with gunicorn and the database); the load average shows what else ran.", "",
             "| database | lost | duplicates | p50 ms | p99 ms | req/s | trivial req/s | ratio | load avg |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['database']} | {r['lost']} | {r['duplicate_numbers']} | {r['create_p50_ms']} | "
                     f"{r['create_p99_ms']} | {r['create_per_s']} | {r['trivial_per_s']} | {r['throughput_ratio']} | "
                     f"{r['load_average_1m_after']} |")
    (RESULTS / "tickets.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    for r in results:
        if r["first_failures"]:
            print(r["database"], "failures:", r["first_failures"])


if __name__ == "__main__":
    main()
