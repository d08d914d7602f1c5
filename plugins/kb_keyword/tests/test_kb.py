"""The knowledge base: import/export, one-transaction import, revisions, refresh across workers, CLI."""

from __future__ import annotations

import json
import os

import pytest

from sep_core import db

pytestmark = pytest.mark.sep_plugins("kb_keyword")

PASSAGES = [  # the shape of the benchmark passage files: id, title, text (+ extra keys)
    {"id": "p-1", "title": "Как сменить пароль?", "text": "Откройте профиль и нажмите «Сменить пароль».",
     "topic": "x", "category1": "Профиль", "category2": "y"},
    {"id": "p-2", "title": "Как удалить канал?", "text": "Канал удаляется в настройках.", "topic": "x"},
]


def entries():
    from sep_plugins.kb_keyword.models import KbEntry

    return db.session.execute(db.select(KbEntry).order_by(KbEntry.id)).scalars().all()


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_cli_imports_benchmark_shaped_passages_then_ranks_and_evaluates(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "import", str(write_jsonl(tmp_path / "p.jsonl", PASSAGES))])
    assert result.exit_code == 0, result.output
    assert [(e.external_id, e.question, e.category) for e in entries()] == [
        ("p-1", "Как сменить пароль?", "Профиль"), ("p-2", "Как удалить канал?", "")]
    questions = write_jsonl(tmp_path / "q.jsonl", [{"id": "q1", "question": "пароль поменять", "answer_ids": ["p-1"]},
                                                   {"id": "q2", "question": "удалить канал", "answer_ids": ["p-2"]}])
    ranked = runner.invoke(args=["kb", "rank", "--top", "2", str(questions)])
    lines = [json.loads(x) for x in ranked.output.splitlines()]
    assert [(x["id"], x["results"][0]["external_id"]) for x in lines] == [("q1", "p-1"), ("q2", "p-2")]
    assert all(0 <= r["confidence"] <= 1 for x in lines for r in x["results"])
    ev = json.loads(runner.invoke(args=["kb", "eval", str(questions)]).output)
    assert ev["top1"] == 1.0 and ev["mrr10"] == 1.0 and ev["questions"] == 2
    asked = runner.invoke(args=["kb", "ask", "--json", "сменить пароль"])
    assert json.loads(asked.output)[0]["external_id"] == "p-1"


def test_import_is_one_transaction_a_bad_row_rolls_everything_back(app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(PASSAGES[0], ensure_ascii=False) + "\n{not json\n"
                    + json.dumps({"id": "p-3", "title": "", "text": "x"}) + "\n", encoding="utf-8")
    result = runner.invoke(args=["kb", "import", str(path)])
    assert result.exit_code != 0
    assert "rejected row 2" in result.output and "rejected row 3" in result.output
    assert entries() == []
    result = runner.invoke(args=["kb", "import", "--skip-invalid", str(path)])
    assert result.exit_code == 0 and [e.external_id for e in entries()] == ["p-1"]


def test_import_rolls_back_on_a_database_error(app):
    from sep_plugins.kb_keyword import kb

    rows = [(1, PASSAGES[0]), (2, {**PASSAGES[1], "external_id": "x" * 200})]
    report = kb.import_rows(rows)
    assert not report.committed and entries() == []


