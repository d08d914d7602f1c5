"""The fused ranking encodes the question on the process's encoding thread while the keyword stage runs
(its latency is about the longer of the two, not their sum): the results are the ones the question's
vector computed first gives, and a forked child (kb_keyword builds its index in one) gets a thread of its
own instead of waiting on its parent's, which the fork did not copy.

The encoder is a stand-in (a deterministic vector per text): the ranking's use of it is under test."""

from __future__ import annotations

import os
import threading
import time
import zlib

import numpy as np
from sep_plugins.kb_keyword.matching import Document, MatchSettings
from sep_plugins.kb_keyword.matching.ranking import Ranker

DOCS = [
    Document("hours", "Какой режим работы телефона?", "Телефон работает с 06:00 до 18:00 по Москве."),
    Document("signup", "Как зарегистрироваться на портале?", "Укажите телефон и почту, затем подтвердите их."),
    Document("extract", "Как получить выписку из паспорта?", "Её скачивает собственник в личном кабинете."),
    Document("docs", "Какие документы нужны для заявки?", "Паспорт и скан ПТС, если он есть.", ("Что собрать?",)),
]
QUESTIONS = ["режим работы телефона", "как получить выписку", "регистрация на портале", "какие документы собрать"]


class Hashed:
    """A deterministic unit vector per text; records the thread of every call."""

    name = "hashed (test)"

    def __init__(self) -> None:
        self.threads: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.threads.append(threading.current_thread().name)
        out = np.stack([np.random.default_rng(zlib.crc32(t.encode())).standard_normal(64) for t in texts])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def ranker() -> tuple[Ranker, Hashed]:
    encoder = Hashed()
    return Ranker.build(DOCS, MatchSettings(), encoder=encoder), encoder


def test_the_question_is_encoded_beside_the_keyword_stage_with_the_same_results():
    r, encoder = ranker()
    for question in QUESTIONS:
        query = r.index.analyze_query(question)
        text = query.normalized if query.repaired else query.text
        depth = max(5, r.rank.depth)
        keyword = r._with_phrasings(query, r.index.search_query(query, depth), depth)
        serial = r.semantic.rerank(text, keyword, r.rank)[:5]  # the vector computed here, first
        encoder.threads.clear()
        fused = r.search(question, 5)
        assert [(h.key, h.score, h.confidence) for h in fused] == [(h.key, h.score, h.confidence) for h in serial]
        assert encoder.threads == ["kb-question-encoder_0"], "the question was not encoded on the encoding thread"


def test_a_forked_child_ranks_with_a_thread_of_its_own():
    r, _ = ranker()
    r.search(QUESTIONS[0])  # the parent's encoding thread exists before the fork
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's result is its exit code
        try:
            os._exit(0 if r.search(QUESTIONS[1])[0].key == "extract" else 1)
        finally:
            os._exit(2)
    deadline = time.monotonic() + 20
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise AssertionError("the forked child's ranking waited on its parent's encoding thread")
        time.sleep(0.02)
    assert os.waitstatus_to_exitcode(status) == 0
