"""The in-memory index: BM25F over fields, key-phrase (bigram) matching, coverage, confidence.

A question is analysed into terms (stems without stop words, synonym concepts) and in-order
bigrams of adjacent terms (its key phrases). An entry's score is

    sum_t idf(t) * bm25f(t, entry) + phrase_weight * sum_p idf(p) * bm25f(p, entry)
        + coverage_weight * coverage(entry) * sum_t idf(t)

where ``coverage`` is the share of the question's informative weight (idf) found in the entry
and bm25f weighs the fields: staff key phrases and question phrasings above the answer text.
The confidence is a logistic function of the top entry's coverage, its score relative to the
best possible one, and its margin over the runner-up, fitted by cross-validation in the benchmark.

The index is built once from plain :class:`Document` objects (in bulk: a regular expression per
chunk of documents, numpy for counting and weighting) and is read-only afterwards; the answer path
touches only memory. Its data are numpy arrays (postings in CSR form by term, vocabularies as
hashed string tables, n-gram vectors), so :meth:`Index.save` / :meth:`Index.load` share one copy
between worker processes through memory-mapped files, and :meth:`Index.updated` indexes changed
entries alone (see the class).
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

import numpy as np

from . import morphology, stopwords, text
from .chargrams import SIZES, GramModel, grams
from .synonyms import SynonymMap
from .typos import TypoIndex
from .vocab import Strings

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
    repaired: bool = False
    """The keyboard layout or a word's spelling was corrected: ``normalized`` reads better than ``text``
    (the sentence encoder is given it: «dsgbcrf» means nothing to a model, «выписка» does)."""


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


_TOKEN_OR_MARK = re.compile(r"[0-9a-zа-я]+|[\x01\x02]")


def _unmarked(value: str) -> str:
    """``value`` without the bulk build's field and passage marks (control characters, not words)."""
    if "\x01" in value or "\x02" in value:
        return value.replace("\x01", " ").replace("\x02", " ")
    return value


#: Documents tokenised per regular-expression call in the bulk build.
CHUNK_DOCS = 2000


def release_memory() -> None:
    """Give the build's freed temporaries back to the system (glibc keeps them in the heap otherwise,
    and the worker's resident memory would stay at the build's peak)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


class _IntKeys:
    """Integer keys as an int64 array (indexing gives Python ints)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> int:
        return int(self.values[i])

    def __iter__(self):
        return (int(v) for v in self.values)


def _keys_of(keys: list) -> Sequence:
    if keys and all(type(k) is int for k in keys):
        return _IntKeys(np.asarray(keys, dtype=np.int64))
    return keys


