"""The ranking of entries: the keyword index of the entries, staff phrasings scored one by one, and an
optional semantic signal, fused per question.

Staff phrasings (questions attached to an entry, e.g. from the analytics' "add as phrasing") are a
separate :class:`~.index.Index` whose documents are the phrasings, each keyed by its entry. An entry's
keyword score is the better of its own score and its best phrasing's (less ``phrasing_penalty``):
concatenating phrasings into the entry's question field, as before, made entries with many phrasings
pull questions away from entries without any (measured: top-1 on uncurated entries fell from 0.456 to
0.39). Scored one by one, an entry without phrasings keeps its score whatever the others get.

The optional semantic signal (:class:`Semantic`, e.g. a sentence encoder from the
``sep_text_encoder`` hook) re-ranks the top candidates only: per question, the keyword scores and the
cosine similarities of the candidates are z-normalised and added with a weight (research: weights
stable across folds); a candidate whose best phrasing is a paraphrase in meaning of the question (cosine
at least ``RankSettings.phrasing_bonus_similarity``) gains a fixed bonus, whatever words it shares.
Fused, the phrasings' keyword gate is the one fitted for the encoder (e5: a phrasing holding 30 % of the
question's informative weight counts, against 70 % for the keyword ranking alone): the cosines re-rank
the candidates a looser gate lets in, so curated entries gain without pulling questions away from the
others. The question is encoded on the process's encoding thread while the keyword stage runs
(:func:`encoding_thread`). Without the signal the keyword ranking is unchanged. Its vectors are plain
arrays (int8 rows, texts found by sorted digests, per-entry rows) that a shared build saves and workers
memory-map, with a small overlay for the entries changed since.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from .index import Document, Hit, Index, MatchSettings, load_arrays, save_arrays


@dataclass(frozen=True)
class RankSettings:
    phrasing_penalty: float = 0.0
    """A phrasing's score counts this much less than the entry's own (the gate below does the work)."""
    phrasing_min_similarity: float | None = None
    phrasing_min_coverage: float | None = None
    """A phrasing's keyword score counts when it is a near paraphrase: character n-gram similarity to the
    question and the share of the question's informative weight it holds both reach these ...
    None: the keyword ranking's gate (:data:`KEYWORD_PHRASING_GATE`, 0.5 and 0.7) or, when fused, the one
    fitted for the encoder (:data:`FUSIONS`; e5: 0.4 and 0.3). Alone, looser phrasings pulled questions
    away from entries without phrasings (bench, grouped folds: no gate lost 0.08 top-1 on them, 0.5/0.7
    0.002, 0.4/0.3 0.02, while curated entries still gained); fused, the cosines re-rank what a looser gate
    lets in, so e5's gate is looser (curated scenario, out of fold: curated top-1 0.576 -> 0.613, uncurated
    loss 0.010 -> 0.005; 0.603 / 0.007 after the encoder's layer norms were unfused)."""
    phrasing_full_coverage: float = 0.99
    """... or when every informative word of the question is in the phrasing (staff phrasings written as
    key words, e.g. «Соцсети центра»)."""
    depth: int = 30
    """Candidates taken from each keyword index (and re-ranked by the semantic signal)."""
    title_weight: float | None = None
    """Weight of the z-scored cosine of the question to the entry's question (or best phrasing).
    None here and in the four settings below: the value fitted for the encoder (:data:`FUSIONS`)."""
    entry_weight: float | None = None
    """Weight of the z-scored cosine to the entry's question and the start of its answer."""
    entry_chars: int = 400
    phrasing_similarity_penalty: float | None = None
    """A phrasing's cosine counts this much less than the entry's question's (USE-m3: 0.2; research:
    ``− 0.1``; on rutube dev with the training folds' questions as phrasings, 0.2 lost 0.005 top-1 on
    uncurated entries where 0.1 lost 0.012, curated top-1 0.524 vs 0.521; larger weights on phrasings
    raised curated top-1 to 0.55 only by losing 0.03-0.15 on the others)."""
    phrasing_bonus_similarity: float | None = None
    phrasing_bonus: float | None = None
    """A candidate whose best phrasing has a cosine of at least ``phrasing_bonus_similarity`` to the question
    (a paraphrase in meaning, whatever words it uses) gains ``phrasing_bonus`` on its fused score (on the
    z-score scale). Only such near paraphrases count more: a phrasing is a citizen's question that staff
    confirmed, so one this close is stronger evidence than any title, while the loose similarity above stays
    penalised (weighting every phrasing cosine more pulled questions away from entries without phrasings).
    Chosen by 5-fold cross-validation on rutube dev with the training folds' questions as phrasings
    (benchmarks/kb_keyword_bench.py); USE-m3: 0.65 and 1.0, out of fold curated top-1 0.524 -> 0.551,
    uncurated entries' loss 0.010; a bonus of 0 turns it off."""


