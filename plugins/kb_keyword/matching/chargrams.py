"""Character n-gram similarity of a question to an entry's question field (re-ranking signal).

Word stems miss typos the typo index cannot fix (two edits), broken words and unusual forms;
shared 3-5 letter pieces still see them. Only the short question field is compared, and only
for the candidates the term index found, so the cost does not grow with the base. The entries'
vectors are precomputed in compact arrays (gram ids and weights), L2-normalised.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from .text import tokens

SIZES = (3, 4, 5)


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


class GramModel:
    """tf-idf vectors of character n-grams for a fixed list of texts, plus a query vectoriser."""

    def __init__(self, texts: Callable[[], Iterable[str]], stop: frozenset[str],
                 sizes: tuple[int, ...] = SIZES) -> None:
        """``texts`` is called twice (document frequencies, then vectors) to keep the peak memory low;
        ``sizes`` are the n-gram lengths (fewer sizes, smaller vectors)."""
        self.stop = stop
        self.sizes = sizes
        df: Counter[str] = Counter()
        n = 0
        for value in texts():
            df.update(grams(value, stop, sizes).keys())
            n += 1
        n = max(n, 1)
        self.gram_id = {g: i for i, g in enumerate(df)}
        self.idf = np.array([math.log(n / d) + 1.0 for d in df.values()], dtype=np.float32)
        del df
        offsets, ids, weights = [0], [], []
        for value in texts():
            c = grams(value, stop, sizes)
            row_ids = np.fromiter((self.gram_id[g] for g in c), dtype=np.int32, count=len(c))
            row_w = np.fromiter((1.0 + math.log(x) for x in c.values()), dtype=np.float32, count=len(c))
            row_w *= self.idf[row_ids]
            norm = float(np.sqrt((row_w * row_w).sum())) or 1.0
            ids.append(row_ids)
            weights.append(row_w / norm)
            offsets.append(offsets[-1] + len(c))
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.ids = np.concatenate(ids) if ids else np.zeros(0, np.int32)
        self.weights = np.concatenate(weights) if weights else np.zeros(0, np.float32)

    def query(self, value: str | Counter[str]) -> np.ndarray | None:
        """A dense, L2-normalised query vector over the known grams (None when nothing is known).

        ``value`` is the question, or its :func:`grams` when several models share them."""
        counts = grams(value, self.stop, self.sizes) if isinstance(value, str) else value
        gram_id = self.gram_id
        counted = [(gram_id[g], c) for g, c in counts.items() if g in gram_id]
        if not counted:
            return None
        dense = np.zeros(len(self.idf), dtype=np.float32)
        for gid, c in counted:
            dense[gid] = (1.0 + math.log(c)) * self.idf[gid]
        norm = float(np.sqrt((dense * dense).sum())) or 1.0
        return dense / norm

    def similarity(self, query: np.ndarray, doc: int) -> float:
        start, end = self.offsets[doc], self.offsets[doc + 1]
        return float(np.dot(query[self.ids[start:end]], self.weights[start:end]))

    def best_of(self, query: np.ndarray, first: int, last: int) -> float:
        """The highest similarity among the texts ``first .. last - 1`` (the passages of one entry)."""
        if last <= first:
            return 0.0
        start, end = int(self.offsets[first]), int(self.offsets[last])
        if end <= start:
            return 0.0
        products = query[self.ids[start:end]] * self.weights[start:end]
        bounds = self.offsets[first:last] - start
        keep = bounds < end - start  # reduceat needs indices inside the array; empty passages score 0
        sums = np.add.reduceat(products, bounds[keep])
        empty = np.diff(self.offsets[first:last + 1])[keep] == 0
        sums[empty] = 0.0
        return float(sums.max()) if len(sums) else 0.0

    def nbytes(self) -> int:
        return self.ids.nbytes + self.weights.nbytes + self.offsets.nbytes + self.idf.nbytes