class _Segment:
    """A built part of the index, arrays only (memory-mappable): term postings (CSR by term code),
    the vocabularies, the typo index and the character n-gram vectors of its documents."""

    def __init__(self) -> None:
        self.n = 0
        self.keys: Sequence = []
        self.n_stems = 0
        self.n_concepts = 0
        self.stems: Strings = Strings.build([])
        self.tcode = np.zeros(0, np.int64)
        self.offsets = np.zeros(1, np.int64)
        self.ids = np.zeros(0, np.int32)
        self.weights = np.zeros(0, np.float32)
        self.idf = np.zeros(0)
        self.avg = np.ones(3, np.float32)
        self.surface: Strings = Strings.build([])
        self.surface_freq = np.zeros(0, np.int64)
        self.typo: TypoIndex | None = None
        self.grams: GramModel | None = None
        self.answer_grams: GramModel | None = None
        self.passage_offsets = np.zeros(1, np.int64)
        self.p_ids = np.zeros(0, np.int32)
        self.p_weights = np.zeros(0, np.float32)
        self.p_offsets = np.zeros(1, np.int64)
        self._tids: dict[str, int] = {}
        """Term ids of the terms asked about (bounded memo)."""

    # -- terms --------------------------------------------------------------------------------

    def code(self, term: str) -> int:
        """The term's code in this segment (-1 when one of its words is unknown here)."""
        ns = self.n_stems
        if term.startswith("~"):
            k = int(term[1:]) if term[1:].isdigit() else -1
            return ns + k if 0 <= k < self.n_concepts else -1
        if " " in term:
            a, _, b = term.partition(" ")
            ia, ib = self.stems.index(a), self.stems.index(b)
            if ia < 0 or ib < 0:
                return -1
            return ns + self.n_concepts + ia * ns + ib
        return self.stems.index(term)

    def tid(self, term: str) -> int:
        cache = self._tids
        tid = cache.get(term)
        if tid is None:
            if len(cache) >= 100_000:
                cache.clear()
            tid = cache[term] = self._tid(term)
        return tid

    def _tid(self, term: str) -> int:
        code = self.code(term)
        if code < 0 or not len(self.tcode):
            return -1
        i = int(np.searchsorted(self.tcode, code))
        return i if i < len(self.tcode) and int(self.tcode[i]) == code else -1

    def posting(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.offsets[tid], self.offsets[tid + 1]
        return self.ids[start:end], self.weights[start:end]

    def known_word(self, word: str) -> bool:
        return self.surface.index(word) >= 0

    def nbytes(self) -> int:
        total = sum(a.nbytes for a in (self.tcode, self.offsets, self.ids, self.weights, self.idf,
                                       self.surface_freq, self.passage_offsets, self.p_ids, self.p_weights,
                                       self.p_offsets))
        total += self.stems.nbytes() + self.surface.nbytes()
        if self.typo is not None:
            total += self.typo.nbytes() - self.surface.nbytes() - self.surface_freq.nbytes
        for model in (self.grams, self.answer_grams):
            total += model.nbytes() if model is not None else 0
        if isinstance(self.keys, _IntKeys):
            total += self.keys.values.nbytes
        return total

    # -- persistence --------------------------------------------------------------------------

    def arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        arrays = {**self.stems.arrays("stems"), **self.surface.arrays("surface"),
                  "surface_freq": self.surface_freq, "tcode": self.tcode, "offsets": self.offsets,
                  "ids": self.ids, "weights": self.weights, "idf": self.idf, "avg": self.avg,
                  "passage_offsets": self.passage_offsets, "p_ids": self.p_ids, "p_weights": self.p_weights,
                  "p_offsets": self.p_offsets}
        if self.typo is not None:
            arrays.update({k: v for k, v in self.typo.arrays().items() if k.startswith("typo.del")})
        for name, model in (("grams", self.grams), ("agrams", self.answer_grams)):
            if model is not None:
                arrays.update(model.arrays(name))
        meta: dict = {"n": self.n, "n_stems": self.n_stems, "n_concepts": self.n_concepts,
                      "grams_texts": self.grams.n_texts if self.grams is not None else 0,
                      "agrams_texts": self.answer_grams.n_texts if self.answer_grams is not None else 0}
        if isinstance(self.keys, _IntKeys):
            arrays["keys"] = self.keys.values
            meta["keys"] = "int"
        else:
            arrays.update(Strings.build([str(k) for k in self.keys]).arrays("keys"))
            meta["keys"] = "str"
        return arrays, meta

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict, settings: MatchSettings,
                    stop: frozenset[str]) -> _Segment:
        seg = cls()
        seg.n, seg.n_stems, seg.n_concepts = meta["n"], meta["n_stems"], meta["n_concepts"]
        seg.keys = _IntKeys(arrays["keys"]) if meta["keys"] == "int" else list(Strings.from_arrays(arrays, "keys"))
        seg.stems = Strings.from_arrays(arrays, "stems")
        seg.surface = Strings.from_arrays(arrays, "surface")
        seg.surface_freq = arrays["surface_freq"]
        for name in ("tcode", "offsets", "ids", "weights", "idf", "avg", "passage_offsets", "p_ids",
                     "p_weights", "p_offsets"):
            setattr(seg, name, arrays[name])
        if "typo.del_hash" in arrays:
            seg.typo = TypoIndex(two_edits=settings.two_edit_typos, arrays={
                **seg.surface.arrays("typo.words"), "typo.freq": seg.surface_freq,
                "typo.del_hash": arrays["typo.del_hash"], "typo.del_word": arrays["typo.del_word"]})
        if "grams.ids" in arrays:
            seg.grams = GramModel.from_arrays(arrays, "grams", stop, SIZES, meta["grams_texts"])
        if "agrams.ids" in arrays:
            seg.answer_grams = GramModel.from_arrays(arrays, "agrams", stop, tuple(settings.answer_gram_sizes),
                                                     meta["agrams_texts"])
        return seg


