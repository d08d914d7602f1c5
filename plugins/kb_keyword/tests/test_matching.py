"""The matching engine on its own: morphology, synonyms, typos, layout, phrases, fragments, confidence."""

from __future__ import annotations

import pytest
from sep_plugins.kb_keyword.matching import Document, Index, MatchSettings, best_fragment
from sep_plugins.kb_keyword.matching.text import to_russian_layout

DOCS = [
    Document(1, "Как получить выписку из базы?",
             "Выписку скачивает собственник в личном кабинете. Файл в формате PDF."),
    Document(2, "Режим работы телефона", "Телефон работает с 06:00 до 18:00 по Москве. В выходные центр закрыт."),
    Document(3, "Как зарегистрироваться на портале?", "Укажите телефон и почту, подтвердите их кодами."),
    Document(4, "Что такое ЭПТС?", "Это запись в базе вместо бумажного бланка."),
    Document(5, "Ошибка при входе", "Проверьте пароль. Если ошибка повторяется, очистите кэш браузера."),
    Document(6, "Кэш браузера", "Как очистить кэш: откройте настройки. Ошибка входа бывает из-за старого кэша."),
]
SYNONYMS = [["ЭПТС", "электронный паспорт транспортного средства"]]


@pytest.fixture(scope="module")
def index():
    return Index.build(DOCS, MatchSettings(), SYNONYMS)


def top(index, question):
    hits = index.search(question, 3)
    return hits[0].key if hits else None


@pytest.mark.parametrize("form", ["выписка", "выписки", "выписке", "выписку", "выпиской", "о выписке",
                                  "выписок", "выпискам", "выписками", "выписках"])
def test_every_case_of_a_noun_finds_the_entry(index, form):
    assert top(index, f"{form} нужна") == 1


def test_without_morphology_inflected_forms_are_missed():
    plain = Index.build(DOCS, MatchSettings(morphology="none", typos=False, chargrams=False))
    assert top(plain, "выпиской") is None


def test_synonym_phrase_matches_the_abbreviation(index):
    hits = index.search("электронного паспорта транспортного средства", 3)
    assert hits and hits[0].key == 4


def test_synonyms_off_do_not_match():
    idx = Index.build(DOCS, MatchSettings(synonyms=False, chargrams=False), SYNONYMS)
    assert top(idx, "электронного паспорта транспортного средства") != 4


@pytest.mark.parametrize("typo", ["выпску", "вытиску", "выписуку", "зарегистрироватся", "телфона"])
def test_typos_within_one_edit_are_corrected(index, typo):
    query = index.analyze_query(typo)
    assert query.corrections, typo
    assert top(index, typo) in (1, 2, 3)


def test_wrong_keyboard_layout_is_recognised(index):
    latin = "ntktajy"  # "телефон" typed on the English layout
    assert to_russian_layout(latin) == "телефон"
    assert top(index, latin) == 2
    assert top(index, "ghbdtn, dsgbcre") == 1  # "привет, выписку"


def test_latin_words_of_the_base_are_not_converted(index):
    assert index.analyze_query("pdf").terms == ["pdf"]


def test_phrase_in_order_ranks_above_scattered_words(index):
    hits = index.search("очистить кэш браузера", 2)
    assert hits[0].key == 6
    hits = index.search("ошибка при входе", 2)
    assert hits[0].key == 5


def test_stop_words_alone_match_nothing(index):
    assert index.search("как и что же это", 3) == []
    assert index.search("", 3) == []
    assert index.search("?!…", 3) == []


def test_confidence_is_in_unit_interval_and_orders_hits(index):
    strong = index.search("как получить выписку из базы", 3)
    weak = index.search("почта", 3)
    assert all(0.0 <= h.confidence <= 1.0 for h in strong + weak)
    assert strong[0].confidence > weak[0].confidence
    assert strong[0].confidence >= max(h.confidence for h in strong[1:])


def test_unknown_question_gets_no_or_low_confidence(index):
    hits = index.search("погода на марсе завтра", 3)
    assert not hits or hits[0].confidence < 0.5


def test_fragment_is_the_sentence_with_most_key_words_and_is_highlighted(index):
    answer = ("Первое предложение про погоду. Выписку из базы скачивает собственник в кабинете. "
              "Третье предложение про другое.")
    hit = index.search("скачать выписку в кабинете", 1)[0]
    frag = best_fragment(answer, {"выписк", "скачива", "кабинет"}, index.analyzer.stem, max_chars=60)
    assert frag.text.startswith("Выписку из базы")
    assert "<mark>Выписку</mark>" in frag.html and "<mark>кабинете</mark>" in frag.html
    assert not frag.whole
    assert hit.key == 1


