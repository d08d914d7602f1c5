"""Issue 13 item 12: the OpenAPI document is what the API does. schemathesis generates requests
from ``/api/v1/openapi.json`` of the app served on a loopback port (every built-in plugin) and
checks each response: no server error, status code, content type, headers and body as
documented, ``Allow`` on 405. CI-sized (few examples per operation, fixed seed); ``make fuzz``
runs the long version (benchmarks/fuzz_api.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance,allow_header_conformance,unsupported_method")


def session_headers(url: str) -> list[str]:
    """A session cookie and its CSRF token: POSTs then reach the views, not only the CSRF check."""
    with urllib.request.urlopen(url + "/api/v1/csrf", timeout=10) as response:
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        token = json.loads(response.read())["csrf_token"]
    return ["-H", f"X-CSRFToken: {token}", "-H", f"Cookie: {cookie}"]


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(live_server, tmp_path: Path):
    command = [str(Path(sys.executable).with_name("st")), "--no-color", "run",
               live_server.url + "/api/v1/openapi.json", "--checks", CHECKS, "--max-examples", "8",
               "--phases", "coverage,fuzzing", "--workers", "1", "--seed", "20261205",
               "--generation-deterministic", "--continue-on-failure",
               "--request-timeout", "30", *session_headers(live_server.url)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    output = done.stdout + done.stderr
    summary = "\n".join(output.strip().splitlines()[-30:])
    assert done.returncode == 0, output[-12000:]
    assert "Tested:" in summary and "failures" not in summary.split("Test cases:")[-1], summary


def test_schemathesis_with_an_api_token_on_the_desk_and_kb_routes(live_server, tmp_path: Path):
    """Issue 18: the routes that accept API tokens (desk, KB, reports), fuzzed with a token of every scope (an admin's),
    against a request that exists (the desk's example number), so actions reach the service."""
    from sep_plugins.tickets import service

    from sep_core.testing import create_user
    from sep_core.tokens import SCOPES, create_token

    admin = create_user("admin@example.ru", role="admin")
    citizen = create_user()
    service.ensure_categories()
    ticket = service.create_ticket(user=citizen, fields={
        "surname": "Иванова", "first_name": "Мария", "email": "citizen@example.ru", "subject": "Нужна выписка",
        "description": "Не могу скачать выписку из ЭПТС."}, category=service.category_by_code("extract"), channel="web")
    assert ticket.number.endswith("-000001")
    _, token = create_token(admin, SCOPES, rate_per_minute=100_000)
    command = [str(Path(sys.executable).with_name("st")), "--no-color", "run",
               live_server.url + "/api/v1/openapi.json", "--checks", CHECKS, "--max-examples", "8",
               "--phases", "examples,coverage,fuzzing", "--workers", "1", "--seed", "20261205",
               "--generation-deterministic", "--continue-on-failure", "--request-timeout", "30",
               "--include-path-regex", "^/api/v1/(desk|kb|reports)/", "-H", f"Authorization: Bearer {token}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    output = done.stdout + done.stderr
    summary = "\n".join(output.strip().splitlines()[-30:])
    assert token[4:] not in output.replace(f"Bearer {token}", "")  # nothing echoes the token back
    assert done.returncode == 0, output[-12000:]
    assert "Tested:" in summary and "failures" not in summary.split("Test cases:")[-1], summary
