"""Filing survives retries and dropped database connections (issue 13, item 4).

- ``Idempotency-Key`` on ``POST /api/v1/tickets`` and the one-time form token of
  ``/requests/new`` return the request already filed instead of filing it again (per user);
- the answer is built before the commit, so a connection lost after it cannot turn a stored
  request into an error;
- a database outage is a 503 with ``Retry-After`` (JSON on API paths, a translated page
  elsewhere), never a 500 or an HTML page on an API path.

The PostgreSQL tests kill the app's own backend (``pg_terminate_backend`` from another
connection) just before a chosen statement; on the SQLite tier they use a scratch PostgreSQL
database of their own, so they run in both tiers.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import event, func, select

from sep_core import db
from sep_core.testing import in_ci

pytestmark = pytest.mark.sep_plugins("tickets", "channel_web")

API_FIELDS = {"category": "extract", "subject": "Нужна выписка",
              "description": "Не могу скачать выписку из ЭПТС в личном кабинете."}


def _count() -> int:
    from sep_plugins.tickets.models import Ticket

    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(Ticket)).scalar_one()


def _file_api(client, key: str | None = None, **fields):
    headers = {"X-CSRFToken": client.csrf_token}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/tickets", data={**API_FIELDS, **fields}, headers=headers,
                       content_type="multipart/form-data")


def _signed_in(app, h, email: str = "ivan@example.org"):
    client = app.test_client()
    h.login(client, h.make_user(email, phone=None))
    client.csrf_token = h.csrf(client)
    return client


# --- idempotency (both tiers, on the tier's database) ---------------------------------------------


def test_api_retry_with_the_same_key_returns_the_request_already_filed(app, h):
    client = _signed_in(app, h)
    first = _file_api(client, "7f1c2e9a-0b7d-4e55-9d0e-1a2b3c4d5e6f")
    again = _file_api(client, "7f1c2e9a-0b7d-4e55-9d0e-1a2b3c4d5e6f", subject="Другая тема")
    assert first.status_code == 201 and again.status_code == 201
    assert again.get_json()["number"] == first.get_json()["number"]
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert _count() == 1
    other = _file_api(client, "another-key")
    assert other.status_code == 201 and other.get_json()["number"] != first.get_json()["number"]
    assert _file_api(client).status_code == 201 and _file_api(client).status_code == 201  # no key: no dedup
    assert _count() == 4


def test_keys_are_scoped_per_user(app, h):
    ivan, maria = _signed_in(app, h), _signed_in(app, h, "maria@example.org")
    a, b = _file_api(ivan, "same-key"), _file_api(maria, "same-key")
    assert a.status_code == b.status_code == 201
    assert a.get_json()["number"] != b.get_json()["number"]
    assert _count() == 2


@pytest.mark.parametrize("key", ["", "x" * 81, "ключ", "a b", "a\tb"])
def test_a_malformed_key_is_a_clear_400(app, h, key):
    response = _file_api(_signed_in(app, h), key)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_idempotency_key"
    assert _count() == 0


def test_the_form_token_makes_a_resubmitted_form_file_once(app, h):
    client = _signed_in(app, h)
    page = client.get("/requests/new").get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    assert len(token) >= 20
    data = {**h.form_data(), "csrf_token": h.csrf(client), "form_token": token}
    first = client.post("/requests/new", data=data, content_type="multipart/form-data")
    again = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert _count() == 1
    fresh = re.search(r'name="form_token" type="hidden" value="([^"]+)"',
                      client.get("/requests/new").get_data(as_text=True)).group(1)
    assert fresh != token
    third = client.post("/requests/new", data={**data, "form_token": fresh}, content_type="multipart/form-data")
    assert third.status_code == 302 and third.headers["Location"] != first.headers["Location"]
    # another citizen cannot reach the first request through its token
    maria = _signed_in(app, h, "maria@example.org")
    theirs = maria.post("/requests/new", data={**data, "csrf_token": h.csrf(maria)},
                        content_type="multipart/form-data")
    assert theirs.status_code == 302 and theirs.headers["Location"] != first.headers["Location"]
    assert _count() == 3


# --- outages on SQLite: a database locked by another writer ---------------------------------------


@pytest.fixture
def sqlite_file(app):
    """The tier's SQLite file, or None on the PostgreSQL tier (covered by the kill tests below)."""
    return db.engine.url.database if db.engine.dialect.name == "sqlite" else None


