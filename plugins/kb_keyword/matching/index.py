"""The in-memory index: BM25F over fields, key-phrase (bigram) matching, coverage, confidence.

A question is analysed into terms (stems without stop words, synonym concepts) and in-order
bigrams of adjacent terms (its key phrases). An entry's score is

    sum_t idf(t) * bm25f(t, entry) + phrase_weight * sum_p idf(p) * bm25f(p, entry)
        + coverage_weight * coverage(entry) * sum_t idf(t)

where ``coverage`` is the share of the question's informative weight (idf) found in the entry
and bm25f weighs the fields: staff key phrases and question phrasings above the answer text.
The confidence is a logistic function of the top entry's coverage, its score relative to the
best possible one, and its margin over the runner-up, fitted by cross-validation in the benchmark.

The index is built once from plain :class:`Document` objects and is read-only afterwards; the
answer path touches only memory.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np

from . import morphology, stopwords, text
from .chargrams import GramModel, grams
from .synonyms import SynonymMap
from .typos import TypoIndex

FIELDS = ("q", "k", "a")  # question + phrasings, staff key phrases, answer


@dataclass(frozen=True)
class MatchSettings:
    """Every knob of the matcher; the defaults were chosen by cross-validation (see the bench)."""

    morphology: str = "stem"  # "stem" | "lemma" | "none"
    stopwords: bool = True
    synonyms: bool = True
    typos: bool = True
    two_edit_typos: bool = False
    """Long words (8+ letters) may be corrected by two edits when nothing is one edit away."""
    layout: bool = True
    phrases: bool = True
    chargrams: bool = True
    k1: float = 1.8
    b_q: float = 0.5
    b_k: float = 0.3
    b_a: float = 0.75
    w_q: float = 3.0
    w_k: float = 4.0
    w_a: float = 1.0
    phrase_weight: float = 0.5
    coverage_weight: float = 0.0
    gram_weight: float = 1.5
    answer_gram_weight: float = 1.0
    """Weight of the character n-gram similarity to the best passage of the answer (0 = off)."""
    passage_chars: int = 100
    answer_gram_sizes: tuple[int, ...] = (4,)
    """n-gram lengths for the answer passages: 4-grams alone score as 3-5 (bench) in a third of the memory."""
    passage_weight: float = 0.0
    """Weight of the BM25 score of the best passage of the answer (0 = off)."""
    rerank_depth: int = 30
    # confidence = sigmoid(c0 + c_cov * coverage + c_rel * relative score + c_margin * BM25 margin
    #                      + c_gram * character similarity of the question fields
    #                      [+ c_answer * similarity of the best answer passage + c_gap * re-ranked lead: both
    #                       measured, no robust out-of-fold gain, and the lead misleads in tiny bases: off]);
    # fitted on rutube_faq dev (non-negative weights; grouped 5-fold out-of-fold ECE 0.053): see the bench.
    c0: float = -1.469
    c_cov: float = 0.93
    c_rel: float = 0.152
    c_margin: float = 1.028
    c_gram: float = 1.52
    c_answer: float = 0.0
    c_gap: float = 0.0

    def with_(self, **changes) -> MatchSettings:
        return replace(self, **changes)


@dataclass
class Document:
    """One knowledge-base entry as the matcher sees it."""

    key: object
    question: str
    answer: str = ""
    phrasings: Sequence[str] = ()
    keyphrases: Sequence[str] = ()


@dataclass
class Hit:
    key: object
    doc: int
    score: float
    confidence: float
    coverage: float
    matched: frozenset[str] = field(default_factory=frozenset)
    """Query terms (stems and concepts) found in the entry: the fragment highlights them."""
    features: tuple[float, ...] = ()
    """(coverage, relative score, BM25 margin, question-field similarity, answer-passage similarity,
    re-ranked lead): the confidence model's inputs."""


