"""Test support: kb_semantic's e5 vectors of base texts shared by the processes of a test run.

Used by the root conftest's ``shared_sentence_vectors`` fixture (tests that build a base with the encoder
on without testing the encoder, e.g. the browser tests of the whole site); kb_semantic's own tests run
the encoder itself. Nothing here is used by the application.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from sep_core import hookimpl

from .encoder import E5Encoder


class SharedVectors:
    """kb_semantic's encoder with the vectors of the base's texts (batches: an index build's) kept in files
    shared by every process of the test run, by digest of the encoder's name and the text: a test that
    builds a base another test (or a forked build) already encoded reads its vectors instead of encoding
    them again (the demo base is about 300 texts: 4-7 s of e5 on a loaded CI core). Only e5 is wrapped:
    it encodes each text alone (no padding), so a text's vector is the same bit for bit whatever the batch,
    and the files hold exactly what the real encoder gives. A single text (a citizen's question) goes to
    the encoder itself. Not for kb_semantic's own tests: they exercise the encoder."""

    def __init__(self, inner, folder: Path) -> None:
        self.inner, self.folder = inner, folder
        self.name, self.dim = inner.name, inner.dim
        self.query_prefix, self.passage_prefix = inner.query_prefix, inner.passage_prefix
        self.read = self.encoded = 0

    def _path(self, text: str) -> Path:
        digest = hashlib.blake2b(f"{self.name}\0{text}".encode(), digest_size=16).hexdigest()
        return self.folder / f"{digest}.npy"

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            return self.inner.encode(texts)
        out = np.empty((len(texts), self.dim), np.float32)
        missing = []
        for i, text in enumerate(texts):
            try:
                out[i] = np.load(self._path(text))
            except (OSError, ValueError):
                missing.append(i)
        self.read += len(texts) - len(missing)
        if missing:
            vectors = self.inner.encode([texts[i] for i in missing])
            for i, vector in zip(missing, vectors, strict=True):
                out[i] = vector
                path = self._path(texts[i])
                part = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                with open(part, "wb") as f:
                    np.save(f, np.asarray(vector, np.float32))
                os.replace(part, path)  # whole or absent for the other processes
            self.encoded += len(missing)
        return out


class SharedVectorsPlugin:
    """``sep_text_encoder`` first: the encoder the app's other plugins give (kb_semantic's), as
    :class:`SharedVectors` when it is e5; None stays None (kb_semantic disabled: keyword only)."""

    def __init__(self, pm, folder: Path) -> None:
        self.pm, self.folder = pm, folder
        self.made: dict[int, SharedVectors] = {}

    @hookimpl
    def sep_text_encoder(self, locale):
        inner = self.pm.subset_hook_caller("sep_text_encoder", remove_plugins=[self])(locale=locale)
        if inner is None or not isinstance(getattr(inner, "inner", inner), E5Encoder):
            return inner
        if id(inner) not in self.made:
            self.made[id(inner)] = SharedVectors(inner, self.folder)
        return self.made[id(inner)]
