"""The roster kept per worker (issue 16, setting ``cache_seconds``): a filing does not read the
shifts, an edit in the same worker is effective for the next filing, another worker sees it
within the cache time, and with 0 every filing reads them."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from sep_core import db
from sep_core.testing import recorded_statements

pytestmark = pytest.mark.sep_plugins("tickets", "duty_roster", "channel_web")


def file():
    from sep_plugins.tickets import service

    fields = {"surname": "Иванов", "first_name": "Иван", "email": "ivan@example.org", "subject": "Вопрос",
              "description": "Не могу скачать выписку."}
    return service.create_ticket(user=None, fields=fields, category=None, channel="phone")


def shift_reads(seen: list[str]) -> int:
    return sum("FROM duty_roster_shifts" in s for s in seen)


def test_filings_do_not_read_the_shifts_and_an_edit_here_counts_at_once(app, clock, r):
    anna = r.make_user("anna@example.org", "duty", surname="Анна")
    boris = r.make_user("boris@example.org", "duty", surname="Борис")
    r.shift(anna, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    clock.set("2026-03-02T09:00:00")
    with recorded_statements() as seen:
        first, second = file(), file()
    assert (first.assignee_id, second.assignee_id) == (anna.id, anna.id)
    assert shift_reads(seen) == 1  # the first filing reads the coming hour; the second uses the copy
    r.shift(boris, "duty", "2026-03-02T08:00", "2026-03-02T16:00")  # an admin's edit in this worker
    assert file().assignee_id == boris.id  # at once: load 0 beats Anna's 2
    from sep_plugins.duty_roster.models import Shift

    db.session.delete(db.session.execute(db.select(Shift).filter_by(user_id=boris.id)).scalar_one())
    db.session.commit()
    assert file().assignee_id == anna.id  # Boris's shift is gone at once too


def test_a_shift_ending_inside_the_copy_ends_on_time(app, clock, r):
    anna = r.make_user("anna@example.org", "duty", surname="Анна")
    boris = r.make_user("boris@example.org", "duty", surname="Борис")
    r.shift(anna, "duty", "2026-03-02T06:00", "2026-03-02T09:30")
    r.shift(boris, "duty", "2026-03-02T09:30", "2026-03-02T18:00")
    clock.set("2026-03-02T09:00:00")
    with recorded_statements() as seen:
        assert file().assignee_id == anna.id
        clock.set("2026-03-02T09:30:00")  # inside the copy's hour: no new read, the change of shift holds
        assert file().assignee_id == boris.id
    assert shift_reads(seen) == 1


@pytest.mark.sep_plugin_config("duty_roster", {"cache_seconds": 1})
def test_another_worker_sees_an_edit_within_the_cache_time(app, make_app, clock, r):
    from sep_plugins.duty_roster import roster

    anna = r.make_user("anna@example.org", "duty", surname="Анна")
    boris = r.make_user("boris@example.org", "duty", surname="Борис")
    r.shift(anna, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    clock.set("2026-03-02T09:00:00")
    other = make_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}, create_tables=False)
    roster.forget()
    assert file().assignee_id == anna.id  # this worker now holds the roster, read now
    # the copy's age counts from the end of its own read, not from before the filing (a first filing
    # in a fresh process can take longer than the margins below)
    read_at = app.extensions[roster.EXTENSION].loaded_at
    with other.app_context():
        r.shift(db.session.get(type(boris), boris.id), "duty", "2026-03-02T08:00", "2026-03-02T16:00")
        db.session.remove()
    picked = file().assignee_id
    if time.monotonic() - read_at < 0.8:
        assert picked == anna.id  # the other worker's edit is not seen before the copy is old
    time.sleep(max(0.0, 1.05 - (time.monotonic() - read_at)))
    assert file().assignee_id == boris.id  # after cache_seconds it is


@pytest.mark.sep_plugin_config("duty_roster", {"cache_seconds": 0})
def test_without_the_cache_every_filing_reads_the_shifts(app, clock, r):
    anna = r.make_user("anna@example.org", "duty", surname="Анна")
    boris = r.make_user("boris@example.org", "duty", surname="Борис")
    r.shift(anna, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    clock.set("2026-03-02T09:00:00")
    with recorded_statements() as seen:
        assert file().assignee_id == anna.id
        assert file().assignee_id == anna.id
    assert shift_reads(seen) == 2
    # a shift written behind the ORM's back (another worker, a script) counts for the next filing
    db.session.execute(text(
        "INSERT INTO duty_roster_shifts (user_id, role, profile, starts_at, ends_at, handover_note, created_at) "
        "VALUES (:u, 'duty', '', '2026-03-02 05:00:00', '2026-03-02 13:00:00', '', '2026-03-01 00:00:00')"),
        {"u": boris.id})
    db.session.commit()
    assert file().assignee_id == boris.id


def test_each_worker_counts_its_own_assignments_into_the_load(app, clock, r):
    """The open load comes from the worker's copy (tickets' ``counts_cache_seconds``) with this
    worker's own assignments added at once, so one worker alone still alternates exactly."""
    anna = r.make_user("anna@example.org", "duty", surname="Анна")
    boris = r.make_user("boris@example.org", "duty", surname="Борис")
    r.shift(anna, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    r.shift(boris, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    clock.set("2026-03-02T09:00:00")
    with recorded_statements() as seen:
        picked = [file().assignee_id for _ in range(6)]
    assert picked == [anna.id, boris.id] * 3
    assert sum("count(" in s for s in seen) <= 1  # the load is counted once, not per filing


def test_a_deactivated_person_is_not_picked_after_the_edit_here(app, clock, r):
    anna = r.make_user("anna@example.org", "duty", surname="Анна")
    boris = r.make_user("boris@example.org", "duty", surname="Борис")
    r.shift(anna, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    r.shift(boris, "duty", "2026-03-02T06:00", "2026-03-02T14:00")
    clock.set("2026-03-02T09:00:00")
    assert file().assignee_id == anna.id
    anna.active = False
    db.session.commit()
    assert [file().assignee_id for _ in range(2)] == [boris.id, boris.id]
