"""kb_semantic settings (override under SEP_PLUGIN_CONFIG["kb_semantic"]), checked at start-up."""

from __future__ import annotations

from typing import Any

from sep_core import ConfigError

from .encoder import MODELS

DEFAULTS = {
    # "e5-small" (multilingual-e5-small, int8 on ONNX Runtime: ranks best, 4-6 ms a question) or "use-m3"
    # (Universal Sentence Encoder multilingual v3: about 3 ms, ranks worse). docs/plugins/kb_semantic.md.
    "model": "e5-small",
    # Locales the encoder serves (both models cover these among others).
    "locales": ["ru", "en"],
    # BLAS threads for one encoding: 1 keeps a worker from stealing its neighbours' cores.
    "threads": 1,
    # Vectors of the latest questions kept per worker (LRU, ~2 KB each; 0: none): a repeated question
    # is not encoded again. Answers are unchanged (a hit is the vector encoding would give).
    "question_cache": 4096,
}


def check(settings: dict[str, Any]) -> None:
    """Refuse a model name that is not one of :data:`~.encoder.MODELS` at start-up: otherwise the first
    index build would fail on it (``encoder.load`` raises ValueError), long after the deployer looked."""
    if settings["model"] not in MODELS:
        raise ConfigError(f"kb_semantic: model must be one of {', '.join(MODELS)}, not {settings['model']!r}")
