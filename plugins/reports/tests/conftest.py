"""Synthetic data for the reports tests, small enough to count by hand (see ``expected``)."""

from __future__ import annotations

import secrets
from datetime import datetime

import pytest

from sep_core import MOSCOW, User, db
from sep_core.accounts import hash_password


def msk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW)


def naive_utc(text: str) -> datetime:
    from datetime import UTC

    return msk(text).astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def synthetic(app, clock):
    """Six requests, five consultant questions and four calls around 2-4 March 2026."""
    from sep_plugins.channel_phone.models import Call
    from sep_plugins.kb_keyword.models import KbQuestion
    from sep_plugins.tickets import service

    staff = User(email="duty@example.org", role="duty", profiles=[], password_hash=hash_password("x" * 12),
                 surname="Дежурная", first_name="", patronymic="", locale="ru")
    db.session.add(staff)
    db.session.commit()
    service.ensure_categories()

    def file(at: str, channel: str, category: str | None = None):
        clock.set(at)
        return service.create_ticket(user=None, fields={"surname": "Иванов", "subject": "s", "description": "d"},
                                     category=service.category_by_code(category), channel=channel)

    def answer(ticket, at: str):
        clock.set(at)
        service.answer(ticket, staff, "Ответ")

    t6 = file("2026-03-01T20:00:00", "web")
    t1 = file("2026-03-02T10:00:00", "web")
    t2 = file("2026-03-02T11:00:00", "web")
    answer(t6, "2026-03-02T09:00:00")
    answer(t1, "2026-03-02T12:00:00")
    t3 = file("2026-03-03T09:00:00", "phone")
    answer(t3, "2026-03-03T09:30:00")
    answer(t2, "2026-03-03T13:00:00")  # after its deadline (3 March 11:00)
    file("2026-03-03T10:00:00", "phone")  # never answered: overdue on 4 March
    file("2026-03-04T08:00:00", "api", "tech")  # due on 5 March: not overdue in the period

    questions = [("2026-02-28T10:00:00", "web", True, None), ("2026-03-02T10:00:00", "web", True, 1),
                 ("2026-03-02T11:00:00", "web", True, -1), ("2026-03-02T12:00:00", "web", False, None),
                 ("2026-03-04T12:00:00", "vk", False, None)]
    for at, channel, answered, rating in questions:
        db.session.add(KbQuestion(token=secrets.token_urlsafe(16), created_at=naive_utc(at), channel=channel,
                                  answered=answered, rating=rating, question="q"))
    for at, outcome in [("2026-03-02T10:00:00", "answered"), ("2026-03-02T11:00:00", "answered"),
                        ("2026-03-03T19:00:00", "missed"), ("2026-03-06T10:00:00", "missed")]:
        db.session.add(Call(phone="+79161234567", outcome=outcome, started_at=naive_utc(at), created_at=naive_utc(at)))
    db.session.commit()
    clock.set("2026-03-05T12:00:00")
    return staff


@pytest.fixture
def expected():
    """Counted by hand from ``synthetic`` for 2-4 March, all channels."""
    return {
        "per_day": [{"day": "2026-03-02", "received": 2, "answered": 2, "overdue": 0},
                    {"day": "2026-03-03", "received": 2, "answered": 2, "overdue": 1},
                    {"day": "2026-03-04", "received": 1, "answered": 0, "overdue": 1}],
        "per_channel": [{"channel": "api", "received": 1, "answered": 0, "overdue": 0},
                        {"channel": "phone", "received": 2, "answered": 1, "overdue": 1},
                        {"channel": "web", "received": 2, "answered": 3, "overdue": 1}],
        "totals": {"received": 5, "answered": 4, "overdue": 2},
        # answered 4: 120, 780, 1560 (late) and 30 minutes
        "compliance": 75.0, "answered_in_time": 3, "answered_total": 4,
        "first_answer_minutes": {"count": 4, "median": 450.0, "p90": 1560.0},
        "queue_by_profile": {"duty": 1, "tech_support": 1},
        "bot": {"questions": 4, "answered": 2, "answered_share": 50.0, "ratings": {"up": 1, "down": 1}},
        "calls": {"total": 3, "by_outcome": {"answered": 2, "request_created": 0, "callback_needed": 0, "missed": 1}},
    }
