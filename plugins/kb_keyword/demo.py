"""The demo knowledge base (``sep init --demo``): Russian entries and English versions, with synonyms."""

from __future__ import annotations

from pathlib import Path

import yaml

from sep_core import db

from . import kb
from .models import KbEntry

DATA = Path(__file__).parent / "data"


def demo_rows() -> tuple[list[dict], list[list[str]]]:
    rows, synonyms = [], []
    for locale in ("ru", "en"):
        data = yaml.safe_load((DATA / f"demo_{locale}.yaml").read_text(encoding="utf-8"))
        synonyms += data.get("synonyms", [])
        rows += [{**entry, "locale": locale} for entry in data["entries"]]
    return rows, synonyms


def load(demo: bool) -> None:
    """Load the demo base unless the base already has entries (idempotent)."""
    if not demo:
        return
    if db.session.execute(db.select(KbEntry.id).limit(1)).first() is not None:
        return
    rows, synonyms = demo_rows()
    kb.import_rows(list(enumerate(rows, 1)), synonyms=synonyms)
