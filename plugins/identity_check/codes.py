"""One-time codes: 6 digits, a limited life, single use, a limited number of wrong attempts,
a cool-down between sends. Only a keyed hash (HMAC-SHA256 with the app's secret and a per-code
salt) is stored, so a database dump does not reveal live codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from sep_core import db, plugin_settings, utcnow_naive

from .models import OneTimeCode

CODE_DIGITS = 6


def _hash(value: str, salt: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{salt}:{value}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def active_code(user_id: int, channel: str, purpose: str, *, lock: bool = False) -> OneTimeCode | None:
    """The newest active code. ``lock``: hold its row until the transaction ends (SELECT ... FOR
    UPDATE, read afresh), so parallel checks of one code take turns and every attempt counts."""
    query = (db.select(OneTimeCode).filter_by(user_id=user_id, channel=channel, purpose=purpose, status="active")
             .order_by(OneTimeCode.id.desc()))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.execute(query).scalars().first()


def last_code(user_id: int, channel: str, purpose: str) -> OneTimeCode | None:
    return db.session.execute(
        db.select(OneTimeCode).filter_by(user_id=user_id, channel=channel, purpose=purpose)
        .order_by(OneTimeCode.id.desc())
    ).scalars().first()


def cooldown_left(user_id: int, channel: str, purpose: str) -> int:
    """Seconds until another code may be sent (0: now)."""
    previous = last_code(user_id, channel, purpose)
    if previous is None:
        return 0
    wait = int(plugin_settings("identity_check")["resend_cooldown_seconds"])
    left = (previous.created_at + timedelta(seconds=wait) - utcnow_naive()).total_seconds()
    return max(0, int(left + 0.999))


def issue(user_id: int, channel: str, purpose: str, *, target: str | None = None,
          ttl_minutes: float | None = None) -> tuple[OneTimeCode, str]:
    """A fresh code (earlier active ones of the same purpose are superseded). Caller commits."""
    settings = plugin_settings("identity_check")
    for old in db.session.execute(
        db.select(OneTimeCode).filter_by(user_id=user_id, channel=channel, purpose=purpose, status="active")
    ).scalars():
        old.status = "superseded"
    code = new_code()
    salt = secrets.token_hex(8)
    ttl = settings["code_ttl_minutes"] if ttl_minutes is None else ttl_minutes
    row = OneTimeCode(user_id=user_id, channel=channel, purpose=purpose, target=target, salt=salt,
                      code_hash=_hash(code, salt), created_at=utcnow_naive(),
                      expires_at=utcnow_naive() + timedelta(minutes=float(ttl)))
    db.session.add(row)
    return row, code


@dataclass
class CheckResult:
    outcome: str
    """"ok", "wrong", "void" (too many wrong attempts), "expired", "none" (no code to check)."""
    attempts_left: int = 0
    row: OneTimeCode | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def check(user_id: int, channel: str, purpose: str, typed: str) -> CheckResult:
    """Compare what was typed with the active code; counts wrong attempts. Caller commits (which
    also releases the row lock taken here)."""
    max_attempts = int(plugin_settings("identity_check")["code_max_attempts"])
    row = active_code(user_id, channel, purpose, lock=True)
    if row is None:
        last = last_code(user_id, channel, purpose)
        if last is not None and last.status == "void":
            return CheckResult("void")
        return CheckResult("none")
    if row.expires_at <= utcnow_naive():
        row.status = "void"
        return CheckResult("expired")
    typed = "".join((typed or "").split())
    if hmac.compare_digest(_hash(typed, row.salt), row.code_hash) and len(typed) == CODE_DIGITS:
        if not _change_if_active(row, status="used", used_at=utcnow_naive()):
            return CheckResult("void" if row.status == "void" else "none")
        return CheckResult("ok", row=row)
    if not _change_if_active(row, attempts=OneTimeCode.attempts + 1):
        return CheckResult("void" if row.status == "void" else "none")
    if row.attempts >= max_attempts:
        row.status = "void"
        return CheckResult("void")
    return CheckResult("wrong", attempts_left=max_attempts - row.attempts)


def _change_if_active(row: OneTimeCode, **values) -> bool:
    """One atomic UPDATE ... WHERE status = 'active' (so a parallel request cannot slip between
    reading and writing the counter), then the row as stored. False: it is no longer active."""
    changed = db.session.execute(
        db.update(OneTimeCode).where(OneTimeCode.id == row.id, OneTimeCode.status == "active").values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(row)
    return bool(changed)


def issue_token(user_id: int, purpose: str, ttl_minutes: float) -> str:
    """A long random token (for links); stored as a keyed hash, looked up by it."""
    for old in db.session.execute(
        db.select(OneTimeCode).filter_by(user_id=user_id, purpose=purpose, status="active")
    ).scalars():
        old.status = "superseded"
    token = secrets.token_urlsafe(32)
    db.session.add(OneTimeCode(user_id=user_id, channel="email", purpose=purpose, salt="",
                               code_hash=_hash(token, ""), created_at=utcnow_naive(),
                               expires_at=utcnow_naive() + timedelta(minutes=float(ttl_minutes))))
    return token


def find_token(token: str, purpose: str) -> OneTimeCode | None:
    if not token or len(token) > 100:
        return None
    row = db.session.execute(
        db.select(OneTimeCode).filter_by(code_hash=_hash(token, ""), purpose=purpose, status="active")
    ).scalars().first()
    if row is None or row.expires_at <= utcnow_naive():
        return None
    return row


def void_all(user_id: int) -> None:
    for row in db.session.execute(db.select(OneTimeCode).filter_by(user_id=user_id, status="active")).scalars():
        row.status = "superseded"
