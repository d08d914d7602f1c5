"""``sep registry import FILE``: vehicles and owners from CSV or JSON Lines, in one transaction.

One row (or line) per vehicle. Columns / keys: ``epts_number``, ``vin``, ``status`` (a code —
incomplete, active, closed, annulled — or the Russian word), ``make``, ``model``, ``year``,
``category``, ``body``, ``engine``, ``power_kw``, ``colour``, ``eco_class``, ``issued_on``,
``status_changed_on`` (ISO dates), and ``owners``: a list (JSON text in CSV) of
``{"kind", "name", "region", "document", "from", "to", "user_id", "email", "phone"}`` oldest
first; the owner without ``to`` is the current one. A CSV without ``owners`` may give one owner in
``owner_kind``, ``owner_name``, ``owner_region``, ``owner_document``, ``owner_from``,
``owner_email``, ``owner_phone`` (stored as E.164), ``owner_user_id``. An existing ЭПТС number is updated (its
owners replaced). Every row is checked first; one bad row and nothing is written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers

from sep_core import User, db, utcnow_naive

from .models import STATUSES, Owner, Vehicle
from .validation import InvalidQuery, normalise_number, normalise_vin

RUSSIAN_STATUSES = {"незавершённый": "incomplete", "незавершенный": "incomplete", "действующий": "active",
                    "погашенный": "closed", "погашен": "closed", "аннулированный": "annulled"}
TEXT_LIMITS = {"make": 60, "model": 80, "category": 8, "body": 40, "engine": 80, "colour": 40, "eco_class": 20}
MAX_ROWS = 1_000_000


class ImportFailed(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class Row:
    line: int
    vehicle: dict[str, Any]
    owners: list[dict[str, Any]] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, raw mapping) from a .csv or .jsonl/.ndjson file."""
    suffix = path.suffix.lower()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        if suffix in (".jsonl", ".ndjson", ".json"):
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, {"__error__": f"not JSON ({exc.msg})"}
                    continue
                yield number, data if isinstance(data, dict) else {"__error__": "not a JSON object"}
        elif suffix == ".csv":
            sample = fh.read(4096)
            fh.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            reader = csv.DictReader(fh, dialect=dialect)
            for data in reader:
                yield reader.line_num, {k.strip(): v for k, v in data.items() if isinstance(k, str)}
        else:
            raise ImportFailed([f"{path.name}: unknown format (use .csv or .jsonl)"])


def _text(data: dict, key: str, limit: int) -> str:
    value = data.get(key)
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise ValueError(f"{key} is longer than {limit} characters")
    return text


def _phone(data: dict, key: str) -> str | None:
    """E.164, as accounts store it (the core recognises the owner by an equal phone); Russian
    numbers may be written 8 ..., +7 ..., with brackets, spaces and hyphens."""
    text = _text(data, key, 32)
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(f"{key} is not a phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _int(data: dict, key: str, low: int, high: int) -> int | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{key} must be a whole number") from None
    if not low <= number <= high:
        raise ValueError(f"{key} must be between {low} and {high}")
    return number


def _date(data: dict, key: str) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{key} must be a date like 2024-05-31") from None


def _status(value: Any) -> str:
    text = str(value or "").strip().lower()
    text = RUSSIAN_STATUSES.get(text, text)
    if text not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)} (or the Russian word)")
    return text


def _owners(data: dict) -> list[dict[str, Any]]:
    raw = data.get("owners")
    if isinstance(raw, str) and raw.strip():
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ValueError("owners must be a JSON list") from None
    if raw in (None, "") and any(data.get(f"owner_{k}") for k in ("name", "email", "phone", "user_id")):
        raw = [{k: data.get(f"owner_{k}") for k in ("kind", "name", "region", "document", "from", "email",
                                                     "phone", "user_id")}]
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or not all(isinstance(o, dict) for o in raw):
        raise ValueError("owners must be a list of objects")
    owners = []
    for index, item in enumerate(raw, start=1):
        kind = str(item.get("kind") or "person").strip()
        if kind not in ("person", "company"):
            raise ValueError(f"owner {index}: kind must be person or company")
        email = _text(item, "email", 254).lower() or None
        if email and "@" not in email:
            raise ValueError(f"owner {index}: email is not an e-mail address")
        owners.append({
            "seq": index, "kind": kind, "name": _text(item, "name", 200), "region": _text(item, "region", 100),
            "document": _text(item, "document", 120), "owned_from": _date(item, "from"),
            "owned_to": _date(item, "to"), "email": email, "phone": _phone(item, "phone"),
            "user_id": _int(item, "user_id", 1, 2**31 - 1),
        })
    if sum(1 for o in owners if o["owned_to"] is None) > 1:
        raise ValueError("only the last owner may be without an end date")
    return owners


