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
Without it the keyword ranking is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from .index import Document, Hit, Index, MatchSettings


@dataclass(frozen=True)
class RankSettings:
    phrasing_penalty: float = 0.0
    """A phrasing's score counts this much less than the entry's own (the gate below does the work)."""
    phrasing_min_similarity: float = 0.5
    phrasing_min_coverage: float = 0.7
    """A phrasing counts when it is a near paraphrase: character n-gram similarity to the question and the
    share of the question's informative weight it holds both reach these ...
    Looser phrasings pulled questions away from entries without phrasings (bench, grouped folds: no gate
    lost 0.08 top-1 on them, this gate 0.002, while curated entries still gained)."""
    phrasing_full_coverage: float = 0.99
    """... or when every informative word of the question is in the phrasing (staff phrasings written as
    key words, e.g. «Соцсети центра»)."""
    depth: int = 30
    """Candidates taken from each keyword index (and re-ranked by the semantic signal)."""
    title_weight: float = 0.5
    """Weight of the z-scored cosine of the question to the entry's question (or best phrasing)."""
    entry_weight: float = 0.5
    """Weight of the z-scored cosine to the entry's question and the start of its answer."""
    entry_chars: int = 400
    phrasing_similarity_penalty: float = 0.2
    """A phrasing's cosine counts this much less than the entry's question's (research: ``− 0.1``; on rutube
    dev with the training folds' questions as phrasings, 0.2 lost 0.005 top-1 on uncurated entries where 0.1
    lost 0.012, curated top-1 0.524 vs 0.521; larger weights on phrasings raised curated top-1 to 0.55
    only by losing 0.03-0.15 on the others)."""
    phrasing_bonus_similarity: float = 0.65
    phrasing_bonus: float = 1.0
    """A candidate whose best phrasing has a cosine of at least ``phrasing_bonus_similarity`` to the question
    (a paraphrase in meaning, whatever words it uses) gains ``phrasing_bonus`` on its fused score (on the
    z-score scale). Only such near paraphrases count more: a phrasing is a citizen's question that staff
    confirmed, so one this close is stronger evidence than any title, while the loose similarity above stays
    penalised (weighting every phrasing cosine more pulled questions away from entries without phrasings).
    Chosen by 5-fold cross-validation on rutube dev with the training folds' questions as phrasings
    (benchmarks/kb_keyword_bench.py): out of fold curated top-1 0.524 -> 0.551, uncurated entries' loss
    0.010; 0 turns it off."""


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
        said = [Document(d.key, p) for d in docs for p in d.phrasings if p and p.strip()]
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
        hits = self.index.search_query(query, depth)
        if self.phrasings is not None:
            hits = self._with_phrasings(query, hits, depth)
        if self.semantic is not None and hits:
            hits = self.semantic.rerank(query.text, hits, self.rank)
        return hits[:limit]

    # -- phrasings ------------------------------------------------------------------------------

    def _with_phrasings(self, query, hits: list[Hit], depth: int) -> list[Hit]:
        index, phr, s, r = self.index, self.phrasings, self.index.settings, self.rank
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
    """What the ``sep_text_encoder`` hook returns: L2-normalised sentence vectors, from local files only."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32 rows of unit length."""


