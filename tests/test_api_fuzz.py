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


def signed_in_headers(app, live_server, user) -> list[str]:
    """The session cookie of ``user`` signed in (as the sign-in page leaves it, signed with the
    app's key) and its CSRF token, read from the live server."""
    from sep_core.testing import sign_in

    name = app.config["SESSION_COOKIE_NAME"]
    client = sign_in(app.test_client(), user)
    value = f"{name}={client.get_cookie(name).value}"
    request = urllib.request.Request(live_server.url + "/api/v1/csrf", headers={"Cookie": value})
    with urllib.request.urlopen(request, timeout=10) as response:
        value = next((c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []
                      if c.startswith(name + "=")), value)
        token = json.loads(response.read())["csrf_token"]
    return ["-H", f"X-CSRFToken: {token}", "-H", f"Cookie: {value}"]


# ``positive_data_acceptance`` (schema-valid data must be accepted) is not among the checks: it was
# tried (citizen and staff sessions, 2026-12-05) and fails for reasons the schema cannot express:
# - NUL and lone surrogates in JSON strings are schema-valid strings, and the core refuses them on
#   every route with 400 ``invalid_text`` (issue 13 item 6) — JSON Schema has no "valid Unicode";
# - rules that depend on stored data or on state: a year or moment without production-calendar data
#   (``no_calendar_data``), a contact that is already confirmed, a weak or breached password, a
#   name of digits, an empty question after trimming, an import over the entry limit;
# - ``additionalProperties`` is left open on purpose (clients may send fields of later versions),
#   so schemathesis adds junk keys whose *values* carry NUL.
# What it found that the schema could say is said now: sign-in needs ``email`` or ``phone``, the
# registry lookup body takes a number *or* a VIN.


#: Signed-in runs leave out what ends or replaces their session (tested in the anonymous run):
#: a fuzzed sign-out would turn every later request into a 401 and hide the routes behind sign-in.
SESSION_ENDERS = ["--exclude-path-regex", "^/api/v1/auth/(logout|logout-everywhere|login|register)$"]


def still_signed_in(live_server, headers: list[str]) -> bool:
    cookie = next(h.split(": ", 1)[1] for h in headers if h.startswith("Cookie: "))
    request = urllib.request.Request(live_server.url + "/api/v1/auth/me", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status == 200


def run_schemathesis(live_server, tmp_path: Path, headers: list[str], checks: str = CHECKS, *extra: str) -> str:
    command = [str(Path(sys.executable).with_name("st")), "--no-color", "run",
               live_server.url + "/api/v1/openapi.json", "--checks", checks, "--max-examples", "6",
               "--phases", "examples,coverage,fuzzing", "--workers", "1", "--seed", "20261205",
               "--generation-deterministic", "--continue-on-failure", "--request-timeout", "30",
               *extra, *headers]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    output = done.stdout + done.stderr
    summary = "\n".join(output.strip().splitlines()[-30:])
    assert done.returncode == 0, output[-12000:]
    assert "Tested:" in summary and "failures" not in summary.split("Test cases:")[-1], summary
    return output


def filed_request(citizen):
    from sep_plugins.tickets import service

    service.ensure_categories()
    ticket = service.create_ticket(user=citizen, fields={
        "surname": "Иванова", "first_name": "Мария", "email": citizen.email, "subject": "Нужна выписка",
        "description": "Не могу скачать выписку из ЭПТС."}, category=service.category_by_code("extract"), channel="web")
    assert ticket.number.endswith("-000001")  # the desk's examples name the first request
    return ticket


def test_schemathesis_as_a_signed_in_confirmed_citizen(app, live_server, tmp_path: Path):
    """Every operation as a citizen with confirmed e-mail and phone (their session and CSRF
    token), with a request of their own: the citizen's routes reach their views and the staff
    routes answer their documented 401/403."""
    from sep_core.testing import create_user

    citizen = create_user()
    filed_request(citizen)
    headers = signed_in_headers(app, live_server, citizen)
    run_schemathesis(live_server, tmp_path, headers, CHECKS, *SESSION_ENDERS)
    assert still_signed_in(live_server, headers)  # the run was a signed-in one to the end


def test_schemathesis_as_a_staff_member(app, live_server, tmp_path: Path):
    """Every operation as a duty specialist signed in with a session (cookie + CSRF), against a
    request that exists, so the desk's actions reach the service."""
    from sep_core.testing import create_user

    duty = create_user("duty@example.ru", role="duty")
    filed_request(create_user())
    headers = signed_in_headers(app, live_server, duty)
    run_schemathesis(live_server, tmp_path, headers, CHECKS, *SESSION_ENDERS)
    assert still_signed_in(live_server, headers)
