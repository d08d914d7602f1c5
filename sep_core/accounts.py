"""Account primitives the core owns: password hashing and staff creation.

Registration, confirmation and sign-in flows live in the identity_check plugin.
"""

from __future__ import annotations

import functools
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .models import STAFF_ROLES, User

#: scrypt is memory-hard; werkzeug's default parameters (N=2**15, r=8, p=1). Deployers may
#: raise them with SEP_PASSWORD_HASH_METHOD (e.g. "scrypt:65536:8:1"); the test suite lowers N.
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
MIN_PASSWORD_LENGTH = 12


def _method() -> str:
    return current_app.config["SEP_PASSWORD_HASH_METHOD"] if has_app_context() else PASSWORD_METHOD


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_method())


def verify_password(user: User | None, password: str) -> bool:
    """Constant work whether or not the user exists (no enumeration by timing)."""
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(_method()), password)
        return False
    return check_password_hash(user.password_hash, password)


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash of a random password, with the configured cost, for unknown accounts."""
    return generate_password_hash(secrets.token_hex(8), method=method)


def normalise_email(address: str) -> str:
    """Validated and normalised (no DNS look-ups); ValueError with a reason otherwise."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc


def rotate_session(user: User) -> None:
    """Invalidate every existing session of the user (new token in the login cookie): "sign out
    everywhere", a password change or reset, an account deleted."""
    user.session_token = secrets.token_hex(16)


def ensure_session_token(user: User) -> None:
    """Give the account a session token if it has none, keeping the existing one: signing in on a
    phone must not sign the computer out (sessions are per device; ``rotate_session`` ends them all)."""
    if not user.session_token:
        rotate_session(user)


def create_or_update_staff(email: str, role: str, profiles: list[str], password: str,
                           name: str = "") -> tuple[User, bool]:
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    address = normalise_email(email)
    user = db.session.execute(db.select(User).filter_by(email=address)).scalar_one_or_none()
    created = user is None
    if user is None:
        user = User(email=address, email_confirmed_at=None)
        db.session.add(user)
    parts = name.split()
    if parts:
        user.surname, user.first_name = parts[0], " ".join(parts[1:])
    user.role = role
    user.profiles = sorted(set(profiles))
    user.password_hash = hash_password(password)
    rotate_session(user)
    db.session.commit()
    return user, created
