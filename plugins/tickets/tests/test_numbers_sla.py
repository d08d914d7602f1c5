"""Numbers stay unique under concurrent creation (threads, two app objects on one database);
the deadline clock pauses and resumes in working time; the load-based estimate."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from sep_core import db

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def test_numbers_are_unique_under_concurrent_creation_by_two_apps(make_app, h):
    from sep_plugins.tickets import service
    from sep_plugins.tickets.models import Ticket

    first = make_app()
    url = first.config["SQLALCHEMY_DATABASE_URI"]
    second = make_app({"SQLALCHEMY_DATABASE_URI": url}, create_tables=False)
    errors, per_thread = [], 15

    def work(app):
        try:
            with app.app_context():
                for i in range(per_thread):
                    service.create_ticket(user=None, fields=h.form_data(subject=f"s{i}"), category=None,
                                          channel="phone")
                db.session.remove()
        except Exception as exc:  # surfaced by the assertion below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(app,)) for app in (first, second) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with first.app_context():
        numbers = [n for (n,) in db.session.execute(db.select(Ticket.number))]
    assert len(numbers) == 6 * per_thread == len(set(numbers))
    assert all(n.startswith("2026-") and len(n) == 11 for n in numbers)


def test_numbers_restart_each_year(app, clock, h):
    from sep_plugins.tickets import service

    clock.set("2026-12-31T23:00:00")
    a = service.create_ticket(user=None, fields=h.form_data(), category=None, channel="phone")
    clock.set("2027-01-01T01:00:00")
    b = service.create_ticket(user=None, fields=h.form_data(), category=None, channel="phone")
    assert (a.number, b.number) == ("2026-000001", "2027-000001")


@pytest.mark.sep_plugins("calendar_ru", "tickets", "channel_web")
@pytest.mark.sep_plugin_config("tickets", {"deadline_policy": "working_hours"})
def test_the_clock_runs_in_working_time_and_pauses_while_waiting(app, clock, duty, h):
    """With the working calendar: filed on Friday 16:00, 24 working hours are not 24 wall hours;
    a pause over the weekend does not eat the remaining time."""
    from sep_plugins.tickets import service, sla

    from sep_core import deadline

    clock.set("2026-03-06T16:00:00")  # Friday
    t = service.create_ticket(user=None, fields=h.form_data(), category=None, channel="phone")
    expected = deadline("tickets", clock.moment, 24)
    assert sla.from_naive_utc(t.due_at) == expected
    assert expected - clock.moment > timedelta(hours=24)  # nights and the weekend do not count
    clock.advance(hours=1)
    service.request_documents(t, duty, "СТС")
    assert abs(t.remaining_hours - 23) < 0.01 or t.remaining_hours < 23  # at most what is left
    left = t.remaining_hours
    clock.set("2026-03-10T10:00:00")  # Tuesday
    service.set_status(t, "in_progress", duty)
    db.session.commit()
    assert sla.from_naive_utc(t.due_at) == deadline("tickets", clock.moment, left)


def test_estimate_with_synthetic_queues(app, clock, h):
    """ahead = active requests of the lane filed earlier; rate = answers in the window per
    working hour (default with few samples); the estimate says when it exceeds the deadline."""
    from sep_plugins.tickets import service, sla
    from sep_plugins.tickets.models import Ticket

    clock.set("2026-03-02T10:00:00")
    # An empty queue, no history: default rate 2/h -> half an hour.
    est = sla.estimate("duty")
    assert (est.ahead, est.measured) == (0, False)
    assert est.at == clock.moment + timedelta(minutes=30) and not est.overloaded
    # History: 84 answered in the last 7 days (168 wall hours without a calendar) = 0.5 per hour.
    for i in range(84):
        t = service.create_ticket(user=None, fields=h.form_data(), category=None, channel="phone")
        t.status = "answered"
        t.first_answered_at = sla.to_naive_utc(clock.moment - timedelta(hours=1 + i))
    db.session.commit()
    est = sla.estimate("duty")
    assert est.measured and abs(est.per_hour - 0.5) < 0.01
    assert abs((est.at - clock.moment).total_seconds() - 2 * 3600) < 60
    # 20 waiting ahead: 21 / 0.5 = 42 hours > the 24-hour deadline -> honestly overloaded.
    for _ in range(20):
        service.create_ticket(user=None, fields=h.form_data(), category=None, channel="phone")
    clock.advance(minutes=1)
    mine = service.create_ticket(user=None, fields=h.form_data(), category=None, channel="phone")
    est = sla.ticket_estimate(mine)
    assert est.ahead == 20 and est.overloaded
    assert abs(est.work_hours - 42) < 0.5
    # Another lane (a specialist profile) has its own queue.
    assert sla.estimate("duty", profile="tech_support").ahead == 0
    # Waiting requests are not ahead of anybody, and have no estimate.
    first = db.session.execute(db.select(Ticket).filter_by(status="new").order_by(Ticket.id)).scalars().first()
    service.set_status(first, "waiting_documents", None)
    db.session.commit()
    assert sla.ticket_estimate(mine).ahead == 19 and sla.ticket_estimate(first) is None


def test_working_hours_between_inverts_the_deadline(app, clock):
    from sep_plugins.tickets.sla import working_hours_between

    from sep_core import deadline

    start = clock.moment
    for hours in (0.5, 3, 17.25, 24):
        assert working_hours_between(start, deadline("tickets", start, hours), 48) == pytest.approx(hours, abs=1e-3)
