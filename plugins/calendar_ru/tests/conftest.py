"""Fixtures for calendar_ru tests: users of a role, a signed-in client."""

from __future__ import annotations

import secrets

import pytest

from sep_core import User, db


@pytest.fixture
def make_user(app):
    def make(role: str, email: str) -> User:
        user = User(email=email, role=role, session_token=secrets.token_hex(8))
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login():
    """``login(client, user)``: the session cookie flask-login reads (sign-in pages are another plugin)."""

    from sep_core.testing import sign_in

    return sign_in


@pytest.fixture
def admin(make_user):
    return make_user("admin", "admin@example.test")


@pytest.fixture
def admin_client(client, admin, login):
    login(client, admin)
    return client
