"""Fixtures for identity_check tests: a citizen helper that drives the site through HTTP and reads
codes from the outbox like a person reads their mail and SMS."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from sep_core import OutboxMessage, db
from sep_core.testing import csrf_token

PLUGINS = ("identity_check", "channel_web")

CITIZEN = {
    "surname": "Иванова", "first_name": "Мария", "patronymic": "Петровна",
    "phone": "8 (916) 123-45-67", "email": "Maria.Ivanova@Example.ru",
    "password": "зелёный слон летит 42", "consent": "y",
}
PHONE_E164 = "+79161234567"
EMAIL = "maria.ivanova@example.ru"


def outbox_rows(kind: str | None = None, to: str | None = None) -> list[dict]:
    rows = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
    out = []
    for row in rows:
        payload = row.payload  # with the secret fields while they are kept
        if (kind is None or row.kind == kind) and (to is None or payload.get("to") == to):
            out.append({"kind": row.kind, **payload})
    db.session.commit()  # end the read transaction; objects stay attached (expired)
    return out


def last_code(kind: str, to: str) -> str:
    """The newest 6-digit code sent to ``to`` (e-mail body or SMS text)."""
    rows = outbox_rows(kind, to)
    assert rows, f"nothing sent by {kind} to {to}"
    text = rows[-1]["body"] if kind == "email" else rows[-1]["text"]
    return re.search(r"\b(\d{6})\b", text).group(1)


@dataclass
class Visitor:
    client: object

    def token(self) -> str:
        return csrf_token(self.client, "/api/v1/auth/csrf")

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.token(), **(data or {})}, **kwargs)

    def api(self, path: str, payload: dict | None = None, **kwargs):
        return self.client.post(path, json=payload if payload is not None else {},
                                headers={"X-CSRFToken": self.token()}, **kwargs)

    def register(self, **changes):
        return self.post("/register", {**CITIZEN, **changes})

    def confirm(self, channel: str, code: str):
        return self.post("/confirm", {"channel": channel, f"{channel}-code": code})

    def login(self, login: str = EMAIL, password: str = CITIZEN["password"], **extra):
        return self.post("/login", {"login": login, "password": password, **extra})

    def register_confirmed(self, **changes) -> None:
        data = {**CITIZEN, **changes}
        assert self.register(**changes).status_code == 302
        email = data["email"].lower()
        phone = PHONE_E164 if data["phone"] == CITIZEN["phone"] else data["phone"]
        assert self.confirm("email", last_code("email", email)).status_code == 302
        assert self.confirm("sms", last_code("sms", phone)).status_code == 302


@pytest.fixture
def visitor(client) -> Visitor:
    return Visitor(client)


@pytest.fixture
def new_visitor(app):
    """Another browser (own cookies) on the same site."""
    return lambda: Visitor(app.test_client())


class Mailbox:
    """What was sent: outbox rows, and the newest code per address."""

    rows = staticmethod(outbox_rows)
    code = staticmethod(last_code)
    citizen = CITIZEN
    email = EMAIL
    phone = PHONE_E164


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()
