"""``sep_plugins.kb_semantic.testing``: the vectors other tests' builds read from the run's shared files are
the ones the real e5 encoder gives (bit for bit), whatever batch a text came in."""

from __future__ import annotations

import numpy as np
import pytest

TEXTS = ["query: Как получить выписку из электронного паспорта?",
         "passage: Как получить выписку? Выписку скачивает собственник в личном кабинете.",
         "query: What are the phone line's hours?", "query: ЛК не открывается"]


@pytest.fixture
def e5():
    from sep_plugins.kb_semantic.encoder import load

    enc = load(1, 0, "e5-small")
    if enc is None:
        pytest.skip("kb_semantic's e5 packages are not installed")
    return enc


def test_e5_gives_a_text_the_same_vector_alone_and_in_any_batch(e5):
    """What sharing vectors by text relies on: e5 encodes each text alone (no padding)."""
    batch = e5.encode(TEXTS)
    for i, text in enumerate(TEXTS):
        assert np.array_equal(e5.encode([text])[0], batch[i])
    assert np.array_equal(e5.encode(TEXTS[::-1])[::-1], batch)


def test_shared_vectors_encode_a_text_once_per_folder_and_give_the_encoders_vectors(e5, tmp_path):
    from sep_plugins.kb_semantic.testing import SharedVectors

    first = SharedVectors(e5, tmp_path)
    made = first.encode(TEXTS[:3])
    assert (first.encoded, first.read) == (3, 0)
    assert np.array_equal(made, e5.encode(TEXTS[:3]))
    again = SharedVectors(e5, tmp_path)  # another process of the run: same folder
    got = again.encode(TEXTS[::-1])
    assert (again.encoded, again.read) == (1, 3)  # only the text no one encoded yet
    assert np.array_equal(got, e5.encode(TEXTS[::-1]))
    assert np.array_equal(again.encode([TEXTS[0]]), e5.encode([TEXTS[0]]))  # a question: the encoder's own


def test_the_plugin_wraps_e5_only_and_gives_none_where_kb_semantic_gives_none(make_app, tmp_path):
    from sep_plugins.kb_semantic.testing import SharedVectors, SharedVectorsPlugin

    with_e5 = make_app()
    plugin = SharedVectorsPlugin(with_e5.extensions["sep"].pm, tmp_path)
    with_e5.extensions["sep"].pm.register(plugin)
    with with_e5.app_context():
        hook = with_e5.extensions["sep"].pm.hook.sep_text_encoder
        assert isinstance(hook(locale="ru"), SharedVectors) and hook(locale="ru") is hook(locale="en")
        assert hook(locale="de") is None  # not one of kb_semantic's locales
    keyword_only = make_app({"SEP_PLUGINS": ["kb_keyword"]})
    keyword_only.extensions["sep"].pm.register(SharedVectorsPlugin(keyword_only.extensions["sep"].pm, tmp_path))
    with keyword_only.app_context():
        assert keyword_only.extensions["sep"].pm.hook.sep_text_encoder(locale="ru") is None
