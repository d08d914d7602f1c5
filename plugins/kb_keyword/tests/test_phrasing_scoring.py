"""Staff phrasings are scored one by one (best phrasing wins): an entry with many phrasings does not pull
questions away from entries without any, as concatenating them into the question field did."""

from __future__ import annotations

from sep_plugins.kb_keyword.matching import Document, Index, MatchSettings
from sep_plugins.kb_keyword.matching.ranking import Ranker

PLAIN = [
    Document("extract", "Как получить выписку из электронного паспорта?",
             "Выписку скачивает собственник в личном кабинете: нажмите «Сформировать выписку»."),
    Document("hours", "Какой режим работы телефона?", "Телефон работает с 06:00 до 18:00 по Москве."),
    Document("price", "Сколько стоит оформление?", "Оформление платное, цену называет оператор."),
    Document("signup", "Как зарегистрироваться на портале?", "Укажите телефон и почту, затем подтвердите их кодами."),
]
#: what staff attached to "price" from the analytics: citizens' wordings, each sharing a word with
#: the other entries' questions (none of them a paraphrase of those)
MANY = ("цена выписки", "выписка платная", "выписка за деньги", "получить бесплатно", "получить скидку",
        "сколько стоит получить", "телефон оплаты", "режим оплаты")
SIGNUP = ("не приходит смс",)
CURATED = [*PLAIN[:2], Document("price", PLAIN[2].question, PLAIN[2].answer, MANY),
           Document("signup", PLAIN[3].question, PLAIN[3].answer, SIGNUP)]
UNCURATED_QUESTIONS = {"как получить выписку": "extract", "получить выписку": "extract",
                       "режим работы телефона": "hours"}

def top(engine, question: str):
    hits = engine.search(question, 3)
    return hits[0].key if hits else None


def test_entries_without_phrasings_keep_their_answers_when_another_entry_gets_many():
    before = Ranker.build(PLAIN, MatchSettings())
    after = Ranker.build(CURATED, MatchSettings())
    assert {q: top(before, q) for q in UNCURATED_QUESTIONS} == UNCURATED_QUESTIONS
    assert {q: top(after, q) for q in UNCURATED_QUESTIONS} == UNCURATED_QUESTIONS


def others(engine, question: str) -> list[tuple[str, float]]:
    """The ranking of the entries other than the curated one, with their scores."""
    return [(h.key, round(h.score, 6)) for h in engine.search(question, 4) if h.key != "price"]


def test_the_other_entries_scores_do_not_move_at_all_and_with_concatenation_they_did():
    questions = [*UNCURATED_QUESTIONS, "выписка", "телефон", "оплата выписки"]
    before, after = Ranker.build(PLAIN, MatchSettings()), Ranker.build(CURATED, MatchSettings())
    assert [others(after, q) for q in questions] == [others(before, q) for q in questions]
    concatenated = Index.build(CURATED, MatchSettings())  # the old way: phrasings in the question field
    assert [others(concatenated, q) for q in questions] != [others(before, q) for q in questions]


def test_the_best_phrasing_wins_for_its_own_entry():
    plain = Ranker.build(PLAIN, MatchSettings())
    curated = Ranker.build(CURATED, MatchSettings())
    question = "Не приходит СМС!"
    assert top(plain, question) != "signup"  # the entry alone does not say it
    assert top(curated, question) == "signup"


def test_phrasings_are_not_in_the_entries_index_and_a_base_without_any_has_no_phrasing_index():
    assert Ranker.build(PLAIN, MatchSettings()).phrasings is None
    ranker = Ranker.build(CURATED, MatchSettings())
    assert len(ranker) == 4 and len(ranker.phrasings) == len(MANY) + len(SIGNUP)
    assert "смс" not in ranker.index and "смс" in ranker.phrasings  # a phrasing's word is not the entry's
