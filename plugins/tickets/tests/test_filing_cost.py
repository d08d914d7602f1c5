"""What filing a request costs (issue 16): numbers reserved in blocks on PostgreSQL, categories
read at most every few seconds per worker, and the answer built from memory."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from sep_core import db

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")


def file_api(client, h, token, subject="Нужна выписка"):
    return client.post("/api/v1/tickets", data={**h.form_data(subject=subject),
                                                "attachments": [h.upload(h.pdf_bytes(), "scan.pdf")]},
                       headers={"X-CSRFToken": token}, content_type="multipart/form-data")


@pytest.fixture
def pg_app(make_app, postgres_url):
    return make_app({"SQLALCHEMY_DATABASE_URI": postgres_url,
                     "SEP_PLUGIN_CONFIG": {"tickets": {"number_block": 5}}})


def test_numbers_come_from_blocks_reserved_per_worker(pg_app, make_app, h):
    from sep_plugins.tickets import service
    from sep_plugins.tickets.models import Counter

    other = make_app({"SQLALCHEMY_DATABASE_URI": pg_app.config["SQLALCHEMY_DATABASE_URI"],
                      "SEP_PLUGIN_CONFIG": {"tickets": {"number_block": 5}}}, create_tables=False)
    numbers = []
    for app in (pg_app, other, pg_app):
        with app.app_context():
            numbers += [service.create_ticket(user=None, fields=h.form_data(), category=None, channel="phone").number
                        for _ in range(3)]
            db.session.remove()
    # the first worker's block is 1-5, the second's 6-10, then the first goes on with its own
    assert numbers == [f"2026-{n:06d}" for n in (1, 2, 3, 6, 7, 8, 4, 5, 11)]
    with pg_app.app_context():
        assert db.session.execute(db.select(Counter.value)).scalar_one() == 15  # three blocks reserved


def test_filing_answers_from_memory_and_runs_one_transaction(pg_app, h):
    """One transaction: no separate one for the number, no read of the categories or the thread
    (both in memory), the estimate's counts in one statement, and nothing after the commit."""
    with pg_app.app_context():
        citizen = h.make_user("ivan@example.org", phone="+79161234567")
        client = pg_app.test_client()
        h.login(client, citizen)
        token = h.csrf(client)
        assert file_api(client, h, token, "первая").status_code == 201  # reserves the block, reads categories
        seen: list[str] = []
        engine = db.engine
        listeners = {"before_cursor_execute": lambda conn, cur, statement, *a: seen.append(statement[:60]),
                     "begin": lambda conn: seen.append("BEGIN"), "commit": lambda conn: seen.append("COMMIT")}
        for name, fn in listeners.items():
            event.listen(engine, name, fn)
        try:
            response = file_api(client, h, token, "вторая")
        finally:
            for name, fn in listeners.items():
                event.remove(engine, name, fn)
    assert response.status_code == 201
    body = response.get_json()
    assert body["number"] == "2026-000002" and body["category"] == "extract"
    assert [m["attachments"][0]["filename"] for m in body["messages"]] == ["scan.pdf"]
    assert seen.count("BEGIN") == 1 and seen[-1] == "COMMIT"
    reads = [st for st in seen if st.startswith("SELECT")]
    assert not [st for st in reads if st.startswith(("SELECT tickets_messages", "SELECT tickets_attachments",
                                                     "SELECT tickets_categories", "SELECT tickets_tickets.id"))]
    assert sum("count(" in st for st in reads) <= 2  # the estimate's two counts are one statement
    assert not [st for st in seen if st.startswith("UPDATE")]  # the number came from the worker's block


def test_categories_are_read_again_after_an_edit_here_or_after_the_cache_time(app, client, h):
    from sep_plugins.tickets import service
    from sep_plugins.tickets.models import Category

    first = {c.code: c.name_ru for c in service.active_categories()}
    db.session.execute(text("UPDATE tickets_categories SET name_ru = 'Выписка (новое)' WHERE code = 'extract'"))
    db.session.commit()
    db.session.remove()
    # another worker's edit: this worker keeps its copy for categories_cache_seconds
    assert {c.code: c.name_ru for c in service.active_categories()} == first
    service.forget_categories()  # what an edit on /desk/categories in this worker does
    assert {c.code: c.name_ru for c in service.active_categories()}["extract"] == "Выписка (новое)"
    # the copies are rows of this session: a request filed with one reads its category without a query
    extract = service.category_by_code("extract")
    assert db.session.get(Category, extract.id) is extract


@pytest.mark.sep_plugin_config("tickets", {"categories_cache_seconds": 0})
def test_without_the_cache_each_use_reads_the_categories(app, h):
    from sep_plugins.tickets import service

    service.active_categories()
    db.session.execute(text("UPDATE tickets_categories SET active = false WHERE code = 'other'"))
    db.session.commit()
    db.session.remove()
    assert "other" not in {c.code for c in service.active_categories()}


def test_filing_flushes_twice_and_links_the_file_to_its_message(pg_app, h):
    """The request's row is flushed for its id; its message, file, history, notification (and a
    roster's assignment) go in one flush before the answer is built — the roster's query does not
    flush them early, and the file is linked to its message by the flush, not by a flush of its own."""
    from sep_plugins.tickets.models import Attachment, Message
    from sqlalchemy.orm import Session

    with pg_app.app_context():
        citizen = h.make_user("ivan@example.org", phone="+79161234567")
        client = pg_app.test_client()
        h.login(client, citizen)
        token = h.csrf(client)
        assert file_api(client, h, token, "первая").status_code == 201
        flushes: list[int] = []
        listener = lambda session, context, instances: flushes.append(len(session.new))  # noqa: E731
        event.listen(Session, "before_flush", listener)
        try:
            response = file_api(client, h, token, "вторая")
        finally:
            event.remove(Session, "before_flush", listener)
        assert response.status_code == 201
        assert len([n for n in flushes if n]) <= 2, flushes
        number = response.get_json()["number"]
        db.session.remove()
        attachment, message = db.session.execute(
            db.select(Attachment, Message).join(Message, Message.id == Attachment.message_id)
            .where(Message.body.like("%"), Attachment.filename == "scan.pdf")
            .order_by(Attachment.id.desc())).first()
        assert attachment.ticket_id == message.ticket_id and message.kind == "citizen"
        body = response.get_json()
        assert body["messages"][0]["attachments"][0]["filename"] == "scan.pdf" and body["number"] == number
