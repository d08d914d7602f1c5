"""Morphological normalisation: Snowball stems (default) or pymorphy3 lemmas, both cached.

The benchmark (benchmarks/kb_keyword_bench.py) measures both; stems won on speed by a wide
margin at equal quality, so they are the default (``MatchSettings.morphology = "stem"``).
"""

from __future__ import annotations

from functools import lru_cache


class Stemmer:
    """Snowball stems for Russian (Cyrillic tokens) and English (Latin tokens), memoised."""

    name = "stem"

    def __init__(self) -> None:
        import Stemmer as pystemmer  # PyStemmer

        self._ru = pystemmer.Stemmer("russian")
        self._en = pystemmer.Stemmer("english")
        self._cache: dict[str, str] = {}

    def __call__(self, token: str) -> str:
        stem = self._cache.get(token)
        if stem is None:
            if token.isdigit():
                stem = token
            elif token.isascii():
                stem = self._en.stemWord(token)
            else:
                stem = self._ru.stemWord(token)
            if len(self._cache) < 500_000:
                self._cache[token] = stem
        return stem


class Lemmatizer:
    """pymorphy3 normal forms (first parse) for Russian, Snowball for the rest, memoised."""

    name = "lemma"

    def __init__(self) -> None:
        import pymorphy3

        self._morph = _morph_analyzer(pymorphy3)
        self._fallback = Stemmer()
        self._cache: dict[str, str] = {}

    def __call__(self, token: str) -> str:
        lemma = self._cache.get(token)
        if lemma is None:
            if token.isdigit() or token.isascii():
                lemma = self._fallback(token)
            else:
                lemma = self._morph.parse(token)[0].normal_form.replace("ё", "е")
            if len(self._cache) < 500_000:
                self._cache[token] = lemma
        return lemma


@lru_cache(maxsize=1)
def _morph_analyzer(pymorphy3):
    return pymorphy3.MorphAnalyzer()


class Identity:
    """No morphology (the ablation baseline)."""

    name = "none"

    def __call__(self, token: str) -> str:
        return token


def make(kind: str):
    return {"stem": Stemmer, "lemma": Lemmatizer, "none": Identity}[kind]()
