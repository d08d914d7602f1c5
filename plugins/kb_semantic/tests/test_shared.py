"""The sentence vectors are part of the shared build (issue 16): encoded once by the build (a forked
child), memory-mapped by every worker, reused across builds; an edit encodes only its own entry's texts.

The encoder is the real one, behind a test plugin's ``sep_text_encoder`` that logs every text it is
given to a file (a forked build's encodings are in it too)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sep_core import db, hookimpl
from sep_core.testing import recorded_statements

pytestmark = [pytest.mark.sep_plugins("kb_keyword"),
              pytest.mark.sep_plugin_config("kb_keyword", {"refresh_seconds": 0})]


class LoggingEncoder:
    """The real encoder; every text it encodes is appended to ``log`` (one JSON string a line)."""

    def __init__(self, log: Path, name: str | None = None) -> None:
        from sep_plugins.kb_semantic.encoder import load

        self.inner = load(1)
        self.name = name or self.inner.name
        self.log = log

    def encode(self, texts):
        with open(self.log, "a", encoding="utf-8") as f:
            f.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in texts)
        return self.inner.encode(texts)


class EncoderPlugin:
    def __init__(self, encoder) -> None:
        self.encoder = encoder

    @hookimpl
    def sep_text_encoder(self, locale):
        return self.encoder if locale in ("ru", "en") else None


def encoded(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def worker(make_app, first=None, encoder=None):
    """An app (a worker); with ``first``, on the same database and instance folder as it."""
    plugins = [("test_encoder", EncoderPlugin(encoder))] if encoder is not None else None
    if first is None:
        return make_app(plugins=plugins)
    return make_app(config={"SQLALCHEMY_DATABASE_URI": first.config["SQLALCHEMY_DATABASE_URI"]},
                    create_tables=False, shared_instance=first.config["SEP_INSTANCE_PATH"], plugins=plugins)


def base_texts(locale: str | None = None) -> set[str]:
    """What the build encodes: each published entry's question, its question with the start of its
    answer, its phrasings (read here from the database as the build does)."""
    from sep_plugins.kb_keyword.matching.ranking import RankSettings, Semantic, said_documents

    docs = docs_by_locale()
    out = set()
    for loc, mine in docs.items():
        if locale is None or loc == locale:
            out |= set(Semantic.texts(mine, said_documents(mine), RankSettings()))
    return out


def docs_by_locale() -> dict:
    from sep_plugins.kb_keyword.engine import _document, _entry_columns, _view
    from sep_plugins.kb_keyword.models import KbEntry

    rows = db.session.execute(db.select(*_entry_columns()).where(KbEntry.status == "published").order_by(KbEntry.id))
    docs: dict[str, list] = {}
    for row in rows:
        view = _view(row)
        docs.setdefault(view.locale, []).append(_document(row, view))
    return docs


def load_demo() -> None:
    from sep_plugins.kb_keyword import demo

    demo.load(True)
    db.session.commit()


def entry(external_id: str):
    from sep_plugins.kb_keyword.models import KbEntry

    return db.session.execute(db.select(KbEntry).where(KbEntry.external_id == external_id)).scalar_one()


def memory_mapped(array: np.ndarray) -> bool:
    """Whether the array's memory is a file mapping (np.load(mmap_mode=...), possibly viewed)."""
    import mmap

    base = array
    while base is not None:
        if isinstance(base, (np.memmap, mmap.mmap)):
            return True
        base = getattr(base, "base", None)
    return False


