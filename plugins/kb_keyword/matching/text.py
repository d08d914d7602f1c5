"""Normalisation and tokenisation of Russian (and English) text."""

from __future__ import annotations

import re
import unicodedata

#: Latin keyboard keys -> the Cyrillic letters on the same keys of the ЙЦУКЕН layout.
_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_RU = "йцукенгшщзхъфывапролджэячсмитьбюё"
LAYOUT_EN_TO_RU = str.maketrans(_EN + _EN.upper(), _RU + _RU.upper())
_LAYOUT_CHUNK = re.compile(r"[a-z\[\];',.`]+")

#: A token: a run of letters or digits (Cyrillic, Latin), keeping inner hyphens out.
TOKEN_RE = re.compile(r"[0-9a-zа-я]+")
_SPACES = re.compile(r"\s+")
MAX_QUERY_CHARS = 2000


def normalize(text: str) -> str:
    """Lower case, ``ё`` -> ``е``, compatibility forms folded (NFKC), control characters dropped."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("ё", "е")
    return text


def tokens(text: str) -> list[str]:
    """The word tokens of ``text`` (normalised), in order."""
    return TOKEN_RE.findall(normalize(text))


def layout_chunks(text: str) -> list[str]:
    """Latin chunks of ``text`` that could be Russian typed on the English layout (keeps ``[;',.``)."""
    return _LAYOUT_CHUNK.findall(normalize(text))


def to_russian_layout(chunk: str) -> str:
    """``ghbdtn`` -> ``привет``: the same keys on the Russian layout."""
    return chunk.translate(LAYOUT_EN_TO_RU)


def is_latin(token: str) -> bool:
    return token.isascii() and not token.isdigit()


def squash_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
