"""pytest plugin for SEP Help Desk and its plugin authors (installed as the ``pytest11`` entry
point ``sep_core``).

Fixtures: ``make_app``, ``app``, ``client``, ``runner``, ``db``, ``register_plugin``, ``postgres_url``,
``clock`` (a frozen Moscow clock, which the outbox follows too), ``fake_http_api`` (a platform's API
on loopback recording every request), ``live_server`` and ``browser_page`` (headless Chromium via
Playwright). Helpers: ``deliver_outbox``, ``assert_nothing_stored``, ``sign_in``, ``csrf_token``.
Markers:

- ``@pytest.mark.sep_plugins("kb_keyword", "channel_web")``: enable exactly these plugins;
- ``@pytest.mark.sep_config("KEY", value)``: set a config value (repeatable);
- ``@pytest.mark.sep_plugin_config("name", {"key": value})``: set a plugin's settings.

Databases: SQLite, a fresh file per test, by default. With ``SEP_TEST_DATABASE_URL`` set to a
PostgreSQL URL every test runs on PostgreSQL instead (one database per xdist worker, tables
emptied after each test). Under ``CI=true`` an unreachable database or a missing browser fails
the run rather than skipping.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

CHROMIUM = os.environ.get("SEP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sep_plugins(*names): enable exactly these plugins")
    config.addinivalue_line("markers", "sep_config(key, value): set an app config value")
    config.addinivalue_line("markers", "sep_plugin_config(name, settings): set a plugin's settings")
    config.addinivalue_line("markers", "browser: needs headless Chromium (Playwright)")
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL tier")


# --- clock ---------------------------------------------------------------------------------------


class FrozenClock:
    """A clock that stands still until told to move. Times are Europe/Moscow."""

    def __init__(self, start: datetime | str = "2026-03-02T10:00:00"):
        self.moment = self._parse(start)

    @staticmethod
    def _parse(value: datetime | str) -> datetime:
        from .clock import to_moscow

        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return to_moscow(moment)

    def __call__(self) -> datetime:
        return self.moment

    def set(self, value: datetime | str) -> None:
        self.moment = self._parse(value)

    def advance(self, **delta: float) -> None:
        self.moment = self.moment + timedelta(**delta)


@pytest.fixture
def clock() -> FrozenClock:
    """A frozen Moscow clock, installed on every app made by ``make_app`` in this test. Everything
    reading the app's clock follows it: the outbox (a retry is due only when the clock reaches
    its time; ``deliver_outbox(clock)`` moves it there), rate limits, deadlines, code expiry."""
    return FrozenClock()


# --- databases -----------------------------------------------------------------------------------


def _admin_dsn(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sep_database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A PostgreSQL database of this test run and xdist worker (dropped at the end), or None
    for SQLite. Names are unique per run, so parallel runs on one server do not collide."""
    base = os.environ.get("SEP_TEST_DATABASE_URL", "")
    if not base:
        yield None
        return
    import psycopg
    from sqlalchemy.engine import make_url

    workerinput = getattr(request.config, "workerinput", None)
    run = (workerinput or {}).get("testrunuid", f"{os.getpid()}")[:12]
    name = f"sep_test_{run}_{workerinput['workerid'] if workerinput else 'main'}"
    url = make_url(base)
    try:
        with psycopg.connect(_admin_dsn(url), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL tier: cannot reach {url.host}:{url.port}: {exc}", pytrace=False)
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_admin_dsn(url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(sep_database_url: str | None) -> Iterator[str]:
    """A PostgreSQL database for a test that needs PostgreSQL itself (sequences, several
    connections): the run's own when the suite runs on PostgreSQL, else a temporary one on
    ``SEP_TEST_POSTGRES_SERVER`` (default 127.0.0.1:5432), dropped afterwards. Skipped when no
    server answers, except under ``CI=true``."""
    if sep_database_url:
        yield sep_database_url
        return
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get("SEP_TEST_POSTGRES_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    name = f"sep_test_pg_{os.getpid()}_{threading.get_ident() % 100000}"
    try:
        with psycopg.connect(_admin_dsn(url), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if in_ci():
            pytest.fail(f"PostgreSQL unreachable: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_admin_dsn(url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_database(app) -> None:
    """Remove every row (PostgreSQL) so the next test starts clean; tables stay."""
    from sqlalchemy import inspect, text

    from .extensions import db

    with app.app_context():
        existing = set(inspect(db.engine).get_table_names())
        names = [t.name for t in db.metadata.sorted_tables if t.name in existing]
        if names:
            with db.engine.begin() as conn:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
        db.session.remove()
        db.engine.dispose()


def reset_schema() -> None:
    """Drop everything in PostgreSQL's public schema (tables, alembic_version, sequences)."""
    from sqlalchemy import text

    from .extensions import db

    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def fresh_context_client_class():
    """A test client that runs each request in its own app context, as a real server does.

    The ``app`` fixture keeps an app context open for the whole test, and Flask reuses an open
    context for test requests, so ``g`` (where flask-login keeps the signed-in user, flask-wtf
    the CSRF token and flask-babel the language) would leak between requests and clients.
    """
    from flask.testing import FlaskClient

    class Client(FlaskClient):
        def open(self, *args, **kwargs):
            with self.application.app_context():
                return super().open(*args, **kwargs)

    return Client


# --- apps ----------------------------------------------------------------------------------------


def _marker_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("sep_config"))):
        config[marker.args[0]] = marker.args[1]
    plugin_config: dict[str, dict] = {}
    for marker in reversed(list(request.node.iter_markers("sep_plugin_config"))):
        plugin_config.setdefault(marker.args[0], {}).update(marker.args[1])
    if plugin_config:
        config["SEP_PLUGIN_CONFIG"] = plugin_config
    marker = request.node.get_closest_marker("sep_plugins")
    if marker is not None:
        config["SEP_PLUGINS"] = list(marker.args)
    return config


@pytest.fixture
def make_app(request: pytest.FixtureRequest, tmp_path_factory, sep_database_url, clock) -> Iterator[Callable]:
    """``make_app(config=None, plugins=None, create_tables=True)`` builds an isolated app.

    Each app gets its own instance folder, the test's frozen ``clock``, and (on SQLite) its own
    database file. Markers on the test provide defaults; ``config`` overrides them.
    """
    from .app import create_app
    from .extensions import db

    made = []

    def factory(config: dict[str, Any] | None = None, plugins: list[tuple[str, object]] | None = None,
                create_tables: bool = True, shared_instance: str | None = None):
        instance = shared_instance or str(tmp_path_factory.mktemp("instance"))
        settings: dict[str, Any] = {
            "SEP_ENV": "testing",
            "SEP_INSTANCE_PATH": instance,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": sep_database_url or f"sqlite:///{instance}/test.sqlite3",
            "SEP_OUTBOX_DELIVER_AFTER_REQUEST": False,
            # still scrypt, with a small work factor: tests hash many passwords
            "SEP_PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "WTF_CSRF_ENABLED": True,
        }
        settings.update(_marker_config(request))
        settings.update(config or {})
        previous = os.environ.pop("SEP_INSTANCE_PATH", None)
        try:
            app = create_app(settings, plugins=plugins)
        finally:
            if previous is not None:
                os.environ["SEP_INSTANCE_PATH"] = previous
        app.extensions["sep"].clock = clock
        app.test_client_class = fresh_context_client_class()
        with app.app_context():
            if create_tables:
                db.create_all()
            elif sep_database_url and shared_instance is None and not made:
                reset_schema()  # a test that runs migrations starts from an empty database
        made.append(app)
        return app

    yield factory
    for app in made:
        if sep_database_url:
            empty_database(app)
        else:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def app(make_app):
    """An app with the plugins and settings of the test's markers (all built-ins by default)."""
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """The shared SQLAlchemy object, inside the app's context."""
    from .extensions import db as database

    return database


@pytest.fixture
def register_plugin(app):
    """``register_plugin(obj, name=None)`` adds a plugin to the running app for this test only."""
    pm = app.extensions["sep"].pm
    registered = []

    def register(plugin: object, name: str | None = None) -> str:
        plugin_name = pm.register(plugin, name=name)
        registered.append(plugin)
        return plugin_name

    yield register
    for plugin in registered:
        pm.unregister(plugin)


def redis_client(url: str = "redis://127.0.0.1:6379/15"):
    """A client of the real Redis for tests of Redis-backed features: skipped locally when no
    server answers, a failure under CI (where Redis is part of the machine)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if in_ci():
            pytest.fail(f"Redis at {url} is not reachable: the Redis tests must run under CI")
        pytest.skip(f"Redis at {url} is not running")
    return client


def sign_in(client, user):
    """Sign a test client in as ``user``: the session cookie flask-login reads, as a sign-in page
    would leave it (for plugins whose tests do not exercise the sign-in pages). Returns the client."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def create_user(email: str = "citizen@example.ru", role: str = "citizen", *, confirmed: bool = True,
                locale: str = "ru", **fields: Any):
    """Create and commit a ``User`` (e-mail and phone confirmed unless ``confirmed=False``), for
    tests that need a citizen or a staff member without going through the sign-up pages."""
    import hashlib
    import secrets

    from .clock import utcnow_naive
    from .extensions import db
    from .models import User

    at = utcnow_naive() if confirmed else None
    digits = str(int(hashlib.sha256(email.encode()).hexdigest(), 16) % 10_000_000).zfill(7)
    user = User(email=email, phone="+7916" + digits, role=role, locale=locale, surname="Иванова",
                first_name="Мария", email_confirmed_at=at, phone_confirmed_at=at,
                session_token=secrets.token_hex(16), **fields)
    db.session.add(user)
    db.session.commit()
    return user


def csrf_token(client, path: str = "/api/v1/csrf") -> str:
    """A CSRF token for the client's session (from the core's token endpoint)."""
    response = client.get(path)
    return response.get_json()["csrf_token"]


# --- a platform's API, and the outbox under the frozen clock ----------------------------------------


@dataclass
class FakeResponse:
    """One scripted answer of :class:`FakeHttpApi`: a status, a JSON body (None: the API's
    default for the path), headers (``{"Retry-After": "5"}``) and a delay in seconds (longer than
    the client's timeout to make it time out)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeHttpApi:
    """A platform's HTTP API on 127.0.0.1 (a real server in a thread). Every request is recorded
    in :attr:`requests` as a dict: ``method``, ``path``, ``query`` (dict), ``headers`` (dict),
    ``body`` (parsed JSON, a form as a dict, else text), ``raw`` (bytes) and the ``status`` given.
    Answers come from :meth:`respond` in order, then ``default_status`` with :meth:`default_body`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queue: list[FakeResponse] = []
        self.default_status = 200
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def default_body(self, path: str) -> Any:
        """The JSON body of an unscripted answer (override for a platform's success format)."""
        return {"ok": True}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def respond(self, *responses: FakeResponse | int) -> None:
        """Queue answers for the next requests: ``respond(FakeResponse(429, headers={"Retry-After":
        "5"}), 503)`` (a bare int is a status with the default body)."""
        with self.lock:
            self.queue.extend(r if isinstance(r, FakeResponse) else FakeResponse(r) for r in responses)

    answer = respond

    def sent(self, path_part: str = "") -> list[dict[str, Any]]:
        """The recorded requests whose path contains ``path_part``."""
        return [r for r in self.requests if path_part in r["path"]]

    def _record(self, handler: BaseHTTPRequestHandler) -> FakeResponse:
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        parsed = urllib.parse.urlsplit(handler.path)
        ctype = handler.headers.get("Content-Type", "")
        if "json" in ctype:
            try:
                body: Any = json.loads(raw or b"null")
            except ValueError:
                body = raw.decode(errors="replace")
        elif "form" in ctype:
            body = dict(urllib.parse.parse_qsl(raw.decode()))
        else:
            body = raw.decode(errors="replace") or None
        with self.lock:
            reply = self.queue.pop(0) if self.queue else FakeResponse(self.default_status)
            self.requests.append({"method": handler.command, "path": parsed.path,
                                  "query": dict(urllib.parse.parse_qsl(parsed.query)),
                                  "headers": dict(handler.headers), "body": body, "raw": raw,
                                  "status": reply.status})
        return reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                reply = api._record(self)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body if reply.body is not None else api.default_body(urllib.parse.urlsplit(self.path).path)
                out = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the client gave up (a timeout)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> FakeHttpApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_http_api() -> Iterator[FakeHttpApi]:
    """A :class:`FakeHttpApi` on a free loopback port: point a channel's ``api_url`` at ``.url``."""
    api = FakeHttpApi().start()
    yield api
    api.stop()


def deliver_outbox(clock: FrozenClock | None = None, *, rounds: int = 20):
    """Deliver the outbox as ``sep worker`` would, inside an app context, and return the report
    (``sent``, ``retried``, ``failed``).

    The outbox reads the app's clock, so under the frozen ``clock`` fixture nothing is due before
    its time. Without ``clock``: one pass over what is due now. With ``clock``: retries too — after
    each pass the clock is moved to the next pending attempt (honouring backoff and
    ``Retry-After``), until nothing is pending or ``rounds`` passes ran; the clock stays there."""
    from sqlalchemy import func, select

    from .clock import MOSCOW
    from .extensions import db
    from .models import OutboxMessage
    from .outbox import DrainReport, drain

    total = DrainReport()
    for _ in range(rounds):
        report = drain()
        total.sent, total.retried, total.failed = (total.sent + report.sent, total.retried + report.retried,
                                                   total.failed + report.failed)
        if clock is None:
            break
        due = db.session.execute(select(func.min(OutboxMessage.next_attempt_at))
                                 .where(OutboxMessage.status == "pending")).scalar()
        if due is None:
            break
        clock.set(max(clock(), due.replace(tzinfo=UTC).astimezone(MOSCOW)))
    return total


def assert_nothing_stored() -> None:
    """Assert that no webhook event, inquiry, outbox message or conversation was stored (what a
    forged or malformed webhook must leave behind). Call inside an app context."""
    from sqlalchemy import func, inspect, select

    from .conversations.models import Conversation, Message
    from .extensions import db
    from .models import InboundEvent, InquiryLog, OutboxMessage

    existing = set(inspect(db.engine).get_table_names())
    counts = {model.__tablename__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
              for model in (InboundEvent, InquiryLog, OutboxMessage, Conversation, Message)
              if model.__tablename__ in existing}
    stored = {name: n for name, n in counts.items() if n}
    assert not stored, f"rows were stored: {stored}"


@contextlib.contextmanager
def recorded_statements(app=None) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block, whitespace collapsed, in order —
    for tests that bound what a hot path costs in queries. Inside an app context, or given ``app``::

        with recorded_statements() as seen:
            client.post(...)
        assert sum("FROM duty_roster_shifts" in s for s in seen) == 0
    """
    from sqlalchemy import event

    from .extensions import db

    seen: list[str] = []

    def add(conn, cursor, statement, *args) -> None:
        seen.append(" ".join(statement.split()))

    if app is None:
        engine = db.engine
    else:
        with app.app_context():
            engine = db.engine
    event.listen(engine, "before_cursor_execute", add)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", add)


# --- live server and browser ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.port = _free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The test's app served on a free loopback port in a thread."""
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if in_ci():
            pytest.fail(f"Chromium not found at {CHROMIUM}: the browser tier must run under CI")
        pytest.skip(f"Chromium not found at {CHROMIUM} (install the Debian package 'chromium')")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci():
            pytest.fail("playwright is not installed: the browser tier must run under CI")
        pytest.skip("playwright is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def axe_source() -> str:
    """axe-core's ``axe.min.js`` from an installed package (``axe-playwright-python``, a test
    extra): no CDN, the version pinned by the package."""
    from importlib import resources

    try:
        return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        if in_ci():
            pytest.fail("axe-playwright-python is not installed: the accessibility checks must run under CI")
        pytest.skip("axe-playwright-python is not installed (pip install -e '.[test]')")


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; the violations of the given impacts, each with its
    rule id, impact, help text and the first offending elements (their selectors and HTML)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())  # evaluated through the DevTools protocol: the page's CSP does not apply
    results = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']})""")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [{"target": n["target"], "html": n["html"][:200], "summary": n.get("failureSummary", "")[:300]}
                       for n in v["nodes"][:5]]}
            for v in results["violations"] if v["impact"] in impacts]


@pytest.fixture
def browser_page(_chromium, live_server):
    """A fresh Playwright page (own cookies) whose relative URLs go to ``live_server``."""
    context = _chromium.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
