"""Identity check through another channel: staff (or another plugin on their behalf) ask the
citizen to prove they are who they say by typing back a code sent over a different channel.

Every step is stored (``identity_check_checks``) and audited: who asked, when, which channel, the
outcome. Other plugins use it through the hooks ``sep_start_identity_check``,
``sep_verify_identity`` and ``sep_identity_check_status`` and hear about the end through
``sep_on_identity_checked``.
"""

from __future__ import annotations

from sep_core import User, audit, current_state, db, identity_channels, send_code, utcnow_naive

from . import codes
from .models import IdentityCheck


def available_channels(user: User) -> list[str]:
    return identity_channels(user)


def start(user: User, channel: str, requested_by, reason: str = "") -> int | None:
    """Create the check and send the code; None when the channel cannot reach the user."""
    if user is None or not user.active or channel not in available_channels(user):
        return None
    check = IdentityCheck(user_id=user.id, requested_by_id=getattr(requested_by, "id", None), channel=channel,
                          reason=(reason or "")[:500], status="pending", created_at=utcnow_naive())
    db.session.add(check)
    db.session.flush()
    _row, code = codes.issue(user.id, channel, f"identity:{check.id}")
    if not send_code(user, channel, code, f"identity:{check.id}"):
        db.session.rollback()
        return None
    audit(requested_by, "identity_check_requested", "user", user.id, reason=f"check {check.id} via {channel}")
    db.session.commit()
    return check.id


def pending_for(user: User) -> list[IdentityCheck]:
    checks = list(db.session.execute(
        db.select(IdentityCheck).filter_by(user_id=user.id, status="pending").order_by(IdentityCheck.id)).scalars())
    return [c for c in checks if _expire_if_due(c) == "pending"]


def _expire_if_due(check: IdentityCheck) -> str:
    row = codes.active_code(check.user_id, check.channel, f"identity:{check.id}")
    if check.status == "pending" and (row is None or row.expires_at <= utcnow_naive()):
        if row is not None:
            row.status = "void"
        _finish(check, "expired", None)
    return check.status


#: The largest id an ``Integer`` column holds (PostgreSQL int4); a bigger one is no check at all.
MAX_ID = 2**31 - 1


def _get(check_id) -> IdentityCheck | None:
    """The check with this id; None for anything that cannot be an id (not digits, too big)."""
    text = str(check_id)
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        return None
    return db.session.get(IdentityCheck, int(text))


def verify(check_id: int, code: str, user=None) -> str:
    """"passed", "wrong" (try again), "failed" (too many wrong codes), "expired", or "unknown"
    (no such pending check for this user)."""
    check = _get(check_id)
    if check is None or (user is not None and check.user_id != getattr(user, "id", None)):
        return "unknown"
    if check.status != "pending":
        return check.status
    result = codes.check(check.user_id, check.channel, f"identity:{check.id}", code)
    if result.outcome == "none":  # a parallel request (a double click) may have just finished it
        db.session.refresh(check)
        if check.status != "pending":
            return check.status
    outcome = {"ok": "passed", "wrong": "wrong", "void": "failed", "expired": "expired", "none": "expired"}[
        result.outcome]
    if outcome == "wrong":
        db.session.commit()
        return "wrong"
    _finish(check, outcome, user)
    return outcome


def _finish(check: IdentityCheck, status: str, actor) -> None:
    check.status = status
    check.completed_at = utcnow_naive()
    audit(actor, f"identity_check_{status}", "user", check.user_id or "",
          reason=f"check {check.id} via {check.channel}")
    db.session.commit()
    current_state().pm.hook.sep_on_identity_checked(check=check.as_dict())


def status(check_id) -> dict | None:
    check = _get(check_id)
    if check is None:
        return None
    if check.status == "pending":
        _expire_if_due(check)
    return check.as_dict()
