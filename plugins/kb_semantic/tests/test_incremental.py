"""Entry vectors are computed when the index is built and reused when the base changes: one changed
entry costs the encodings of its own texts only."""

from __future__ import annotations

import numpy as np
from sep_plugins.kb_keyword.matching import Document, MatchSettings
from sep_plugins.kb_keyword.matching.ranking import Ranker


class Counting:
    """The real encoder, counting the texts it is given."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.texts = inner, inner.name, []

    def encode(self, texts):
        self.texts += list(texts)
        return self.inner.encode(texts)


DOCS = [Document(f"e{i}", q, a) for i, (q, a) in enumerate([
    ("Как получить выписку из ЭПТС?", "Выписку скачивает собственник в личном кабинете."),
    ("Какой режим работы центра?", "Центр работает с 06:00 до 18:00 по Москве."),
    ("Как зарегистрироваться на портале?", "Укажите телефон и почту и подтвердите их кодами."),
    ("Что делать, если не приходит код?", "Проверьте номер и запросите код ещё раз через минуту."),
])]


def test_one_changed_entry_is_the_only_one_encoded_again():
    from sep_plugins.kb_semantic.encoder import load

    enc = Counting(load())
    first = Ranker.build(DOCS, MatchSettings(), encoder=enc)
    assert len(enc.texts) == 2 * len(DOCS)  # the question, and the question with the answer's start
    enc.texts.clear()
    changed = [*DOCS[:3], Document("e3", DOCS[3].question, "Запросите код ещё раз.", ("не приходит смс",))]
    second = Ranker.build(changed, MatchSettings(), encoder=enc, previous=first)
    assert sorted(enc.texts) == sorted(["Что делать, если не приходит код? Запросите код ещё раз.", "не приходит смс"])
    row = second.semantic.store.row("Как получить выписку из ЭПТС?")
    old = first.semantic.store.row("Как получить выписку из ЭПТС?")
    assert np.array_equal(second.semantic.store.rows[row], first.semantic.store.rows[old])
    assert second.search("не приходит смс", 1)[0].key == "e3"
