"""The CSV import of shifts: one shift per line, all or nothing.

Columns (a header line names them; comma or semicolon separated, UTF-8, Moscow time):
``email,role,profile,date,from,to`` — e.g. ``duty@example.org,duty,,2026-12-07,06:00,14:00``.
``date`` is YYYY-MM-DD or DD.MM.YYYY; a ``to`` at or before ``from`` ends on the next day.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

from sqlalchemy import func, select

from sep_core import User, db, plugin_settings
from sep_core import gettext as _

from .roster import RosterError, add_shift, span

COLUMNS = ("email", "role", "profile", "date", "from", "to")


class ImportError_(ValueError):
    """The file was refused; ``errors`` lists every bad line."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise RosterError(_("The date %(value)s is not YYYY-MM-DD or DD.MM.YYYY.", value=value[:20]))


def _time(value: str) -> time:
    value = value.strip()
    if value == "24:00":
        return time(0)
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise RosterError(_("The time %(value)s is not HH:MM.", value=value[:20])) from None


def read_rows(data: bytes) -> list[dict[str, str]]:
    settings = plugin_settings("duty_roster")
    if len(data) > int(settings["import_max_bytes"]):
        raise ImportError_([_("The file is too large.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportError_([_("The file must be UTF-8 text (CSV).")]) from None
    if "\x00" in text:
        raise ImportError_([_("The file must be UTF-8 text (CSV).")])
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportError_([_("The header must name the columns: %(columns)s.", columns=",".join(COLUMNS))])
    reader.fieldnames = header
    rows = []
    for row in reader:
        if len(rows) >= int(settings["import_max_rows"]):
            raise ImportError_([_("Too many lines (at most %(count)s).", count=settings["import_max_rows"])])
        rows.append({k: (row.get(k) or "").strip() for k in COLUMNS})
    if not rows:
        raise ImportError_([_("The file has no shifts.")])
    return rows


def import_csv(data: bytes, created_by: User | None) -> int:
    """Add every shift of the file or none (the caller commits on success; rolled back on error)."""
    rows = read_rows(data)
    errors: list[str] = []
    added = 0
    for line, row in enumerate(rows, start=2):
        try:
            user = db.session.execute(select(User).where(func.lower(User.email) == row["email"].lower())
                                      ).scalar_one_or_none() if row["email"] else None
            begin, end = span(_date(row["date"]), _time(row["from"]), _time(row["to"]))
            add_shift(user, row["role"].lower(), row["profile"], begin, end, created_by)
            added += 1
        except RosterError as exc:
            errors.append(_("Line %(line)s: %(error)s", line=line, error=str(exc)))
    if errors:
        db.session.rollback()
        raise ImportError_(errors[:50])
    return added
