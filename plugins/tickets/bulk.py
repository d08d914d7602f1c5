"""A new request and its first rows written in one statement on PostgreSQL (issue 16).

Through the ORM's unit of work a filing is five INSERTs (request, message, file, history,
notification), each with its own round trip and the ORM's bookkeeping around it: about a third
of a filing's CPU. Here they are one ``WITH ... INSERT ... RETURNING`` statement: the request's
row first, every other row taking the request's new id (and the file its message's id) from the
statement itself. The request is then put into the session as persistent, exactly as a flush
would leave it (every column set, so reading one is no query); its other rows are left out of the
session, complete in memory (the answer reads them; nothing else of the filing does, and adding
them back would cost what a flush's bookkeeping did). The transaction goes on as before: nothing
is committed here, and a failure rolls everything back with the rest.

Only for the simple, common case — the new request's own rows built in memory, nothing else of
them pending — the caller falls back to the ORM's flush otherwise (and on SQLite).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import JSON, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import make_transient_to_detached

from sep_core import db

from . import counts
from .models import Attachment, Category, HistoryEntry, Message, Notification, Ticket

#: The rows a filing writes with its request, in the statement's order (parents first).
CHILDREN = (Message, Attachment, HistoryEntry, Notification)
_DIALECT = postgresql.dialect()
_SQL: dict[tuple, str] = {}


def available() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _columns(model) -> list:
    """The columns a row of ``model`` is written with (all but its own id)."""
    return [c for c in model.__table__.columns if not c.primary_key]


def _cast(column) -> str:
    if isinstance(column.type, String):
        return "VARCHAR"  # no length: a cast must not cut a value that the column would refuse
    return column.type.compile(dialect=_DIALECT)


def _value(obj, column):
    """The attribute's value, or the column's Python-side default (set on the object too, so the
    row is complete in memory)."""
    key = column.key
    if key in obj.__dict__:
        value = obj.__dict__[key]
    else:
        default = column.default
        value = None if default is None else (default.arg(None) if default.is_callable else default.arg)
        setattr(obj, key, value)
    return value


def _parameter(column, value):
    if value is not None and isinstance(column.type, JSON):
        return json.dumps(value)
    return value


def pending_rows(ticket: Ticket) -> list | None:
    """The new request's rows waiting in the session (message, files, history, notification), or
    None when the session holds anything this statement would not write right."""
    rows: list = []
    for obj in db.session.new:
        if obj is ticket:
            continue
        if isinstance(obj, CHILDREN):
            if obj.ticket_id is not None:
                return None
            if isinstance(obj, Attachment) and obj.message is not None and obj.message not in db.session.new:
                return None
            rows.append(obj)
        elif isinstance(obj, Ticket):
            return None  # another new request in this transaction
    if not any(isinstance(r, Message) for r in rows):
        return None
    rows.sort(key=lambda r: CHILDREN.index(type(r)))
    return rows


def insert(ticket: Ticket, rows: Iterable) -> None:
    """Write ``ticket`` and ``rows`` (from :func:`pending_rows`) in one statement; the request stays
    in the session as persistent, the rows leave it (detached, every column loaded)."""
    rows = list(rows)
    names = {id(ticket): "r0"}
    params: dict = {}
    shape: list[tuple] = []
    for n, obj in enumerate([ticket, *rows]):
        name = f"r{n}"
        names[id(obj)] = name
        model = type(obj)
        filled = {"ticket_id": "r0"} if model is not Ticket else {}
        if model is Attachment and obj.message is not None:
            filled["message_id"] = names[id(obj.message)]
        columns = [c for c in _columns(model) if c.key not in filled]
        for column in columns:
            params[f"{name}_{column.key}"] = _parameter(column, _value(obj, column))
        shape.append((model.__tablename__, tuple(filled.items()), tuple(c.key for c in columns)))
    sql = _SQL.get(tuple(shape))
    if sql is None:
        sql = _statement(shape)
        _SQL[tuple(shape)] = sql
    ids = db.session.connection().exec_driver_sql(sql, params).one()
    ticket.id = ids[0]
    for obj, new_id in zip(rows, ids[1:], strict=True):
        obj.id = new_id
        obj.ticket_id = ticket.id
        if isinstance(obj, Attachment) and obj.message is not None:
            obj.message_id = obj.message.id
    if "category" not in ticket.__dict__:  # complete in memory: the category is the session's row
        ticket.category = db.session.get(Category, ticket.category_id) if ticket.category_id is not None else None
    for obj in [ticket, *rows]:
        db.session.expunge(obj)
        make_transient_to_detached(obj)
    db.session.add(ticket)
    counts.note_created(db.session, ticket)


def _statement(shape: list[tuple]) -> str:
    """The SQL for one shape of filing (which tables, which columns); only the models' own table
    and column names go into the text, every value is a parameter."""
    tables = {model.__tablename__: model for model in (Ticket, *CHILDREN)}
    ctes = []
    for n, (table, filled, keys) in enumerate(shape):
        name = f"r{n}"
        model = tables[table]
        columns = {c.key: c for c in _columns(model)}
        values = [f"%({name}_{k})s::{_cast(columns[k])}" for k in keys]
        column_names = [f'"{columns[k].name}"' for k, _source in filled] + [f'"{columns[k].name}"' for k in keys]
        if not filled:
            body = f"INSERT INTO {table} ({', '.join(column_names)}) VALUES ({', '.join(values)}) RETURNING id"  # noqa: S608
        else:
            sources = sorted({source for _k, source in filled})
            selected = [f"{source}.id" for _k, source in filled] + values
            body = (f"INSERT INTO {table} ({', '.join(column_names)}) SELECT {', '.join(selected)} "  # noqa: S608
                    f"FROM {', '.join(sources)} RETURNING id")
        ctes.append(f"{name} AS ({body})")
    names = [f"r{n}" for n in range(len(shape))]
    return (f"WITH {', '.join(ctes)} SELECT {', '.join(f'{n}.id' for n in names)} "  # noqa: S608
            f"FROM {', '.join(names)}")
