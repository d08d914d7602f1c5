"""With a sentence encoder, a staff phrasing that is a paraphrase in meaning (cosine >= 0.65 to the question)
counts for its entry even when it shares no key word with the question; entries without phrasings keep
their rankings when other entries get phrasings that are only related.

The encoder here is a stand-in whose cosines the test sets (the ranking is under test, not the model):
a text listed with (topic, cosine) is that cosine along the topic's axis plus its own noise, any other text
is its own noise, nearly orthogonal to everything in 512 dimensions."""

from __future__ import annotations

import math
import zlib

import numpy as np
from sep_plugins.kb_keyword.matching import Document, MatchSettings
from sep_plugins.kb_keyword.matching.ranking import Ranker, RankSettings

DIM = 512


class TopicEncoder:
    name = "topics (test)"

    def __init__(self, topics: dict[str, tuple[int, float]]) -> None:
        self.topics = topics

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), np.float32)
        for i, text in enumerate(texts):
            noise = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(DIM)
            noise[:16] = 0.0  # the topic axes
            noise /= np.linalg.norm(noise)
            topic, cos = self.topics.get(text, (0, 0.0))
            vec = math.sqrt(max(0.0, 1.0 - cos * cos)) * noise
            if topic:
                vec[topic] = cos
            out[i] = vec / np.linalg.norm(vec)
        return out


FILLER = [
    Document("hours", "Какой режим работы телефона?", "Телефон работает с 06:00 до 18:00 по Москве."),
    Document("signup", "Как зарегистрироваться на портале?", "Укажите телефон и почту, затем подтвердите их кодами."),
    Document("extract", "Как получить выписку из паспорта?", "Её скачивает собственник в личном кабинете."),
    Document("gift", "Как подарить подписку?", "Купите подарочный код в разделе «Подарки»."),
    Document("family", "Есть ли семейная подписка?", "Да, до пяти участников на одном тарифе."),
    Document("cost", "Сколько стоит подписка?", "Цены указаны в разделе «Тарифы»."),
]
REFUND = Document("refund", "Как вернуть деньги за подписку?",
                  "Заявление на возврат подаётся в личном кабинете, деньги приходят за 10 дней.")
CANCEL = Document("cancel", "Как отменить подписку?", "Снимите галочку автопродления в настройках профиля.")
SUBSCRIBE = Document("subscribe", "Как оформить подписку?", "Подписка оформляется в разделе «Тарифы».")
QUESTION = "Подписка отключена, когда ждать перевод обратно?"
PHRASING = "Хочу назад оплату за премиум"  # what staff attached to "refund": no key word of QUESTION


def entry_text(d: Document) -> str:
    return f"{d.question} {d.answer}"[: RankSettings().entry_chars]


ENCODER = TopicEncoder({
    QUESTION: (1, 1.0),
    PHRASING: (1, 0.8),  # a paraphrase in meaning
    REFUND.question: (1, 0.55),
    entry_text(REFUND): (1, 0.5),
    CANCEL.question: (1, 0.65),  # related in meaning, and the entry its words lead to
    entry_text(CANCEL): (1, 0.4),
})


def ranked(docs: list[Document], question: str, rank: RankSettings | None = None) -> list:
    ranker = Ranker.build(docs, MatchSettings(), rank=rank, encoder=ENCODER)
    return [h.key for h in ranker.search(question, 10)]


def test_a_curated_entry_is_found_through_a_phrasing_that_shares_no_key_word_with_the_question():
    ranker = Ranker.build([REFUND], MatchSettings())
    assert not set(ranker.analyze_query(PHRASING).terms) & set(ranker.analyze_query(QUESTION).terms)
    curated = [*FILLER, Document(REFUND.key, REFUND.question, REFUND.answer, (PHRASING,)), CANCEL, SUBSCRIBE]
    assert ranked([*FILLER, REFUND, CANCEL, SUBSCRIBE], QUESTION)[0] != "refund"  # without the phrasing
    # the phrasing alone, scored like any other cosine, does not lift its entry past the related one ...
    assert ranked(curated, QUESTION, RankSettings(phrasing_bonus=0.0))[0] != "refund"
    # ... as a near paraphrase it does
    assert ranked(curated, QUESTION)[0] == "refund"