@pytest.mark.parametrize("fmt", ["csv", "yaml", "jsonl"])
def test_export_and_reimport_round_trip(app, tmp_path, fmt, h):
    h.load_rows([{**PASSAGES[0], "phrasings": ["поменять пароль", "забыл пароль"], "keyphrases": ["пароль"]}])
    runner = app.test_cli_runner()
    out = tmp_path / f"kb.{fmt}"
    assert runner.invoke(args=["kb", "export", str(out)]).exit_code == 0
    entry = entries()[0]
    entry.question = "изменено"
    db.session.commit()
    result = runner.invoke(args=["kb", "import", str(out)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    (entry,) = entries()
    assert entry.question == "Как сменить пароль?" and entry.phrasings == ["поменять пароль", "забыл пароль"]


def test_revisions_and_rollback(app, h):
    from sep_plugins.kb_keyword import kb
    from sep_plugins.kb_keyword.models import KbRevision

    h.load_rows([PASSAGES[0]])
    entry = entries()[0]
    kb.save_entry(entry, {**entry.snapshot(), "answer_md": "Новый ответ"}, comment="edit")
    db.session.commit()
    revs = db.session.execute(db.select(KbRevision).order_by(KbRevision.number)).scalars().all()
    assert [r.number for r in revs] == [1, 2] and "Новый ответ" in revs[1].diff
    kb.rollback(entry, 1)
    db.session.commit()
    assert entry.answer_md == PASSAGES[0]["text"]
    with pytest.raises(kb.KbError):
        kb.rollback(entry, 42)


@pytest.mark.sep_plugin_config("kb_keyword", {"refresh_seconds": 0})
def test_index_refreshes_after_an_edit_in_another_app_instance(app, make_app, h, tmp_path):
    from sep_plugins.kb_keyword import kb
    from sep_plugins.kb_keyword.engine import engine

    h.load_rows([PASSAGES[0]])
    other = make_app(config={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
                     create_tables=False, shared_instance=app.config["SEP_INSTANCE_PATH"])
    assert [a.external_id for a in engine(app).answers("удалить канал")] != ["p-2"]
    with other.app_context():
        kb.import_rows([(1, PASSAGES[1])])
    with app.test_request_context():
        answers = engine(app).answers("удалить канал")
    assert answers and answers[0].external_id == "p-2"


def test_demo_base_has_forty_published_entries_and_answers(app, demo_base, client, h):
    from sep_plugins.kb_keyword.models import KbEntry

    count = db.session.execute(db.select(db.func.count(KbEntry.id)).where(
        KbEntry.status == "published", KbEntry.locale == "ru")).scalar()
    assert count >= 40
    english = db.session.execute(db.select(db.func.count(KbEntry.id)).where(KbEntry.locale == "en")).scalar()
    assert english == count
    data = h.ask(client, "Как получить выписку из ЭПТС?").get_json()
    assert data["answered"] and "выписк" in data["answer"]["title"].lower()
    data = h.ask(client, "часы работы горячей линии").get_json()
    assert data["answered"] and "06:00" in data["answer"]["answer_text"]


def test_english_entries_answer_english_questions(app, demo_base):
    from sep_plugins.kb_keyword.engine import engine

    answers = engine(app).answers("How do I get an extract from the passport?", "en")
    assert answers and answers[0].external_id == "demo-en-003"
    assert engine(app).answers("Как получить выписку из ЭПТС?", "ru")[0].external_id == "demo-ru-005"


def test_a_large_base_is_reindexed_in_the_background(app, h, monkeypatch):
    import threading
    import time

    from sep_plugins.kb_keyword import engine as engine_module
    from sep_plugins.kb_keyword import kb

    monkeypatch.setattr(engine_module, "BACKGROUND_REBUILD_FROM", 1)
    h.load_rows([PASSAGES[0], PASSAGES[1]])
    eng = engine_module.engine(app)
    assert eng.answers("сменить пароль")[0].external_id == "p-1"
    assert eng.answers("страничку удалить")[0].external_id == "p-2"  # "удалить" alone
    builds = eng.full_builds
    # hold the background build until the old index has answered (no race with a fast build)
    release = threading.Event()
    original_rebuild = engine_module.Engine.rebuild

    def held_rebuild(self, version, state=None):
        release.wait(30)
        original_rebuild(self, version, state)

    monkeypatch.setattr(engine_module.Engine, "rebuild", held_rebuild)
    kb.set_synonyms([["канал", "страничка"]])  # every entry is analysed anew: a whole new index
    db.session.commit()
    first = eng.answers("страничка")  # served from the old index (no synonyms) while the new one builds
    assert first == []
    release.set()
    deadline = time.monotonic() + 30
    while eng.version != engine_module.current_version() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert eng.answers("страничка")[0].external_id == "p-2"
    assert eng.full_builds == builds + 1


@pytest.mark.sep_plugin_config("kb_keyword", {"refresh_seconds": 0})
def test_one_changed_entry_is_indexed_alone_without_a_full_rebuild(app, h):
    from sep_plugins.kb_keyword import kb
    from sep_plugins.kb_keyword.engine import engine
    from sep_plugins.kb_keyword.models import KbEntry

    h.load_rows(PASSAGES + [{"id": f"f-{i}", "title": f"Вопрос номер {i} про справку", "text": "Ответ."}
                            for i in range(30)])
    eng = engine(app)
    assert eng.answers("удалить канал")[0].external_id == "p-2"
    assert eng.answers("пароль")[0].external_id == "p-1"
    builds, updates = eng.full_builds, eng.updates
    entry = db.session.execute(db.select(KbEntry).where(KbEntry.external_id == "p-2")).scalar_one()
    kb.save_entry(entry, {**entry.snapshot(), "question": "Как архивировать канал?",
                          "answer_md": "Архив канала создаётся в настройках."})
    db.session.commit()
    answers = eng.answers("архивировать канал")
    assert answers[0].external_id == "p-2" and "Архив" in answers[0].extra["answer_text"]
    assert all(a.external_id != "p-2" for a in eng.answers("удалить"))  # the old wording is gone
    assert eng.full_builds == builds and eng.updates == updates + 1
    assert eng.index_for("ru").delta_size == 1 and len(eng.index_for("ru")) == 32
    # unpublished: out of the answers, still without a full rebuild
    p1 = db.session.execute(db.select(KbEntry).where(KbEntry.external_id == "p-1")).scalar_one()
    kb.save_entry(p1, {**p1.snapshot(), "status": "draft"})
    db.session.commit()
    assert all(a.external_id != "p-1" for a in eng.answers("сменить пароль"))
    assert eng.entries.get(p1.id) is None and len(eng.index_for("ru")) == 31
    assert eng.full_builds == builds


@pytest.mark.sep_plugin_config("kb_keyword", {"refresh_seconds": 0})
def test_two_workers_sharing_the_instance_folder_share_the_index_and_see_each_others_changes(app, make_app, h):
    from pathlib import Path

    from sep_plugins.kb_keyword import kb
    from sep_plugins.kb_keyword.engine import INDEX_FOLDER, engine
    from sep_plugins.kb_keyword.models import KbEntry

    h.load_rows([PASSAGES[0], PASSAGES[1]])
    db.session.commit()
    first = engine(app)
    assert first.answers("удалить канал")[0].external_id == "p-2"
    assert first.full_builds >= 1
    builds = first.full_builds
    folder = Path(app.instance_path) / INDEX_FOLDER
    assert (folder / "current.json").exists()
    worker = make_app(config={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
                      create_tables=False, shared_instance=app.config["SEP_INSTANCE_PATH"])
    second = engine(worker)
    with worker.app_context(), worker.test_request_context():
        assert second.answers("удалить канал")[0].external_id == "p-2"
    assert second.full_builds == 0 and second.loads == 1  # the first worker's files, memory-mapped
    # an edit in the first worker reaches the second, entry by entry
    entry = db.session.execute(db.select(KbEntry).where(KbEntry.external_id == "p-1")).scalar_one()
    kb.save_entry(entry, {**entry.snapshot(), "question": "Как восстановить пароль?"})
    db.session.commit()
    with worker.app_context(), worker.test_request_context():
        assert second.answers("восстановить пароль")[0].title == "Как восстановить пароль?"
    assert second.full_builds == 0 and second.updates == 1
    # a change that needs a whole new index is built once: the second worker loads the first's build
    kb.set_synonyms([["канал", "страничка"]])
    db.session.commit()
    assert first.answers("страничка")[0].external_id == "p-2"
    with worker.app_context(), worker.test_request_context():
        assert second.answers("страничка")[0].external_id == "p-2"
    assert first.full_builds == builds + 1 and second.full_builds == 0 and second.loads == 2
    if hasattr(os, "fork"):  # built by a forked child: the worker only maps the files
        assert first.child_builds == first.full_builds
    assert second.build_name == first.build_name
    builds = [p for p in folder.iterdir() if p.is_dir()]
    assert [p.name for p in builds] == [first.build_name]  # the older build was removed


@pytest.mark.sep_plugin_config("kb_keyword", {"refresh_seconds": 600})
def test_a_new_worker_builds_its_index_at_start_up_and_answers_without_reading_entries(app, make_app, h):
    from sep_plugins.kb_keyword.engine import engine
    from sqlalchemy import event

    h.load_rows([PASSAGES[0], PASSAGES[1]])
    db.session.commit()
    worker = make_app(config={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
                      create_tables=False, shared_instance=app.config["SEP_INSTANCE_PATH"])
    eng = engine(worker)
    assert eng.version is not None and len(eng.index_for("ru")) == 2  # before any question
    statements = []
    with worker.app_context():
        listener = lambda conn, cur, statement, *rest: statements.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            with worker.test_request_context():
                answers = eng.answers("удалить канал")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert answers and answers[0].external_id == "p-2"
    assert statements == []


def test_the_log_keeps_the_question_key_words_but_no_long_numbers(app, client, small_base, h):
    from sep_plugins.kb_keyword.models import KbQuestion

    h.load_rows([{"id": "n-1", "title": "Линия 4509123456", "text": "Номер линии 4509123456 для выписок."}])
    h.ask(client, "выписку из паспорта 4509123456 как получить")
    row = db.session.execute(db.select(KbQuestion).order_by(KbQuestion.id.desc())).scalars().first()
    assert "выписк" in row.keywords.split() and "4509123456" not in row.keywords
    assert "[number]" in row.question and "4509123456" not in row.question