def prefixes(encoder: object) -> tuple[str, str]:
    """(question prefix, passage prefix) of ``encoder`` (:class:`TextEncoder`)."""
    return getattr(encoder, "query_prefix", "") or "", getattr(encoder, "passage_prefix", "") or ""


def said_documents(docs: Iterable[Document]) -> list[Document]:
    """The staff phrasings of ``docs``, one document each, keyed by its entry: what the phrasing index
    and the sentence vectors hold."""
    return [Document(d.key, p) for d in docs for p in d.phrasings if p and p.strip()]


#: The phrasing gate of the keyword ranking (RankSettings fields left None, and of a fused ranking whose
#: fusion does not fit its own).
KEYWORD_PHRASING_GATE = {"phrasing_min_similarity": 0.5, "phrasing_min_coverage": 0.7}


class Ranker:
    """Entries' keyword index + phrasing index (+ optional semantic re-ranker); read-only once built.

    It answers like an :class:`Index` (``search``, ``analyze_query``, ``highlight_terms``, ``idf``,
    ``analyzer``, ``len``): every attribute it does not define is the entries' index's."""

    def __init__(self, index: Index, phrasings: Index | None, rank: RankSettings | None = None,
                 semantic: Semantic | None = None) -> None:
        self.index = index
        self.phrasings = phrasings
        self.rank = rank or RankSettings()
        self.semantic = semantic
        self._doc_of = {key: d for d, key in enumerate(index.keys)}
        gate = self.semantic.fitted(self.rank) if self.semantic is not None else self.rank
        #: the settings the phrasings are scored by: ``rank`` with the gate it leaves open filled in
        self.phrasing_rank = replace(gate, **{k: v for k, v in KEYWORD_PHRASING_GATE.items()
                                              if getattr(gate, k) is None})

    @classmethod
    def build(cls, documents: Iterable[Document], settings: MatchSettings | None = None,
              synonyms: Iterable[Sequence[str]] = (), version: object = None,
              rank: RankSettings | None = None, encoder: TextEncoder | None = None,
              previous: Ranker | None = None) -> Ranker:
        """``encoder`` (e.g. from the ``sep_text_encoder`` hook) adds the semantic signal; vectors of texts
        that ``previous`` (the index this one replaces) already encoded with the same encoder are reused,
        so one changed entry costs one encoding, not the whole base's."""
        rank = rank or RankSettings()
        docs = list(documents)
        synonyms = [list(s) for s in synonyms]
        entries = [replace(d, phrasings=()) for d in docs]
        said = said_documents(docs)
        index = Index.build(entries, settings, synonyms, version)
        phr = None
        if said:
            # a phrasing is a question alone: no answer passages to compare
            phr = Index.build(said, index.settings.with_(answer_gram_weight=0.0, passage_weight=0.0),
                              synonyms, version)
        semantic = None
        if encoder is not None:
            old = previous.semantic if previous is not None else None
            semantic = Semantic.build(encoder, docs, said, rank, old if old is not None and old.encoder is encoder
                                      else None)
        return cls(index, phr, rank, semantic)

    def __getattr__(self, name: str):
        return getattr(self.index, name)

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, term: str) -> bool:
        return term in self.index

    def search(self, question: str, limit: int = 5) -> list[Hit]:
        return self.search_query(self.index.analyze_query(question), limit)

    def search_query(self, query, limit: int = 5) -> list[Hit]:
        """Entries for an analysed question (of the entries' index), best first."""
        depth = max(limit, self.rank.depth)
        question = query.normalized if query.repaired else query.text
        # the question is encoded while the keyword stage runs (ONNX Runtime and numpy release the GIL):
        # the fused latency is about the longer of the two, not their sum
        pending = self.semantic.question_vector_soon(question) if self.semantic is not None else None
        hits = self.index.search_query(query, depth)
        if self.phrasings is not None:
            hits = self._with_phrasings(query, hits, depth)
        if pending is not None and hits:
            hits = self.semantic.rerank(question, hits, self.rank, vector=pending.result())
        return hits[:limit]

    # -- phrasings ------------------------------------------------------------------------------

    def _with_phrasings(self, query, hits: list[Hit], depth: int) -> list[Hit]:
        index, phr, s, r = self.index, self.phrasings, self.index.settings, self.phrasing_rank
        said = phr.search(query.text, depth)
        if not said:
            return hits
        # the entries' scores are relative to their lead's BM25; phrasings are put on the same scale
        lead_rel = max((h.features[1] for h in hits), default=0.0) or max(h.features[1] for h in said)
        best: dict[object, Hit] = {}
        for h in said:  # best phrasing per entry (hits come best first)
            cov, sim = h.features[0], h.features[3]
            if cov >= r.phrasing_full_coverage or (sim >= r.phrasing_min_similarity and cov >= r.phrasing_min_coverage):
                best.setdefault(h.key, h)
        if not best:
            return hits
        rels: dict[object, float] = {}
        for h in said:
            rels[h.key] = max(rels.get(h.key, 0.0), h.features[1])
        by_key = {h.key: h for h in hits}
        merged: dict[object, Hit] = dict(by_key)
        for key, h in best.items():
            d = self._doc_of.get(key)
            if d is None:
                continue
            own = by_key.get(key)
            asim = own.features[4] if own is not None else 0.0
            # a phrasing's BM25 is capped at the lead's: a short phrasing knows fewer of the question's words,
            # so its relative score is inflated
            score = (min(1.0, h.features[1] / lead_rel) + s.gram_weight * h.features[3] + s.answer_gram_weight * asim
                     - self.rank.phrasing_penalty)
            if own is not None and own.score >= score:
                continue
            # the phrasing's own confidence, its margin taken over other entries' phrasings only
            other = max((r for k, r in rels.items() if k != key), default=0.0)
            cov, rel, _, sim = h.features[:4]
            rel, other = min(rel, lead_rel), min(other, lead_rel)  # inflated like the score
            feats = (cov, rel, max(0.0, rel - other), sim, asim, 0.0)
            conf = index._confidence(*feats)
            if own is not None:
                conf = max(conf, own.confidence)
            matched = own.matched if own is not None else index._matched(query, d)
            merged[key] = Hit(key, d, score, conf, cov, matched, feats)
        ranked = sorted(merged.values(), key=lambda h: (-h.score, h.doc))
        if ranked:
            top = ranked[0].confidence
            for h in ranked[1:]:
                h.confidence = min(h.confidence, top)
        return ranked[:depth]