def parse_row(line: int, data: dict[str, Any], vin_mode: str) -> Row:
    if "__error__" in data:
        raise ValueError(data["__error__"])
    try:
        number = normalise_number(data.get("epts_number"))
        vin = normalise_vin(data.get("vin"), vin_mode)
    except InvalidQuery as exc:
        raise ValueError(exc.message) from None
    vehicle = {"epts_number": number, "vin": vin, "status": _status(data.get("status")),
               "year": _int(data, "year", 1900, 2100), "power_kw": _int(data, "power_kw", 0, 10_000),
               "issued_on": _date(data, "issued_on"), "status_changed_on": _date(data, "status_changed_on")}
    for key, limit in TEXT_LIMITS.items():
        vehicle[key] = _text(data, key, limit)
    return Row(line=line, vehicle=vehicle, owners=_owners(data))


def parse_all(rows: Iterable[tuple[int, dict[str, Any]]], vin_mode: str) -> list[Row]:
    parsed, errors, numbers, vins = [], [], {}, {}
    for line, data in rows:
        if len(parsed) + len(errors) >= MAX_ROWS:
            errors.append(f"more than {MAX_ROWS} rows")
            break
        try:
            row = parse_row(line, data, vin_mode)
        except ValueError as exc:
            errors.append(f"line {line}: {exc}")
            continue
        number, vin = row.vehicle["epts_number"], row.vehicle["vin"]
        if number in numbers:
            errors.append(f"line {line}: ЭПТС number repeats line {numbers[number]}")
        elif vin in vins:
            errors.append(f"line {line}: VIN repeats line {vins[vin]}")
        numbers.setdefault(number, line)
        vins.setdefault(vin, line)
        parsed.append(row)
    if errors:
        raise ImportFailed(errors)
    return parsed


def write(rows: list[Row], progress: Callable[[Iterable[Row]], Any] | None = None) -> tuple[int, int]:
    """Write the rows in the current transaction and commit once; (created, updated)."""
    created = updated = 0
    errors: list[str] = []
    try:
        iterator = progress(rows) if progress else rows
        with iterator if hasattr(iterator, "__enter__") else _null(iterator) as items:
            for row in items:
                vehicle = db.session.execute(
                    db.select(Vehicle).filter_by(epts_number=row.vehicle["epts_number"])).scalar_one_or_none()
                other = db.session.execute(db.select(Vehicle).filter_by(vin=row.vehicle["vin"])).scalar_one_or_none()
                if other is not None and other is not vehicle:
                    errors.append(f"line {row.line}: VIN belongs to ЭПТС {other.epts_number} already")
                    continue
                unknown = [o["user_id"] for o in row.owners
                           if o["user_id"] is not None and db.session.get(User, o["user_id"]) is None]
                if unknown:
                    errors.append(f"line {row.line}: no user with id {unknown[0]}")
                    continue
                if errors:
                    continue  # nothing will be written: only look for more errors
                if vehicle is None:
                    vehicle = Vehicle(epts_number=row.vehicle["epts_number"])
                    db.session.add(vehicle)
                    created += 1
                else:
                    updated += 1
                for key, value in row.vehicle.items():
                    setattr(vehicle, key, value)
                vehicle.updated_at = utcnow_naive()
                if vehicle.owners:
                    vehicle.owners = []
                    db.session.flush()  # delete the old owners before their seq numbers are reused
                vehicle.owners = [Owner(**owner) for owner in row.owners]
                db.session.flush()
        if errors:
            raise ImportFailed(errors)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return created, updated


class _null:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False


def import_file(path: Path, vin_mode: str, progress=None) -> tuple[int, int]:
    rows = parse_all(read_rows(path), vin_mode)
    return write(rows, progress)


def import_text(text: str, suffix: str, vin_mode: str) -> tuple[int, int]:
    """For tests and embedding: the same as a file with that suffix."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"import{suffix}"
        path.write_text(text, encoding="utf-8")
        return import_file(path, vin_mode)


__all__ = ["ImportFailed", "import_file", "import_text"]