@dataclass
class Query:
    text: str
    terms: list[str]
    """Distinct informative terms in order."""
    bigrams: list[str]
    corrections: dict[str, str]
    normalized: str = ""
    unknown: int = 0
    """Informative words of the question found nowhere in the base: they lower the coverage."""


class _Analyzer:
    def __init__(self, settings: MatchSettings) -> None:
        self.settings = settings
        self.stem = morphology.make(settings.morphology)
        self.stop = stopwords.ALL if settings.stopwords else frozenset()
        self.synonyms: SynonymMap | None = None

    def stems(self, value: str) -> list[str]:
        stem, stop = self.stem, self.stop
        return [stem(t) for t in text.tokens(value) if t not in stop]

    def terms(self, value: str) -> tuple[list[str], list[str]]:
        """(unigram terms with synonym concepts, in-order bigrams) of a text."""
        stems = self.stems(value)
        return self._expand(stems)

    def _expand(self, stems: list[str]) -> tuple[list[str], list[str]]:
        bigrams = [f"{a} {b}" for a, b in pairwise(stems)] if self.settings.phrases else []
        if self.synonyms:
            stems = stems + [c for _, c in self.synonyms.concepts(stems)]
        return stems, bigrams


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def passages(answer: str, max_chars: int = 200) -> list[str]:
    """An answer cut into passages: consecutive sentences joined up to ``max_chars`` (a long one alone)."""
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(answer or ""):
        sentence = sentence.strip()
        if not sentence:
            continue
        if current and len(current) + len(sentence) + 1 > max_chars:
            out.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        out.append(current)
    return out


