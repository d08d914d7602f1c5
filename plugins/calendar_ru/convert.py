"""Convert the cross-checked production-calendar facts into this plugin's data files.

Usage (from the repository root)::

    .venv/bin/python -m sep_plugins.calendar_ru.convert /work/shared/calendar/ru_production_calendar_2019_2027.json

writes ``plugins/calendar_ru/data/<year>.json``, one file per year, in the format described in
``docs/plugins/calendar_ru.md`` (and read by :mod:`.calendar_data`). Run it again when a new
decree is published; the data tests then check the totals and compare with ``holidays``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
FORMAT_VERSION = 1


def convert_year(src: dict) -> dict:
    year = int(src["year"])
    provisional = str(src.get("confidence", "")).startswith("provisional")
    stats = src.get("stats", {})
    return {
        "format": FORMAT_VERSION,
        "year": year,
        "status": "provisional" if provisional else "final",
        "decree": src["decree"],
        "sources": list(src.get("decree_sources", [])),
        "holidays": [
            {"date": h["date"], "name_ru": h["name_ru"], "name_en": h["name_en"]}
            for h in src["holidays"]
        ],
        "transferred_days_off": [
            {"date": t["date"], "from": t["day_off_moved_from"], "basis": t["basis"]}
            for t in src["transferred_days_off"]
        ],
        "working_weekends": [
            {"date": w["date"], "day_off_moved_to": w["day_off_moved_to"]}
            for w in src["working_weekends"]
        ],
        # Short days are data, not a rule: a working Saturday is short only when listed here.
        "short_days": [
            {"date": s["date"], "before": s.get("precedes_holiday", "")} for s in src["short_days"]
        ],
        # Presidential "non-working days with pay" (2020-2021): honoured only when a deployer
        # enables honour_special_non_working_days.
        "special_non_working_days": [
            {"date": s["date"], "act": s["act"], "region": s["region"]}
            for s in src.get("special_non_working_days", [])
        ],
        "expected": {
            "working_days": stats["working_days"],
            "non_working_days": stats["non_working_days"],
            "short_days": stats["short_days"],
            "norm_hours_40h": stats["norm_hours_40h"],
        },
    }


def convert(path: str | Path, out_dir: Path = DATA_DIR) -> list[Path]:
    facts = json.loads(Path(path).read_text(encoding="utf-8"))
    written = []
    for _key, src in sorted(facts["years"].items()):
        data = convert_year(src)
        target = out_dir / f"{data['year']}.json"
        target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":  # pragma: no cover - a maintenance tool
    if len(sys.argv) != 2:
        sys.exit("usage: python -m sep_plugins.calendar_ru.convert FACTS.json")
    for p in convert(sys.argv[1]):
        print(p)
