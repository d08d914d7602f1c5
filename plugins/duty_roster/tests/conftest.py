"""Helpers for the roster tests: desk accounts and shifts in Moscow time."""

from __future__ import annotations

from datetime import datetime

import pytest

from sep_core import MOSCOW, User, db
from sep_core.accounts import hash_password


def make_user(email: str, role: str, profiles=(), surname: str = "Сотрудник", locale: str = "ru") -> User:
    user = User(email=email, role=role, profiles=list(profiles), password_hash=hash_password("x" * 12),
                surname=surname, first_name="", patronymic="", locale=locale,
                email_confirmed_at=datetime(2026, 1, 1))
    db.session.add(user)
    db.session.commit()
    return user


def msk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW)


def shift(user: User, role: str, start: str, end: str, profile: str = ""):
    from sep_plugins.duty_roster import roster

    row = roster.add_shift(user, role, profile, msk(start), msk(end), None)
    db.session.commit()
    return row


@pytest.fixture
def r():
    """These helpers (conftest modules cannot be imported under --import-mode=importlib)."""
    import sys

    return sys.modules[__name__]
