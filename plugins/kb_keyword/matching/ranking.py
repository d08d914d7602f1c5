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
stable across folds). Without it the keyword ranking is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

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


class Ranker:
    """Entries' keyword index + phrasing index (+ optional semantic re-ranker); read-only once built.

    It answers like an :class:`Index` (``search``, ``analyze_query``, ``highlight_terms``, ``idf``,
    ``analyzer``, ``len``): every attribute it does not define is the entries' index's."""

    def __init__(self, index: Index, phrasings: Index | None, rank: RankSettings | None = None,
                 semantic=None) -> None:
        self.index = index
        self.phrasings = phrasings
        self.rank = rank or RankSettings()
        self.semantic = semantic
        self._doc_of = {key: d for d, key in enumerate(index.keys)}

    @classmethod
    def build(cls, documents: Iterable[Document], settings: MatchSettings | None = None,
              synonyms: Iterable[Sequence[str]] = (), version: object = None,
              rank: RankSettings | None = None) -> Ranker:
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
        return cls(index, phr, rank)

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


def z_scores(values: np.ndarray) -> np.ndarray:
    """Per-question standardisation of a signal over the candidates (0 when it does not vary)."""
    sd = float(values.std())
    return (values - values.mean()) / sd if sd > 1e-9 else np.zeros_like(values)
