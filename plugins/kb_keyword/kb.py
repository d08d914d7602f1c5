"""Knowledge-base operations: save with a revision, roll back, import and export, synonyms."""

from __future__ import annotations

import csv
import difflib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from sep_core import db, utcnow_naive

from .engine import bump_version
from .models import STATUSES, KbEntry, KbRevision, KbSynonym

MAX_QUESTION = 1000
MAX_ANSWER = 20000
FORMATS = ("jsonl", "csv", "yaml")


class KbError(ValueError):
    """A row or an edit that cannot be accepted (the message says why)."""


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.replace("\n", "|").split("|") if p.strip()]
    if isinstance(value, (list, tuple)):
        return [str(p).strip() for p in value if str(p).strip()]
    raise KbError("phrasings and key phrases must be a list or a '|'-separated string")


def normalize_row(row: dict[str, Any]) -> dict[str, Any]:
    """An import row or a form in the entry's terms; accepts the benchmark passage files as they are."""
    if not isinstance(row, dict):
        raise KbError("a row must be an object")
    question = str(row.get("question") or row.get("title") or "").strip()
    answer = str(row.get("answer_md") or row.get("answer") or row.get("text") or "").strip()
    external = row.get("external_id", row.get("id"))
    external = str(external).strip() if external not in (None, "") else None
    status = str(row.get("status") or "published").strip()
    if not question:
        raise KbError("the question (title) is empty")
    if not answer:
        raise KbError("the answer (text) is empty")
    if len(question) > MAX_QUESTION or len(answer) > MAX_ANSWER:
        raise KbError("the question or the answer is too long")
    if status not in STATUSES:
        raise KbError(f"unknown status {status!r} (draft or published)")
    if external is not None and len(external) > 120:
        raise KbError("the external id is longer than 120 characters")
    return {
        "external_id": external,
        "question": question,
        "phrasings": _as_list(row.get("phrasings")),
        "keyphrases": _as_list(row.get("keyphrases")),
        "answer_md": answer,
        "category": str(row.get("category") or row.get("category1") or "").strip()[:120],
        "status": status,
        "locale": str(row.get("locale") or "ru").strip()[:8] or "ru",
    }


def _diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    def lines(snap):
        return [f"{k}: {json.dumps(snap.get(k), ensure_ascii=False)}" for k in KbEntry.EDITABLE]

    return "\n".join(difflib.unified_diff(lines(old), lines(new), "before", "after", lineterm="", n=0))


def save_entry(entry: KbEntry | None, data: dict[str, Any], author_id: int | None = None,
               comment: str = "") -> KbEntry:
    """Create or update an entry with a revision and bump the base's version (caller commits)."""
    data = normalize_row(data)
    old = entry.snapshot() if entry is not None else {}
    if entry is None:
        entry = KbEntry()
        db.session.add(entry)
    for key, value in data.items():
        setattr(entry, key, value)
    entry.updated_at = utcnow_naive()
    db.session.flush()
    _add_revision(entry, old, author_id, comment)
    entry.change_version = bump_version()
    return entry


def _add_revision(entry: KbEntry, old: dict[str, Any], author_id: int | None, comment: str) -> KbRevision:
    last = db.session.execute(db.select(db.func.max(KbRevision.number)).where(KbRevision.entry_id == entry.id)).scalar()
    rev = KbRevision(entry_id=entry.id, number=(last or 0) + 1, author_id=author_id, snapshot=entry.snapshot(),
                     diff=_diff(old, entry.snapshot()), comment=comment[:200], created_at=utcnow_naive())
    db.session.add(rev)
    return rev


def rollback(entry: KbEntry, number: int, author_id: int | None = None) -> KbEntry:
    """Restore the entry as it was in revision ``number`` (itself recorded as a new revision)."""
    rev = db.session.execute(db.select(KbRevision).where(KbRevision.entry_id == entry.id,
                                                         KbRevision.number == number)).scalar_one_or_none()
    if rev is None:
        raise KbError(f"entry {entry.id} has no revision {number}")
    return save_entry(entry, dict(rev.snapshot), author_id, comment=f"rollback to {number}")


