"""`sep kb phrasings import|export`: JSONL {"external_id", "phrasing"}, one transaction, rejected rows
reported, bad input as a one-line error; phrasings then answer the question."""

from __future__ import annotations

import json

import pytest

from sep_core import db

from .test_kb import write_jsonl

pytestmark = pytest.mark.sep_plugins("kb_keyword")


def entry(external_id: str):
    from sep_plugins.kb_keyword.models import KbEntry

    db.session.expire_all()
    return db.session.execute(db.select(KbEntry).where(KbEntry.external_id == external_id)).scalar_one()


def revisions() -> int:
    from sep_plugins.kb_keyword.models import KbRevision

    return db.session.execute(db.select(db.func.count(KbRevision.id))).scalar()


def test_import_adds_phrasings_one_by_one_and_export_gives_them_back(app, small_base, tmp_path):
    runner = app.test_cli_runner()
    before = revisions()
    rows = [{"external_id": "t-1", "phrasing": "бумагу с данными авто где брать"},
            {"external_id": "t-1", "phrasing": "pdf  про мою машину"},
            {"external_id": "t-2", "phrasing": "когда вы на связи"},
            {"external_id": "t-2", "phrasing": "Когда вы на СВЯЗИ"}]  # the same again: counted, not added
    result = runner.invoke(args=["kb", "phrasings", "import", str(write_jsonl(tmp_path / "p.jsonl", rows))])
    assert result.exit_code == 0, result.output
    assert "3 added to 2 entries, 1 already there, 0 rejected" in result.output
    assert "Adding phrasings" in result.stderr  # the progress bar
    assert entry("t-1").phrasings == ["бумагу с данными авто где брать", "pdf про мою машину"]
    assert revisions() == before + 2  # one revision per entry changed
    again = runner.invoke(args=["kb", "phrasings", "import", str(tmp_path / "p.jsonl")])
    assert "0 added to 0 entries, 4 already there" in again.output

    out = tmp_path / "out.jsonl"
    exported = runner.invoke(args=["kb", "phrasings", "export", str(out)])
    assert exported.exit_code == 0 and "exported 3 phrasings" in exported.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"external_id": "t-1", "phrasing": "бумагу с данными авто где брать"},
                     {"external_id": "t-1", "phrasing": "pdf про мою машину"},
                     {"external_id": "t-2", "phrasing": "когда вы на связи"}]
    stdout = runner.invoke(args=["kb", "phrasings", "export"])
    assert stdout.stdout.count("\n") == 3


def test_a_rejected_row_aborts_everything_and_each_is_reported(app, small_base, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([
        json.dumps({"external_id": "t-1", "phrasing": "хорошая строка"}, ensure_ascii=False),
        json.dumps({"external_id": "nope", "phrasing": "нет такой записи"}, ensure_ascii=False),
        json.dumps({"external_id": "t-2", "phrasing": "   "}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"phrasing": "без id"}, ensure_ascii=False),
        json.dumps({"external_id": "t-2", "phrasing": "x" * 1001}),
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["kb", "phrasings", "import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: nothing imported: 6 rejected line(s) (use --skip-invalid to add the rest)")
    for no, why in [(2, "no entry with external id 'nope'"), (3, "phrasing is missing or empty"), (4, "not JSON"),
                    (5, "a row must be an object"), (6, "external_id is missing"), (7, "longer than 1000")]:
        said = next(line for line in result.stderr.splitlines() if line.startswith(f"rejected line {no}: "))
        assert why in said
    assert entry("t-1").phrasings == []
    partial = runner.invoke(args=["kb", "phrasings", "import", "--skip-invalid", str(path)])
    assert partial.exit_code == 0 and "1 added to 1 entries" in partial.output
    assert entry("t-1").phrasings == ["хорошая строка"]


def test_an_error_while_writing_rolls_everything_back(app, small_base):
    from sep_plugins.kb_keyword import kb

    before = revisions()

    def interrupted(_n: int) -> None:  # the first entry is written, then the import is interrupted
        raise KeyboardInterrupt

    rows = list(enumerate([{"external_id": "t-1", "phrasing": "первая"},
                           {"external_id": "t-2", "phrasing": "вторая"}], 1))
    with pytest.raises(KeyboardInterrupt):
        kb.import_phrasings(rows, progress=interrupted)
    assert entry("t-1").phrasings == [] and entry("t-2").phrasings == [] and revisions() == before


@pytest.mark.parametrize(("content", "message"), [
    (None, "Error: cannot open"),
    (b"\xff\xfe\x00broken", "Error: cannot read"),
])
def test_bad_input_is_a_one_line_error(app, small_base, tmp_path, content, message):
    path = tmp_path / "in.jsonl"
    if content is not None:
        path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["kb", "phrasings", "import", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(message)


def test_imported_phrasings_answer_the_question(app, client, small_base, tmp_path, h):
    question = "бумагу с данными авто где брать"
    assert h.ask(client, question).get_json()["answered"] is False
    rows = [{"external_id": "t-1", "phrasing": question}]
    app.test_cli_runner().invoke(args=["kb", "phrasings", "import", str(write_jsonl(tmp_path / "p.jsonl", rows))])
    data = h.ask(client, question).get_json()
    assert data["answered"] and data["answer"]["external_id"] == "t-1"
