"""Write-behind for append-only log rows (the inquiries log and what plugins log with it).

Every anonymous question used to cost its own transaction: BEGIN, two INSERTs, COMMIT, each a
round trip to the database, on the request's clock. Here the rows are kept in process and
inserted in batches, in one transaction, by a background thread of the worker:

- when ``SEP_LOG_BUFFER_ROWS`` rows are waiting, or ``SEP_LOG_BUFFER_SECONDS`` after the first
  one, whichever comes first;
- on demand (:func:`flush_logs`), e.g. before looking up a row by its token;
- at a clean exit of the process (``atexit``: gunicorn's graceful and quick shutdowns both end
  the worker with ``sys.exit``).

A worker that is killed (SIGKILL, out of memory, power loss) loses what it had not flushed: at
most ``SEP_LOG_BUFFER_SECONDS`` of anonymous questions, and never more than
``SEP_LOG_BUFFER_ROWS`` rows per table. Only append-only analytics rows come here; a signed-in
citizen's questions are written at once (they are personal data that export and deletion must
see immediately), and so is everything in a webhook's transaction.

Inquiry ids are still known at once: on PostgreSQL they are reserved from the table's own
sequence in blocks (one round trip per ``SEP_LOG_BUFFER_ID_BLOCK`` inquiries), so a row written
later has the id its hooks saw. SQLite has no sequence to reserve from, and its commits (WAL,
``synchronous=NORMAL``) cost no disk flush, so there the buffer is off and rows are written in the
request as before.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Table, text

log = logging.getLogger("sep.logbuffer")


class LogBuffer:
    """Rows per table, waiting to be inserted together. Thread-safe; one per app and process."""

    def __init__(self, engine, *, max_rows: int, max_seconds: float, id_block: int) -> None:
        self.engine = engine
        self.max_rows = max_rows
        self.max_seconds = max_seconds
        self.id_block = id_block
        self._lock = threading.Lock()
        self._rows: dict[Table, list[dict[str, Any]]] = {}
        self._ids: dict[str, list[int]] = {}
        self._wake = threading.Event()
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.flushed = 0
        self.dropped = 0

    # -- filling ----------------------------------------------------------------------------------

    def _check_fork(self) -> None:
        """A forked child must neither insert its parent's rows twice nor reuse its reserved ids."""
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self._rows, self._ids, self._thread = {}, {}, None
            self._lock = threading.Lock()
            self._wake = threading.Event()

    def add(self, table: Table, values: dict[str, Any]) -> None:
        """Queue one row of ``table`` (column name -> value)."""
        self._check_fork()
        with self._lock:
            rows = self._rows.setdefault(table, [])
            rows.append(values)
            full = len(rows) >= self.max_rows
        self._ensure_thread()
        if full:
            self._wake.set()

    def next_id(self, table: Table) -> int:
        """An id for a row of ``table`` that nobody else will get (PostgreSQL sequences only)."""
        self._check_fork()
        with self._lock:
            free = self._ids.setdefault(table.name, [])
            if not free:
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    free.extend(conn.execute(
                        text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                        {"t": table.name, "n": self.id_block}).scalars())
                free.reverse()
            return free.pop()

    def pending(self) -> int:
        with self._lock:
            return sum(len(rows) for rows in self._rows.values())

    # -- flushing ---------------------------------------------------------------------------------

    def flush(self) -> int:
        """Insert everything waiting, in one transaction (tables in the order their first row
        arrived, so a row is written after the rows it refers to). Returns the rows written."""
        self._check_fork()
        with self._lock:
            batch, self._rows = self._rows, {}
        if not batch:
            return 0
        try:
            with self.engine.begin() as conn:
                for table, rows in batch.items():
                    conn.execute(table.insert(), rows)
            written = sum(len(rows) for rows in batch.values())
        except Exception as exc:  # one bad row (a deleted entry's foreign key) must not lose the rest
            log.warning("log batch failed (%s); writing its rows one by one", type(exc).__name__)
            written = self._one_by_one(batch)
        self.flushed += written
        return written

    def _one_by_one(self, batch: dict[Table, list[dict[str, Any]]]) -> int:
        written = dropped = 0
        for table, rows in batch.items():
            for row in rows:
                try:
                    with self.engine.begin() as conn:
                        conn.execute(table.insert(), row)
                    written += 1
                except Exception:
                    dropped += 1
        if dropped:  # counts only: the rows hold citizens' questions
            log.error("dropped %s log row(s) that the database refused", dropped)
        self.dropped += dropped
        return written

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, name="sep-log-buffer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self.max_seconds)
            self._wake.clear()
            try:
                self.flush()
            except Exception as exc:  # the database may be restarting: keep the rows for next time
                log.error("log buffer flush failed: %s", type(exc).__name__)
                time.sleep(min(self.max_seconds, 1.0))

    def close(self) -> None:
        """Flush and stop (at exit)."""
        self._stopped = True
        self._wake.set()
        try:
            self.flush()
        except Exception as exc:
            log.error("log buffer: %s row(s) lost at exit (%s)", self.pending(), type(exc).__name__)


def init_log_buffer(app: Flask) -> LogBuffer | None:
    """The app's buffer, or None where rows are written in the request (SQLite, or switched off
    with ``SEP_LOG_BUFFER_ROWS = 0``)."""
    from .extensions import db

    rows = app.config["SEP_LOG_BUFFER_ROWS"]
    if rows is None:
        rows = 500 if app.config["SEP_ENV"] == "production" else 0
    if not rows:
        return None
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return None
    buffer = LogBuffer(engine, max_rows=int(rows), max_seconds=float(app.config["SEP_LOG_BUFFER_SECONDS"]),
                       id_block=int(app.config["SEP_LOG_BUFFER_ID_BLOCK"]))
    atexit.register(buffer.close)
    return buffer


def log_buffer() -> LogBuffer | None:
    return current_app.extensions["sep"].log_buffer


def log_row(model, values: dict[str, Any], *, deferred: bool) -> None:
    """Write one append-only log row: into the buffer when ``deferred`` (the inquiry's
    ``log_deferred``), else as a Core INSERT in the caller's transaction."""
    from .extensions import db

    buffer = log_buffer()
    if deferred and buffer is not None:
        buffer.add(model.__table__, values)
    else:
        db.session.execute(db.insert(model).values(**values))


def flush_logs() -> int:
    """Write this process's waiting log rows now (e.g. before a lookup by token). Returns how many."""
    buffer = log_buffer()
    return buffer.flush() if buffer is not None else 0