def add_phrasing(entry: KbEntry, phrasing: str, author_id: int | None = None) -> bool:
    """Attach a logged question to an entry as one more phrasing (caller commits); False if it has it."""
    phrasing = " ".join(phrasing.split())[:MAX_QUESTION]
    if not phrasing or _same(phrasing) in {_same(p) for p in [entry.question, *(entry.phrasings or [])]}:
        return False
    data = entry.snapshot()
    data["phrasings"] = [*(entry.phrasings or []), phrasing]
    save_entry(entry, data, author_id, comment="phrasing from the consultant's log")
    return True


def set_synonyms(groups: Iterable[Iterable[str]]) -> int:
    """Replace the synonym dictionary (caller commits)."""
    db.session.execute(db.delete(KbSynonym))
    count = 0
    for group in groups:
        phrases = [p.strip() for p in group if p and p.strip()]
        if len(phrases) >= 2:
            db.session.add(KbSynonym(phrases=phrases))
            count += 1
    bump_version(full=True)  # every entry is analysed with the synonyms: a whole new index
    return count


# -- import / export --------------------------------------------------------------------------

def guess_format(name: str) -> str:
    lower = name.lower()
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    if lower.endswith(".csv"):
        return "csv"
    return "jsonl"


def read_rows(stream: io.TextIOBase, fmt: str) -> Iterator[tuple[int, Any]]:
    """``(line or item number, row or exception)``: a broken line is reported, not fatal."""
    if fmt == "jsonl":
        for no, line in enumerate(stream, 1):
            if line.strip():
                try:
                    yield no, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield no, KbError(f"not JSON: {exc.msg}")
    elif fmt == "csv":
        for no, row in enumerate(csv.DictReader(stream), 2):
            yield no, row
    elif fmt == "yaml":
        try:
            data = yaml.safe_load(stream)
        except yaml.YAMLError as exc:
            yield 1, KbError(f"not YAML: {exc}")
            return
        if isinstance(data, dict):
            data = data.get("entries", [])
        for no, row in enumerate(data or [], 1):
            yield no, row
    else:
        raise KbError(f"unknown format {fmt!r}")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    committed: bool = False


def import_rows(rows: Iterable[tuple[int, Any]], author_id: int | None = None, skip_invalid: bool = False,
                progress: Callable[[int], None] | None = None, synonyms: list[list[str]] | None = None) -> ImportReport:
    """Import in one transaction: any rejected row aborts the whole import unless ``skip_invalid``."""
    report = ImportReport()
    existing = {e.external_id: e for e in db.session.execute(
        db.select(KbEntry).where(KbEntry.external_id.is_not(None))).scalars()}
    seen: set[str] = set()
    valid: list[tuple[int, dict[str, Any]]] = []
    for no, row in rows:
        try:
            if isinstance(row, Exception):
                raise row
            data = normalize_row(row)
            if data["external_id"] is not None:
                if data["external_id"] in seen:
                    raise KbError(f"duplicate external id {data['external_id']!r}")
                seen.add(data["external_id"])
            valid.append((no, data))
        except KbError as exc:
            report.rejected.append((no, str(exc)))
    if report.rejected and not skip_invalid:
        return report
    try:
        new_entries = []
        version = bump_version()
        for i, (_, data) in enumerate(valid, 1):
            entry = existing.get(data["external_id"]) if data["external_id"] else None
            if entry is not None:
                save_entry(entry, data, author_id, comment="import")
                report.updated += 1
            else:
                entry = KbEntry(**data, created_at=utcnow_naive(), updated_at=utcnow_naive(), change_version=version)
                new_entries.append(entry)
                report.created += 1
            if len(new_entries) >= 2000:
                _flush_new(new_entries, author_id)
            if progress and i % 1000 == 0:
                progress(1000)
        _flush_new(new_entries, author_id)
        if synonyms is not None:
            set_synonyms(synonyms)
        bump_version()
        db.session.commit()
        report.committed = True
    except Exception:
        db.session.rollback()
        raise
    return report


def _flush_new(entries: list[KbEntry], author_id: int | None) -> None:
    if not entries:
        return
    db.session.add_all(entries)
    db.session.flush()
    now = utcnow_naive()
    db.session.add_all([KbRevision(entry_id=e.id, number=1, author_id=author_id, snapshot=e.snapshot(),
                                   diff="", comment="import", created_at=now) for e in entries])
    db.session.flush()
    entries.clear()


