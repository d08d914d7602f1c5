"""The counts a filing needs, kept per worker (issue 16, setting ``counts_cache_seconds``): the
estimate counts this worker's own filings at once and other workers' within the cache time, a
change made here makes it count again, 0 counts every time; and what a filing costs in SQL."""

from __future__ import annotations

import time

import pytest

from sep_core import db
from sep_core.testing import recorded_statements

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def file():
    from sep_plugins.tickets import service

    fields = {"surname": "Иванов", "first_name": "Иван", "email": "ivan@example.org", "subject": "Вопрос",
              "description": "Не могу скачать выписку."}
    return service.create_ticket(user=None, fields=fields, category=None, channel="phone")


def ahead() -> int:
    from sep_plugins.tickets import sla

    return sla.estimate("duty", "").ahead


def counts(seen: list[str]) -> int:
    return sum("count(" in s for s in seen)


@pytest.mark.sep_plugin_config("tickets", {"counts_cache_seconds": 1})
def test_the_estimate_counts_filings_here_at_once_and_elsewhere_within_the_cache_time(app, make_app, clock, h):
    from sep_plugins.tickets import counts as copies
    from sep_plugins.tickets import service

    other = make_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                      "SEP_PLUGIN_CONFIG": {"tickets": {"counts_cache_seconds": 1}}}, create_tables=False)
    assert ahead() == 0
    with recorded_statements() as seen:
        file()
        file()
        assert ahead() == 2  # this worker's own filings: exact, without counting again
    assert counts(seen) == 0
    copies.forget()
    assert ahead() == 2  # the copy read now
    # its age counts from the end of its own read (a slow first read must not eat the margins below)
    read_at = max(lane.read_at for lane in app.extensions[copies.EXTENSION].lanes.values())
    with other.app_context():
        file()  # another worker's filing
        db.session.remove()
    seen_now = ahead()
    if time.monotonic() - read_at < 0.8:
        assert seen_now == 2  # not yet: the copy is younger than counts_cache_seconds
    time.sleep(max(0.0, 1.05 - (time.monotonic() - read_at)))
    assert ahead() == 3  # the documented freshness: within counts_cache_seconds
    staff = h.make_user("duty@example.org", role="duty")
    ticket = db.session.execute(db.select(service.Ticket).order_by(service.Ticket.id)).scalars().first()
    service.staff_close(ticket, staff)  # a change made here: counted again at once
    assert ahead() == 2


@pytest.mark.sep_plugin_config("tickets", {"counts_cache_seconds": 0})
def test_without_the_cache_the_estimate_counts_every_time(app, make_app):
    assert ahead() == 0
    other = make_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                      "SEP_PLUGIN_CONFIG": {"tickets": {"counts_cache_seconds": 0}}}, create_tables=False)
    with other.app_context():
        file()
        db.session.remove()
    with recorded_statements() as seen:
        assert ahead() == 1
        assert ahead() == 1
    assert counts(seen) == 2


def test_an_older_request_gets_an_exact_count(app, clock):
    """The copy answers only for a request filed now; the estimate of an older one is counted."""
    from sep_plugins.tickets import sla

    first = file()
    clock.advance(minutes=1)
    file()
    assert ahead() == 2
    with recorded_statements() as seen:
        assert sla.ticket_estimate(first).ahead == 0
    assert counts(seen) == 1


def file_api(client, h, token, subject):
    return client.post("/api/v1/tickets", data={**h.form_data(subject=subject),
                                                "attachments": [h.upload(h.pdf_bytes(), "scan.pdf")]},
                       headers={"X-CSRFToken": token}, content_type="multipart/form-data")


