"""Schema-driven fuzzing of the JSON API: the app (every built-in plugin, demo data, SQLite in a
temporary instance) is served on a loopback port in a thread, and schemathesis (``st run``)
generates requests from ``/api/v1/openapi.json`` and checks every response against it — no
server errors, status codes, content types and bodies as documented, ``Allow`` on 405.

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
    with app.app_context():
        upgrade(app)
        app.extensions["sep"].pm.hook.sep_init_data(app=app, demo=True)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def csrf_headers(url: str) -> list[str]:
    """A session cookie and its CSRF token, so POSTs reach the views (not only the CSRF check)."""
    import json
    import urllib.request

    with urllib.request.urlopen(url + "/api/v1/csrf", timeout=10) as response:
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        token = json.loads(response.read())["csrf_token"]
    return ["-H", f"X-CSRFToken: {token}", "-H", f"Cookie: {cookie}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sep-fuzz-") as tmp:
        url, server = serve(Path(tmp))
        command = [str(Path(sys.executable).with_name("st")), "--no-color", "run", url + "/api/v1/openapi.json",
                   "--checks", CHECKS, "--max-examples", str(args.max_examples), "--workers", args.workers,
                   "--phases", args.phases, "--continue-on-failure",
                   "--generation-database", "none", *csrf_headers(url)]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp)  # its cache stays out of the tree
        elapsed = time.monotonic() - started
        server.shutdown()
    output = done.stdout + done.stderr
    print(output)
    if not args.no_report:
        RESULTS.mkdir(parents=True, exist_ok=True)
        load = os.getloadavg()[0]
        tail = "\n".join(output.strip().splitlines()[-25:])
        (RESULTS / "fuzz.md").write_text(
            f"# API fuzzing (schemathesis)\n\n`python benchmarks/fuzz_api.py --max-examples {args.max_examples} "
            f"--workers {args.workers}` — {elapsed:.0f} s, exit code {done.returncode}, load average "
            f"{load:.1f} on {os.cpu_count()} CPUs.\n\nChecks: {CHECKS}.\n\n```\n{tail}\n```\n", encoding="utf-8")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
