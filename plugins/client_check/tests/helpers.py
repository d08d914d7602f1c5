"""Helpers for client_check tests: users, sign-in through the session, API calls, and a set of
requirements of every kind."""

from __future__ import annotations

import itertools

from flask import g

from sep_core import User, db
from sep_core.testing import csrf_token, sign_in

CHROME_CURRENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/156.0.0.0 Safari/537.36")

REQUIREMENTS = [
    {"id": "signature-plugin", "name": "Signature plug-in", "check": "probe",
     "probe": {"type": "global", "target": "sepTestPlugin.version"}, "timeout_ms": 400,
     "why": "Needed to sign the application.", "instructions": "Install the **plug-in**.",
     "download_url": "https://example.org/plugin"},
    {"id": "crypto-provider", "name": "Cryptography provider", "check": "probe",
     "probe": {"type": "global", "target": "sepMissingProvider"}, "timeout_ms": 300},
    {"id": "slow-plugin", "name": "Slow plug-in", "check": "probe",
     "probe": {"type": "promise", "target": "sepTestSlow"}, "timeout_ms": 300},
    {"id": "rules", "name": "Read the rules", "check": "confirm"},
    {"id": "desktop", "name": "A desktop computer", "check": "server", "server_check": "desktop"},
    {"id": "on-request", "name": "Asked by staff", "check": "confirm", "scope": "on_request"},
]

_numbers = itertools.count(1)


def make_user(role: str = "citizen") -> User:
    n = next(_numbers)
    user = User(email=f"user{n}-{role}@example.org", role=role, first_name="Тест", session_token=f"tok{n}")
    db.session.add(user)
    db.session.commit()
    db.session.refresh(user)
    db.session.expunge(user)  # usable after the test's sessions end
    return user


login = sign_in


def token(client) -> str:
    """A CSRF token for this client's session. The ``app`` fixture keeps one app context for the
    whole test, so flask-wtf's per-context cache (``g.csrf_token``) would hand one client's token
    to another: drop it first."""
    g.pop("csrf_token", None)
    return csrf_token(client)


def post_results(client, results, agent: str = CHROME_CURRENT, **extra):
    body = {"results": results, **extra}
    return client.post("/api/v1/client-check/results", json=body,
                       headers={"User-Agent": agent, "X-CSRFToken": token(client)})


def checklist(client, agent: str = CHROME_CURRENT, **headers):
    return client.get("/api/v1/client-check", headers={"User-Agent": agent, **headers})


def met_of(response) -> dict:
    return {r["id"]: r["met"] for r in response.get_json()["requirements"]}
