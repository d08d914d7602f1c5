"""Synonyms and abbreviations: every phrase of a group is rewritten to one concept term.

A group is a list of phrases meaning the same thing (``["ЭПТС", "электронный паспорт
транспортного средства"]``). Both the base and the question get the concept term ``~<n>`` where
any of the phrases occurs (matched on stems, so inflected forms match too); the original words
stay, so exact wording still counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence


class SynonymMap:
    def __init__(self, groups: Iterable[Sequence[str]], analyze: Callable[[str], list[str]]) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        self.groups: list[list[str]] = []
        for group in groups:
            phrases = [p for p in group if p and p.strip()]
            if len(phrases) < 2:
                continue
            concept = f"~{len(self.groups)}"
            self.groups.append(list(phrases))
            for phrase in phrases:
                stems = tuple(analyze(phrase))
                if stems:
                    self._phrases.setdefault(stems, concept)
        self.max_len = max((len(p) for p in self._phrases), default=0)

    def __bool__(self) -> bool:
        return bool(self._phrases)

    def concepts(self, stems: Sequence[str]) -> list[tuple[int, str]]:
        """``(position, concept)`` for each phrase of the dictionary found in ``stems``."""
        found = []
        n = len(stems)
        for i in range(n):
            for length in range(min(self.max_len, n - i), 0, -1):
                concept = self._phrases.get(tuple(stems[i:i + length]))
                if concept is not None:
                    found.append((i, concept))
                    break
        return found
