"""The consultant's index per app (one per worker), refreshed when the base's version changes.

The answer path reads memory only, except for one cheap version check at most every
``refresh_seconds`` (a single-row SELECT): another worker's edit bumps the version, and the next
question after the interval rebuilds this worker's index.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from flask import Flask, current_app

from sep_core import Answer, db, plugin_settings

from .content import fast_text, plain_text, render_html
from .decision import Decision, Policy, decide
from .matching import Document, Hit, Index, MatchSettings, best_fragment
from .matching.fragment import analyse
from .matching.ranking import FUSED_POLICY, Ranker, is_fused
from .models import KbEntry, KbState, KbSynonym

PLUGIN = "kb_keyword"
#: From this many entries a changed base is re-indexed in a background thread (the old index answers).
BACKGROUND_REBUILD_FROM = 5000


@dataclass(frozen=True)
class EntryView:
    """What the answer path needs of an entry, kept in memory."""

    id: int
    external_id: str | None
    question: str
    category: str
    locale: str
    answer_text: str
    answer_md: str


class Engine:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: int | None = None
        self.checked_at = 0.0
        self.stale = False
        """Set by an edit in this worker: check the version on the next question, whatever the interval."""
        self.indexes: dict[str, Index] = {}
        self.entries: dict[int, EntryView] = {}
        self._sentences: dict[int, tuple] = {}
        self._html: dict[int, str] = {}
        self._copy: dict[int, str] = {}

    # -- freshness ----------------------------------------------------------------------------

    def ensure_fresh(self, force: bool = False) -> None:
        interval = float(plugin_settings(PLUGIN)["refresh_seconds"])
        if not force and not self.stale and self.version is not None and time.monotonic() - self.checked_at < interval:
            return
        version = current_version()
        self.checked_at = time.monotonic()
        self.stale = False
        if not force and version == self.version:
            return
        big = len(self.entries) >= BACKGROUND_REBUILD_FROM
        if force or not big:
            with self.lock:
                if force or version != self.version:
                    self.rebuild(version)
        elif self.lock.acquire(blocking=False):
            # a large base: keep answering from the old index while a thread builds the new one
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            threading.Thread(target=self._rebuild_in_background, args=(app, version), daemon=True).start()

    def _rebuild_in_background(self, app: Flask, version: int) -> None:
        try:
            with app.app_context():
                self.rebuild(version)
                db.session.remove()
        finally:
            self.lock.release()

    def rebuild(self, version: int) -> None:
        settings = MatchSettings(**plugin_settings(PLUGIN).get("match", {}))
        e = KbEntry
        rows = db.session.execute(
            db.select(e.id, e.external_id, e.question, e.category, e.locale, e.answer_md, e.phrasings, e.keyphrases)
            .where(e.status == "published").order_by(e.id))
        synonyms = [s.phrases for s in db.session.execute(db.select(KbSynonym)).scalars()]
        entries: dict[int, EntryView] = {}
        by_locale: dict[str, list[Document]] = {}
        for row in rows:
            view = entries[row.id] = EntryView(row.id, row.external_id, row.question, row.category or "",
                                               row.locale or "ru", fast_text(row.answer_md), row.answer_md)
            by_locale.setdefault(view.locale, []).append(
                Document(row.id, row.question, view.answer_text, tuple(row.phrasings or ()),
                         tuple(row.keyphrases or ())))
        hook = current_app.extensions["sep"].pm.hook.sep_text_encoder
        indexes = {loc: Ranker.build(docs, settings, synonyms, version, encoder=hook(locale=loc),
                                     previous=self.indexes.get(loc))
                   for loc, docs in by_locale.items()}
        self.indexes, self.entries, self.version, self._sentences, self._html = indexes, entries, version, {}, {}
        self._copy = {}

    def warm_up(self, app: Flask) -> str:
        """Build the index at worker start-up (``sep_startup``) instead of on the first question.

        A small base is indexed at once; a large one in a background thread (the first questions
        wait for it). Returns what happened: ``built``, ``background`` or ``skipped`` (no tables
        yet, e.g. before ``sep db upgrade``; the first question builds it then)."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            version = current_version()
            count = db.session.execute(db.select(db.func.count(KbEntry.id))
                                       .where(KbEntry.status == "published")).scalar() or 0
        except SQLAlchemyError:
            db.session.rollback()
            db.session.remove()
            return "skipped"
        self.checked_at = time.monotonic()
        if count < BACKGROUND_REBUILD_FROM:
            with self.lock:
                self.rebuild(version)
            db.session.remove()
            return "built"
        db.session.remove()
        self.lock.acquire()
        threading.Thread(target=self._rebuild_in_background, args=(app, version), daemon=True).start()
        return "background"

    # -- answering ----------------------------------------------------------------------------

    def index_for(self, locale: str) -> Index | None:
        return self.indexes.get(locale) or self.indexes.get("ru") or next(iter(self.indexes.values()), None)

    def search(self, question: str, locale: str = "ru", limit: int = 4) -> tuple[Index | None, list[Hit]]:
        self.ensure_fresh()
        index = self.index_for(locale)
        if index is None:
            return None, []
        return index, index.search(question, limit)

    def answers(self, question: str, locale: str = "ru", limit: int = 4, meta: dict | None = None) -> list[Answer]:
        """The answers to a question; ``meta`` (the inquiry's) receives its key words for the log and
        the :class:`Decision` (``meta["kb_decision"]``) that ``sep_route`` and the page follow."""
        return self.consult(question, locale, limit, meta)[0]

    def consult(self, question: str, locale: str = "ru", limit: int = 4,
                meta: dict | None = None) -> tuple[list[Answer], Decision]:
        """The answers to a question and what to show of them (answer, choices or a request)."""
        self.ensure_fresh()
        index = self.index_for(locale)
        if index is None:
            decision = Decision("request")
            if meta is not None:
                meta["kb_decision"] = decision
            return [], decision
        query = index.analyze_query(question)
        hits = index.search_query(query, limit)
        decision = self.decide(hits)
        if meta is not None:
            meta["kb_keywords"] = sorted(set(query.terms))[:8]
            meta["kb_decision"] = decision
        return [self._answer(index, hit) for hit in hits], decision

    def decide(self, hits: list[Hit]) -> Decision:
        """The decision for ranked hits (keys are entry ids) under the configured policy."""
        settings = plugin_settings(PLUGIN)
        if is_fused(hits):  # re-ranked with the sentence encoder: its own calibration and thresholds
            policy = Policy.from_settings({**FUSED_POLICY, **settings.get("decision_fused", {})})
        else:
            policy = Policy.from_settings(settings.get("decision", {}))
        # the core's SEP_BOT_CONFIDENCE_THRESHOLD stays a floor the deployer controls
        floor = float(current_app.config.get("SEP_BOT_CONFIDENCE_THRESHOLD", 0.0))
        if floor > policy.answer_threshold:
            policy = replace(policy, answer_threshold=floor)
        top = hits[0].score if hits and hits[0].score > 0 else 1.0
        return decide([(h.key, h.confidence, h.score / top) for h in hits], policy)

    def _answer(self, index: Index, hit: Hit) -> Answer:
        entry = self.entries[hit.key]
        terms = index.highlight_terms(hit)
        weights = {t: index.idf(t) or 1.0 for t in terms}
        frag = best_fragment(entry.answer_text, terms, index.analyzer.stem, weights,
                             analysed=self._analysed(entry, index))
        return Answer(
            source=PLUGIN, confidence=max(0.0, min(1.0, hit.confidence)), title=entry.question,
            fragment_html=frag.html, fragment_text=frag.text, entry_id=entry.id,
            external_id=entry.external_id, url=f"/ask/entry/{entry.id}",
            extra={"whole": frag.whole, "category": entry.category, "answer_html": self.html(entry),
                   "answer_text": entry.answer_text, "copy_text": self.copy_text(entry),
                   "keywords": sorted(terms)},
        )

    def html(self, entry: EntryView) -> str:
        """The answer as safe HTML (rendered on first use, then memoised; bounded)."""
        cached = self._html.get(entry.id)
        if cached is None:
            if len(self._html) >= 20_000:
                self._html.clear()
            cached = self._html[entry.id] = render_html(entry.answer_md)
        return cached

    def copy_text(self, entry: EntryView) -> str:
        """The title and the answer as plain text for copying: step numbers and bullets kept (memoised)."""
        cached = self._copy.get(entry.id)
        if cached is None:
            if len(self._copy) >= 20_000:
                self._copy.clear()
            cached = self._copy[entry.id] = f"{entry.question}\n\n{plain_text(entry.answer_md)}"
        return cached

    def _analysed(self, entry: EntryView, index: Index):
        """Sentences and stems of an answer, memoised (bounded cache; cleared with the index)."""
        cached = self._sentences.get(entry.id)
        if cached is None:
            if len(self._sentences) >= 20_000:
                self._sentences.clear()
            cached = self._sentences[entry.id] = analyse(entry.answer_text, index.analyzer.stem)
        return cached


def engine(app: Flask | None = None) -> Engine:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions.setdefault("kb_keyword_engine", Engine())


def current_version() -> int:
    state = db.session.get(KbState, 1)
    return state.version if state else 0


def bump_version() -> None:
    """Mark the base changed (in the caller's transaction): every worker rebuilds on its next check."""
    state = db.session.get(KbState, 1)
    if state is None:
        db.session.add(KbState(id=1, version=1))
    else:
        state.version = KbState.version + 1
    db.session.flush()
    engine().stale = True