class VectorStore:
    """Unit vectors stored as int8 rows with a float32 scale each (a quarter of float32's memory);
    looked up by text so that a rebuild reuses what it already has."""

    def __init__(self, rows: np.ndarray, scales: np.ndarray, row_of: dict[str, int]) -> None:
        self.rows, self.scales, self.row_of = rows, scales, row_of

    @classmethod
    def build(cls, encoder: TextEncoder, texts: Iterable[str], previous: VectorStore | None = None,
              batch: int = 256) -> VectorStore:
        order = list(dict.fromkeys(texts))
        row_of = {t: i for i, t in enumerate(order)}
        dim = None
        rows: np.ndarray | None = None
        scales = np.zeros(len(order), np.float32)
        missing = []
        for i, t in enumerate(order):
            j = previous.row_of.get(t) if previous is not None else None
            if j is None:
                missing.append(i)
                continue
            if rows is None:
                dim = previous.rows.shape[1]
                rows = np.zeros((len(order), dim), np.int8)
            rows[i], scales[i] = previous.rows[j], previous.scales[j]
        for start in range(0, len(missing), batch):
            part = missing[start:start + batch]
            vecs = np.asarray(encoder.encode([order[i] for i in part]), dtype=np.float32)
            if rows is None:
                dim = vecs.shape[1]
                rows = np.zeros((len(order), dim), np.int8)
            peak = np.maximum(np.abs(vecs).max(axis=1), 1e-12)
            rows[part] = np.round(vecs / peak[:, None] * 127.0).astype(np.int8)
            scales[part] = peak / 127.0
        if rows is None:
            rows = np.zeros((0, 1), np.int8)
        return cls(rows, scales, row_of)

    def cosines(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosines of the query (unit float32) with the given rows (only these are dequantised)."""
        if len(rows) == 0:
            return np.zeros(0, np.float32)
        return (self.rows[rows].astype(np.float32) @ query) * self.scales[rows]

    def nbytes(self) -> int:
        return self.rows.nbytes + self.scales.nbytes


class Semantic:
    """Sentence vectors of the entries (question; question + start of the answer) and of the phrasings,
    and the re-ranking of keyword candidates by per-question z-scores."""

    def __init__(self, encoder: TextEncoder, store: VectorStore, title_rows: dict, entry_rows: dict,
                 phrasing_rows: dict) -> None:
        self.encoder, self.store = encoder, store
        self.title_rows, self.entry_rows, self.phrasing_rows = title_rows, entry_rows, phrasing_rows

    @classmethod
    def build(cls, encoder: TextEncoder, docs: list[Document], said: list[Document], rank: RankSettings,
              previous: Semantic | None = None) -> Semantic:
        def entry_text(d: Document) -> str:
            return f"{d.question} {d.answer}"[: rank.entry_chars]

        texts = [d.question for d in docs] + [entry_text(d) for d in docs] + [p.question for p in said]
        store = VectorStore.build(encoder, texts, previous.store if previous is not None else None)
        title_rows = {d.key: store.row_of[d.question] for d in docs}
        entry_rows = {d.key: store.row_of[entry_text(d)] for d in docs}
        phrasing_rows: dict[object, list[int]] = {}
        for p in said:
            phrasing_rows.setdefault(p.key, []).append(store.row_of[p.question])
        return cls(encoder, store, title_rows, entry_rows, phrasing_rows)

    def signals(self, question: str, keys: Sequence, penalty: float = 0.1
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(cosine to the question or best phrasing − penalty, cosine to the entry text, raw question cosine,
        raw cosine to the best phrasing (−1 for an entry without phrasings))."""
        query = np.asarray(self.encoder.encode([question]), dtype=np.float32)[0]
        store = self.store
        title = store.cosines(np.array([self.title_rows[k] for k in keys], np.int64), query)
        entry = store.cosines(np.array([self.entry_rows[k] for k in keys], np.int64), query)
        best = title.copy()
        phrasing = np.full(len(keys), -1.0, np.float32)
        for i, k in enumerate(keys):
            rows = self.phrasing_rows.get(k)
            if rows:
                phrasing[i] = float(store.cosines(np.array(rows, np.int64), query).max())
                best[i] = max(best[i], phrasing[i] - penalty)
        return best, entry, title, phrasing

    def rerank(self, question: str, hits: list[Hit], rank: RankSettings) -> list[Hit]:
        keys = [h.key for h in hits]
        best, entry, _, phrasing = self.signals(question, keys, rank.phrasing_similarity_penalty)
        keyword = np.array([h.score for h in hits], np.float32)
        fused = z_scores(keyword) + rank.title_weight * z_scores(best) + rank.entry_weight * z_scores(entry)
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

    def confidence(self, features: Sequence[float]) -> float:
        w = self.confidence_model or FUSED_CONFIDENCE
        z = w[0] + sum(a * b for a, b in zip(w[1:], features, strict=True))
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4)

    def nbytes(self) -> int:
        return self.store.nbytes()


#: The fused confidence's inputs, from the ranked hits: the first's fused score, its lead over the second,
#: its cosine (question or best phrasing), its cosine to the entry text, the keyword confidence, the
#: cosine lead over the second, and the fused lead over the third.
FEATURES = ("fused", "fused_gap", "cosine", "entry_cosine", "keyword_confidence", "cosine_gap", "fused_gap3")
#: [bias, *weights] of the logistic model over FEATURES, fitted on rutube_faq dev by
#: benchmarks/fit_semantic_confidence.py (its out-of-fold figures are in benchmarks/results/).
FUSED_CONFIDENCE: tuple[float, ...] = (-3.727, 0.199, -0.073, 0.037, 1.329, 3.763, 4.435, 0.195)
#: Thresholds of the decision when the ranking is fused (decision.Policy fields), chosen on the
#: out-of-fold confidences so that >= 85 % of single answers are right; the keyword-only mode keeps
#: decision.Policy's own defaults, calibrated for its own confidence.
#: (2026-12-05: out of fold 0.299 answered, 0.850 of them right; ECE 0.048.)
FUSED_POLICY = {"answer_threshold": 0.658, "clarify_threshold": 0.05}


def fused_features(hits: Sequence[Hit]) -> tuple[float, ...]:
    """FEATURES of a fused ranking (zeros when there is no hit)."""
    if not hits or len(hits[0].features) < 10:
        return (0.0,) * len(FEATURES)
    a = hits[0].features
    b = hits[1].features if len(hits) > 1 else None
    c = hits[2].features if len(hits) > 2 else None
    return (a[6], a[6] - (b[6] if b else a[6] - 1.0), a[7], a[8], a[9], a[7] - (b[7] if b else 0.0),
            a[6] - (c[6] if c else a[6] - 1.0))


def is_fused(hits: Sequence[Hit]) -> bool:
    """Whether hits were re-ranked by the semantic signal (so the fused calibration applies)."""
    return bool(hits) and len(hits[0].features) >= 10


def z_scores(values: np.ndarray) -> np.ndarray:
    """Per-question standardisation of a signal over the candidates (0 when it does not vary)."""
    sd = float(values.std())
    return (values - values.mean()) / sd if sd > 1e-9 else np.zeros_like(values)
