"""The citizen's check results in their data download, and their erasure."""

from __future__ import annotations

from sep_core import db

from .models import CheckResult


def export(user) -> dict:
    rows = db.session.execute(db.select(CheckResult).where(CheckResult.user_id == user.id)
                              .order_by(CheckResult.requirement_key)).scalars()
    return {"client_check": [{"requirement": r.requirement_key, "outcome": r.outcome, "met": r.met,
                              "browser": r.browser, "checked_at": r.checked_at.isoformat()} for r in rows]}


def erase(user) -> None:
    db.session.execute(db.delete(CheckResult).where(CheckResult.user_id == user.id))
