"""The consultant's figures for reports (``sep_report_metrics``): questions asked in the period,
the share answered, and the citizens' ratings (helpful / not helpful)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import case, func, select

from sep_core import db

from .models import KbQuestion


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def metrics(start: datetime, end: datetime, channel: str | None) -> dict:
    query = select(func.count(KbQuestion.id),
                   func.sum(case((KbQuestion.answered.is_(True), 1), else_=0)),
                   func.sum(case((KbQuestion.rating > 0, 1), else_=0)),
                   func.sum(case((KbQuestion.rating < 0, 1), else_=0))).where(
        KbQuestion.created_at >= _naive(start), KbQuestion.created_at < _naive(end))
    if channel:
        query = query.where(KbQuestion.channel == channel)
    questions, answered, up, down = db.session.execute(query).one()
    questions, answered = int(questions or 0), int(answered or 0)
    return {"bot": {"questions": questions, "answered": answered,
                    "answered_share": round(100 * answered / questions, 1) if questions else None,
                    "ratings": {"up": int(up or 0), "down": int(down or 0)}}}
