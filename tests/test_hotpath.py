"""What a request pays for that it did not ask for (issue 16): the outbox, the database check,
pooled connections, and the write-behind of the inquiries log."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from flask import Blueprint
from sqlalchemy import text

from sep_core import Inquiry, InquiryLog, db, enqueue, handle_inquiry, hookimpl
from sep_core.logbuffer import LogBuffer
from sep_core.testing import recorded_statements


class Pager:
    """A transport and a page that queues a message for it."""

    def __init__(self) -> None:
        self.delivered: list[dict] = []

    @hookimpl
    def sep_transports(self, app):
        return {"pager": self.delivered.append}

    @hookimpl
    def sep_blueprints(self, app):
        bp = Blueprint("pager", __name__)

        @bp.post("/pager/send")
        def send():
            enqueue("pager", {"text": "hi"})
            db.session.commit()
            return "queued"

        return [bp]


def test_development_delivers_after_a_request_that_queued_and_not_after_others(make_app):
    pager = Pager()
    app = make_app({"SEP_OUTBOX_DELIVER_AFTER_REQUEST": True, "WTF_CSRF_ENABLED": False},
                   plugins=[("pager", pager)])
    client = app.test_client()
    client.get("/api/v1/health")  # the first request of the process also sweeps for due rows
    with recorded_statements(app) as seen:
        assert client.get("/api/v1/health").status_code == 200
    assert not [s for s in seen if "outbox" in s]
    assert client.post("/pager/send").status_code == 200
    assert pager.delivered == [{"text": "hi"}]  # delivered by the request that queued it


def test_health_is_one_statement_in_autocommit(make_app):
    app = make_app({"SEP_HEALTH_CHECK_SECONDS": 0})
    client = app.test_client()
    client.get("/api/v1/health")
    with recorded_statements(app) as seen:
        response = client.get("/api/v1/health")
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert seen == ["SELECT 1"]


def test_health_checks_the_database_at_most_once_per_interval(make_app):
    app = make_app({"SEP_HEALTH_CHECK_SECONDS": 3600})
    client = app.test_client()
    with recorded_statements(app) as seen:
        for _ in range(3):
            assert client.get("/api/v1/health").get_json() == {"status": "ok", "database": "ok"}
    assert seen == ["SELECT 1"]


def test_security_headers_are_added_once_and_a_views_own_value_is_kept(make_app):
    class OwnPolicy:
        @hookimpl
        def sep_blueprints(self, app):
            bp = Blueprint("own", __name__)

            @bp.get("/own")
            def own():
                return "x", 200, {"Content-Security-Policy": "default-src 'none'", "Content-Type": "text/html"}

            return [bp]

    app = make_app(plugins=[("own", OwnPolicy())])
    response = app.test_client().get("/own")
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert response.headers["Cache-Control"] == "no-store"
    api = app.test_client().get("/api/v1/health")
    assert "Cache-Control" not in api.headers and api.headers["X-Content-Type-Options"] == "nosniff"


def _count_pings(app) -> list[int]:
    with app.app_context():
        dialect = db.engine.dialect
    calls = [0]
    original = dialect.do_ping

    def counted(dbapi_connection):
        calls[0] += 1
        return original(dbapi_connection)

    dialect.do_ping = counted
    return calls


def test_connections_in_steady_use_are_not_pinged(make_app):
    app = make_app({"SEP_DB_PING_IDLE_SECONDS": 60})
    pings = _count_pings(app)
    client = app.test_client()
    for _ in range(5):
        assert client.get("/api/v1/health").status_code == 200
    assert pings[0] == 0


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(make_app, postgres_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "SEP_DB_PING_IDLE_SECONDS": 0})
    pings = _count_pings(app)
    client = app.test_client()
    assert client.get("/api/v1/health").status_code == 200
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.commit()
    assert client.get("/api/v1/health").get_json() == {"status": "ok", "database": "ok"}
    assert pings[0] >= 2


# --- the write-behind of the inquiries log ---------------------------------------------------------

@pytest.fixture
def buffered_app(make_app, postgres_url):
    """An app on PostgreSQL whose log buffer flushes only when asked (or when 3 rows wait)."""
    app = make_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "SEP_LOG_BUFFER_ROWS": 3,
                    "SEP_LOG_BUFFER_SECONDS": 3600, "SEP_LOG_BUFFER_ID_BLOCK": 4})
    yield app
    app.extensions["sep"].log_buffer.close()


def stored_inquiries(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(r.id, r.text) for r in db.session.execute(db.select(InquiryLog).order_by(InquiryLog.id)).scalars()]


def test_anonymous_inquiries_are_buffered_with_their_ids_reserved(buffered_app):
    app = buffered_app
    buffer = app.extensions["sep"].log_buffer
    with app.app_context():
        first = handle_inquiry(Inquiry(channel="web", text="первый вопрос"))
        second = handle_inquiry(Inquiry(channel="web", text="второй вопрос"))
        assert first.inquiry.log_deferred and first.inquiry.id and second.inquiry.id > first.inquiry.id
        db.session.remove()
    assert stored_inquiries(app) == [] and buffer.pending() == 4  # with kb_keyword's question rows
    with app.app_context():
        assert buffer.flush() == 4
    assert stored_inquiries(app) == [(first.inquiry.id, "первый вопрос"), (second.inquiry.id, "второй вопрос")]
    # ids come from the table's own sequence: a row written directly does not collide with them
    with app.app_context():
        db.session.add(InquiryLog(channel="web", text="напрямую"))
        db.session.commit()
    assert len({row_id for row_id, _ in stored_inquiries(app)}) == 3


def test_a_signed_in_citizens_inquiry_and_a_webhooks_are_written_at_once(buffered_app):
    from sep_core import User

    app = buffered_app
    with app.app_context():
        user = User(email="c@example.org")
        db.session.add(user)
        db.session.commit()
        mine = handle_inquiry(Inquiry(channel="web", text="мой вопрос", user_id=user.id))
        hook = handle_inquiry(Inquiry(channel="vk", text="из соцсети"), commit=False)
        db.session.commit()
        assert not mine.inquiry.log_deferred and not hook.inquiry.log_deferred
    assert [t for _, t in stored_inquiries(app)] == ["мой вопрос", "из соцсети"]
    assert app.extensions["sep"].log_buffer.pending() == 0


def test_a_full_buffer_is_written_by_its_thread(buffered_app):
    app = buffered_app
    with app.app_context():
        for n in range(3):  # SEP_LOG_BUFFER_ROWS
            handle_inquiry(Inquiry(channel="web", text=f"вопрос {n}"))
    deadline = time.monotonic() + 20
    while len(stored_inquiries(app)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(stored_inquiries(app)) == 3


def test_a_row_the_database_refuses_does_not_lose_the_others(make_app, postgres_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        buffer = LogBuffer(db.engine, max_rows=100, max_seconds=3600, id_block=10)
        table = InquiryLog.__table__
        buffer.add(table, {"channel": "web", "text": "хороший", "user_id": None})
        buffer.add(table, {"channel": "web", "text": "чужой", "user_id": 987654})  # no such user: refused
        buffer.add(table, {"channel": "web", "text": "тоже хороший", "user_id": None})
        assert buffer.flush() == 2
    assert sorted(t for _, t in stored_inquiries(app)) == ["тоже хороший", "хороший"]
    assert buffer.dropped == 1


def test_rows_waiting_at_a_clean_exit_are_written(postgres_url, tmp_path):
    """A worker that ends normally (gunicorn's graceful or quick shutdown ends it with sys.exit)
    writes what its buffer holds."""
    script = f"""
from sep_core import create_app, db, Inquiry, handle_inquiry
app = create_app({{"SEP_INSTANCE_PATH": {str(tmp_path)!r}, "SQLALCHEMY_DATABASE_URI": {postgres_url!r},
                  "SECRET_KEY": "k", "SEP_ENV": "production", "SEP_PLUGINS": [],
                  "SEP_LOG_BUFFER_SECONDS": 3600}})
with app.app_context():
    db.create_all()
    result = handle_inquiry(Inquiry(channel="web", text="перед выходом"))
    assert result.inquiry.log_deferred
    print(result.inquiry.id)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    from sqlalchemy import create_engine

    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, text FROM inquiries")).all()
    engine.dispose()
    assert [(r.id, r.text) for r in rows] == [(int(done.stdout.split()[-1]), "перед выходом")]


def test_wtforms_messages_come_from_one_catalog_per_process_in_the_pages_language(make_app):
    from flask import request

    app = make_app()
    with app.test_request_context("/"):
        russian = request.wtforms_translations
        assert russian.ugettext("This field is required.") == "Обязательное поле."
        request.wtforms_translations = None  # what Flask-WTF does after loading: the shared copy stays
        assert request.wtforms_translations is russian
    with app.test_request_context("/"):
        assert request.wtforms_translations is russian  # not read again
    with app.test_request_context("/?lang=en"):
        assert request.wtforms_translations.ugettext("This field is required.") == "This field is required."