class TextEncoder(Protocol):
    """What the ``sep_text_encoder`` hook returns: L2-normalised sentence vectors, from local files only.

    It may also have ``query_prefix`` and ``passage_prefix`` (strings, default empty): what the model
    wants before a question (the citizen's, an entry's question, a phrasing) and before a text that
    answers (an entry's question with the start of its answer), e.g. e5's ``"query: "``/``"passage: "``."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32 rows of unit length."""


def text_digests(texts: Sequence[str]) -> np.ndarray:
    """blake2b-64 of each text's UTF-8 bytes (uint64): the key a text's vector is found by in a store.
    Sorted digests with :func:`numpy.searchsorted` replace a dict of 100k+ strings, and can be
    memory-mapped; two different texts share a digest with probability ~n²/2⁶⁵ (3·10⁻¹⁰ at 100k)."""
    data = b"".join(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest() for t in texts)
    return np.frombuffer(data, dtype="<u8").astype(np.uint64)


class VectorStore:
    """Unit vectors stored as int8 rows with a float32 scale each (a quarter of float32's memory), found
    by their text's digest (sorted uint64 digests and the row of each): plain arrays, so a build saves
    them (:meth:`save`) and every worker memory-maps the same pages (:meth:`load`), and a rebuild
    reuses the rows of texts a previous store already holds."""

    FILES = ("rows", "scales", "digests", "positions")

    def __init__(self, rows: np.ndarray, scales: np.ndarray, digests: np.ndarray, positions: np.ndarray) -> None:
        self.rows, self.scales, self.digests, self.positions = rows, scales, digests, positions

    def row(self, text: str) -> int | None:
        """The row of a text's vector, None when the store does not hold it."""
        found = int(self.find(text_digests([text]))[0])
        return None if found < 0 else found

    def find(self, digests: np.ndarray) -> np.ndarray:
        """The row of each digest's text, -1 where the store does not hold it."""
        digests = np.asarray(digests, dtype=np.uint64)
        if len(self.digests) == 0 or len(digests) == 0:
            return np.full(len(digests), -1, np.int64)
        at = np.minimum(np.searchsorted(self.digests, digests), len(self.digests) - 1)
        return np.where(self.digests[at] == digests, self.positions[at], -1).astype(np.int64)

    @classmethod
    def build(cls, encoder: TextEncoder, texts: Iterable[str], previous: Sequence[VectorStore] = (),
              batch: int = 256, encoded: list[int] | None = None) -> VectorStore:
        """The vectors of ``texts`` (duplicates once): rows the ``previous`` stores (made by the same
        encoder) hold for the same text are copied, the others encoded in batches of ``batch`` in the
        texts' order (a vector depends slightly on its batch's padding, so the same texts in the same
        order give the same rows). ``encoded`` receives the count of texts encoded."""
        order = list(dict.fromkeys(texts))
        digests = text_digests(order)
        rows: np.ndarray | None = None
        scales = np.zeros(len(order), np.float32)
        found = np.full(len(order), -1, np.int64)
        for old in previous:
            if old is None or len(old.digests) == 0:
                continue
            todo = np.flatnonzero(found < 0)
            at = old.find(digests[todo])
            hit = at >= 0
            if not hit.any():
                continue
            if rows is None:
                rows = np.zeros((len(order), old.rows.shape[1]), np.int8)
            elif rows.shape[1] != old.rows.shape[1]:
                continue  # another encoder's vectors
            mine, theirs = todo[hit], at[hit]
            rows[mine], scales[mine] = old.rows[theirs], old.scales[theirs]
            found[mine] = theirs
        missing = np.flatnonzero(found < 0).tolist()
        for start in range(0, len(missing), batch):
            part = missing[start:start + batch]
            vecs = np.asarray(encoder.encode([order[i] for i in part]), dtype=np.float32)
            if rows is None:
                rows = np.zeros((len(order), vecs.shape[1]), np.int8)
            peak = np.maximum(np.abs(vecs).max(axis=1), 1e-12)
            rows[part] = np.round(vecs / peak[:, None] * 127.0).astype(np.int8)
            scales[part] = peak / 127.0
        if encoded is not None:
            encoded.append(len(missing))
        if rows is None:
            rows = np.zeros((0, 1), np.int8)
        positions = np.argsort(digests, kind="stable").astype(np.int64)
        return cls(rows, scales, digests[positions], positions)

    def save(self, folder: Path) -> None:
        save_arrays(folder, {name: getattr(self, name) for name in self.FILES}, "vectors.")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> VectorStore:
        """A saved store, memory-mapped read-only (the pages are shared by every worker mapping them)."""
        return cls(**load_arrays(folder, cls.FILES, "vectors.", mmap))

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.rows[rows], self.scales[rows]

    def cosines(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosines of the query (unit float32) with the given rows (only these are dequantised)."""
        if len(rows) == 0:
            return np.zeros(0, np.float32)
        return (self.rows[rows].astype(np.float32) @ query) * self.scales[rows]

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.FILES)


class EntryRows:
    """Per entry: the row of its question, of its question with the start of its answer, and of each of
    its phrasings (CSR: ``phrasing_rows[starts[i]:starts[i + 1]]``). Integer keys (entry ids) are kept
    sorted and found by :func:`numpy.searchsorted`, so the table is plain arrays that a build saves and
    workers map; other keys (tests, benchmarks) go through a dict."""

    FILES = ("keys", "title", "entry", "starts", "phrasing_rows")

    def __init__(self, keys: np.ndarray, title: np.ndarray, entry: np.ndarray, starts: np.ndarray,
                 phrasing_rows: np.ndarray) -> None:
        self.keys, self.title, self.entry = keys, title, entry
        self.starts, self.phrasing_rows = starts, phrasing_rows
        self._pos = None if keys.dtype == np.int64 else {k: i for i, k in enumerate(keys.tolist())}

    @classmethod
    def build(cls, keys: list, title: list[int], entry: list[int], phrasings: dict[object, list[int]]) -> EntryRows:
        order = sorted(range(len(keys)), key=lambda i: keys[i]) if all(
            isinstance(k, int) for k in keys) else list(range(len(keys)))
        sorted_keys = [keys[i] for i in order]
        key_array = (np.array(sorted_keys, np.int64) if all(isinstance(k, int) for k in keys)
                     else np.array([*sorted_keys, None], dtype=object)[:-1])
        said = [phrasings.get(k, ()) for k in sorted_keys]
        starts = np.zeros(len(order) + 1, np.int64)
        np.cumsum([len(s) for s in said], out=starts[1:])
        return cls(key_array, np.array([title[i] for i in order], np.int64),
                   np.array([entry[i] for i in order], np.int64), starts,
                   np.array([r for s in said for r in s], np.int64))

    def position(self, key) -> int | None:
        if self._pos is not None:
            return self._pos.get(key)
        if not isinstance(key, (int, np.integer)) or len(self.keys) == 0:
            return None
        i = int(np.searchsorted(self.keys, key))
        return i if i < len(self.keys) and int(self.keys[i]) == key else None

    def phrasings_at(self, i: int) -> np.ndarray:
        return self.phrasing_rows[int(self.starts[i]):int(self.starts[i + 1])]

    def save(self, folder: Path) -> None:
        if self._pos is not None:
            raise ValueError("only a table of integer keys is saved")
        save_arrays(folder, {name: getattr(self, name) for name in self.FILES}, "entries.")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> EntryRows:
        return cls(**load_arrays(folder, cls.FILES, "entries.", mmap))

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.FILES if getattr(self, name).dtype != object)


#: ``meta.json`` of a saved :class:`Semantic`: what must match for a worker to use it.
SEMANTIC_FORMAT = 1


class Semantic:
    """Sentence vectors of the entries (question; question + start of the answer) and of the phrasings,
    and the re-ranking of keyword candidates by per-question z-scores.

    The vectors are a base store (a shared build's, memory-mapped: :meth:`save` / :meth:`load`) and,
    after an edit, a small overlay of the changed entries' texts (:meth:`updated`): the changed and the
    removed entries' base rows are masked, so an edit encodes only its own texts."""

    def __init__(self, encoder: TextEncoder, store: VectorStore, table: EntryRows,
                 extra: VectorStore | None = None, extra_table: EntryRows | None = None,
                 masked: frozenset = frozenset()) -> None:
        self.encoder, self.store, self.table = encoder, store, table
        self.extra, self.extra_table, self.masked = extra, extra_table, masked

    @staticmethod
    def texts(docs: list[Document], said: list[Document], rank: RankSettings, encoder: object = None) -> list[str]:
        """The texts encoded, in this order (the order fixes the batches): the entries' questions, their
        questions with the start of their answers, the phrasings; each with the prefix ``encoder`` asks
        for (a question's or a passage's: :func:`prefixes`)."""
        ask, passage = prefixes(encoder)
        return ([ask + d.question for d in docs] + [passage + _entry_text(d, rank) for d in docs]
                + [ask + p.question for p in said])

    @classmethod
    def build(cls, encoder: TextEncoder, docs: list[Document], said: list[Document], rank: RankSettings,
              previous: Semantic | Sequence[VectorStore] | None = None, encoded: list[int] | None = None) -> Semantic:
        """``previous`` (a Semantic made by the same encoder, or its stores) gives the rows of texts it
        already holds; ``encoded`` receives the count of texts encoded."""
        stores = previous.stores() if isinstance(previous, Semantic) else tuple(previous or ())
        store = VectorStore.build(encoder, cls.texts(docs, said, rank, encoder), stores, encoded=encoded)
        return cls(encoder, store, _table(store, docs, said, rank, encoder))

    def stores(self) -> tuple[VectorStore, ...]:
        return (self.store,) if self.extra is None else (self.extra, self.store)

    def updated(self, encoder: TextEncoder, docs: list[Document], said: list[Document], removed: Iterable,
                rank: RankSettings, previous: Semantic | None = None, encoded: list[int] | None = None) -> Semantic:
        """This (base) Semantic with ``docs`` replacing their entries and the ``removed`` keys gone: only
        the texts neither the base nor ``previous`` (the overlay this one replaces) holds are encoded."""
        stores = (*(previous.stores() if previous is not None else ()), self.store)
        extra = VectorStore.build(encoder, self.texts(docs, said, rank, encoder), stores, encoded=encoded)
        masked = frozenset(removed) | {d.key for d in docs}
        return Semantic(encoder, self.store, self.table, extra, _table(extra, docs, said, rank, encoder), masked)

    def save(self, folder: Path, rank: RankSettings) -> None:
        """The base store and table as ``.npy`` files and ``meta.json`` (the encoder's name, what a worker
        checks before it uses them); the overlay is not saved (a build folds it in)."""
        self.store.save(folder)
        self.table.save(folder)
        meta = {"format": SEMANTIC_FORMAT, "encoder": self.encoder.name, "dim": int(self.store.rows.shape[1]),
                "texts": len(self.store.digests), "entry_chars": rank.entry_chars}
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @staticmethod
    def meta(folder: Path) -> dict | None:
        try:
            return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    @classmethod
    def load(cls, folder: Path, encoder: TextEncoder, rank: RankSettings) -> Semantic | None:
        """The saved vectors, memory-mapped, if ``encoder`` (by name) made them with these settings."""
        meta = cls.meta(folder)
        if (meta is None or meta.get("format") != SEMANTIC_FORMAT or meta.get("encoder") != encoder.name
                or meta.get("entry_chars") != rank.entry_chars):
            return None
        return cls(encoder, VectorStore.load(folder), EntryRows.load(folder))

    def _refs(self, key) -> tuple[int, int, np.ndarray]:
        """(question row, entry-text row, phrasing rows) of an entry; rows of the overlay are negative
        (``-1 - row``), so that one gather reads both stores."""
        if self.extra_table is not None:
            i = self.extra_table.position(key)
            if i is not None:
                t = self.extra_table
                return -1 - int(t.title[i]), -1 - int(t.entry[i]), -1 - t.phrasings_at(i)
        i = None if key in self.masked else self.table.position(key)
        if i is None:
            raise KeyError(key)
        return int(self.table.title[i]), int(self.table.entry[i]), self.table.phrasings_at(i)

    def _cosines(self, refs: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosines of the query with the rows ``refs`` (base rows, and overlay rows coded negative)."""
        if len(refs) == 0:
            return np.zeros(0, np.float32)
        if self.extra is None or (refs >= 0).all():
            return self.store.cosines(refs, query)
        if (refs < 0).all():
            return self.extra.cosines(-1 - refs, query)
        base = refs >= 0
        rows = np.empty((len(refs), self.store.rows.shape[1]), np.int8)
        scales = np.empty(len(refs), np.float32)
        rows[base], scales[base] = self.store.gather(refs[base])
        rows[~base], scales[~base] = self.extra.gather(-1 - refs[~base])
        return (rows.astype(np.float32) @ query) * scales

    def vector_rows(self, key) -> tuple[np.ndarray, np.ndarray] | None:
        """The int8 rows of an entry's question and entry text (None if it has none): for tests."""
        try:
            title, entry, _ = self._refs(key)
        except KeyError:
            return None
        out = []
        for ref in (title, entry):
            out.append(self.store.rows[ref] if ref >= 0 else self.extra.rows[-1 - ref])
        return out[0], out[1]

    def question_vector(self, question: str) -> np.ndarray:
        """The question's vector (with the question prefix the encoder asks for)."""
        return np.asarray(self.encoder.encode([prefixes(self.encoder)[0] + question]), dtype=np.float32)[0]

    def question_vector_soon(self, question: str) -> Future:
        """:meth:`question_vector` computed on the process's encoding thread (see :func:`encoding_thread`)."""
        return encoding_thread().submit(self.question_vector, question)

    def signals(self, question: str, keys: Sequence, penalty: float = 0.1, vector: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(cosine to the question or best phrasing − penalty, cosine to the entry text, raw question cosine,
        raw cosine to the best phrasing (−1 for an entry without phrasings)); ``vector``: the question's,
        if already encoded."""
        query = self.question_vector(question) if vector is None else vector
        refs = [self._refs(k) for k in keys]
        title = self._cosines(np.array([r[0] for r in refs], np.int64), query)
        entry = self._cosines(np.array([r[1] for r in refs], np.int64), query)
        best = title.copy()
        phrasing = np.full(len(keys), -1.0, np.float32)
        for i, r in enumerate(refs):
            if len(r[2]):
                phrasing[i] = float(self._cosines(np.asarray(r[2], np.int64), query).max())
                best[i] = max(best[i], phrasing[i] - penalty)
        return best, entry, title, phrasing

    def rerank(self, question: str, hits: list[Hit], rank: RankSettings, vector: np.ndarray | None = None
               ) -> list[Hit]:
        keys = [h.key for h in hits]
        rank = self.fitted(rank)
        best, entry, _, phrasing = self.signals(question, keys, rank.phrasing_similarity_penalty, vector)
        keyword = np.array([h.score for h in hits], np.float32)
        if len(hits) == 1:
            # one candidate has no spread to standardise by: it is measured against an absent one (no
            # keyword score, no similarity), as a list whose runner-up matches nothing would be
            keyword, best, entry = (np.append(v, np.float32(0.0)) for v in (keyword, best, entry))
        fused = z_scores(keyword) + rank.title_weight * z_scores(best) + rank.entry_weight * z_scores(entry)
        fused = fused[:len(hits)]
        if rank.phrasing_bonus:
            # added after the z-scores: an entry without phrasings never gains it, and the others' z-scores
            # do not depend on it
            fused = fused + rank.phrasing_bonus * (phrasing >= rank.phrasing_bonus_similarity)
        order = sorted(range(len(hits)), key=lambda i: (-float(fused[i]), i))
        low = float(fused.min())
        out = []
        for i in order:
            h = hits[i]
            # the score stays non-negative (the decision compares choices to the first by ratio); the
            # features gain the fused score, the cosines and the keyword confidence for the fused one
            out.append(replace(h, score=float(fused[i]) - low + 1e-6,
                               features=(*h.features[:6], float(fused[i]), float(best[i]), float(entry[i]),
                                         h.confidence)))
        confidence = self.confidence(fused_features(out))
        for n, h in enumerate(out):
            h.confidence = confidence if n == 0 else min(h.confidence, confidence)
        return out

    confidence_model: tuple[float, ...] = ()

    @property
    def fusion(self) -> Fusion:
        return fusion_for(self.encoder)

    def fitted(self, rank: RankSettings) -> RankSettings:
        """``rank`` with the weights it leaves open (None) set to the ones fitted for this encoder."""
        fitted = self.fusion.weights
        return replace(rank, **{k: v for k, v in fitted.items() if getattr(rank, k) is None})

    def confidence(self, features: Sequence[float]) -> float:
        w = self.confidence_model or self.fusion.confidence
        z = w[0] + sum(a * b for a, b in zip(w[1:], features, strict=True))
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4)

    def nbytes(self) -> int:
        return sum(s.nbytes() for s in self.stores()) + self.table.nbytes()


def _entry_text(d: Document, rank: RankSettings) -> str:
    return f"{d.question} {d.answer}"[: rank.entry_chars]


def _table(store: VectorStore, docs: list[Document], said: list[Document], rank: RankSettings,
           encoder: object = None) -> EntryRows:
    """The rows of each entry's texts in ``store`` (which holds them all)."""
    texts = Semantic.texts(docs, said, rank, encoder)
    n = len(docs)
    title = store.find(text_digests(texts[:n])).tolist()
    entry = store.find(text_digests(texts[n:2 * n])).tolist()
    found = store.find(text_digests(texts[2 * n:])).tolist()
    phrasings: dict[object, list[int]] = {}
    for p, row in zip(said, found, strict=True):
        phrasings.setdefault(p.key, []).append(row)
    return EntryRows.build([d.key for d in docs], title, entry, phrasings)


#: The fused confidence's inputs, from the ranked hits: the first's fused score, its lead over the second,
#: its cosine (question or best phrasing), its cosine to the entry text, the keyword confidence, the
#: cosine lead over the second, and the fused lead over the third.
FEATURES = ("fused", "fused_gap", "cosine", "entry_cosine", "keyword_confidence", "cosine_gap", "fused_gap3")
#: [bias, *weights] of the logistic model over FEATURES, fitted on rutube_faq dev by
#: benchmarks/fit_semantic_confidence.py (its out-of-fold figures are in benchmarks/results/): USE-m3's,
#: fitted before the script kept the weights non-negative; refitted with it (2026-12-06) out of fold it
#: answered 27.9 % at 85.7 % right against 29.9 % at 85.0 %, so this fit stays.
FUSED_CONFIDENCE: tuple[float, ...] = (-3.727, 0.199, -0.073, 0.037, 1.329, 3.763, 4.435, 0.195)
#: Thresholds of the decision when the ranking is fused (decision.Policy fields), chosen on the
#: out-of-fold confidences so that >= 85 % of single answers are right; the keyword-only mode keeps
#: decision.Policy's own defaults, calibrated for its own confidence.
#: (2026-12-05: out of fold 0.299 answered, 0.850 of them right; ECE 0.048.)
FUSED_POLICY = {"answer_threshold": 0.658, "clarify_threshold": 0.05}


@dataclass(frozen=True)
class Fusion:
    """What the fused ranking fits to one sentence encoder: each model's cosines have their own scale and
    spread, so the weights of its signals (``RankSettings`` fields left None), the confidence model over
    FEATURES and the decision's thresholds are fitted per model (benchmarks/fit_semantic_confidence.py,
    benchmarks/kb_keyword_bench.py)."""

    weights: dict
    confidence: tuple[float, ...]
    policy: dict


#: Fitted fusions by model (an encoder name's first word). An encoder not listed gets USE-m3's, the first
#: one fitted; fit your own with the two scripts above and add it here.
FUSIONS: dict[str, Fusion] = {
    "use-multilingual-v3": Fusion(
        {"title_weight": 0.5, "entry_weight": 0.5, "phrasing_similarity_penalty": 0.2,
         "phrasing_bonus_similarity": 0.65, "phrasing_bonus": 1.0}, FUSED_CONFIDENCE, FUSED_POLICY),
    # 2026-12-06, int8 graph with unfused layer norms (benchmarks/kb_keyword_bench.py --quick --consultant-only):
    # weights by the bench's grouped 5-fold CV (`fusion_weights`; out of fold top-1 0.554, MRR@10 0.649;
    # chosen on all of dev 0.564/0.655, xquad 0.931); confidence (non-negative weights) out of fold: 37.9 %
    # answered, 85.5 % of them right, ECE 0.052 (benchmarks/fit_semantic_confidence.py); phrasings
    # (curated scenario, each fold's values chosen on the other four with a loss <= 0.01 there): penalty
    # and bonus as chosen before (0.1, 1.0), the keyword gate with the bonus similarity chosen by the
    # bench's grid (all five folds chose gate 0.4/0.3): out of fold curated top-1 0.603, uncurated loss
    # 0.007 (in-sample 0.608 / 0.000)
    "multilingual-e5-small": Fusion(
        {"title_weight": 0.75, "entry_weight": 2.0, "phrasing_similarity_penalty": 0.1,
         "phrasing_bonus_similarity": 0.92, "phrasing_bonus": 1.0,
         "phrasing_min_similarity": 0.4, "phrasing_min_coverage": 0.3},
        (-21.002, 0.087, 0.166, 9.274, 12.504, 0.143, 0.0, 0.209),
        {"answer_threshold": 0.652, "clarify_threshold": 0.05}),
}


def fusion_for(encoder: object) -> Fusion:
    """The fitted :class:`Fusion` of ``encoder``'s model."""
    model = (getattr(encoder, "name", "") or "").split(" ")[0]
    return FUSIONS.get(model, FUSIONS["use-multilingual-v3"])


def fused_features(hits: Sequence[Hit]) -> tuple[float, ...]:
    """FEATURES of a fused ranking (zeros when there is no hit). A lone candidate's lead is over the absent
    runner-up it was standardised against (:meth:`Semantic.rerank`), whose fused score mirrors its own."""
    if not hits or len(hits[0].features) < 10:
        return (0.0,) * len(FEATURES)
    a = hits[0].features
    b = hits[1].features if len(hits) > 1 else None
    c = hits[2].features if len(hits) > 2 else None
    return (a[6], a[6] - (b[6] if b else -a[6]), a[7], a[8], a[9], a[7] - (b[7] if b else 0.0),
            a[6] - (c[6] if c else a[6] - 1.0))


def is_fused(hits: Sequence[Hit]) -> bool:
    """Whether hits were re-ranked by the semantic signal (so the fused calibration applies)."""
    return bool(hits) and len(hits[0].features) >= 10


_encoding: tuple[int, ThreadPoolExecutor] | None = None


def encoding_thread() -> ThreadPoolExecutor:
    """The process's one thread that encodes questions beside the keyword stage. One is enough: the
    encoders run one text at a time per process anyway (their lock). Made again in a forked child (a
    build's), which inherits the object but not the thread."""
    global _encoding
    if _encoding is None or _encoding[0] != os.getpid():
        _encoding = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-question-encoder"))
    return _encoding[1]


def z_scores(values: np.ndarray) -> np.ndarray:
    """Per-question standardisation of a signal over the candidates (0 when it does not vary)."""
    sd = float(values.std())
    return (values - values.mean()) / sd if sd > 1e-9 else np.zeros_like(values)