def _build_segment(documents: Iterable[Document], settings: MatchSettings, an: _Analyzer,
                   base: _Segment | None = None) -> _Segment:
    """Index ``documents`` in bulk: one regular expression per chunk of documents, numpy for the rest.

    With ``base`` (an incremental segment), the field-length averages and the n-gram idf are the
    base's, so the new documents' weights are comparable with the base's."""
    s = settings
    seg = _Segment()
    need_passages = bool(s.passage_weight or (s.chargrams and s.answer_gram_weight))
    vocab: dict[str, int] = {"\x01": 0, "\x02": 1}
    keys: list = []
    pcounts: list[int] = []
    cut_all: list[list[str]] = []
    chunks: list[np.ndarray] = []
    buf: list[str] = []

    def flush() -> None:
        toks = _TOKEN_OR_MARK.findall(text.normalize("".join(buf)))
        setdefault = vocab.setdefault
        chunks.append(np.array([setdefault(t, len(vocab)) for t in toks], dtype=np.int32))
        buf.clear()

    for doc in documents:
        keys.append(doc.key)
        q = _unmarked("\n".join([doc.question, *doc.phrasings]))
        k = _unmarked("\n".join(doc.keyphrases))
        if need_passages:
            cut = passages(doc.answer, s.passage_chars)
            pcounts.append(len(cut))
            if s.passage_weight:
                cut_all.append(cut)
            a = _unmarked("\x02".join(cut)) if len(cut) < 2 else "\x02".join(_unmarked(c) for c in cut)
        else:
            a = _unmarked(doc.answer or "")
        buf.append(f"{q}\x01{k}\x01{a}\x01")
        if len(buf) >= CHUNK_DOCS:
            flush()
    if buf:
        flush()
    n = seg.n = len(keys)
    seg.keys = _keys_of(keys)
    tok = np.concatenate(chunks) if chunks else np.zeros(0, np.int32)
    chunks.clear()
    words = list(vocab)
    # vocabularies: surface words (with frequencies), stems of the informative ones
    freq = np.bincount(tok, minlength=len(words)).astype(np.int64)
    seg.surface = Strings.build(words[2:])
    seg.surface_freq = freq[2:]
    stem_of = np.full(len(words), -1, dtype=np.int64)
    stem_vocab: dict[str, int] = {}
    stop, stem = an.stop, an.stem
    for i in range(2, len(words)):
        w = words[i]
        if w not in stop:
            stem_of[i] = stem_vocab.setdefault(stem(w), len(stem_vocab))
    ns = seg.n_stems = len(stem_vocab)
    seg.stems = Strings.build(stem_vocab)
    syn = an.synonyms
    nc = seg.n_concepts = len(syn.groups) if syn else 0
    # positions: the field (3 per document) of each token; informative tokens' stems
    m1 = tok == 0
    field_of = np.cumsum(m1) - m1
    keep = stem_of[tok] >= 0
    S = stem_of[tok[keep]]
    F = field_of[keep]
    lens = np.bincount(F, minlength=3 * n)[:3 * n].reshape(n, 3).astype(np.float32)
    codes = [S]
    fields = [F]
    if syn:
        c_codes, c_fields = _concepts(syn, stem_vocab, S, F, ns)
        codes.append(c_codes)
        fields.append(c_fields)
    if s.phrases and len(S) > 1:
        same = F[1:] == F[:-1]
        codes.append(ns + nc + S[:-1][same] * ns + S[1:][same])
        fields.append(F[:-1][same])
    code = np.concatenate(codes)
    fld = np.concatenate(fields)
    del codes, fields
    if n and len(code) and (int(code.max()) + 1) * n * 3 >= 2**63:
        raise ValueError("the vocabulary is too large for the index's 64-bit term codes")
    key = (code * n + fld // 3) * 3 + fld % 3
    del code
    uniq, counts = np.unique(key, return_counts=True)
    del key
    kind = uniq % 3
    pk = uniq // 3
    del uniq
    new = np.ones(len(pk), dtype=bool)
    new[1:] = pk[1:] != pk[:-1]
    post_no = np.cumsum(new) - 1
    heads = pk[new]
    del pk
    tf_arr = np.zeros((len(heads), 3), dtype=np.float32)
    tf_arr[post_no, kind] = counts
    del post_no, kind, counts
    docs_arr = (heads % n).astype(np.int32) if n else np.zeros(0, np.int32)
    tcodes = heads // n if n else heads
    del heads
    tnew = np.ones(len(tcodes), dtype=bool)
    tnew[1:] = tcodes[1:] != tcodes[:-1]
    seg.tcode = tcodes[tnew]
    df = np.diff(np.flatnonzero(np.append(tnew, True)))
    del tcodes, tnew
    # BM25F weights (the same expressions, in the same precision, as one document at a time)
    avg = base.avg if base is not None else np.maximum(lens.mean(axis=0) if n else np.ones(3), 1.0)
    seg.avg = np.asarray(avg, dtype=np.float32)
    b = np.array([s.b_q, s.b_k, s.b_a], dtype=np.float32)
    w = np.array([s.w_q, s.w_k, s.w_a], dtype=np.float32)
    norm = (1.0 - b) + b * lens / seg.avg
    tf = (tf_arr * w / norm[docs_arr]).sum(axis=1) if len(docs_arr) else np.zeros(0, np.float32)
    del tf_arr
    seg.weights = (tf * (s.k1 + 1.0) / (tf + s.k1)).astype(np.float32)
    del tf
    seg.ids = docs_arr
    seg.offsets = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
    seg.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float64)
    if s.typos:
        seg.typo = TypoIndex(words=seg.surface, freq=seg.surface_freq, two_edits=s.two_edit_typos)
    # answer passages: numbers of the passages before each document, and of each answer token
    if need_passages:
        seg.passage_offsets = np.concatenate([[0], np.cumsum(pcounts)]).astype(np.int64)
    if s.passage_weight:
        _build_passages(seg, cut_all, s, an)
    if s.chargrams:
        qk = keep & (field_of % 3 != 2)
        seg.grams = GramModel.from_words(tok[qk], field_of[qk] // 3, n, words, stop, SIZES,
                                         base.grams if base is not None else None)
        if s.answer_gram_weight:
            m2 = tok == 1
            c2 = np.cumsum(m2)
            ends = np.flatnonzero(m1)
            before = np.concatenate([[0], c2[ends[:-1]]]) if len(ends) else np.zeros(0, np.int64)
            ans = keep & (field_of % 3 == 2)
            f_ans = field_of[ans]
            pno = seg.passage_offsets[f_ans // 3] + (c2[ans] - before[f_ans])
            seg.answer_grams = GramModel.from_words(tok[ans], pno, int(seg.passage_offsets[-1]), words, stop,
                                                    tuple(s.answer_gram_sizes),
                                                    base.answer_grams if base is not None else None)
    return seg


def _concepts(syn: SynonymMap, stem_vocab: dict[str, int], S: np.ndarray, F: np.ndarray,
              ns: int) -> tuple[np.ndarray, np.ndarray]:
    """Concept terms (codes, fields) where a synonym phrase occurs: :meth:`SynonymMap.concepts` over
    every field, looking only at the positions where some phrase's first stem stands."""
    phrases: dict[tuple[int, ...], int] = {}
    for stems, concept in syn._phrases.items():
        ids = tuple(stem_vocab.get(x, -1) for x in stems)
        if -1 not in ids:
            phrases[ids] = int(concept[1:])
    if not phrases:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    firsts = np.array(sorted({p[0] for p in phrases}), dtype=np.int64)
    cand = np.flatnonzero(np.isin(S, firsts))
    ends = np.searchsorted(F, F[cand], side="right")
    out_code, out_field = [], []
    max_len = syn.max_len
    for i, end in zip(cand.tolist(), ends.tolist(), strict=True):
        for length in range(min(max_len, end - i), 0, -1):
            concept = phrases.get(tuple(S[i:i + length].tolist()))
            if concept is not None:
                out_code.append(ns + concept)
                out_field.append(int(F[i]))
                break
    return np.asarray(out_code, dtype=np.int64), np.asarray(out_field, dtype=np.int64)


def _build_passages(seg: _Segment, cut: list[list[str]], s: MatchSettings, an: _Analyzer) -> None:
    """BM25 postings over the answers' passages (term -> passage numbers), for the best-passage score."""
    p_term, p_no, p_tf, p_len = array("i"), array("i"), array("f"), []
    number = 0
    for doc_passages in cut:
        for passage in doc_passages:
            stems = an.stems(passage)
            unigrams, _ = an._expand(stems)
            for term, tf in Counter(unigrams).items():
                tid = seg.tid(term)
                if tid >= 0:
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
    seg.p_ids, seg.p_weights = nos[order], weight[order]
    counts = np.bincount(terms_arr, minlength=len(seg.tcode))
    seg.p_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def save_arrays(folder: Path, arrays: Mapping[str, np.ndarray], prefix: str = "") -> None:
    """Write each array to ``folder/<prefix><name>.npy`` (no pickles): the shared build's format."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in arrays.items():
        np.save(folder / f"{prefix}{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)


def load_arrays(folder: Path, names: Iterable[str], prefix: str = "", mmap: bool = True) -> dict[str, np.ndarray]:
    """Arrays written by :func:`save_arrays`, memory-mapped read-only (the pages are shared by every
    process mapping them), as plain ndarray views: np.memmap's Python-level indexing costs on every lookup."""
    return {name: np.load(folder / f"{prefix}{name}.npy", mmap_mode="r" if mmap else None,
                          allow_pickle=False).view(np.ndarray) for name in names}


class Index:
    """Build with :meth:`build`; query with :meth:`search`. Read-only once built (thread-safe).

    The index is a base segment (numpy arrays; :meth:`save` writes them to a folder and :meth:`load`
    memory-maps them, so worker processes share one copy) and, after :meth:`updated`, a small segment
    of changed entries whose old versions in the base are masked. An update keeps the base's
    field-length averages and n-gram weights; the term idf counts both segments exactly."""

    def __init__(self, settings: MatchSettings | None = None) -> None:
        self.settings = settings or MatchSettings()
        self.analyzer = _Analyzer(self.settings)
        self.version: object = None
        self.synonym_groups: list[list[str]] = []
        self._main = _Segment()
        self._delta: _Segment | None = None
        self._delta_docs: dict[object, list[Document]] = {}
        self._dead: np.ndarray | None = None
        self._dead_count = 0
        self._dead_keys: frozenset = frozenset()
        self.keys: Sequence = []

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def build(cls, documents: Iterable[Document], settings: MatchSettings | None = None,
              synonyms: Iterable[Sequence[str]] = (), version: object = None) -> Index:
        index = cls(settings)
        index.version = version
        index._set_synonyms(synonyms)
        index._main = _build_segment(documents, index.settings, index.analyzer)
        index._finish()
        release_memory()
        return index

    def _set_synonyms(self, synonyms: Iterable[Sequence[str]]) -> None:
        self.synonym_groups = [list(g) for g in synonyms]
        if self.settings.synonyms:
            self.analyzer.synonyms = SynonymMap(self.synonym_groups, self.analyzer.stems) or None

    def _finish(self) -> None:
        main, delta = self._main, self._delta
        self._segments = [(main, 0)] + ([(delta, main.n)] if delta is not None else [])
        self._size = main.n + (delta.n if delta is not None else 0)
        if delta is None:
            self.keys = main.keys
        else:
            self.keys = [*main.keys, *delta.keys]
        self.grams = main.grams
        self.answer_grams = main.answer_grams
        self.typo_index = main.typo

    def updated(self, documents: Iterable[Document] = (), removed: Iterable[object] = (),
                version: object = None) -> Index:
        """A new index with ``documents`` replacing every document of their keys (several documents
        may share a key, e.g. an entry's phrasings) and the ``removed`` keys gone, without rebuilding
        the base: only the changed documents are indexed. This index is left as it was (readers may
        keep using it)."""
        docs: dict[object, list[Document]] = {k: list(v) for k, v in self._delta_docs.items()}
        removed = set(removed)
        for key in removed:
            docs.pop(key, None)
        fresh: dict[object, list[Document]] = {}
        for doc in documents:
            fresh.setdefault(doc.key, []).append(doc)
        docs.update(fresh)
        new = Index(self.settings)
        new.analyzer = self.analyzer
        new.synonym_groups = self.synonym_groups
        new.version = version if version is not None else self.version
        new._main = self._main
        new._delta_docs = docs
        flat = [d for group in docs.values() for d in group]
        new._delta = _build_segment(flat, self.settings, self.analyzer, self._main) if flat else None
        gone = removed | set(docs) | set(self._dead_keys)
        new._dead_keys = frozenset(gone)
        new._dead = self._main_mask(gone)
        new._dead_count = int(new._dead.sum()) if new._dead is not None else 0
        new._finish()
        return new

    def _main_mask(self, keys: set) -> np.ndarray | None:
        main = self._main
        if not keys or not main.n:
            return None
        if isinstance(main.keys, _IntKeys):
            wanted = np.fromiter((k for k in keys if type(k) is int), dtype=np.int64)
            mask = np.isin(main.keys.values, wanted)
        else:
            mask = np.fromiter((k in keys for k in main.keys), dtype=bool, count=main.n)
        return mask if mask.any() else None

    @property
    def delta_size(self) -> int:
        """Keys (entries) indexed since the base was built (changed or added)."""
        return len(self._delta_docs)

    # -- persistence --------------------------------------------------------------------------

    def save(self, folder) -> None:
        """Write the base segment's arrays (``.npy``) and ``meta.json`` to ``folder`` (which must not
        hold another index). The pending update segment is not written: build afresh to fold it in."""
        import json

        folder = Path(folder)
        arrays, meta = self._main.arrays()
        save_arrays(folder, arrays)
        meta.update({"settings": _settings_dict(self.settings), "synonyms": self.synonym_groups,
                     "version": self.version, "arrays": sorted(arrays)})
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder, settings: MatchSettings | None = None, mmap: bool = True) -> Index:
        """An index saved by :meth:`save`, its arrays memory-mapped read-only (shared by processes)."""
        import json

        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        settings = settings or MatchSettings(**_settings_from(meta["settings"]))
        if _settings_dict(settings) != meta["settings"]:
            raise ValueError("the saved index was built with other match settings")
        index = cls(settings)
        index.version = meta.get("version")
        index._set_synonyms(meta.get("synonyms", []))
        arrays = load_arrays(folder, meta["arrays"], mmap=mmap)
        index._main = _Segment.from_arrays(arrays, meta, settings, index.analyzer.stop)
        index._finish()
        return index

    @staticmethod
    def question_field(doc: Document) -> str:
        return " ".join([doc.question, *doc.phrasings, *doc.keyphrases])

    def __len__(self) -> int:
        return self._size - self._dead_count

    def __contains__(self, term: str) -> bool:
        return any(seg.tid(term) >= 0 for seg, _ in self._segments)

    def _idf_of(self, df: int) -> float:
        n = len(self)
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def _postings(self, term: str) -> tuple[list[tuple[np.ndarray, np.ndarray]], float]:
        """The term's postings per segment (entry numbers offset, weights) and its idf."""
        parts = []
        df = 0
        idf = 0.0
        for seg, offset in self._segments:
            tid = seg.tid(term)
            if tid < 0:
                continue
            ids, weights = seg.posting(tid)
            if offset == 0 and self._dead is not None:
                df -= int(np.count_nonzero(self._dead[ids]))
            if offset:
                ids = ids + offset
            parts.append((ids, weights))
            df += len(ids)
            idf = float(seg.idf[tid])
        if len(self._segments) > 1 or self._dead is not None:
            idf = self._idf_of(df) if parts else 0.0
        return parts, idf

    def posting(self, term: str) -> tuple[np.ndarray, np.ndarray, float]:
        """(entry numbers ascending, BM25F weights, idf) of a term of the index."""
        parts, idf = self._postings(term)
        if not parts:
            raise KeyError(term)
        if len(parts) == 1:
            return parts[0][0], parts[0][1], idf
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), idf

    def idf(self, term: str) -> float:
        parts, idf = self._postings(term)
        return idf if parts else 0.0

    def memory_bytes(self) -> int:
        """The size of the index's arrays (memory-mapped ones included)."""
        return sum(seg.nbytes() for seg, _ in self._segments)

    # -- querying -----------------------------------------------------------------------------

    def _known_word(self, word: str) -> bool:
        return any(seg.known_word(word) for seg, _ in self._segments)

    def _correct(self, word: str) -> str | None:
        """The typo index's correction over every segment (the base's alone gives the same answer
        as :meth:`TypoIndex.correct`)."""
        main = self._main.typo
        if main is None:
            return None
        if self._delta is None or self._delta.typo is None:
            return main.correct(word)
        if len(word) < 4 or word.isdigit() or self._known_word(word):
            return None
        found = main.candidates(word)
        for w, f in self._delta.typo.candidates(word).items():
            found[w] = found.get(w, 0) + f
        if not found:
            return main._two_edits(word)
        return max(found, key=lambda w: (w[0] == word[0], found[w], w))

    def analyze_query(self, question: str) -> Query:
        s, an = self.settings, self.analyzer
        raw = original = text.normalize(question[: text.MAX_QUERY_CHARS])
        if s.layout:
            raw = self._fix_layout(raw)
        corrections: dict[str, str] = {}
        stems: list[str] = []
        known: dict[str, bool] = {}

        def is_term(term: str) -> bool:
            found = known.get(term)
            if found is None:
                found = known[term] = term in self
            return found

        for tok in text.TOKEN_RE.findall(raw):
            if tok in an.stop:
                continue
            stem = an.stem(tok)
            if not is_term(stem) and self.typo_index is not None:
                fixed = self._correct(tok)
                if fixed is not None and fixed not in an.stop:
                    corrections[tok] = fixed
                    stem = an.stem(fixed)
            stems.append(stem)
        unigrams, bigrams = an._expand(stems)
        terms = list(dict.fromkeys(t for t in unigrams if is_term(t)))
        bigrams = list(dict.fromkeys(p for p in bigrams if is_term(p)))
        fixed = " ".join(corrections.get(t, t) for t in text.TOKEN_RE.findall(raw))
        unknown = len({t for t in stems if not is_term(t) and not t.isdigit()})
        return Query(question, terms, bigrams, corrections, fixed, unknown, bool(corrections) or raw != original)

    def _fix_layout(self, raw: str) -> str:
        def known(w: str) -> bool:
            return self._known_word(w) or self.analyzer.stem(w) in self

        def fix(m: re.Match) -> str:
            chunk = m.group(0)
            words = text.TOKEN_RE.findall(chunk)
            if any(known(w) for w in words):
                return chunk
            converted = text.to_russian_layout(chunk)
            conv_words = text.TOKEN_RE.findall(converted)
            hits = sum(1 for w in conv_words if known(w))
            return f" {converted} " if conv_words and hits * 2 >= len(conv_words) else chunk

        return re.sub(r"[a-z\[\];',.`]{2,}", fix, raw)

    def search(self, question: str, limit: int = 5) -> list[Hit]:
        query = self.analyze_query(question)
        return self.search_query(query, limit)

    def _segment_of(self, d: int) -> tuple[_Segment, int]:
        main = self._main
        if d < main.n:
            return main, d
        return self._delta, d - main.n  # type: ignore[return-value]

    def search_query(self, query: Query, limit: int = 5) -> list[Hit]:
        s = self.settings
        n = self._size
        if not query.terms or len(self) == 0:
            return []
        score = np.zeros(n, dtype=np.float32)
        cover = np.zeros(n, dtype=np.float32)
        total_idf = 0.0
        for term in query.terms:
            parts, idf = self._postings(term)
            total_idf += idf
            for ids, weight in parts:
                score[ids] += idf * weight
                cover[ids] += idf
        max_score = total_idf * (s.k1 + 1.0)
        if s.phrases and s.phrase_weight:
            for bigram in query.bigrams:
                parts, idf = self._postings(bigram)
                idf *= s.phrase_weight
                max_score += idf * (s.k1 + 1.0)
                for ids, weight in parts:
                    score[ids] += idf * weight
        if self._dead is not None:
            dead = np.flatnonzero(self._dead)
            score[dead] = 0.0
            cover[dead] = 0.0
        # an unknown word weighs as much as the rarest word of the base (df = 1)
        cover /= total_idf + query.unknown * math.log(1.0 + (len(self) - 0.5) / 1.5)
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
        pscores: dict[int, np.ndarray | None] = {}
        # the n-gram similarities of the candidates, one pass per segment and model
        sims = np.zeros(len(top), dtype=np.float32)
        asims = np.zeros(len(top), dtype=np.float32)
        top_arr = np.asarray(top, dtype=np.int64)
        for seg, offset in self._segments:
            mine = (top_arr >= offset) & (top_arr < offset + seg.n)
            if qgrams is None or not mine.any():
                continue
            local = top_arr[mine] - offset
            if seg.grams is not None:
                qvec = seg.grams.query(qgrams)
                if qvec is not None:
                    sims[mine] = seg.grams.similarities(qvec, local)
            if seg.answer_grams is not None:
                avec = seg.answer_grams.query(qgrams)
                if avec is not None:
                    po = seg.passage_offsets
                    asims[mine] = seg.answer_grams.best_of_many(avec, po[local], po[local + 1])
        for i, d in enumerate(top):
            sim, asim = float(sims[i]), float(asims[i])
            combined = float(final[d]) / lead + s.gram_weight * sim
            if s.passage_weight:
                seg, local = self._segment_of(d)
                po = seg.passage_offsets
                if id(seg) not in pscores:
                    pscores[id(seg)] = self._passage_scores(seg, query, total_idf)
                pscore = pscores[id(seg)]
                if pscore is not None and po[local + 1] > po[local]:
                    combined += s.passage_weight * float(pscore[po[local]:po[local + 1]].max())
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

    def _passage_scores(self, seg: _Segment, query: Query, total_idf: float) -> np.ndarray | None:
        s = self.settings
        if not len(seg.p_ids):
            return None
        pscore = np.zeros(int(seg.passage_offsets[-1]), dtype=np.float32)
        for term in query.terms:
            tid = seg.tid(term)
            if tid < 0:
                continue
            a, b = seg.p_offsets[tid], seg.p_offsets[tid + 1]
            pscore[seg.p_ids[a:b]] += self.idf(term) * seg.p_weights[a:b]
        pscore /= total_idf * (s.k1 + 1.0)
        return pscore

    def _confidence(self, coverage: float, relative: float, margin: float, sim: float, answer_sim: float = 0.0,
                    gap: float = 0.0) -> float:
        s = self.settings
        z = (s.c0 + s.c_cov * coverage + s.c_rel * relative + s.c_margin * margin + s.c_gram * sim
             + s.c_answer * answer_sim + s.c_gap * gap)
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4)

    def _matched(self, query: Query, doc: int) -> frozenset[str]:
        seg, local = self._segment_of(doc)
        found = set()
        for term in query.terms:
            tid = seg.tid(term)
            if tid < 0:
                continue
            ids = seg.posting(tid)[0]
            i = int(np.searchsorted(ids, local))
            if i < len(ids) and ids[i] == local:
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


def _settings_dict(settings: MatchSettings) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.__dict__.items()}


def _settings_from(data: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
