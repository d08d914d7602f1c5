"""``sep init --demo`` creates demo accounts a newcomer can sign in with (issue 17)."""

from __future__ import annotations

import re

import pytest

from sep_core import User
from sep_core.cli import main as sep
from sep_core.testing import csrf_token

pytestmark = pytest.mark.sep_plugins("channel_web", "tickets", "identity_check", "kb_keyword")


def passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"(\S+@demo\.example\.ru)\s+([a-z0-9]{4}(?:-[a-z0-9]{4}){3})", output))


def test_init_demo_creates_four_accounts_prints_passwords_once_and_each_lands_on_its_page(make_app):
    from sep_core import db

    app = make_app(create_tables=False)  # `sep init` runs the migrations itself
    runner = app.test_cli_runner()
    result = runner.invoke(sep, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    shown = passwords(result.output)
    assert set(shown) == {"citizen@demo.example.ru", "duty@demo.example.ru", "specialist@demo.example.ru",
                          "admin@demo.example.ru"}
    with app.app_context():
        roles = {u.email: (u.role, u.profiles) for u in db.session.execute(db.select(User)).scalars()}
        assert roles["specialist@demo.example.ru"] == ("specialist", ["tech_support"])
        assert roles["citizen@demo.example.ru"][0] == "citizen" and roles["admin@demo.example.ru"][0] == "admin"
        again = runner.invoke(sep, ["init", "--demo"])
        assert again.exit_code == 0 and passwords(again.output) == {}  # printed once
        assert "unchanged" in again.output

        landing = {"citizen@demo.example.ru": "/cabinet", "duty@demo.example.ru": "/desk/",
                   "specialist@demo.example.ru": "/desk/", "admin@demo.example.ru": "/desk/"}
        for email, password in shown.items():
            client = app.test_client()
            response = client.post("/login", data={"csrf_token": csrf_token(client, "/api/v1/auth/csrf"),
                                                   "login": email, "password": password})
            assert response.status_code == 302 and response.headers["Location"] == landing[email], email
        # the demo citizen may file requests at once (both contacts confirmed)
        client = app.test_client()
        client.post("/login", data={"csrf_token": csrf_token(client, "/api/v1/auth/csrf"),
                                    "login": "citizen@demo.example.ru", "password": shown["citizen@demo.example.ru"]})
        assert client.get("/requests/new").status_code == 200


def test_new_passwords_on_demand(runner, db):
    first = passwords(runner.invoke(sep, ["demo-accounts"]).output)
    second = passwords(runner.invoke(sep, ["demo-accounts", "--new-passwords"]).output)
    assert len(first) == len(second) == 4 and all(first[k] != second[k] for k in first)


@pytest.mark.sep_config("SEP_ENV", "production")
def test_never_in_production(runner, db):
    result = runner.invoke(sep, ["demo-accounts"])
    assert result.exit_code != 0 and "never" in result.output
    assert db.session.execute(db.select(User)).first() is None
