"""``sep kb ...``: import, export, ask, rank, eval, reindex, phrasings import|export."""

from __future__ import annotations

import json
import sys

import click

from sep_core import db

from . import kb
from .engine import engine

EVAL_THRESHOLD_HELP = "Confidence threshold (default: SEP_BOT_CONFIDENCE_THRESHOLD)."


def register(cli) -> None:
    @cli.group("kb", help="The consultant's knowledge base.")
    def kb_group() -> None:
        pass

    @kb_group.command("import")
    @click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
    @click.option("--format", "fmt", type=click.Choice(kb.FORMATS), help="Default: by the file name (jsonl).")
    @click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some are rejected.")
    @click.option("--synonyms", type=click.Path(exists=True, dir_okay=False),
                  help="Also replace the synonym dictionary (JSON list of phrase lists).")
    def import_command(path: str, fmt: str | None, skip_invalid: bool, synonyms: str | None) -> None:
        """Import entries from JSONL, CSV or YAML in one transaction (updates by external id)."""
        fmt = fmt or kb.guess_format(path)
        groups = None
        if synonyms:
            with open(synonyms, encoding="utf-8") as f:
                groups = json.load(f)
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        try:
            rows = list(kb.read_rows(stream, fmt))
        except (UnicodeDecodeError, csv_error()) as exc:
            raise click.ClickException(f"cannot read {path}: {exc}") from exc
        finally:
            if stream is not sys.stdin:
                stream.close()
        with click.progressbar(length=len(rows), label="Importing", file=sys.stderr) as bar:
            report = kb.import_rows(rows, skip_invalid=skip_invalid, progress=bar.update, synonyms=groups)
            bar.update(len(rows))
        for no, reason in report.rejected[:50]:
            click.echo(f"rejected row {no}: {reason}", err=True)
        if len(report.rejected) > 50:
            click.echo(f"... and {len(report.rejected) - 50} more rejected rows", err=True)
        if not report.committed:
            raise click.ClickException(
                f"nothing imported: {len(report.rejected)} rejected row(s) (use --skip-invalid to import the rest)")
        click.echo(f"imported: {report.created} created, {report.updated} updated, {len(report.rejected)} rejected")

    @kb_group.command("export")
    @click.argument("path", default="-", type=click.Path(dir_okay=False, allow_dash=True))
    @click.option("--format", "fmt", type=click.Choice(kb.FORMATS))
    def export_command(path: str, fmt: str | None) -> None:
        """Export every entry (JSONL, CSV or YAML) to PATH or standard output."""
        fmt = fmt or kb.guess_format(path)
        if path == "-":
            count = kb.write_rows(kb.export_rows(), sys.stdout, fmt)
        else:
            with open(path, "w", encoding="utf-8", newline="") as out:
                count = kb.write_rows(kb.export_rows(), out, fmt)
        click.echo(f"exported {count} entries", err=True)

    @kb_group.command("ask")
    @click.argument("question")
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--locale", default="ru")
    def ask_command(question: str, as_json: bool, locale: str) -> None:
        """Answer one question from the base (not logged)."""
        answers = engine().answers(question, locale)
        if as_json:
            click.echo(json.dumps([{"id": a.entry_id, "external_id": a.external_id, "title": a.title,
                                    "confidence": a.confidence, "fragment_text": a.fragment_text}
                                   for a in answers], ensure_ascii=False))
            return
        if not answers:
            click.echo("no answer")
        for a in answers:
            click.echo(f"[{a.confidence:.2f}] {a.title}\n    {a.fragment_text}")

    @kb_group.command("rank")
    @click.argument("path", default="-", type=click.Path(dir_okay=False, allow_dash=True))
    @click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100))
    @click.option("--locale", default="ru")
    def rank_command(path: str, top: int, locale: str) -> None:
        """Read JSONL {"id", "question"}; write JSONL {"id", "results": [{"external_id", "id", "confidence"}],
        "answered", "shown": [external_id, ...]} (what the citizen would see: the answer, the choices or nothing)."""
        eng = engine()
        eng.ensure_fresh(force=True)
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        try:
            for line in stream:
                if not line.strip():
                    continue
                item = json.loads(line)
                ranker, hits = eng.search(str(item.get("question") or ""), locale, top)
                results = [{"external_id": eng.entries[h.key].external_id, "id": h.key,
                            "confidence": h.confidence} for h in hits]
                decision = eng.decide(hits, ranker)
                shown = [eng.entries[k].external_id or str(k) for k in decision.shown]
                click.echo(json.dumps({"id": item.get("id"), "results": results, "answered": decision.answered,
                                       "shown": shown}, ensure_ascii=False))
        finally:
            if stream is not sys.stdin:
                stream.close()

    @kb_group.command("eval")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--threshold", type=float, help=EVAL_THRESHOLD_HELP)
    @click.option("--locale", default="ru")
    def eval_command(path: str, threshold: float | None, locale: str) -> None:
        """Top-1, MRR@10, recall@5 and answered share/accuracy at the threshold for JSONL with answer_ids."""
        from flask import current_app

        threshold = current_app.config["SEP_BOT_CONFIDENCE_THRESHOLD"] if threshold is None else threshold
        eng = engine()
        eng.ensure_fresh(force=True)
        n = t1 = mrr = r5 = answered = answered_ok = 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                item = json.loads(line)
                ok = {str(x) for x in item.get("answer_ids") or [item.get("answer_id")]}
                _, hits = eng.search(str(item.get("question") or ""), locale, 10)
                ids = [str(eng.entries[h.key].external_id or h.key) for h in hits]
                n += 1
                good = bool(ids) and ids[0] in ok
                t1 += good
                mrr += next((1.0 / (r + 1) for r, x in enumerate(ids) if x in ok), 0.0)
                r5 += bool(ok & set(ids[:5]))
                if hits and hits[0].confidence >= threshold:
                    answered += 1
                    answered_ok += good
        n = max(n, 1)
        result = {"questions": n, "top1": round(t1 / n, 4), "mrr10": round(mrr / n, 4), "recall5": round(r5 / n, 4),
                  "threshold": threshold, "answered": round(answered / n, 4),
                  "answered_top1": round(answered_ok / answered, 4) if answered else 0.0}
        click.echo(json.dumps(result))

    @kb_group.group("phrasings", help="Phrasings of entries (other ways citizens ask), by external id.")
    def phrasings_group() -> None:
        pass

    @phrasings_group.command("import")
    @click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
    @click.option("--skip-invalid", is_flag=True, help="Add the valid rows even if some are rejected.")
    def phrasings_import(path: str, skip_invalid: bool) -> None:
        """Add phrasings from JSONL {"external_id", "phrasing"} in one transaction."""
        try:
            stream = sys.stdin if path == "-" else open(path, encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise click.ClickException(f"cannot open {path}: {exc.strerror}") from exc
        try:
            rows = list(kb.read_rows(stream, "jsonl"))
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"cannot read {path}: not UTF-8 text ({exc.reason})") from exc
        finally:
            if stream is not sys.stdin:
                stream.close()
        with click.progressbar(length=len(rows), label="Adding phrasings", file=sys.stderr) as bar:
            report = kb.import_phrasings(rows, skip_invalid=skip_invalid, progress=bar.update)
        for no, reason in report.rejected[:50]:
            click.echo(f"rejected line {no}: {reason}", err=True)
        if len(report.rejected) > 50:
            click.echo(f"... and {len(report.rejected) - 50} more rejected lines", err=True)
        if not report.committed:
            raise click.ClickException(
                f"nothing imported: {len(report.rejected)} rejected line(s) (use --skip-invalid to add the rest)")
        click.echo(f"phrasings: {report.added} added to {report.entries} entries, {report.duplicates} already there, "
                   f"{len(report.rejected)} rejected")

    @phrasings_group.command("export")
    @click.argument("path", default="-", type=click.Path(dir_okay=False, allow_dash=True))
    def phrasings_export(path: str) -> None:
        """Write every phrasing of the entries with an external id as JSONL {"external_id", "phrasing"}."""
        rows = kb.export_phrasings()
        if path == "-":
            count = kb.write_rows(rows, sys.stdout, "jsonl")
        else:
            try:
                with open(path, "w", encoding="utf-8") as out:
                    count = kb.write_rows(rows, out, "jsonl")
            except OSError as exc:
                raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc
        click.echo(f"exported {count} phrasings", err=True)

    @kb_group.command("reindex")
    def reindex_command() -> None:
        """Bump the base's version so that the index is built afresh (once; the workers share it)."""
        from .engine import bump_version

        bump_version(full=True)
        db.session.commit()
        click.echo("version bumped")


def csv_error():
    import csv

    return csv.Error