def test_the_build_encodes_the_base_once_and_a_second_worker_maps_its_vectors(make_app, tmp_path):
    from sep_plugins.kb_keyword.engine import INDEX_FOLDER, engine

    log = tmp_path / "encoded.jsonl"
    first = worker(make_app, encoder=LoggingEncoder(log))
    eng = engine(first)
    # where the tables already exist at start-up (PostgreSQL: one database per test worker), the
    # worker indexed the empty base then; what counts is the build of the demo base below
    builds, child_builds = eng.full_builds, eng.child_builds
    with first.app_context():
        load_demo()
        eng.ensure_fresh()
        expected = base_texts()
    if hasattr(os, "fork"):
        # encoded by the forked build, not the worker
        assert eng.child_builds - child_builds == eng.full_builds - builds == 1
        assert eng.encoded == 0
    built = encoded(log)
    assert set(built) == expected and max(Counter(built).values()) == 1  # every base text, once
    folder = Path(first.instance_path) / INDEX_FOLDER / eng.build_name
    meta = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    assert meta["encoders"] == {"ru": eng.index_for("ru").semantic.encoder.name,
                                "en": eng.index_for("en").semantic.encoder.name}

    second = worker(make_app, first, LoggingEncoder(log))  # starts up: loads the build (sep_startup)
    eng2 = engine(second)
    assert eng2.loads == 1 and eng2.full_builds == 0 and eng2.build_name == eng.build_name
    assert encoded(log) == built  # none of the base's texts encoded again
    with second.app_context():
        ranker = eng2.index_for("ru")
        hits = ranker.search("как получить выписку", 3)
    assert encoded(log)[len(built):] == ["как получить выписку"]  # only the question
    assert len(hits[0].features) == 10  # fused with the mapped vectors
    semantic = ranker.semantic
    store, table = semantic.store, semantic.table
    for array in (store.rows, store.scales, store.digests, store.positions, table.keys, table.title,
                  table.entry, table.starts, table.phrasing_rows):
        assert memory_mapped(array)
    if Path("/proc/self/maps").exists():
        maps = Path("/proc/self/maps").read_text()
        sub = meta["locales"]["ru"]
        assert str(folder / sub / "semantic" / "vectors.rows.npy") in maps


class LazyEncoderPlugin:
    """``sep_text_encoder`` as kb_semantic gives it: the process's encoder is made (loaded) on the first
    call and kept; every making is logged with the process's id (a forked build's too)."""

    def __init__(self, log: Path, made: Path) -> None:
        self.log, self.made, self.encoder = log, made, None

    @hookimpl
    def sep_text_encoder(self, locale):
        if self.encoder is None:
            with open(self.made, "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()}\n")
            self.encoder = LoggingEncoder(self.log)
        return self.encoder


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the build is forked where the system can fork")
def test_a_worker_loads_the_encoder_once_and_its_forked_build_uses_that_one(make_app, tmp_path):
    """A worker that has not loaded the encoder yet loads it before it forks the build: the child inherits
    it and the worker maps the build with it (loaded in the child, e5 was loaded twice: 1.5-2.5 s)."""
    from sep_plugins.kb_keyword.engine import engine

    log, made = tmp_path / "encoded.jsonl", tmp_path / "made.txt"
    app = make_app(plugins=[("test_encoder", LazyEncoderPlugin(log, made))])
    eng = engine(app)
    child_builds = eng.child_builds
    with app.app_context():
        load_demo()
        eng.ensure_fresh()
        expected = base_texts()
    assert eng.child_builds == child_builds + 1 and eng.encoded == 0  # the child encoded the base
    assert set(encoded(log)) == expected
    assert made.read_text(encoding="utf-8").split() == [str(os.getpid())]  # once, by the worker
    with app.app_context():
        assert len(eng.search("как получить выписку", "ru", 1)[1][0].features) == 10


