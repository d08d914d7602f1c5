"""Readable request numbers (``2026-000123``), unique under concurrent creation.

The per-year counter is bumped by one atomic ``UPDATE ... RETURNING``. On PostgreSQL that runs in
a short transaction of its own (a separate connection): the row lock serialises concurrent
creators for a moment only and is not held while the request itself is written; a number whose
request then fails is skipped (numbers are unique, not gapless). On SQLite, where every write
transaction holds the database lock until it commits anyway, it runs in the caller's transaction
(a separate connection could wait for the caller's own lock). The ``number`` column is also
UNIQUE, the last line of defence.
"""

from __future__ import annotations

import random
import time

from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from sep_core import db

from .models import Counter


def _insert_ignore(year: int):
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Counter).values(year=year, value=0).on_conflict_do_nothing(index_elements=["year"])


def _bump(conn, year: int) -> int:
    bump = (update(Counter).where(Counter.year == year).values(value=Counter.value + 1)
            .returning(Counter.value).execution_options(synchronize_session=False))
    value = conn.execute(bump).scalar_one_or_none()
    if value is None:
        conn.execute(_insert_ignore(year))
        value = conn.execute(bump).scalar_one()
    return value


def next_number(year: int, attempts: int = 40) -> str:
    """Give out the next number of ``year``."""
    if db.engine.dialect.name != "postgresql":
        return format_number(year, _bump(db.session, year))
    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                value = _bump(conn, year)
            return format_number(year, value)
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 + random.random() * 0.05)
    raise RuntimeError("unreachable")


def format_number(year: int, value: int) -> str:
    return f"{year}-{value:06d}"