#: (topic, cosine to the question of the same topic) of the texts of a base whose entries are about
#: different things; "price" gets phrasings, one of them related to "extract"'s question (0.6)
EXTRACT_Q = "Где взять выписку из паспорта?"
PRICE = Document("price", "Сколько стоит выписка из паспорта?", "Оформление паспорта платное, цену называет оператор.")
PASSPORT = [Document("replace", "Как заменить паспорт?", "Замена паспорта занимает пять рабочих дней."),
            Document("lost", "Паспорт утерян, что делать?", "Заявите об утере и закажите новый паспорт.")]
PRICE_PHRASINGS = ("Где взять бланк для оплаты?", "Сколько платить за оформление?")
RELATED = TopicEncoder({
    EXTRACT_Q: (2, 1.0),
    FILLER[2].question: (2, 0.5),
    entry_text(FILLER[2]): (2, 0.45),
    PRICE_PHRASINGS[0]: (2, 0.6),  # about extracts too, but a different question
    PRICE.question: (3, 0.9),
    PRICE_PHRASINGS[1]: (3, 0.9),
})


def test_an_uncurated_entry_keeps_its_ranking_when_another_entry_gets_related_phrasings():
    plain = [*FILLER, *PASSPORT, PRICE, REFUND]
    curated = [*FILLER, *PASSPORT, Document(PRICE.key, PRICE.question, PRICE.answer, PRICE_PHRASINGS), REFUND]

    def order(docs, rank=None):
        ranker = Ranker.build(docs, MatchSettings(), rank=rank, encoder=RELATED)
        return [h.key for h in ranker.search(EXTRACT_Q, 10)]

    assert order(plain)[0] == "extract"
    assert order(curated) == order(plain)
    # a bonus for merely related phrasings would pull the question away
    assert order(curated, RankSettings(phrasing_bonus_similarity=0.5))[0] == "price"


#: a phrasing holding half of the question's informative words: below the keyword ranking's gate
#: (coverage 0.7), above the one fitted for e5's fused ranking (0.3)
LOGIN = Document("login", "Проблемы со входом на портал", "Напишите в поддержку, укажите логин.")
SMS_QUESTION = "Не приходит смс с кодом подтверждения"
SMS_PHRASING = "не приходит смс"


class E5Named(TopicEncoder):
    name = "multilingual-e5-small (test stand-in)"  # the model's name picks e5's fitted fusion


def test_a_partial_phrasing_counts_when_fused_with_e5_and_not_in_the_keyword_ranking():
    from sep_plugins.kb_keyword.matching.ranking import KEYWORD_PHRASING_GATE, fusion_for

    docs = [*FILLER, Document(LOGIN.key, LOGIN.question, LOGIN.answer, (SMS_PHRASING,))]
    keyword = Ranker.build(docs, MatchSettings())
    cov = keyword.phrasings.search(SMS_QUESTION, 1)[0].features[0]
    fitted = fusion_for(E5Named({})).weights
    assert fitted["phrasing_min_coverage"] <= cov < KEYWORD_PHRASING_GATE["phrasing_min_coverage"]
    assert "login" not in [h.key for h in keyword.search(SMS_QUESTION, 10)]
    encoder = E5Named({SMS_QUESTION: (4, 1.0), SMS_PHRASING: (4, 0.95)})
    fused = Ranker.build(docs, MatchSettings(), encoder=encoder)
    assert fused.search(SMS_QUESTION, 10)[0].key == "login"
    # the same encoder under the keyword gate: the phrasing's entry is no candidate, whatever its cosine
    strict = Ranker.build(docs, MatchSettings(), rank=RankSettings(**KEYWORD_PHRASING_GATE), encoder=encoder)
    assert "login" not in [h.key for h in strict.search(SMS_QUESTION, 10)]
    # without phrasings nothing changes: the gate only admits phrasings
    plain = [*FILLER, LOGIN]
    assert ([h.key for h in Ranker.build(plain, MatchSettings(), encoder=encoder).search(SMS_QUESTION, 10)]
            == [h.key for h in Ranker.build(plain, MatchSettings(), rank=RankSettings(**KEYWORD_PHRASING_GATE),
                                            encoder=encoder).search(SMS_QUESTION, 10)])
