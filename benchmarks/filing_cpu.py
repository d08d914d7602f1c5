"""In-process CPU per filing with a PDF (issue 16): one WSGI call at a time, no server, no clients.

The machine this project is measured on is small and shared, so req/s under gunicorn moves with
everyone else's load; the process's own CPU time per filing (``time.process_time``: this Python
process only — PostgreSQL's work and the fsync waits are not in it) is the steadier figure to
compare two versions of the code by. Run it alternately with the two versions' interpreters:

    /work/old/.venv/bin/python benchmarks/filing_cpu.py --filings 300
    .venv/bin/python benchmarks/filing_cpu.py --filings 300 [--profile 25] [--statements]

It creates a temporary PostgreSQL database (``SEP_BENCH_PG``, as ``hotpath_bench.py``), sets SEP up
as the hot path bench does (every built-in plugin, production settings, the demo base, confirmed
citizens) and files through the Flask test client the bench's own multipart request (category
"extract", a one-page PDF). Prints one JSON line: CPU and wall ms per filing, SQL statements per
filing, the load average. ``--profile N`` prints the N largest cumulative entries of cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hotpath_bench import filing_body, postgres_database, prepare_sep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--profile", type=int, default=0, help="print this many cProfile entries (cumulative)")
    parser.add_argument("--statements", action="store_true", help="print the SQL of the last filing")
    args = parser.parse_args()
    from sqlalchemy import event

    from sep_core import create_app, db

    load_start = os.getloadavg()
    url, drop = postgres_database(os.environ.get("SEP_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    instance = Path(tempfile.mkdtemp(prefix="sep_filing_cpu_"))
    secret = secrets.token_hex(16)
    try:
        cookie = prepare_sep(instance, url, secret, 1)[0]
        app = create_app({"SEP_INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret,
                          "SEP_ENV": "production", "SEP_MAIL_BACKEND": "file"})
        client = app.test_client()
        client.set_cookie("sep_session", cookie, domain="localhost")
        token = client.get("/api/v1/csrf").get_json()["csrf_token"]
        bodies = [filing_body(0, i) for i in range(4)]

        def file_one(i: int) -> None:
            content_type, body = bodies[i % 4]
            response = client.post("/api/v1/tickets", data=body, content_type=content_type,
                                   headers={"X-CSRFToken": token})
            assert response.status_code == 201, (response.status_code, response.data[:300])

        for i in range(args.warmup):
            file_one(i)
        with app.app_context():
            engine = db.engine
        seen: list[str] = []
        listener = lambda conn, cur, statement, *a: seen.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for i in range(args.filings):
            if args.statements and i == args.filings - 1:
                seen.clear()
            file_one(i)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        event.remove(engine, "before_cursor_execute", listener)
        statements = len(seen) / (1 if args.statements else args.filings)
        print(json.dumps({"filings": args.filings, "cpu_ms": round(cpu * 1000 / args.filings, 3),
                          "wall_ms": round(wall * 1000 / args.filings, 3), "statements": statements,
                          "load_start": load_start, "load_end": os.getloadavg(), "python": sys.executable}))
        if args.statements:
            for statement in seen:
                print("  ", " ".join(statement.split())[:160])
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        with app.app_context():
            db.engine.dispose()
    finally:
        shutil.rmtree(instance, ignore_errors=True)
        drop()


if __name__ == "__main__":
    main()