def test_the_shared_vectors_rank_as_the_vectors_a_worker_encodes_itself(make_app, tmp_path):
    """Behaviour unchanged: the mapped build against :meth:`Ranker.build` with the encoder over the same
    entries (what every worker computed for itself before): the same hits, scores and confidences."""
    from sep_plugins.kb_keyword.engine import engine
    from sep_plugins.kb_keyword.matching.ranking import Ranker
    from sep_plugins.kb_keyword.models import KbSynonym
    from sep_plugins.kb_keyword.tests.test_demo_questions import ENGLISH, EVERYDAY, RULES

    log = tmp_path / "encoded.jsonl"
    first = worker(make_app, encoder=LoggingEncoder(log))
    with first.app_context():
        load_demo()
        engine(first).ensure_fresh()
    second = worker(make_app, first, LoggingEncoder(log))
    eng = engine(second)
    assert eng.loads == 1
    with second.app_context():
        docs = docs_by_locale()
        synonyms = [s.phrases for s in db.session.execute(db.select(KbSynonym)).scalars()]
        questions = {"ru": [*RULES, *EVERYDAY], "en": list(ENGLISH)}
        for loc in ("ru", "en"):
            shared = eng.index_for(loc)
            own = Ranker.build(docs[loc], eng._settings(), synonyms, eng.version, encoder=shared.semantic.encoder)
            assert own.semantic is not None and shared.semantic is not None
            for question in questions[loc]:
                a, b = shared.search(question, 5), own.search(question, 5)
                assert [(h.key, h.score, h.confidence, h.features) for h in a] == \
                       [(h.key, h.score, h.confidence, h.features) for h in b], question
                assert len(a[0].features) == 10


def test_an_edit_encodes_only_its_entrys_texts_and_a_removed_entry_drops_out(make_app, tmp_path):
    from sep_plugins.kb_keyword import kb
    from sep_plugins.kb_keyword.engine import engine

    log = tmp_path / "encoded.jsonl"
    app = worker(make_app, encoder=LoggingEncoder(log))
    with app.app_context():
        load_demo()
        eng = engine(app)
        eng.ensure_fresh()
        builds, mark = eng.full_builds, len(encoded(log))
        edited = entry("demo-ru-005")
        question = "Как скачать справку о машине из кабинета владельца?"
        kb.save_entry(edited, {**edited.snapshot(), "question": question,
                               "answer_md": "Справку скачивает владелец: кабинет, раздел «Документы»."})
        db.session.commit()
        with recorded_statements() as statements:
            hits = eng.search(question, "ru", 3)[1]
        new = encoded(log)[mark:]
        own = {question, f"{question} Справку скачивает владелец: кабинет, раздел «Документы»."}
        # the entry's two changed texts (its phrasings, unchanged, come from the build) and the question asked
        assert sorted(new) == sorted([*own, question]) and eng.encoded == 2
        assert eng.full_builds == builds and eng.updates == 1
        assert hits[0].key == edited.id and len(hits[0].features) == 10
        # the other entries were not read again: only the changed ones
        reads = [s for s in statements if "kb_keyword_entries" in s]
        assert reads and all("change_version" in s for s in reads)
        semantic = eng.index_for("ru").semantic
        title, _ = semantic.vector_rows(edited.id)
        vec = semantic.encoder.inner.encode([question])[0]
        assert float(title.astype(np.float32) @ vec) / float(np.linalg.norm(title)) > 0.999  # the new wording's
        # unpublished: out of the vectors too, nothing encoded
        gone = entry("demo-ru-006")
        mark = len(encoded(log))
        kb.save_entry(gone, {**gone.snapshot(), "status": "draft"})
        db.session.commit()
        eng.ensure_fresh()
        assert encoded(log)[mark:] == [] and eng.encoded == 2  # the first edit's vectors kept
        semantic = eng.index_for("ru").semantic
        assert semantic.vector_rows(gone.id) is None and semantic.vector_rows(edited.id) is not None
        assert semantic.vector_rows(entry("demo-ru-007").id) is not None  # the others: still the build's
        assert eng.full_builds == builds