def _locked(app, path: str) -> sqlite3.Connection:
    """Another writer holds the database; the app's connections give up after 50 ms."""

    @event.listens_for(db.engine, "connect")
    def short_wait(dbapi_connection, record):
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    db.session.remove()
    db.engine.dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_sqlite_outage_is_a_503_json_on_the_api_and_a_page_elsewhere(app, h, sqlite_file):
    if sqlite_file is None:
        return
    client = _signed_in(app, h)
    token = h.csrf(client)
    holder = _locked(app, sqlite_file)
    try:
        api = _file_api(client, "k-1")
        page = client.post("/requests/new", data={**h.form_data(), "csrf_token": token},
                           content_type="multipart/form-data")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert api.status_code == 503 and api.mimetype == "application/json"
    assert api.get_json()["error"]["code"] == "unavailable" and api.get_json()["error"]["message"]
    assert int(api.headers["Retry-After"]) > 0
    assert page.status_code == 503 and page.mimetype == "text/html" and int(page.headers["Retry-After"]) > 0
    assert "временно недоступен" in page.get_data(as_text=True)
    assert _file_api(client, "k-1").status_code == 201 and _count() == 1


# --- outages on PostgreSQL: the backend killed at the right moment ---------------------------------


@pytest.fixture
def pg_url(sep_database_url):
    """The tier's PostgreSQL database, or a scratch one on the local server for the SQLite tier."""
    if sep_database_url:
        yield sep_database_url
        return
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get("SEP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"sep_test_kill_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if in_ci():
            pytest.fail(f"PostgreSQL is needed for the connection-kill tests: {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_app(make_app, pg_url):
    app = make_app(config={"SQLALCHEMY_DATABASE_URI": pg_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class Killer:
    """Terminates the app's backend connection just before the first statement that ``when``
    accepts, from another connection (what an administrator, a failover or a proxy does)."""

    def __init__(self, app, url: str):
        from sqlalchemy.engine import make_url

        self.admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.when: Callable[[str, dict], bool] = lambda statement, seen: False
        self.seen: dict = {"committed_ticket": False, "ticket_inserted": False}
        self.killed = 0
        event.listen(db.engine, "before_cursor_execute", self._before)
        event.listen(db.engine, "commit", self._commit)

    def _commit(self, conn) -> None:
        self._kill_if(conn, "COMMIT")  # on PostgreSQL a filing's rows are one statement: the commit comes next
        if self.seen["ticket_inserted"]:
            self.seen["committed_ticket"] = True

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if "INSERT INTO tickets_tickets" in statement[:40]:  # alone, or first of the filing's one statement
            self.seen["ticket_inserted"] = True
        self._kill_if(conn, statement)

    def _kill_if(self, conn, statement: str) -> None:
        import psycopg

        if self.killed or not self.when(statement, self.seen):
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with psycopg.connect(self.admin, autocommit=True) as other:
            assert other.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()[0]
        self.killed += 1

    def close(self) -> None:
        event.remove(db.engine, "before_cursor_execute", self._before)
        event.remove(db.engine, "commit", self._commit)


@pytest.fixture
def killer(pg_app, pg_url):
    k = Killer(pg_app, pg_url)
    yield k
    k.close()


def test_a_connection_lost_after_the_commit_does_not_turn_the_filed_request_into_an_error(pg_app, killer, h):
    client = _signed_in(pg_app, h)
    killer.when = lambda statement, seen: seen["committed_ticket"]  # the first statement after the commit
    response = _file_api(client, "after-commit")
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert re.fullmatch(r"\d{4}-\d{6}", response.get_json()["number"])
    killer.when = lambda statement, seen: False
    assert _count() == 1


def test_a_connection_lost_before_the_commit_is_a_503_and_the_retry_files_once(pg_app, killer, h):
    client = _signed_in(pg_app, h)
    killer.when = lambda statement, seen: seen["ticket_inserted"] and not seen["committed_ticket"]
    lost = _file_api(client, "before-commit")
    assert killer.killed == 1
    assert lost.status_code == 503 and lost.mimetype == "application/json", lost.get_data(as_text=True)[:300]
    assert lost.get_json()["error"]["code"] == "unavailable" and int(lost.headers["Retry-After"]) > 0
    assert _count() == 0
    retried = _file_api(client, "before-commit")
    assert retried.status_code == 201 and _count() == 1
    again = _file_api(client, "before-commit")
    assert again.get_json()["number"] == retried.get_json()["number"] and _count() == 1


def test_an_api_path_never_gets_an_html_page_when_the_connection_drops(pg_app, killer, h):
    client = _signed_in(pg_app, h)
    killer.when = lambda statement, seen: statement.startswith("SELECT") and "FROM users" in statement
    response = client.get("/api/v1/tickets")
    assert killer.killed == 1
    assert response.status_code == 503 and response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "unavailable"


def test_a_page_gets_a_translated_503_when_the_connection_drops(pg_app, killer, h):
    client = _signed_in(pg_app, h)
    token = h.csrf(client)
    killer.when = lambda statement, seen: seen["ticket_inserted"] and not seen["committed_ticket"]
    response = client.post("/requests/new", data={**h.form_data(), "csrf_token": token},
                           content_type="multipart/form-data")
    assert killer.killed == 1
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "временно недоступен" in response.get_data(as_text=True) and int(response.headers["Retry-After"]) > 0
    assert _count() == 0