class Index:
    """Build with :meth:`build`; query with :meth:`search`. Read-only once built (thread-safe)."""

    def __init__(self, settings: MatchSettings | None = None) -> None:
        self.settings = settings or MatchSettings()
        self.analyzer = _Analyzer(self.settings)
        self.keys: list[object] = []
        self.docs: list[Document] = []
        self.term_id: dict[str, int] = {}
        self._ids = np.zeros(0, np.int32)
        self._weights = np.zeros(0, np.float32)
        self._offsets = np.zeros(1, np.int64)
        self._idf = np.zeros(0)
        self.surface_freq: dict[str, int] = {}
        self.typo_index: TypoIndex | None = None
        self.grams: GramModel | None = None
        self.answer_grams: GramModel | None = None
        self._passage_offsets = np.zeros(1, np.int64)
        self._p_ids = np.zeros(0, np.int32)
        self._p_weights = np.zeros(0, np.float32)
        self._p_offsets = np.zeros(1, np.int64)
        self.version: object = None

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def build(cls, documents: Iterable[Document], settings: MatchSettings | None = None,
              synonyms: Iterable[Sequence[str]] = (), version: object = None) -> Index:
        index = cls(settings)
        index.version = version
        s = index.settings
        an = index.analyzer
        if s.synonyms:
            an.synonyms = SynonymMap(synonyms, an.stems) or None
        term_id: dict[str, int] = {}
        post_term, post_doc = array("i"), array("i")
        post_tf = array("f")  # three numbers (q, k, a) per posting
        lens: list[tuple[int, int, int]] = []
        surface: Counter[str] = Counter()
        for doc_no, doc in enumerate(documents):
            index.docs.append(doc)
            index.keys.append(doc.key)
            per_field = []
            for value in (
                "\n".join([doc.question, *doc.phrasings]),
                "\n".join(doc.keyphrases),
                doc.answer,
            ):
                toks = text.tokens(value)
                surface.update(toks)
                stems = [an.stem(t) for t in toks if t not in an.stop]
                unigrams, bigrams = an._expand(stems)
                per_field.append((Counter(unigrams) + Counter(bigrams), len(stems)))
            lens.append((per_field[0][1], per_field[1][1], per_field[2][1]))
            fq, fk, fa = per_field[0][0], per_field[1][0], per_field[2][0]
            for term in fq.keys() | fk.keys() | fa.keys():
                tid = term_id.setdefault(term, len(term_id))
                post_term.append(tid)
                post_doc.append(doc_no)
                post_tf.extend((fq.get(term, 0), fk.get(term, 0), fa.get(term, 0)))
        n_docs = len(index.docs)
        lengths = np.asarray(lens, dtype=np.float32).reshape(-1, 3)
        avg = np.maximum(lengths.mean(axis=0) if n_docs else np.ones(3), 1.0)
        b = np.array([s.b_q, s.b_k, s.b_a], dtype=np.float32)
        w = np.array([s.w_q, s.w_k, s.w_a], dtype=np.float32)
        norm = (1.0 - b) + b * lengths / avg  # (n_docs, 3)
        terms_arr = np.frombuffer(post_term, dtype=np.int32).copy()
        docs_arr = np.frombuffer(post_doc, dtype=np.int32).copy()
        tf_arr = np.frombuffer(post_tf, dtype=np.float32).reshape(-1, 3).copy()
        del post_term, post_doc, post_tf
        tf = (tf_arr * w / norm[docs_arr]).sum(axis=1) if len(docs_arr) else np.zeros(0, np.float32)
        weight = (tf * (s.k1 + 1.0) / (tf + s.k1)).astype(np.float32)
        order = np.argsort(terms_arr, kind="stable")  # docs stay ascending within a term
        index._ids = docs_arr[order]
        index._weights = weight[order]
        df = np.bincount(terms_arr, minlength=len(term_id))
        index._offsets = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        index._idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float64)
        index.term_id = term_id
        index.surface_freq = dict(surface)
        if s.typos:
            index.typo_index = TypoIndex(index.surface_freq, s.two_edit_typos)
        cut: list[list[str]] = []
        if s.passage_weight or (s.chargrams and s.answer_gram_weight):
            cut = [passages(d.answer, s.passage_chars) for d in index.docs]
            index._passage_offsets = np.concatenate([[0], np.cumsum([len(c) for c in cut])]).astype(np.int64)
        if s.passage_weight:
            index._build_passages(cut)
        if s.chargrams:
            index.grams = GramModel(lambda: (index.question_field(d) for d in index.docs), an.stop)
            if s.answer_gram_weight:
                index.answer_grams = GramModel(lambda: (p for c in cut for p in c), an.stop,
                                               tuple(s.answer_gram_sizes))
        return index

    def _build_passages(self, cut: list[list[str]]) -> None:
        """BM25 postings over the answers' passages (term -> passage numbers), for the best-passage score."""
        s, an, term_id = self.settings, self.analyzer, self.term_id
        p_term, p_no, p_tf, p_len = array("i"), array("i"), array("f"), []
        number = 0
        for doc_passages in cut:
            for passage in doc_passages:
                stems = an.stems(passage)
                unigrams, _ = an._expand(stems)
                for term, tf in Counter(unigrams).items():
                    tid = term_id.get(term)
                    if tid is not None:
                        p_term.append(tid)
                        p_no.append(number)
                        p_tf.append(tf)
                p_len.append(len(stems))
                number += 1
        terms_arr = np.frombuffer(p_term, dtype=np.int32).copy()
        nos = np.frombuffer(p_no, dtype=np.int32).copy()
        tf = np.frombuffer(p_tf, dtype=np.float32).copy()
        lengths = np.asarray(p_len, dtype=np.float32)
        avg = max(float(lengths.mean()) if len(lengths) else 1.0, 1.0)
        norm = (1.0 - s.b_a) + s.b_a * lengths / avg
        weight = (tf * (s.k1 + 1.0) / (tf + s.k1 * norm[nos])).astype(np.float32) if len(nos) else tf
        order = np.argsort(terms_arr, kind="stable")
        self._p_ids, self._p_weights = nos[order], weight[order]
        counts = np.bincount(terms_arr, minlength=len(term_id))
        self._p_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    @staticmethod
    def question_field(doc: Document) -> str:
        return " ".join([doc.question, *doc.phrasings, *doc.keyphrases])

    def __len__(self) -> int:
        return len(self.docs)

    def __contains__(self, term: str) -> bool:
        return term in self.term_id

    def posting(self, term: str) -> tuple[np.ndarray, np.ndarray, float]:
        """(entry numbers ascending, BM25F weights, idf) of a term of the index."""
        tid = self.term_id[term]
        start, end = self._offsets[tid], self._offsets[tid + 1]
        return self._ids[start:end], self._weights[start:end], float(self._idf[tid])

    def idf(self, term: str) -> float:
        tid = self.term_id.get(term)
        return 0.0 if tid is None else float(self._idf[tid])

    # -- querying -----------------------------------------------------------------------------

    def analyze_query(self, question: str) -> Query:
        s, an = self.settings, self.analyzer
        raw = text.normalize(question[: text.MAX_QUERY_CHARS])
        if s.layout:
            raw = self._fix_layout(raw)
        corrections: dict[str, str] = {}
        stems: list[str] = []
        for tok in text.TOKEN_RE.findall(raw):
            if tok in an.stop:
                continue
            stem = an.stem(tok)
            if stem not in self.term_id and self.typo_index is not None:
                fixed = self.typo_index.correct(tok)
                if fixed is not None and fixed not in an.stop:
                    corrections[tok] = fixed
                    stem = an.stem(fixed)
            stems.append(stem)
        unigrams, bigrams = an._expand(stems)
        terms = list(dict.fromkeys(t for t in unigrams if t in self.term_id))
        bigrams = list(dict.fromkeys(p for p in bigrams if p in self.term_id))
        fixed = " ".join(corrections.get(t, t) for t in text.TOKEN_RE.findall(raw))
        unknown = len({t for t in stems if t not in self.term_id and not t.isdigit()})
        return Query(question, terms, bigrams, corrections, fixed, unknown)

    def _fix_layout(self, raw: str) -> str:
        def fix(m: re.Match) -> str:
            chunk = m.group(0)
            words = text.TOKEN_RE.findall(chunk)
            if any(w in self.surface_freq or self.analyzer.stem(w) in self.term_id for w in words):
                return chunk
            converted = text.to_russian_layout(chunk)
            conv_words = text.TOKEN_RE.findall(converted)
            known = sum(1 for w in conv_words if w in self.surface_freq or self.analyzer.stem(w) in self.term_id)
            return f" {converted} " if conv_words and known * 2 >= len(conv_words) else chunk

        return re.sub(r"[a-z\[\];',.`]{2,}", fix, raw)

    def search(self, question: str, limit: int = 5) -> list[Hit]:
        query = self.analyze_query(question)
        return self.search_query(query, limit)

    def search_query(self, query: Query, limit: int = 5) -> list[Hit]:
        s = self.settings
        n = len(self.docs)
        if not query.terms or n == 0:
            return []
        score = np.zeros(n, dtype=np.float32)
        cover = np.zeros(n, dtype=np.float32)
        total_idf = 0.0
        for term in query.terms:
            ids, weight, idf = self.posting(term)
            total_idf += idf
            score[ids] += idf * weight
            cover[ids] += idf
        max_score = total_idf * (s.k1 + 1.0)
        if s.phrases and s.phrase_weight:
            for bigram in query.bigrams:
                ids, weight, idf = self.posting(bigram)
                idf *= s.phrase_weight
                max_score += idf * (s.k1 + 1.0)
                score[ids] += idf * weight
        # an unknown word weighs as much as the rarest word of the base (df = 1)
        cover /= total_idf + query.unknown * math.log(1.0 + (n - 0.5) / 1.5)
        final = score + s.coverage_weight * total_idf * cover
        max_final = max_score + s.coverage_weight * total_idf
        depth = max(limit, s.rerank_depth if self.grams is not None else limit, 2)
        k = min(depth, n)
        top = np.argpartition(-final, k - 1)[:k] if k < n else np.arange(n)
        top = [int(d) for d in top if final[d] > 0]
        if not top:
            return []
        lead = float(final[top].max())
        cands = []
        qgrams = grams(query.normalized, self.analyzer.stop) if self.grams is not None else None
        qvec = self.grams.query(qgrams) if self.grams is not None else None
        avec = self.answer_grams.query(qgrams) if self.answer_grams is not None else None
        po = self._passage_offsets
        pscore = None
        if s.passage_weight and len(self._p_ids):
            pscore = np.zeros(int(po[-1]), dtype=np.float32)
            for term in query.terms:
                tid = self.term_id[term]
                a, b = self._p_offsets[tid], self._p_offsets[tid + 1]
                pscore[self._p_ids[a:b]] += float(self._idf[tid]) * self._p_weights[a:b]
            pscore /= total_idf * (s.k1 + 1.0)
        for d in top:
            sim = self.grams.similarity(qvec, d) if qvec is not None else 0.0
            combined = float(final[d]) / lead + s.gram_weight * sim
            if pscore is not None and po[d + 1] > po[d]:
                combined += s.passage_weight * float(pscore[po[d]:po[d + 1]].max())
            asim = self.answer_grams.best_of(avec, int(po[d]), int(po[d + 1])) if avec is not None else 0.0
            combined += s.answer_gram_weight * asim
            cands.append((combined, sim, d, asim))
        cands.sort(key=lambda c: (-c[0], c[2]))
        hits: list[Hit] = []
        lead_final = float(final[cands[0][2]])
        runner_final = float(final[cands[1][2]]) if len(cands) > 1 else 0.0
        lead_combined = cands[0][0]
        runner_combined = cands[1][0] if len(cands) > 1 else 0.0
        for rank, (combined, sim, d, asim) in enumerate(cands[:limit]):
            other = runner_final if rank == 0 else lead_final
            margin = max(0.0, (float(final[d]) - other) / max_final)
            lead_gap = max(0.0, combined - (runner_combined if rank == 0 else lead_combined))
            feats = (float(cover[d]), float(final[d]) / max_final, margin, sim, asim, lead_gap)
            conf = self._confidence(*feats)
            if rank > 0:
                conf = min(conf, hits[0].confidence)
            hit = Hit(self.keys[d], d, combined, conf, float(cover[d]), self._matched(query, d))
            hit.features = feats
            hits.append(hit)
        return hits

    def _confidence(self, coverage: float, relative: float, margin: float, sim: float, answer_sim: float = 0.0,
                    gap: float = 0.0) -> float:
        s = self.settings
        z = (s.c0 + s.c_cov * coverage + s.c_rel * relative + s.c_margin * margin + s.c_gram * sim
             + s.c_answer * answer_sim + s.c_gap * gap)
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4)

    def _matched(self, query: Query, doc: int) -> frozenset[str]:
        found = set()
        for term in query.terms:
            ids = self.posting(term)[0]
            i = int(np.searchsorted(ids, doc))
            if i < len(ids) and ids[i] == doc:
                found.add(term)
        return frozenset(found)

    def highlight_terms(self, hit: Hit) -> frozenset[str]:
        """Stems to highlight for a hit, concepts expanded back to the stems of their phrases."""
        terms = set(t for t in hit.matched if not t.startswith("~"))
        syn = self.analyzer.synonyms
        if syn:
            for t in hit.matched:
                if t.startswith("~"):
                    group = syn.groups[int(t[1:])]
                    for phrase in group:
                        terms.update(self.analyzer.stems(phrase))
        return frozenset(terms)

    def memory_bytes(self) -> int:
        """An estimate of the index arrays' size (the dictionaries come on top)."""
        grams = self.grams.nbytes() if self.grams is not None else 0
        grams += self.answer_grams.nbytes() if self.answer_grams is not None else 0
        return self._ids.nbytes + self._weights.nbytes + self._offsets.nbytes + self._idf.nbytes + grams
