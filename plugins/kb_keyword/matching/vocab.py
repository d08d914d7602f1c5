"""Compact string tables: a vocabulary in a few numpy arrays instead of a dict of Python strings.

A :class:`Strings` table holds its strings as one UTF-8 blob with offsets, and finds a string by
a 64-bit FNV-1a hash of its bytes (a sorted hash array, binary search, then a byte comparison).
The arrays can be written to ``.npy`` files and memory-mapped, so several worker processes share
one copy (see :mod:`.store`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK = (1 << 64) - 1


def hash_bytes(value: bytes) -> int:
    """64-bit FNV-1a of ``value`` (the same number :func:`hash_many` computes in bulk)."""
    h = _FNV_OFFSET
    for byte in value:
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h


def hash_many(blob: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """FNV-1a of every ``blob[offsets[i]:offsets[i + 1]]`` at once (uint64)."""
    n = len(offsets) - 1
    starts = np.asarray(offsets[:-1], dtype=np.int64)
    lens = np.diff(np.asarray(offsets, dtype=np.int64))
    order = np.argsort(-lens, kind="stable")  # longest first: the active strings are a prefix
    starts_o, lens_o = starts[order], lens[order]
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    prime = np.uint64(_FNV_PRIME)
    data = np.asarray(blob, dtype=np.uint8)
    with np.errstate(over="ignore"):
        for j in range(int(lens_o[0]) if n else 0):
            active = int(np.searchsorted(-lens_o, -j, side="left"))  # lens_o > j
            if active == 0:
                break
            part = h[:active] ^ data[starts_o[:active] + j].astype(np.uint64)
            h[:active] = part * prime
    out = np.empty(n, dtype=np.uint64)
    out[order] = h
    return out


class Strings:
    """An immutable list of distinct strings with ``index(value)`` lookup (``-1`` when absent)."""

    __slots__ = ("blob", "hashes", "offsets", "order")

    def __init__(self, blob: np.ndarray, offsets: np.ndarray, hashes: np.ndarray, order: np.ndarray) -> None:
        self.blob, self.offsets, self.hashes, self.order = blob, offsets, hashes, order

    @classmethod
    def build(cls, values: Iterable[str]) -> Strings:
        encoded = [v.encode("utf-8") for v in values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        if encoded:
            np.cumsum([len(e) for e in encoded], out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
        hashes = hash_many(blob, offsets)
        order = np.argsort(hashes, kind="stable").astype(np.int32)
        return cls(blob, offsets, hashes[order], order)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.blob": self.blob, f"{prefix}.offsets": self.offsets,
                f"{prefix}.hashes": self.hashes, f"{prefix}.order": self.order}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Strings:
        return cls(arrays[f"{prefix}.blob"], arrays[f"{prefix}.offsets"], arrays[f"{prefix}.hashes"],
                   arrays[f"{prefix}.order"])

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def _bytes(self, i: int) -> bytes:
        return self.blob[int(self.offsets[i]):int(self.offsets[i + 1])].tobytes()

    def __getitem__(self, i: int) -> str:
        if i < 0:
            i += len(self)
        return self._bytes(i).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    def index(self, value: str) -> int:
        data = value.encode("utf-8")
        h = np.uint64(hash_bytes(data))
        hashes = self.hashes
        i = int(np.searchsorted(hashes, h))
        n = len(hashes)
        while i < n and hashes[i] == h:
            j = int(self.order[i])
            if self._bytes(j) == data:
                return j
            i += 1
        return -1

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self.index(value) >= 0

    def nbytes(self) -> int:
        return self.blob.nbytes + self.offsets.nbytes + self.hashes.nbytes + self.order.nbytes