def export_rows() -> Iterator[dict[str, Any]]:
    for entry in db.session.execute(db.select(KbEntry).order_by(KbEntry.id)).scalars():
        yield {"id": entry.id, **entry.snapshot()}


def write_rows(rows: Iterable[dict[str, Any]], out: io.TextIOBase, fmt: str) -> int:
    rows = list(rows)
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=["id", *KbEntry.EDITABLE])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "phrasings": "|".join(row["phrasings"] or []),
                             "keyphrases": "|".join(row["keyphrases"] or [])})
    elif fmt == "yaml":
        yaml.safe_dump({"entries": rows}, out, allow_unicode=True, sort_keys=False)
    else:
        raise KbError(f"unknown format {fmt!r}")
    return len(rows)


# -- phrasings: import / export (JSONL {"external_id", "phrasing"}) ---------------------------------

@dataclass
class PhrasingReport:
    added: int = 0
    duplicates: int = 0
    """Phrasings the entry already had (same words, ignoring case): not added again, not an error."""
    entries: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    committed: bool = False


def _same(value: str) -> str:
    return " ".join(value.casefold().replace("ё", "е").split())


def _phrasing_row(row: Any, entries: dict[str, KbEntry]) -> tuple[KbEntry, str]:
    if isinstance(row, Exception):
        raise row
    if not isinstance(row, dict):
        raise KbError("a row must be an object {\"external_id\", \"phrasing\"}")
    external, phrasing = row.get("external_id"), row.get("phrasing")
    if not isinstance(external, (str, int)) or isinstance(external, bool) or not str(external).strip():
        raise KbError("external_id is missing")
    if not isinstance(phrasing, str) or not phrasing.strip():
        raise KbError("phrasing is missing or empty")
    if len(phrasing) > MAX_QUESTION:
        raise KbError(f"phrasing is longer than {MAX_QUESTION} characters")
    entry = entries.get(str(external).strip())
    if entry is None:
        raise KbError(f"no entry with external id {str(external)[:120]!r}")
    return entry, " ".join(phrasing.split())


def import_phrasings(rows: Iterable[tuple[int, Any]], author_id: int | None = None, skip_invalid: bool = False,
                     progress: Callable[[int], None] | None = None) -> PhrasingReport:
    """Add phrasings to entries by external id in one transaction (one revision per entry changed).

    Any rejected row aborts the whole import unless ``skip_invalid``; an error while writing rolls
    everything back. Phrasings are kept one by one (the ranking scores each on its own)."""
    report = PhrasingReport()
    entries = {e.external_id: e for e in db.session.execute(
        db.select(KbEntry).where(KbEntry.external_id.is_not(None))).scalars()}
    wanted: dict[int, list[str]] = {}
    by_id: dict[int, KbEntry] = {}
    for no, row in rows:
        try:
            entry, phrasing = _phrasing_row(row, entries)
        except KbError as exc:
            report.rejected.append((no, str(exc)))
            continue
        by_id[entry.id] = entry
        wanted.setdefault(entry.id, []).append(phrasing)
    if report.rejected and not skip_invalid:
        return report
    try:
        for entry_id, phrasings in wanted.items():
            entry = by_id[entry_id]
            have = {_same(p) for p in [entry.question, *(entry.phrasings or [])]}
            new = []
            for p in phrasings:
                if _same(p) in have:
                    report.duplicates += 1
                else:
                    have.add(_same(p))
                    new.append(p)
            if new:
                data = entry.snapshot()
                data["phrasings"] = [*(entry.phrasings or []), *new]
                save_entry(entry, data, author_id, comment="phrasings import")
                report.added += len(new)
                report.entries += 1
            if progress:
                progress(len(phrasings))
        db.session.commit()
        report.committed = True
    except BaseException:
        db.session.rollback()
        raise
    return report


def export_phrasings() -> Iterator[dict[str, str]]:
    """Every phrasing of every entry that has an external id, as import rows."""
    for entry in db.session.execute(db.select(KbEntry).where(KbEntry.external_id.is_not(None))
                                    .order_by(KbEntry.id)).scalars():
        for phrasing in entry.phrasings or []:
            yield {"external_id": entry.external_id, "phrasing": phrasing}
