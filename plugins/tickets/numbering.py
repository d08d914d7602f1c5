"""Readable request numbers (``2026-000123``), unique under concurrent creation.

The per-year counter is bumped by one atomic ``UPDATE ... RETURNING``. On PostgreSQL that runs in
a short transaction of its own (a separate connection): the row lock serialises concurrent
creators for a moment only and is not held while the request itself is written. It reserves a
block of ``number_block`` numbers at once, which this process then gives out from memory: three
round trips (BEGIN, UPDATE, COMMIT) per block instead of per request. A number whose request
then fails is skipped, and so are the unused numbers of a block when the process ends (numbers
are unique, not gapless; with several workers, not in filing order either). On SQLite, where
every write transaction holds the database lock until it commits anyway, the counter is bumped
by one in the caller's transaction (a separate connection could wait for the caller's own lock).
The ``number`` column is also UNIQUE, the last line of defence.
"""

from __future__ import annotations

import os
import random
import threading
import time

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from sep_core import db, plugin_settings

from .models import Counter


def _insert_ignore(year: int):
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Counter).values(year=year, value=0).on_conflict_do_nothing(index_elements=["year"])


def _bump(conn, year: int, by: int = 1) -> int:
    bump = (update(Counter).where(Counter.year == year).values(value=Counter.value + by)
            .returning(Counter.value).execution_options(synchronize_session=False))
    value = conn.execute(bump).scalar_one_or_none()
    if value is None:
        conn.execute(_insert_ignore(year))
        value = conn.execute(bump).scalar_one()
    return value


class _Blocks:
    """Numbers reserved by this process, per year: ``year -> [next, last]``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.free: dict[int, list[int]] = {}
        self.pid = os.getpid()


def _blocks() -> _Blocks:
    blocks = current_app.extensions.get("tickets_number_blocks")
    if blocks is None or blocks.pid != os.getpid():  # a forked worker must not reuse its parent's
        blocks = current_app.extensions["tickets_number_blocks"] = _Blocks()
    return blocks


def next_number(year: int, attempts: int = 40) -> str:
    """Give out the next number of ``year``."""
    if db.engine.dialect.name != "postgresql":
        return format_number(year, _bump(db.session, year))
    blocks = _blocks()
    with blocks.lock:
        span = blocks.free.get(year)
        if not span or span[0] > span[1]:
            size = max(1, int(plugin_settings("tickets")["number_block"]))
            last = _reserve(year, size, attempts)
            span = blocks.free[year] = [last - size + 1, last]
        value = span[0]
        span[0] += 1
    return format_number(year, value)


def _reserve(year: int, size: int, attempts: int) -> int:
    """Bump the counter by ``size`` in a transaction of its own; returns the block's last number."""
    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                return _bump(conn, year, size)
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 + random.random() * 0.05)
    raise RuntimeError("unreachable")


def format_number(year: int, value: int) -> str:
    return f"{year}-{value:06d}"
