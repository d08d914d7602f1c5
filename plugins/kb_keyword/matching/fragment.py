"""The best fragment of an answer: the sentences with the most matched key words, highlighted."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape


def _norm(word: str) -> str:
    return word.lower().replace("ё", "е")

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"(A-ZА-ЯЁ0-9])|\n+")
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")
MAX_FRAGMENT = 400


@dataclass
class Fragment:
    text: str
    html: str
    """Escaped text with matched words wrapped in ``<mark>``: safe to insert as HTML."""
    whole: bool
    """True when the fragment is the whole answer."""


def split_sentences(value: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(value) if s and s.strip()]


def highlight(value: str, terms: frozenset[str] | set[str], stem: Callable[[str], str]) -> str:
    """Escape ``value`` and wrap every word whose stem is in ``terms`` in ``<mark>``."""
    out, pos = [], 0
    for m in _WORD.finditer(value):
        word = m.group(0)
        if stem(_norm(word)) in terms:
            out.append(escape(value[pos:m.start()]))
            out.append(f"<mark>{escape(word)}</mark>")
            pos = m.end()
    out.append(escape(value[pos:]))
    return "".join(out)


def analyse(answer: str, stem: Callable[[str], str]) -> tuple[list[str], list[frozenset[str]]]:
    """An answer's sentences and the stems of each (cacheable: it does not depend on the question)."""
    sentences = split_sentences((answer or "").strip())
    return sentences, [frozenset(stem(_norm(w)) for w in _WORD.findall(s)) for s in sentences]


def best_fragment(answer: str, terms: frozenset[str] | set[str], stem: Callable[[str], str],
                  weights: dict[str, float] | None = None, max_chars: int = MAX_FRAGMENT,
                  analysed: tuple[list[str], list[frozenset[str]]] | None = None) -> Fragment:
    """The window of consecutive sentences (up to ``max_chars``) with the most matched weight.

    Ties go to the earlier window (answers usually start with the point).
    """
    sentences, stems = analysed or analyse(answer, stem)
    if not sentences:
        return Fragment("", "", True)
    weights = weights or {}
    found = [s & terms for s in stems]
    best, best_key = (0, 1), None
    for i in range(len(sentences)):
        covered: set[str] = set()
        length = 0
        for j in range(i, len(sentences)):
            length += len(sentences[j]) + 1
            if j > i and length > max_chars:
                break
            covered |= found[j]
            value = sum(weights.get(t, 1.0) for t in covered)
            key = (value, -(j - i), -i)
            if best_key is None or key > best_key:
                best, best_key = (i, j + 1), key
    chosen = sentences[best[0]:best[1]]
    frag = " ".join(chosen)
    if len(frag) > max_chars * 2:
        frag = frag[: max_chars * 2].rsplit(" ", 1)[0] + "…"
    whole = best == (0, len(sentences))
    return Fragment(frag, highlight(frag, terms, stem), whole)
