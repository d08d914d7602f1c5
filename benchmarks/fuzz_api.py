"""Schema-driven fuzzing of the JSON API: the app (every built-in plugin, demo data, SQLite in a
temporary instance) is served on a loopback port in a thread, and schemathesis (``st run``)
generates requests from ``/api/v1/openapi.json`` and checks every response against it — no
server errors, status codes, content types and bodies as documented, ``Allow`` on 405. It runs
three times: as an anonymous visitor, as a signed-in citizen with confirmed contacts and a request
of their own, and as a duty specialist (session cookie and CSRF token each), so the routes behind
sign-in reach their views.

Run by ``make fuzz`` (never by ``make test``; a bounded version is tests/test_api_fuzz.py).
Writes benchmarks/results/fuzz.md with the figures of the run.

    python benchmarks/fuzz_api.py [--max-examples 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance,allow_header_conformance,unsupported_method")


def serve(instance: Path):
    """The app on a free loopback port; returns (url, server, csrf headers)."""
    os.environ["SEP_INSTANCE_PATH"] = str(instance)
    os.environ["SEP_ENV"] = "testing"
    from werkzeug.serving import make_server

    from sep_core import create_app
    from sep_core.extensions import db
    from sep_core.migrate import upgrade

    app = create_app({"SEP_OUTBOX_DELIVER_AFTER_REQUEST": False})
    sessions = {}
    with app.app_context():
        upgrade(app)
        app.extensions["sep"].pm.hook.sep_init_data(app=app, demo=True)
        db.session.commit()
        sessions = signed_in_sessions(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server, sessions


def signed_in_sessions(app) -> dict[str, str]:
    """Session cookies ("name=value") of a confirmed citizen with a request and of a duty specialist."""
    from sep_core.testing import create_user, sign_in

    cookies = {}
    citizen = create_user("fuzz.citizen@example.ru")
    duty = create_user("fuzz.duty@example.ru", role="duty")
    if app.extensions["sep"].pm.has_plugin("tickets"):
        from sep_plugins.tickets import service

        service.ensure_categories()
        service.create_ticket(user=citizen, fields={
            "surname": "Иванова", "first_name": "Мария", "email": citizen.email, "subject": "Нужна выписка",
            "description": "Не могу скачать выписку из ЭПТС."}, category=service.category_by_code("extract"),
            channel="web")
    name = app.config["SESSION_COOKIE_NAME"]
    for role, user in (("citizen", citizen), ("duty", duty)):
        client = sign_in(app.test_client(), user)
        cookies[role] = f"{name}={client.get_cookie(name).value}"
    return cookies


def csrf_headers(url: str, cookie: str | None = None) -> list[str]:
    """A session cookie (a new anonymous one, or ``cookie``) and its CSRF token, so POSTs reach the
    views (not only the CSRF check)."""
    import json
    import urllib.request

    request = urllib.request.Request(url + "/api/v1/csrf", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        name = (cookie or "sep_session=").split("=", 1)[0]
        cookie = next((c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []
                       if cookie is None or c.startswith(name + "=")), cookie)
        token = json.loads(response.read())["csrf_token"]
    return ["-H", f"X-CSRFToken: {token}", "-H", f"Cookie: {cookie}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="sep-fuzz-") as tmp:
        url, server, sessions = serve(Path(tmp))
        for who, cookie in (("anonymous", None), ("citizen", sessions["citizen"]), ("duty", sessions["duty"])):
            command = [str(Path(sys.executable).with_name("st")), "--no-color", "run", url + "/api/v1/openapi.json",
                       "--checks", CHECKS, "--max-examples", str(args.max_examples), "--workers", args.workers,
                       "--phases", args.phases, "--continue-on-failure",
                       "--generation-database", "none", *csrf_headers(url, cookie),
                       # signed in: nothing that ends or replaces the session (the anonymous run has them)
                       *(["--exclude-path-regex", "^/api/v1/auth/(logout|logout-everywhere|login|register)$"]
                         if cookie else [])]
            started = time.monotonic()
            done = subprocess.run(command, capture_output=True, text=True, cwd=tmp)  # its cache stays out of the tree
            runs.append((who, time.monotonic() - started, done.returncode, done.stdout + done.stderr))
            print(f"== {who}: exit {done.returncode}\n{runs[-1][3]}")
        server.shutdown()
    code = max(r[2] for r in runs)
    if not args.no_report:
        RESULTS.mkdir(parents=True, exist_ok=True)
        load = os.getloadavg()[0]
        parts = [f"# API fuzzing (schemathesis)\n\n`python benchmarks/fuzz_api.py --max-examples {args.max_examples} "
                 f"--workers {args.workers}` — {sum(r[1] for r in runs):.0f} s in all, load average {load:.1f} on "
                 f"{os.cpu_count()} CPUs, at most {args.max_examples} examples per operation and phase.\n\n"
                 f"Checks: {CHECKS}.\n"]
        for who, elapsed, returncode, output in runs:
            tail = "\n".join(line for line in output.strip().splitlines()[-25:] if "[Filtered]" not in line)
            parts.append(f"\n## As {who} — {elapsed:.0f} s, exit code {returncode}\n\n```\n{tail}\n```\n")
        (RESULTS / "fuzz.md").write_text("".join(parts), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