def test_a_full_rebuild_encodes_only_the_texts_no_build_or_worker_holds(make_app, tmp_path):
    from sep_plugins.kb_keyword import kb
    from sep_plugins.kb_keyword.content import fast_text
    from sep_plugins.kb_keyword.engine import INDEX_FOLDER, bump_version, engine

    log = tmp_path / "encoded.jsonl"
    app = worker(make_app, encoder=LoggingEncoder(log))
    with app.app_context():
        load_demo()
        eng = engine(app)
        eng.ensure_fresh()
        old_build = eng.build_name
        one = entry("demo-ru-021")
        kb.save_entry(one, {**one.snapshot(), "question": "Когда открыта линия поддержки?"})
        db.session.commit()
        eng.ensure_fresh()  # indexed alone: its new texts encoded in this worker
        mark = len(encoded(log))
        other = entry("demo-en-003")
        kb.save_entry(other, {**other.snapshot(), "question": "Where can I download the passport extract?"})
        bump_version(full=True)  # `sep kb reindex`, with an edit this worker has not seen
        db.session.commit()
        eng.ensure_fresh()
        assert eng.build_name != old_build
        new = encoded(log)[mark:]
        answer = fast_text(other.answer_md)
        assert set(new) == {"Where can I download the passport extract?",
                            f"Where can I download the passport extract? {answer}"[:400]}
        assert not (Path(app.instance_path) / INDEX_FOLDER / old_build).exists()  # read before removal
        hits = eng.search("Where can I download the passport extract?", "en", 1)[1]
        assert hits[0].key == other.id and len(hits[0].features) == 10
        assert eng.index_for("ru").semantic.vector_rows(one.id) is not None


def test_a_worker_with_another_encoder_builds_its_own_and_one_without_uses_keywords(make_app, tmp_path):
    from sep_plugins.kb_keyword.engine import engine

    log = tmp_path / "encoded.jsonl"
    first = worker(make_app, encoder=LoggingEncoder(log, name="test-encoder-A"))
    builds = engine(first).full_builds  # an empty base's at start-up where the tables already exist
    with first.app_context():
        load_demo()
        engine(first).ensure_fresh()
    assert engine(first).full_builds == builds + 1
    # another encoder (by name): the A vectors are not used; it builds with its own
    other = worker(make_app, first, LoggingEncoder(log, name="test-encoder-B"))
    eng = engine(other)
    assert eng.full_builds == 1 and eng.loads == 1
    with other.app_context():
        assert eng.index_for("ru").semantic.encoder.name == "test-encoder-B"
        assert len(eng.search("как получить выписку", "ru", 1)[1][0].features) == 10
    # no encoder at all: the build (B's) is loaded, keyword only, nothing built
    plain = worker(make_app, first)
    eng = engine(plain)
    assert eng.full_builds == 0 and eng.loads == 1
    with plain.app_context():
        assert eng.index_for("ru").semantic is None
        hits = eng.search("как получить выписку", "ru", 1)[1]
    assert len(hits[0].features) == 6 and hits[0].key == entry_id(first, "demo-ru-005")


def entry_id(app, external_id: str) -> int:
    with app.app_context():
        return entry(external_id).id


def test_a_vector_store_saved_is_mapped_found_by_text_and_reused_without_encoding(tmp_path):
    from sep_plugins.kb_keyword.matching.ranking import VectorStore

    log = tmp_path / "encoded.jsonl"
    enc = LoggingEncoder(log)
    texts = ["Как получить выписку из ЭПТС?", "Какой режим работы центра?", "Как получить выписку из ЭПТС?"]
    store = VectorStore.build(enc, texts)
    assert encoded(log) == texts[:2]
    store.save(tmp_path / "v")
    mapped = VectorStore.load(tmp_path / "v")
    assert memory_mapped(mapped.rows) and mapped.row("нет такого текста") is None
    for text in texts:
        assert np.array_equal(mapped.rows[mapped.row(text)], store.rows[store.row(text)])
    counted: list[int] = []
    again = VectorStore.build(enc, ["Новый вопрос", *texts], previous=[mapped], encoded=counted)
    assert encoded(log)[2:] == ["Новый вопрос"] and counted == [1]
    assert np.array_equal(again.rows[again.row(texts[1])], store.rows[store.row(texts[1])])
