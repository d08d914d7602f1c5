"""Typo tolerance: a symmetric-delete index (edit distance 1) over the base's vocabulary.

Measured against rapidfuzz's ``extractOne`` in the benchmark: the same corrections for
distance-1 typos at a few microseconds per word instead of milliseconds at 100k entries.

The index is a few numpy arrays (the vocabulary as a :class:`~.vocab.Strings` table with its
frequencies, and the sorted 64-bit hashes of every word's one-letter deletes with the word each
came from), so it can be memory-mapped and shared by the workers.
"""

from __future__ import annotations

import numpy as np

from .vocab import Strings, hash_bytes, hash_many

MIN_LENGTH = 4
#: Words at least this long may be corrected by two edits (when nothing is one edit away).
TWO_EDIT_LENGTH = 8


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class TypoIndex:
    """Words of the vocabulary within one edit (insert, delete, substitute, transpose) of a word."""

    def __init__(self, frequencies: dict[str, int] | None = None, two_edits: bool = True, *,
                 words: Strings | None = None, freq: np.ndarray | None = None,
                 arrays: dict[str, np.ndarray] | None = None) -> None:
        """From a ``{word: frequency}`` dict, or from a vocabulary table and its frequencies
        (``words``, ``freq``), or from saved ``arrays`` (see :meth:`arrays`)."""
        self.two_edits = two_edits
        self._heads: dict[str, list[str]] | None = None
        if arrays is not None:
            self.words = Strings.from_arrays(arrays, "typo.words")
            self.freq = arrays["typo.freq"]
            self._del_hash, self._del_word = arrays["typo.del_hash"], arrays["typo.del_word"]
            return
        if words is None:
            frequencies = frequencies or {}
            words = Strings.build(frequencies)
            freq = np.fromiter(frequencies.values(), dtype=np.int64, count=len(frequencies))
        self.words, self.freq = words, np.asarray(freq, dtype=np.int64)
        deleted: list[str] = []
        owner: list[int] = []
        for i, word in enumerate(words):
            if len(word) >= MIN_LENGTH and not word.isdigit():
                ds = _deletes(word)
                deleted.extend(ds)
                owner.extend([i] * len(ds))
        table = Strings.build(deleted) if deleted else None
        if table is None:
            self._del_hash, self._del_word = np.zeros(0, np.uint64), np.zeros(0, np.int32)
        else:
            hashes = hash_many(table.blob, table.offsets)
            order = np.argsort(hashes, kind="stable")
            self._del_hash = hashes[order]
            self._del_word = np.asarray(owner, dtype=np.int32)[order]

    def arrays(self) -> dict[str, np.ndarray]:
        return {**self.words.arrays("typo.words"), "typo.freq": self.freq, "typo.del_hash": self._del_hash,
                "typo.del_word": self._del_word}

    def nbytes(self) -> int:
        return self.words.nbytes() + self.freq.nbytes + self._del_hash.nbytes + self._del_word.nbytes

    def frequency(self, word: str) -> int:
        i = self.words.index(word)
        return int(self.freq[i]) if i >= 0 else 0

    def __contains__(self, word: str) -> bool:
        return self.words.index(word) >= 0

    def _by_delete(self, deleted: str) -> list[str]:
        """Vocabulary words that become ``deleted`` without one of their letters."""
        h = np.uint64(hash_bytes(deleted.encode("utf-8")))
        lo = int(np.searchsorted(self._del_hash, h, side="left"))
        hi = int(np.searchsorted(self._del_hash, h, side="right"))
        out = []
        for j in self._del_word[lo:hi]:
            word = self.words[int(j)]
            if len(word) == len(deleted) + 1 and deleted in _deletes(word):
                out.append(word)
        return out

    def candidates(self, word: str) -> dict[str, int]:
        """Vocabulary words one edit away from ``word`` with their frequencies."""
        found: set[str] = set(self._by_delete(word))  # word lacks one letter
        for d in _deletes(word):
            if len(d) >= MIN_LENGTH and d in self:  # word has one extra letter
                found.add(d)
            found.update(self._by_delete(d))  # substitution / transposition
        return {w: self.frequency(w) for w in found}

    def correct(self, word: str) -> str | None:
        """The most frequent vocabulary word one edit away, or None."""
        if len(word) < MIN_LENGTH or word in self or word.isdigit():
            return None
        candidates = self.candidates(word)
        if not candidates:
            return self._two_edits(word)
        return max(candidates, key=lambda w: (w[0] == word[0], candidates[w], w))

    def _two_edits(self, word: str) -> str | None:
        """For a long word: the vocabulary word with the same first letter at most two edits away
        (optimal string alignment distance; the closest, then the most frequent)."""
        if not self.two_edits or len(word) < TWO_EDIT_LENGTH:
            return None
        try:  # optional (the bench and test extras): without it, one edit only
            from rapidfuzz.distance import OSA
            from rapidfuzz.process import extract
        except ImportError:
            return None
        if self._heads is None:
            heads: dict[str, list[str]] = {}
            for w in self.words:
                if len(w) >= TWO_EDIT_LENGTH - 2 and len(w) >= MIN_LENGTH and not w.isdigit():
                    heads.setdefault(w[0], []).append(w)
            self._heads = heads
        found = extract(word, self._heads.get(word[0], ()), scorer=OSA.distance, score_cutoff=2, limit=None)
        if not found:
            return None
        return min(found, key=lambda f: (f[1], -self.frequency(f[0]), f[0]))[0]
