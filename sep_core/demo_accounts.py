"""Demo accounts for ``sep init --demo`` (issue 17): a citizen, a duty specialist, a profile
specialist and an administrator on ``@demo.example.ru``, so a newcomer can see both sides of the
site. Passwords are random and printed once, when an account is created (or when new ones are
asked for); they are never stored in clear. Never in production."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app

from .accounts import create_or_update_staff, hash_password, rotate_session
from .clock import utcnow_naive
from .extensions import db
from .models import User

DOMAIN = "demo.example.ru"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    name: str
    profiles: tuple[str, ...] = ()
    phone: str | None = None


ACCOUNTS = (
    DemoAccount(f"citizen@{DOMAIN}", "citizen", "Демидова Анна", phone="+79990000001"),
    DemoAccount(f"duty@{DOMAIN}", "duty", "Дежурнов Павел"),
    DemoAccount(f"specialist@{DOMAIN}", "specialist", "Профильная Ирина", profiles=("tech_support",)),
    DemoAccount(f"admin@{DOMAIN}", "admin", "Админов Сергей"),
)


def new_password() -> str:
    """Four groups of four characters: easy to type from the terminal, 80 random bits."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def ensure(new_passwords: bool = False) -> list[tuple[DemoAccount, str | None]]:
    """Create the missing demo accounts; ``(account, password)`` per account, the password None for
    an existing account that keeps its own (unless ``new_passwords``). Refused in production."""
    if current_app.config["SEP_ENV"] == "production":
        raise RuntimeError("demo accounts are never created in production")
    out: list[tuple[DemoAccount, str | None]] = []
    for account in ACCOUNTS:
        user = db.session.execute(db.select(User).filter_by(email=account.email)).scalar_one_or_none()
        if user is not None and not new_passwords:
            out.append((account, None))
            continue
        password = new_password()
        if account.role == "citizen":
            if user is None:
                surname, first_name = account.name.split(" ", 1)
                user = User(email=account.email, phone=account.phone, surname=surname, first_name=first_name,
                            role="citizen", profiles=[], locale="ru", active=True)
                db.session.add(user)
            user.email_confirmed_at = user.email_confirmed_at or utcnow_naive()
            user.phone_confirmed_at = user.phone_confirmed_at or utcnow_naive()
            user.password_hash = hash_password(password)
            rotate_session(user)
            db.session.commit()
        else:
            create_or_update_staff(account.email, account.role, list(account.profiles), password, name=account.name)
        out.append((account, password))
    return out


ROLE_NAMES = {"citizen": "citizen", "duty": "duty specialist", "specialist": "profile specialist",
              "admin": "administrator"}


def report(rows: list[tuple[DemoAccount, str | None]]) -> str:
    lines = ["Demo accounts (demo only; a password is shown once, when it is set):"]
    for account, password in rows:
        shown = password if password else "(unchanged; `sep demo-accounts --new-passwords` sets new ones)"
        lines.append(f"  {ROLE_NAMES[account.role]:<20} {account.email:<30} {shown}")
    lines.append("Sign in at /login; staff land on /desk.")
    return "\n".join(lines)
