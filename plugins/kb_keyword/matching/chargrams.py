"""Character n-gram similarity of a question to an entry's question field (re-ranking signal).

Word stems miss typos the typo index cannot fix (two edits), broken words and unusual forms;
shared 3-5 letter pieces still see them. Only the short question field is compared, and only
for the candidates the term index found, so the cost does not grow with the base. The entries'
vectors are precomputed in compact arrays (gram ids and weights), L2-normalised.

A gram is stored as an integer (7 bits per letter: the tokens' alphabet is 68 letters and digits
plus the padding space), so the vocabulary is a sorted int64 array, not a dict of strings; the
vectors are built with numpy from the grams of each distinct word (a text's grams are the sum of
its words' grams), which keeps the build fast at 100k entries.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from .text import tokens

SIZES = (3, 4, 5)
_BITS = 7
_ALPHABET = " 0123456789abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюя"
_CODE = {ch: i + 1 for i, ch in enumerate(_ALPHABET)}  # 0 marks a word boundary
_LUT = np.zeros(max(map(ord, _ALPHABET)) + 1, dtype=np.int64)
for _ch, _code in _CODE.items():
    _LUT[ord(_ch)] = _code
#: Gram occurrences per chunk of the bulk build (bounds its peak memory).
CHUNK_GRAMS = 4_000_000
#: ``1 + log(count)`` as float32 for every count a vector stores (the same numbers at build and query).
_LOG_TF = (1.0 + np.log(np.arange(1 << 16, dtype=np.float64).clip(1.0))).astype(np.float32)


def grams(value: str, stop: frozenset[str] = frozenset(), sizes: tuple[int, ...] = SIZES) -> Counter[str]:
    out: Counter[str] = Counter()
    for word in tokens(value):
        if word in stop:
            continue
        padded = f" {word} "
        for n in sizes:
            for i in range(len(padded) - n + 1):
                out[padded[i:i + n]] += 1
    return out


_CODES: dict[str, int] = {}


def gram_code(gram: str) -> int:
    """The integer of a gram (-1 for a character outside the tokens' alphabet); memoised."""
    code = _CODES.get(gram)
    if code is not None:
        return code
    if len(_CODES) >= 200_000:
        _CODES.clear()
    code = _CODES[gram] = _gram_code(gram)
    return code


def _gram_code(gram: str) -> int:
    code = 0
    for ch in gram:
        c = _CODE.get(ch)
        if c is None:
            return -1
        code = (code << _BITS) | c
    return code


def word_grams(words: list[str], sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The grams of each word as a CSR (offsets, codes), in :func:`grams`' order (size, position)."""
    if not words:
        return np.zeros(1, np.int64), np.zeros(0, np.int64)
    big = "\0".join(f" {w} " for w in words) + "\0"
    cp = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
    m = np.where(cp < len(_LUT), _LUT[np.minimum(cp, len(_LUT) - 1)], 0)
    word_of = np.cumsum(cp == 0) - (cp == 0)  # the word a position belongs to
    parts_word, parts_code, parts_n = [], [], []
    length = len(m)
    for rank, n in enumerate(sizes):
        if length < n:
            continue
        span = length - n + 1
        code = np.zeros(span, dtype=np.int64)
        valid = np.ones(span, dtype=bool)
        for j in range(n):
            piece = m[j:j + span]
            valid &= piece > 0
            code = (code << _BITS) | piece
        parts_word.append(word_of[:span][valid])
        parts_code.append(code[valid])
        parts_n.append(np.full(int(valid.sum()), rank, dtype=np.int8))
    w = np.concatenate(parts_word)
    order = np.argsort(w, kind="stable")  # word, then size, then position
    codes = np.concatenate(parts_code)[order]
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.bincount(w, minlength=len(words)), out=offsets[1:])
    return offsets, codes


class GramModel:
    """tf-idf vectors of character n-grams for a fixed list of texts, plus a query vectoriser."""

    def __init__(self, texts: Callable[[], Iterable[str]] | None, stop: frozenset[str],
                 sizes: tuple[int, ...] = SIZES) -> None:
        """``texts`` returns the texts (called once); ``sizes`` are the n-gram lengths (fewer sizes,
        smaller vectors). See :meth:`from_words` for the bulk build from word ids."""
        self.stop = stop
        self.sizes = tuple(sizes)
        if texts is None:
            return
        vocab: dict[str, int] = {}
        occ_word, occ_text = [], []
        n = 0
        for t, value in enumerate(texts()):
            for word in tokens(value):
                if word not in stop:
                    occ_word.append(vocab.setdefault(word, len(vocab)))
                    occ_text.append(t)
            n = t + 1
        self._build(np.asarray(occ_word, np.int64), np.asarray(occ_text, np.int64), n, list(vocab))

    @classmethod
    def from_words(cls, word_ids: np.ndarray, text_ids: np.ndarray, n_texts: int, words: list[str],
                   stop: frozenset[str], sizes: tuple[int, ...] = SIZES, idf_of: GramModel | None = None) -> GramModel:
        """Vectors of ``n_texts`` texts given as word occurrences in order (``text_ids`` ascending,
        ``word_ids`` indexing ``words``). With ``idf_of``, known grams take that model's idf and new
        ones the idf of a gram seen once (an incremental segment keeps the base's weights)."""
        model = cls(None, stop, sizes)
        model._build(word_ids, text_ids, n_texts, words, idf_of)
        return model

    def _build(self, word_ids: np.ndarray, text_ids: np.ndarray, n_texts: int, words: list[str],
               idf_of: GramModel | None = None) -> None:
        present = np.unique(word_ids)
        local = np.full(len(words), -1, dtype=np.int64)
        local[present] = np.arange(len(present))
        w_off, w_codes = word_grams([words[i] for i in present], self.sizes)
        w_len = np.diff(w_off)
        vocab = np.unique(w_codes)
        w_ids = np.searchsorted(vocab, w_codes).astype(np.int64)
        lw = local[word_ids]
        glen = w_len[lw]
        # chunks of whole texts, so that a (text, gram) pair is counted in one chunk only
        cum = np.cumsum(glen)
        pair_text, pair_id, pair_count = [], [], []
        start = 0
        total = len(lw)
        while start < total:
            limit = (cum[start - 1] if start else 0) + CHUNK_GRAMS
            end = int(np.searchsorted(cum, limit, side="right"))
            if end >= total:
                end = total
            else:  # back to the start of that text; a text larger than a chunk goes whole
                end = int(np.searchsorted(text_ids, text_ids[end], side="left"))
                if end <= start:
                    end = int(np.searchsorted(text_ids, text_ids[start], side="right"))
            sl = lw[start:end]
            lens = glen[start:end]
            first = np.repeat(w_off[sl] - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
            gids = w_ids[first + np.arange(int(lens.sum()))]
            key = (np.repeat(text_ids[start:end], lens).astype(np.int64) << 32) | gids
            uniq, counts = np.unique(key, return_counts=True)
            pair_text.append((uniq >> 32).astype(np.int32))
            pair_id.append((uniq & 0xFFFFFFFF).astype(np.int32))
            pair_count.append(counts.astype(np.int32))
            start = end
        texts = np.concatenate(pair_text) if pair_text else np.zeros(0, np.int32)
        ids = np.concatenate(pair_id) if pair_id else np.zeros(0, np.int32)
        counts = np.concatenate(pair_count) if pair_count else np.zeros(0, np.int32)
        n = max(n_texts, 1)
        if idf_of is None:
            df = np.bincount(ids, minlength=len(vocab))
            idf64 = np.log(n / np.maximum(df, 1)) + 1.0
        else:
            known = idf_of._ids_of(vocab)
            idf64 = np.where(known >= 0, idf_of.idf[np.maximum(known, 0)] if len(idf_of.idf) else 0.0,
                             math.log(max(idf_of.n_texts, 1)) + 1.0)
        self.codes = vocab
        self.idf = idf64.astype(np.float32)
        self.n_texts = n
        counts = np.minimum(counts, (1 << 16) - 1)
        row_w = _LOG_TF[counts] * self.idf[ids]
        offsets = np.zeros(n_texts + 1, dtype=np.int64)
        np.cumsum(np.bincount(texts, minlength=n_texts), out=offsets[1:])
        sq = np.bincount(texts, weights=row_w * row_w, minlength=n_texts) if n_texts else np.zeros(0)
        norm = np.sqrt(sq).astype(np.float32)
        norm[norm == 0] = 1.0
        # a vector is stored as gram ids and counts (the narrowest integer types that hold them) with
        # the text's norm: its weights are recomputed for the few candidates a question compares
        self.offsets = offsets
        self.ids = ids.astype(np.uint16 if len(vocab) <= 1 << 16 else np.int32)
        self.counts = counts.astype(np.uint8 if not len(counts) or counts.max() < 256 else np.uint16)
        self.norms = norm

    # -- persistence --------------------------------------------------------------------------

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.codes": self.codes, f"{prefix}.idf": self.idf, f"{prefix}.offsets": self.offsets,
                f"{prefix}.ids": self.ids, f"{prefix}.counts": self.counts, f"{prefix}.norms": self.norms}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str, stop: frozenset[str],
                    sizes: tuple[int, ...], n_texts: int) -> GramModel:
        model = cls(None, stop, sizes)
        model.codes, model.idf = arrays[f"{prefix}.codes"], arrays[f"{prefix}.idf"]
        model.offsets, model.ids = arrays[f"{prefix}.offsets"], arrays[f"{prefix}.ids"]
        model.counts, model.norms = arrays[f"{prefix}.counts"], arrays[f"{prefix}.norms"]
        model.n_texts = n_texts
        return model

    # -- querying -----------------------------------------------------------------------------

    def _ids_of(self, codes: np.ndarray) -> np.ndarray:
        """Gram ids of codes (-1 for grams this model does not know)."""
        if not len(self.codes):
            return np.full(len(codes), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.codes, codes), len(self.codes) - 1)
        return np.where(self.codes[pos] == codes, pos, -1)

    def query(self, value: str | Counter[str]) -> np.ndarray | None:
        """A dense, L2-normalised query vector over the known grams (None when nothing is known).

        ``value`` is the question, or its :func:`grams` when several models share them."""
        counts = grams(value, self.stop, self.sizes) if isinstance(value, str) else value
        if not counts:
            return None
        items = list(counts.items())
        gids = self._ids_of(np.array([gram_code(g) for g, _ in items], dtype=np.int64))
        counted = [(int(gid), c) for gid, (_, c) in zip(gids, items, strict=True) if gid >= 0]
        if not counted:
            return None
        dense = np.zeros(len(self.idf), dtype=np.float32)
        for gid, c in counted:
            dense[gid] = (1.0 + math.log(c)) * self.idf[gid]
        norm = float(np.sqrt((dense * dense).sum())) or 1.0
        return dense / norm

    def weights(self, first: int, last: int) -> np.ndarray:
        """The L2-normalised weights of texts ``first .. last - 1``, concatenated."""
        start, end = int(self.offsets[first]), int(self.offsets[last])
        ids = self.ids[start:end]
        w = _LOG_TF[self.counts[start:end]] * self.idf[ids]
        if last - first == 1:
            return w / self.norms[first]
        return w / np.repeat(self.norms[first:last], np.diff(self.offsets[first:last + 1]))

    def similarities(self, query: np.ndarray, texts: np.ndarray) -> np.ndarray:
        """The similarity of the query to each of ``texts`` (numbers), in one pass over their vectors."""
        texts = np.asarray(texts, dtype=np.int64)
        starts = self.offsets[texts]
        lens = self.offsets[texts + 1] - starts
        ends = np.cumsum(lens)
        firsts = ends - lens
        idx = np.repeat(starts - firsts, lens) + np.arange(int(ends[-1]) if len(ends) else 0)
        ids = self.ids[idx]
        w = _LOG_TF[self.counts[idx]] * self.idf[ids]
        w = w / np.repeat(self.norms[texts], lens)
        products = query[ids] * w
        out = np.zeros(len(texts), dtype=np.float32)
        full = lens > 0
        if full.any():
            out[full] = np.add.reduceat(products, firsts[full])
        return out

    def best_of_many(self, query: np.ndarray, firsts: np.ndarray, lasts: np.ndarray) -> np.ndarray:
        """:meth:`best_of` for several ranges of texts at once (0 for an empty range)."""
        firsts, lasts = np.asarray(firsts, dtype=np.int64), np.asarray(lasts, dtype=np.int64)
        counts = np.maximum(lasts - firsts, 0)
        out = np.zeros(len(firsts), dtype=np.float32)
        if not counts.any():
            return out
        ends = np.cumsum(counts)
        texts = np.repeat(firsts - (ends - counts), counts) + np.arange(int(ends[-1]))
        sims = self.similarities(query, texts)
        full = counts > 0
        out[full] = np.maximum.reduceat(sims, (ends - counts)[full])
        return out

    def similarity(self, query: np.ndarray, doc: int) -> float:
        start, end = self.offsets[doc], self.offsets[doc + 1]
        return float(np.dot(query[self.ids[start:end]], self.weights(doc, doc + 1)))

    def best_of(self, query: np.ndarray, first: int, last: int) -> float:
        """The highest similarity among the texts ``first .. last - 1`` (the passages of one entry)."""
        if last <= first:
            return 0.0
        start, end = int(self.offsets[first]), int(self.offsets[last])
        if end <= start:
            return 0.0
        products = query[self.ids[start:end]] * self.weights(first, last)
        bounds = self.offsets[first:last] - start
        keep = bounds < end - start  # reduceat needs indices inside the array; empty passages score 0
        sums = np.add.reduceat(products, bounds[keep])
        empty = np.diff(self.offsets[first:last + 1])[keep] == 0
        sums[empty] = 0.0
        return float(sums.max()) if len(sums) else 0.0

    def nbytes(self) -> int:
        return (self.ids.nbytes + self.counts.nbytes + self.norms.nbytes + self.offsets.nbytes + self.idf.nbytes
                + self.codes.nbytes)