def test_fragment_escapes_html_in_the_answer(index):
    answer = "Выписка <script>alert(1)</script> & <b>жирный</b>."
    frag = best_fragment(answer, {"выписк"}, index.analyzer.stem)
    assert "<script>" not in frag.html and "&lt;script&gt;" in frag.html
    assert "&amp;" in frag.html and "<mark>Выписка</mark>" in frag.html


def test_html_in_the_question_is_harmless(index):
    hits = index.search("<img src=x onerror=alert(1)> выписка", 1)
    assert hits[0].key == 1


def test_long_and_odd_input_does_not_break_the_index(index):
    assert isinstance(index.search("выписка " * 5000, 3), list)
    assert isinstance(index.search("😀😀 выписка 🚗", 3), list)
    assert isinstance(index.search("\x00\x01\x02", 3), list)


def test_lemmas_work_as_an_alternative():
    idx = Index.build(DOCS, MatchSettings(morphology="lemma"))
    assert idx.search("выписками", 1)[0].key == 1


def test_answers_are_cut_into_passages_of_whole_sentences():
    from sep_plugins.kb_keyword.matching.index import passages

    answer = "Первое предложение. Второе предложение! Третье?\nЧетвёртое, длинное " + "слово " * 30
    cut = passages(answer, 45)
    assert cut[0] == "Первое предложение. Второе предложение!"
    assert cut[1] == "Третье?"
    assert cut[2].startswith("Четвёртое")  # a long sentence stays whole
    assert passages("", 100) == [] and passages("Одно.", 100) == ["Одно."]


def test_best_of_is_the_best_single_passage_similarity():
    from sep_plugins.kb_keyword.matching.chargrams import GramModel

    texts = ["кошка спит на окне", "", "собака лает во дворе", "птица поёт"]
    model = GramModel(lambda: iter(texts), frozenset())
    q = model.query("собаки лают")
    singles = [model.similarity(q, i) for i in range(len(texts))]
    assert model.best_of(q, 0, 4) == pytest.approx(max(singles)) and max(singles) == singles[2] > 0
    assert model.best_of(q, 0, 2) == pytest.approx(singles[0])
    assert model.best_of(q, 1, 2) == 0.0 and model.best_of(q, 3, 3) == 0.0


PASSAGE_DOCS = [
    Document("spread", "Справка раз", "Квитанцию ищите в разделе помощи. Потом зайдите в отделение. "
             "Там банк распечатает бумаги."),
    Document("together", "Справка два", "Зайдите в раздел помощи. Квитанцию распечатает банк в отделении. "
             "Потом ищите бумаги там."),
]


def test_the_answer_passage_that_holds_the_question_words_together_ranks_first():
    question = "банк распечатает квитанцию в отделении"
    with_passages = Index.build(PASSAGE_DOCS, MatchSettings(passage_chars=40))
    hits = with_passages.search(question, 2)
    assert [h.key for h in hits] == ["together", "spread"]
    assert hits[0].features[4] > hits[1].features[4]  # the answer-passage similarity decided
    without = Index.build(PASSAGE_DOCS, MatchSettings(passage_chars=40, answer_gram_weight=0.0))
    assert without.search(question, 2)[0].key == "spread"  # an exact tie otherwise: the first entry wins


def test_two_edit_typos_of_long_words_are_corrected_only_when_enabled():
    from sep_plugins.kb_keyword.matching.typos import TypoIndex

    freq = {"регистрации": 3, "регистратура": 1, "кот": 5, "окно": 2}
    two = TypoIndex(freq, two_edits=True)
    assert two.correct("регстраци") == "регистрации"  # two letters missing
    assert two.correct("рекистрацыи") == "регистрации"  # two substitutions
    assert two.correct("акнл") is None  # short words: never two edits
    assert two.correct("ругистрвцыи") is None  # three edits
    assert TypoIndex(freq, two_edits=False).correct("регстраци") is None
    idx = Index.build(DOCS, MatchSettings(two_edit_typos=True))
    assert idx.analyze_query("зарегстрироватся").corrections == {"зарегстрироватся": "зарегистрироваться"}
    assert idx.search("зарегстрироватся", 1)[0].key == 3


def test_single_weak_match_in_a_tiny_base_is_not_confident():
    tiny = Index.build(DOCS[:2], MatchSettings())
    hits = tiny.search("бумагу с данными про базу где брать", 2)
    assert hits and hits[0].confidence < 0.5
