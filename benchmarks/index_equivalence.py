"""The compact kb_keyword index against the one it replaced, in one run: rankings and figures.

Loads ``plugins/kb_keyword/matching`` as it was at ``--rev`` (default: the commit before the compact
index, issue 16) into a temporary package, builds both indexes over each dev set of ``../shared/bench``
with the same settings, asks every dev question of both, and reports top-1 / MRR@10 / answered share
of each and how many questions got the identical top-10 (keys) and confidences.

    .venv/bin/python benchmarks/index_equivalence.py [--rev f206c4e^]

Results: ``benchmarks/results/index_equivalence.md``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from kb_keyword_bench import documents, load, metrics  # noqa: E402
from sep_plugins.kb_keyword import matching as new  # noqa: E402

MODULES = ("__init__", "chargrams", "fragment", "index", "morphology", "stopwords", "synonyms", "text", "typos")
SYNONYMS = [["ютуб", "youtube"], ["канал", "страница автора"], ["пароль", "код доступа"]]
VARIANTS = [("defaults", (), {}), ("with synonyms", SYNONYMS, {}), ("lemmas", (), {"morphology": "lemma"}),
            ("two-edit typos + passage BM25", SYNONYMS, {"two_edit_typos": True, "passage_weight": 0.3})]


def old_package(rev: str, folder: Path):
    pkg = folder / "old_matching"
    pkg.mkdir()
    for name in MODULES:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:plugins/kb_keyword/matching/{name}.py"],
                                check=True, capture_output=True, text=True).stdout
        (pkg / f"{name}.py").write_text(source, encoding="utf-8")
    sys.path.insert(0, str(folder))
    import old_matching

    return old_matching


def ask(index, questions) -> list[tuple[list, list]]:
    out = []
    for q in questions:
        hits = index.search(q["question"], 10)
        out.append(([h.key for h in hits], [h.confidence for h in hits]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="f206c4e^")
    args = parser.parse_args()
    lines = ["# kb_keyword index: compact (now) against the previous one, same run", "",
             f"previous = `plugins/kb_keyword/matching` at `{args.rev}`; dev halves of ../shared/bench.", "",
             "| set | variant | top-1 before | top-1 now | MRR@10 before | MRR@10 now | answered before | answered now "
             "| identical top-10 | identical confidences | build s before | build s now |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        old = old_package(args.rev, Path(tmp))
        for name in ("rutube_faq", "xquad_ru"):
            passages, questions = load(name)
            for label, synonyms, change in VARIANTS:
                old_docs = [old.Document(p["id"], p.get("title") or "", p.get("text") or "") for p in passages]
                t = time.perf_counter()
                old_index = old.Index.build(old_docs, old.MatchSettings(**change), synonyms)
                old_s = time.perf_counter() - t
                t = time.perf_counter()
                new_index = new.Index.build(documents(passages), new.MatchSettings(**change), synonyms)
                new_s = time.perf_counter() - t
                before, now = ask(old_index, questions), ask(new_index, questions)
                mb = metrics([r[0] for r in before], questions, [r[1][0] if r[1] else 0.0 for r in before])
                mn = metrics([r[0] for r in now], questions, [r[1][0] if r[1] else 0.0 for r in now])
                same = sum(a[0] == b[0] for a, b in zip(before, now, strict=True))
                same_conf = sum(a[1] == b[1] for a, b in zip(before, now, strict=True))
                lines.append(f"| {name} | {label} | {mb['top1']:.3f} | {mn['top1']:.3f} | {mb['mrr10']:.3f} | "
                             f"{mn['mrr10']:.3f} | {mb['answered']:.3f} | {mn['answered']:.3f} | "
                             f"{same}/{len(questions)} | {same_conf}/{len(questions)} | {old_s:.2f} | {new_s:.2f} |")
                print(lines[-1], flush=True)
    out = ROOT / "benchmarks" / "results" / "index_equivalence.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
