"""Benchmark of the kb_keyword matcher: quality, ablation, morphology/typo choices, speed, memory.

Run by ``make bench`` (or ``.venv/bin/python benchmarks/kb_keyword_bench.py [--quick]``); needs
the ``bench`` extra (bm25s, PyStemmer) and the data sets of ``../shared/bench`` (or
``SEP_BENCH_DATA``). Results: ``benchmarks/results/kb_keyword.md`` and ``.json``.

Data are read for measuring only: nothing from them is stored in the project. Parameters are
chosen by grouped cross-validation (folds split by target entry, like the held-out half), and the
confidence model is a 5-parameter logistic fit whose quality is reported out of fold.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from sep_plugins.kb_keyword.matching import Document, Index, MatchSettings  # noqa: E402
from sep_plugins.kb_keyword.matching import morphology as morph_mod  # noqa: E402
from sep_plugins.kb_keyword.matching import text as text_mod  # noqa: E402
from sep_plugins.kb_keyword.matching.typos import TypoIndex  # noqa: E402

DATA = Path(os.environ.get("SEP_BENCH_DATA", ROOT.parent / "shared" / "bench"))
if not DATA.exists():
    DATA = Path("/work/shared/bench")
RESULTS = ROOT / "benchmarks" / "results"
THRESHOLD = 0.5  # the core's SEP_BOT_CONFIDENCE_THRESHOLD default


def load(name: str) -> tuple[list[dict], list[dict]]:
    with open(DATA / name / "passages.jsonl", encoding="utf-8") as f:
        passages = [json.loads(line) for line in f if line.strip()]
    with open(DATA / name / "questions_dev.jsonl", encoding="utf-8") as f:
        questions = [json.loads(line) for line in f if line.strip()]
    return passages, questions


def documents(passages: list[dict]) -> list[Document]:
    return [Document(p["id"], p.get("title") or "", p.get("text") or "") for p in passages]


# -- quality -------------------------------------------------------------------------------------

def metrics(ranked: list[list[str]], questions: list[dict], confidences: list[float] | None = None) -> dict:
    t1 = mrr = r5 = 0.0
    answered = answered_ok = 0
    for i, (ids, q) in enumerate(zip(ranked, questions, strict=True)):
        ok = set(q["answer_ids"])
        hit1 = bool(ids) and ids[0] in ok
        t1 += hit1
        for r, x in enumerate(ids[:10]):
            if x in ok:
                mrr += 1.0 / (r + 1)
                break
        r5 += bool(ok & set(ids[:5]))
        if confidences is not None and confidences[i] >= THRESHOLD:
            answered += 1
            answered_ok += hit1
    n = len(questions)
    out = {"n": n, "top1": t1 / n, "mrr10": mrr / n, "recall5": r5 / n}
    if confidences is not None:
        out["answered"] = answered / n
        out["answered_top1"] = answered_ok / answered if answered else 0.0
    return out


def run_engine(index: Index, questions: list[dict]) -> tuple[list[list[str]], list[tuple], list[float]]:
    ranked, feats, confs = [], [], []
    for q in questions:
        hits = index.search(q["question"], 10)
        ranked.append([h.key for h in hits])
        feats.append(hits[0].features if hits else (0.0,) * 6)
        confs.append(hits[0].confidence if hits else 0.0)
    return ranked, feats, confs


def bm25s_baseline(passages: list[dict], questions: list[dict], stem: bool = True) -> dict:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("russian") if stem else None
    corpus = [f"{p.get('title') or ''}\n{p.get('text') or ''}" for p in passages]
    tok = bm25s.tokenize(corpus, stopwords=None, stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(tok, show_progress=False)
    qtok = bm25s.tokenize([q["question"] for q in questions], stopwords=None, stemmer=stemmer, show_progress=False)
    docs, _ = retriever.retrieve(qtok, k=10, show_progress=False, n_threads=1)
    ranked = [[passages[int(d)]["id"] for d in row] for row in docs]
    return metrics(ranked, questions)


def group_folds(questions: list[dict], k: int = 5, seed: int = 7) -> list[list[int]]:
    """Folds grouped by target entry, like the held-out split (a target never spans two folds)."""
    targets = sorted({q["answer_id"] for q in questions})
    random.Random(seed).shuffle(targets)
    fold_of = {t: i % k for i, t in enumerate(targets)}
    folds: list[list[int]] = [[] for _ in range(k)]
    for i, q in enumerate(questions):
        folds[fold_of[q["answer_id"]]].append(i)
    return folds


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 3000) -> np.ndarray:
    """Logistic regression (gradient descent, non-negative weights) with a bias; returns [bias, w...]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) / len(y) + l2 * np.r_[0.0, w[1:]]
        w -= 1.0 * grad
        w[1:] = np.maximum(w[1:], 0.0)  # each signal may only raise the confidence
    return w


def calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    ece = 0.0
    for b in range(bins):
        m = (p >= b / bins) & (p < (b + 1) / bins if b < bins - 1 else p <= 1.0)
        if m.any():
            ece += m.mean() * abs(p[m].mean() - y[m].mean())
    return float(ece)


GRID = {
    "k1": [1.2, 1.8],
    "gram_weight": [1.0, 1.5, 2.0],
    "answer_gram_weight": [0.0, 0.5, 1.0, 2.0],
    "passage_chars": [100, 200],
}


def tune(sets: dict[str, tuple[list[dict], list[dict]]], base: MatchSettings) -> tuple[dict, dict]:
    """Pick the grid point that maximises mean MRR@10 on rutube_faq training folds (xquad as a floor).

    Returns (chosen params on all of dev, out-of-fold metrics of the procedure on rutube_faq).
    """
    passages, questions = sets["rutube_faq"]
    docs = documents(passages)
    keys = list(GRID)
    configs = [dict(zip(keys, values, strict=True)) for values in itertools.product(*(GRID[k] for k in keys))]
    per_config = []
    for cfg in configs:
        index = Index.build(docs, base.with_(**cfg))
        ranked, _, _ = run_engine(index, questions)
        per_config.append(ranked)
    folds = group_folds(questions)

    def score(ranked, idx):
        return metrics([ranked[i] for i in idx], [questions[i] for i in idx])["mrr10"]

    oof_ranked: list[list[str] | None] = [None] * len(questions)
    for f, test in enumerate(folds):
        train = [i for g, fold in enumerate(folds) if g != f for i in fold]
        best = max(range(len(configs)), key=lambda c: score(per_config[c], train))
        for i in test:
            oof_ranked[i] = per_config[best][i]
    best_all = max(range(len(configs)), key=lambda c: score(per_config[c], range(len(questions))))
    return configs[best_all], metrics(oof_ranked, questions)


def calibrate(index_by_set: dict[str, Index], sets, settings: MatchSettings) -> tuple[dict, dict]:
    """Fit the confidence model on rutube_faq dev features (grouped by target); report it out of fold."""
    xs, ys, groups = [], [], []
    for name, index in index_by_set.items():
        if name != "rutube_faq":
            continue  # citizens write like rutube users, not like Wikipedia readers
        questions = sets[name][1]
        ranked, feats, _ = run_engine(index, questions)
        for ids, f, q in zip(ranked, feats, questions, strict=True):
            xs.append(f[:4])  # coverage, relative score, margin, question-field similarity
            ys.append(1.0 if ids and ids[0] in set(q["answer_ids"]) else 0.0)
            groups.append(f"{name}:{q['answer_id']}")
    x, y = np.asarray(xs, dtype=float), np.asarray(ys)
    uniq = sorted(set(groups))
    random.Random(11).shuffle(uniq)
    fold_of = {g: i % 5 for i, g in enumerate(uniq)}
    fold = np.array([fold_of[g] for g in groups])
    oof = np.zeros(len(y))
    for f in range(5):
        w = fit_logistic(x[fold != f], y[fold != f])
        oof[fold == f] = 1.0 / (1.0 + np.exp(-(w[0] + x[fold == f] @ w[1:])))
    w = fit_logistic(x, y)
    coefs = {"c0": w[0], "c_cov": w[1], "c_rel": w[2], "c_margin": w[3], "c_gram": w[4]}
    return {k: round(float(v), 3) for k, v in coefs.items()}, {"ece_oof": calibration_error(oof, y),
                                                               **operating_points(oof, y)}


def operating_points(p: np.ndarray, y: np.ndarray) -> dict:
    """Out-of-fold reliability by confidence bin, and what any threshold can reach with these confidences."""
    bins = []
    for lo, hi in ((0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 1.01)):
        m = (p >= lo) & (p < hi)
        if m.any():
            bins.append({"bin": f"{lo:.1f}-{min(hi, 1.0):.1f}", "n": int(m.sum()),
                         "mean_confidence": float(p[m].mean()), "correct": float(y[m].mean())})
    order = np.argsort(-p, kind="stable")
    correct = np.cumsum(y[order])
    shares = np.arange(1, len(y) + 1) / len(y)
    precision = correct / np.arange(1, len(y) + 1)
    ok85 = np.nonzero(precision >= 0.85)[0]
    at70 = math.ceil(0.7 * len(y)) - 1
    at = p >= THRESHOLD
    return {"reliability": bins, "oof_answered": float(at.mean()),
            "oof_answered_correct": float(y[at].mean()) if at.any() else 0.0,
            "max_answered_at_85": float(shares[ok85.max()]) if len(ok85) else 0.0,
            "correct_at_70_answered": float(precision[at70]), "top1": float(y.mean())}


# -- speed ---------------------------------------------------------------------------------------

_SENT = re.compile(r"(?<=[.!?])\s+")


def synthetic_base(passages: list[dict], n: int, seed: int = 1) -> list[dict]:
    """Deterministic synthetic entries: titles and answers recombined from passage sentences."""
    rng = random.Random(seed)
    titles = [p["title"] for p in passages if p.get("title")]
    sentences = [s for p in passages for s in _SENT.split(p.get("text") or "") if len(s) > 20]
    out = []
    for i in range(n):
        t1, t2 = rng.choice(titles), rng.choice(titles)
        words = t1.split()
        cut = rng.randint(1, max(1, len(words)))
        title = " ".join(words[:cut] + t2.split()[cut:])
        text = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))
        out.append({"id": f"syn-{i}", "title": title, "text": text})
    return out


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, math.ceil(p / 100 * len(values)) - 1)]


def latencies(search, questions: list[str]) -> list[float]:
    """Milliseconds of ``search(question)`` for each question, one after another."""
    out = []
    for q in questions:
        t = time.perf_counter()
        search(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def bm25s_search(retriever, stemmer):
    """One question's bm25s retrieval (top 5, one thread), as the baseline's latency is timed."""
    import bm25s

    return lambda q: retriever.retrieve(bm25s.tokenize([q], stopwords=None, stemmer=stemmer, show_progress=False),
                                        k=5, show_progress=False, n_threads=1)


def speed(passages: list[dict], questions: list[str], sizes: list[int], settings: MatchSettings) -> list[dict]:
    import bm25s
    import Stemmer

    rows = []
    for n in sizes:
        base = synthetic_base(passages, n)
        gc.collect()
        before = rss_mb()
        t = time.perf_counter()
        index = Index.build(documents(base), settings)
        build = time.perf_counter() - t
        mem = rss_mb() - before
        arrays = index.memory_bytes() / 2**20
        for q in questions[:20]:
            index.search(q, 5)  # warm caches
        lat = latencies(lambda q, index=index: index.search(q, 5), questions)
        del index
        gc.collect()
        stemmer = Stemmer.Stemmer("russian")
        before = rss_mb()
        t = time.perf_counter()
        corpus = [f"{p['title']}\n{p['text']}" for p in base]
        retriever = bm25s.BM25(k1=1.5, b=0.75)
        retriever.index(bm25s.tokenize(corpus, stopwords=None, stemmer=stemmer, show_progress=False),
                        show_progress=False)
        bbuild = time.perf_counter() - t
        bmem = rss_mb() - before
        blat = latencies(bm25s_search(retriever, stemmer), questions)
        rows.append({
            "entries": n, "build_s": build, "rss_mb": mem, "arrays_mb": arrays,
            "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
            "bm25s_build_s": bbuild, "bm25s_rss_mb": bmem, "bm25s_p50_ms": percentile(blat, 50),
            "bm25s_p99_ms": percentile(blat, 99),
        })
        del retriever, base
        gc.collect()
    return rows


def morphology_choice(questions: list[str]) -> list[dict]:
    words = [w for q in questions for w in text_mod.tokens(q)]
    out = []
    for kind in ("stem", "lemma"):
        t = time.perf_counter()
        analyzer = morph_mod.make(kind)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        for w in words:
            analyzer(w)
        cold = (time.perf_counter() - t) / len(words) * 1e6
        t = time.perf_counter()
        for w in words:
            analyzer(w)
        warm = (time.perf_counter() - t) / len(words) * 1e6
        out.append({"kind": kind, "load_s": load_s, "cold_us_per_word": cold, "cached_us_per_word": warm})
    return out


def morphology_build(passages: list[dict], questions: list[str], n: int = 10000) -> list[dict]:
    """Index build and query latency at ``n`` synthetic entries, stems vs lemmas (each with its per-word cache)."""
    base = documents(synthetic_base(passages, n))
    out = []
    for kind in ("stem", "lemma"):
        t = time.perf_counter()
        index = Index.build(base, MatchSettings(morphology=kind))
        build = time.perf_counter() - t
        cold = []
        for q in questions:  # the first pass meets new words: uncached analyser calls included
            t = time.perf_counter()
            index.search(q, 5)
            cold.append((time.perf_counter() - t) * 1000)
        out.append({"kind": kind, "entries": n, "build_s": build, "first_pass_p50_ms": percentile(cold, 50),
                    "first_pass_p99_ms": percentile(cold, 99)})
        del index
        gc.collect()
    return out


def typo_choice(passages: list[dict], questions: list[str]) -> dict:
    from rapidfuzz import fuzz, process

    base = synthetic_base(passages, 10000)
    freq: dict[str, int] = {}
    for p in base:
        for w in text_mod.tokens(p["title"] + " " + p["text"]):
            freq[w] = freq.get(w, 0) + 1
    t = time.perf_counter()
    sym = TypoIndex(freq)
    sym_build = time.perf_counter() - t
    unknown = [w for q in questions for w in text_mod.tokens(q) if len(w) >= 4 and w not in freq][:200]
    vocab = list(freq)
    t = time.perf_counter()
    a = [sym.correct(w) for w in unknown]
    sym_us = (time.perf_counter() - t) / max(1, len(unknown)) * 1e6
    t = time.perf_counter()
    b = [process.extractOne(w, vocab, scorer=fuzz.ratio, score_cutoff=80) for w in unknown]
    rf_us = (time.perf_counter() - t) / max(1, len(unknown)) * 1e6
    return {"vocabulary": len(vocab), "unknown_words": len(unknown), "symdelete_build_s": sym_build,
            "symdelete_us_per_word": sym_us, "symdelete_found": sum(x is not None for x in a),
            "rapidfuzz_us_per_word": rf_us, "rapidfuzz_found": sum(x is not None for x in b)}


def http_throughput(questions: list[str], seconds: float = 5.0, clients: int = 4) -> dict:
    """Requests per second under gunicorn (2 sync workers, demo base, SQLite unless SEP_BENCH_DATABASE_URL)
    for POST /api/v1/ask
    (logged, and as live suggestions) against the trivial GET /api/v1/health of the same app."""
    import http.client
    import shutil
    import socket
    import subprocess
    import tempfile
    import threading
    import urllib.request

    tmp = Path(tempfile.mkdtemp(prefix="kb_bench_"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "SEP_ENV": "production", "SEP_SECRET_KEY": "bench-secret-key-" + "x" * 32,
           "SEP_INSTANCE_PATH": str(tmp),
           # an empty database to use instead of SQLite (e.g. a scratch PostgreSQL database)
           "SEP_DATABASE_URL": os.environ.get("SEP_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3",
           "SEP_MAIL_BACKEND": "file"}
    venv_bin = Path(sys.executable).parent
    subprocess.run([str(venv_bin / "sep"), "init", "--demo"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([str(venv_bin / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
                               "warning", "sep_core.app:create_app()"], env=env, cwd=str(tmp))
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)

        def session() -> tuple[str, str]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/v1/csrf")
            resp = conn.getresponse()
            token = json.loads(resp.read())["csrf_token"]
            cookie = resp.getheader("Set-Cookie").split(";", 1)[0]
            conn.close()
            return token, cookie

        def run(kind: str) -> float:
            count = [0] * clients
            stop = time.perf_counter() + seconds

            def worker(i: int) -> None:
                token, cookie = session()
                n = 0
                while time.perf_counter() < stop:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    if kind == "health":
                        conn.request("GET", "/api/v1/health")
                    else:
                        body = json.dumps({"question": questions[(i * 7919 + n) % len(questions)],
                                           "suggest": kind == "suggest"})
                        conn.request("POST", "/api/v1/ask", body=body, headers={
                            "Content-Type": "application/json", "X-CSRFToken": token, "Cookie": cookie,
                            "Referer": f"http://127.0.0.1:{port}/ask"})
                    resp = conn.getresponse()
                    resp.read()
                    conn.close()
                    if resp.status == 200:
                        n += 1
                count[i] = n

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return sum(count) / seconds

        run("suggest")  # warm up both workers' indexes
        health = run("health")
        logged = run("ask")
        suggest = run("suggest")
        return {"health_rps": health, "ask_rps": logged, "suggest_rps": suggest,
                "ask_ratio": logged / health if health else 0.0, "suggest_ratio": suggest / health if health else 0.0,
                "clients": clients, "seconds": seconds}
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


# -- consultant v2 (issue 12): keyword vs fused with the sentence encoder, decisions, curation, scale ---

def _policy(fused: bool, ranker=None):
    """The decision's thresholds: the encoder's fitted ones when fused (as kb_keyword's engine decides)."""
    from sep_plugins.kb_keyword.decision import Policy
    from sep_plugins.kb_keyword.matching.ranking import FUSED_POLICY

    if fused:
        semantic = getattr(ranker, "semantic", None)
        return Policy(**(semantic.fusion.policy if semantic is not None else FUSED_POLICY))
    return Policy(answer_threshold=max(Policy().answer_threshold, THRESHOLD))


def decided(ranker, questions: list[dict], fused: bool) -> dict:
    """Ranking metrics and what the citizen is shown (kb_keyword's decision under the mode's own policy)."""
    from sep_plugins.kb_keyword.decision import decide

    policy = _policy(fused, ranker)
    ranked, answered, answered_ok, shown_ok, clarified = [], 0, 0, 0, 0
    for q in questions:
        hits = ranker.search(q["question"], 10)
        ranked.append([h.key for h in hits])
        top = hits[0].score if hits and hits[0].score > 0 else 1.0
        d = decide([(h.key, h.confidence, h.score / top) for h in hits], policy)
        ok = set(q["answer_ids"])
        answered += d.kind == "answer"
        answered_ok += d.kind == "answer" and d.shown[0] in ok
        clarified += d.kind == "clarify"
        shown_ok += bool(ok & set(d.shown))
    n = len(questions)
    out = metrics(ranked, questions)
    out.update({"answered": answered / n, "answered_correct": answered_ok / answered if answered else 0.0,
                "clarified": clarified / n, "right_entry_shown": shown_ok / n})
    return out


#: the fused ranking's weights searched per encoder (RankSettings.title_weight x entry_weight; the keyword
#: scores' z-scores weigh 1)
TITLE_WEIGHTS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
ENTRY_WEIGHTS = (0.5, 1.0, 1.5, 2.0, 2.5)
WEIGHT_GRID = [{"title_weight": t, "entry_weight": e} for t in TITLE_WEIGHTS for e in ENTRY_WEIGHTS]
XQUAD_FLOOR = 0.93


def with_rank_settings(ranker, **change):
    """``ranker`` over the same index, phrasings and vectors with ``change`` made to its RankSettings."""
    from dataclasses import replace

    from sep_plugins.kb_keyword.matching.ranking import Ranker

    return Ranker(ranker.index, ranker.phrasings, replace(ranker.rank, **change), ranker.semantic)


def with_question_cache(ranker, size: int = 8192):
    """``ranker`` whose encoder keeps the questions' vectors: a grid asks every question once per point."""
    from sep_plugins.kb_keyword.matching.ranking import Ranker, Semantic
    from sep_plugins.kb_semantic.encoder import QuestionCache

    s = ranker.semantic
    return Ranker(ranker.index, ranker.phrasings, ranker.rank,
                  Semantic(QuestionCache(s.encoder, size), s.store, s.table, s.extra, s.extra_table, s.masked))


def fusion_weights(rankers: dict, sets: dict, grid: list[dict] = WEIGHT_GRID) -> dict:
    """Choose the fused ranking's weights by grouped 5-fold cross-validation on rutube dev.

    Each point of ``grid`` is scored by MRR@10 on rutube; a point whose xquad_ru top-1 falls under
    :data:`XQUAD_FLOOR` is not eligible. Each fold gets the best point of the other four folds, so the
    out-of-fold figures are those of the procedure; the point chosen on all of rutube dev is what
    ``ranking.FUSIONS`` should hold for this encoder."""
    scores = {}
    for name in ("rutube_faq", "xquad_ru"):
        cached = with_question_cache(rankers[name])
        questions = sets[name][1]
        rr = np.zeros((len(grid), len(questions)))
        top1 = np.zeros((len(grid), len(questions)))
        for j, change in enumerate(grid):
            variant = with_rank_settings(cached, **change)
            for i, q in enumerate(questions):
                keys = [h.key for h in variant.search(q["question"], 10)]
                ok = set(q["answer_ids"])
                rank = next((r for r, k in enumerate(keys, 1) if k in ok), 0)
                rr[j, i] = 1.0 / rank if rank else 0.0
                top1[j, i] = rank == 1
        scores[name] = (rr, top1)
    rr, top1 = scores["rutube_faq"]
    xquad = scores["xquad_ru"][1].mean(axis=1)
    eligible = [j for j in range(len(grid)) if xquad[j] >= XQUAD_FLOOR] or list(range(len(grid)))
    folds = group_folds(sets["rutube_faq"][1])
    oof_rr, oof_top1, chosen = np.zeros(rr.shape[1]), np.zeros(rr.shape[1]), []
    for test in folds:
        train = np.setdiff1d(np.arange(rr.shape[1]), test)
        j = max(eligible, key=lambda j: (rr[j, train].mean(), -j))
        chosen.append(grid[j])
        oof_rr[test], oof_top1[test] = rr[j, test], top1[j, test]
    best = max(eligible, key=lambda j: (rr[j].mean(), -j))
    return {"chosen_on_all_dev": grid[best], "top1": float(top1[best].mean()), "mrr10": float(rr[best].mean()),
            "xquad_top1": float(xquad[best]), "oof_top1": float(oof_top1.mean()), "oof_mrr10": float(oof_rr.mean()),
            "chosen_per_fold": chosen}


def with_phrasings(passages: list[dict], phrasings: dict[str, list[str]]) -> list:
    return [Document(p["id"], p.get("title") or "", p.get("text") or "", tuple(phrasings.get(p["id"], ())))
            for p in passages]


#: the phrasings' settings (RankSettings.phrasing_similarity_penalty / phrasing_bonus_similarity / phrasing_bonus,
#: and the phrasings' keyword gate phrasing_min_similarity / phrasing_min_coverage) chosen out of fold in the
#: curated scenario, per model: each model's cosines have their own scale (e5's paraphrases sit above 0.9,
#: USE-m3's above 0.65). e5's grid: the gate with the bonus similarity, the penalty (0.1) and the bonus (1.0)
#: as chosen before by a grid over (0.05, 0.1, 0.2) x (0.88-0.94) x (0, 0.5, 1); searching those three
#: again with the gate (216 points) chose worse out of fold (0.60, loss 0.012: more points, more noise).
BONUS_GRIDS = {
    "use-multilingual-v3": [{"phrasing_bonus_similarity": t, "phrasing_bonus": b}
                            for t in (0.6, 0.65, 0.7, 0.75) for b in (0.0, 0.5, 1.0, 1.5)],
    "multilingual-e5-small": [{"phrasing_min_similarity": m, "phrasing_min_coverage": c, "phrasing_bonus_similarity": t}
                              for m in (0.3, 0.4, 0.5) for c in (0.3, 0.5, 0.7) for t in (0.9, 0.92, 0.94)],
}


def bonus_grid(encoder) -> list[dict]:
    return BONUS_GRIDS.get((getattr(encoder, "name", "") or "").split(" ")[0], BONUS_GRIDS["use-multilingual-v3"])


def curation(passages: list[dict], questions: list[dict], encoder, base, grid: list[dict] | None = None) -> dict:
    """Curated scenario: the training folds' questions added as phrasings of their entries.

    - random 5 folds: the test question's entry usually has phrasings (curated top-1), and what the
      citizen is shown (the decision under the mode's policy);
    - folds grouped by entry: the test question's entry has none while others do; the loss is its top-1
      without any phrasings in the base minus with them.

    With ``grid`` (RankSettings changes), each fold's setting is chosen on the other four folds (best curated
    top-1 on the random folds with a loss <= 0.01 on the grouped ones) and the held-out figures reported."""

    from sep_plugins.kb_keyword.decision import decide
    from sep_plugins.kb_keyword.matching.ranking import Ranker, is_fused

    order = list(range(len(questions)))
    random.Random(3).shuffle(order)
    schemes = {"random": [order[f::5] for f in range(5)], "grouped": group_folds(questions)}
    n = len(questions)
    plain = np.array([bool(h) and h[0].key in set(q["answer_ids"])
                      for q in questions for h in [base.search(q["question"], 1)]], float)
    out: dict = {}
    right = {scheme: np.zeros((len(grid or []), n)) for scheme in schemes}
    fold_of = {scheme: np.zeros(n, int) for scheme in schemes}
    for scheme, folds in schemes.items():
        hits = answered = answered_ok = shown_ok = 0
        for f, test in enumerate(folds):
            phr: dict[str, list[str]] = {}
            for g, fold in enumerate(folds):
                if g != f:
                    for i in fold:
                        phr.setdefault(questions[i]["answer_id"], []).append(questions[i]["question"])
            ranker = Ranker.build(with_phrasings(passages, phr), MatchSettings(), encoder=encoder, previous=base)
            for i in test:
                ok = set(questions[i]["answer_ids"])
                h = ranker.search(questions[i]["question"], 10)
                hits += bool(h) and h[0].key in ok
                fold_of[scheme][i] = f
                if scheme == "random":
                    top = h[0].score if h and h[0].score > 0 else 1.0
                    d = decide([(x.key, x.confidence, x.score / top) for x in h], _policy(is_fused(h), ranker))
                    answered += d.kind == "answer"
                    answered_ok += d.kind == "answer" and d.shown[0] in ok
                    shown_ok += bool(ok & set(d.shown))
            for j, change in enumerate(grid or []):
                variant = with_rank_settings(ranker, **change)
                for i in test:
                    h = variant.search(questions[i]["question"], 1)
                    right[scheme][j, i] = bool(h) and h[0].key in set(questions[i]["answer_ids"])
        out[scheme] = {"top1": hits / n, "top1_without_phrasings": float(plain.mean())}
        if scheme == "random":
            out[scheme].update({"answered": answered / n,
                                "answered_correct": answered_ok / answered if answered else 0.0,
                                "right_entry_shown": shown_ok / n})
    out["uncurated_loss"] = out["grouped"]["top1_without_phrasings"] - out["grouped"]["top1"]
    if grid:
        fr, fg = fold_of["random"], fold_of["grouped"]
        loss = plain[None, :] - right["grouped"]
        oof_top1, oof_loss, chosen = np.zeros(n), np.zeros(n), []
        for f in range(5):
            ok = [j for j in range(len(grid)) if loss[j, fg != f].mean() <= 0.01 + 1e-9] or list(range(len(grid)))
            j = max(ok, key=lambda j: (right["random"][j, fr != f].mean(), -j))
            chosen.append(grid[j])
            oof_top1[fr == f] = right["random"][j, fr == f]
            oof_loss[fg == f] = loss[j, fg == f]
        out["out_of_fold"] = {"top1": float(oof_top1.mean()), "uncurated_loss": float(oof_loss.mean()),
                              "top1_per_fold": [float(oof_top1[fr == f].mean()) for f in range(5)],
                              "loss_per_fold": [float(oof_loss[fg == f].mean()) for f in range(5)],
                              "chosen_per_fold": chosen}
    return out


def consultant_scale(passages: list[dict], questions: list[str], sizes: list[int], encoder,
                     rounds: int = 5) -> list[dict]:
    """In-process latency (p50/p99 per round over the dev questions), build time and memory of the fused
    ranker (and of its keyword part alone, and of bm25s) on synthetic bases.

    Every size is built first (the 100k build's encoding takes most of an hour here) and the latencies of
    all sizes are then measured in one window, so they share the machine's load."""
    import bm25s
    import Stemmer
    from sep_plugins.kb_keyword.matching.ranking import Ranker

    built = []
    for n in sizes:
        base = synthetic_base(passages, n)
        docs = documents(base)
        gc.collect()
        before, load = rss_mb(), os.getloadavg()[0]
        t = time.perf_counter()
        ranker = Ranker.build(docs, MatchSettings(), encoder=encoder)
        row = {"entries": n, "build_s": time.perf_counter() - t, "build_load": [load, os.getloadavg()[0]],
               "rss_mb": rss_mb() - before, "texts": len(ranker.semantic.store.digests),
               "vectors_mb": ranker.semantic.nbytes() / 2**20,
               "keyword_arrays_mb": ranker.index.memory_bytes() / 2**20}
        del docs
        gc.collect()
        stemmer = Stemmer.Stemmer("russian")
        retriever = bm25s.BM25(k1=1.5, b=0.75)
        retriever.index(bm25s.tokenize([f"{p['title']}\n{p['text']}" for p in base], stopwords=None,
                                       stemmer=stemmer, show_progress=False), show_progress=False)
        built.append((row, ranker, retriever, stemmer))
    for row, ranker, retriever, stemmer in built:
        keyword = Ranker(ranker.index, ranker.phrasings, ranker.rank, None)
        for q in questions[:20]:
            ranker.search(q, 5)
        row.update(fused=[], keyword=[], bm25s=[])
        for _ in range(rounds):
            for name, r in (("fused", ranker), ("keyword", keyword)):
                lat = latencies(lambda q, r=r: r.search(q, 5), questions)
                row[name].append({"p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
                                  "max_ms": max(lat), "load": os.getloadavg()[0]})
            lat = latencies(bm25s_search(retriever, stemmer), questions)
            row["bm25s"].append({"p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99)})
    return [row for row, *_ in built]


def consultant(sets: dict, sizes: list[int]) -> tuple[dict, list[str]]:
    from sep_plugins.kb_keyword.matching.ranking import Ranker, fusion_for

    try:
        from sep_plugins.kb_semantic.encoder import load as load_encoder
    except ImportError:  # pragma: no cover
        load_encoder = None
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    before = rss_mb()
    t = time.perf_counter()
    encoder = load_encoder() if load_encoder else None
    if encoder is not None:
        encoder.encode(["прогрев"])
    encoder_load = {"seconds": time.perf_counter() - t, "rss_mb": rss_mb() - before}
    report: dict = {"encoder": getattr(encoder, "name", None), "encoder_load": encoder_load, "quality": {}}
    w = fusion_for(encoder).weights if encoder is not None else {}
    lines = ["# kb_keyword consultant v2 (issue 12): keyword vs fused with the sentence encoder", "",
             f"machine: {os.cpu_count()} cores, shared with other agents; load average at start {load_start:.2f}",
             f"encoder: {report['encoder'] or 'NOT INSTALLED (semantic extra missing): fused rows are absent'}; "
             f"load + first encoding {encoder_load['seconds']:.1f} s, +{encoder_load['rss_mb']:.0f} MB RSS", "",
             "## Quality and decisions (dev halves; each mode under its own calibrated thresholds)", "",
             f"Fusion weights of this encoder (title/entry {w.get('title_weight')}/{w.get('entry_weight')}): "
             "chosen on rutube dev by grouped 5-fold cross-validation with xquad_ru top-1 >= 0.93 as a floor "
             "(docs/plugins/kb_keyword.md gives the out-of-fold figures); the fused confidence and its thresholds by "
             "grouped 5-fold out of fold (benchmarks/fit_semantic_confidence.py), so the decision figures below "
             "are in-sample for the fitted model.", "",
             "| set | engine | top-1 | MRR@10 | recall@5 | answered | correct of answered | clarified "
             "| right entry shown |", "|---|---|---|---|---|---|---|---|---|"]
    bases = {}
    for name, (passages, questions) in sets.items():
        ref = bm25s_baseline(passages, questions)
        lines.append(f"| {name} | bm25s + Snowball | {ref['top1']:.3f} | {ref['mrr10']:.3f} | {ref['recall5']:.3f} "
                     "| — | — | — | — |")
        report["quality"][name] = {"bm25s": ref}
        modes = [("keyword", None)] + ([("fused", encoder)] if encoder is not None else [])
        for mode, enc in modes:
            ranker = Ranker.build(documents(passages), MatchSettings(), encoder=enc)
            if mode == "fused" or encoder is None:
                bases[name] = ranker
            m = decided(ranker, questions, mode == "fused")
            report["quality"][name][mode] = m
            lines.append(f"| {name} | {mode} | {m['top1']:.3f} | {m['mrr10']:.3f} | {m['recall5']:.3f} | "
                         f"{m['answered']:.3f} | {m['answered_correct']:.3f} | {m['clarified']:.3f} | "
                         f"{m['right_entry_shown']:.3f} |")
    if encoder is not None:
        cv = report["fusion_weights"] = fusion_weights(bases, sets)
        per_fold = "; ".join(f"{c['title_weight']}/{c['entry_weight']}" for c in cv["chosen_per_fold"])
        lines += ["", f"Fusion weights by grouped 5-fold cross-validation (`fusion_weights`: title/entry "
                  f"{' '.join(map(str, TITLE_WEIGHTS))} x {' '.join(map(str, ENTRY_WEIGHTS))}, best MRR@10 "
                  f"with xquad_ru top-1 >= {XQUAD_FLOOR}): out of fold top-1 {cv['oof_top1']:.3f}, MRR@10 "
                  f"{cv['oof_mrr10']:.3f} (each fold's choice: {per_fold}); chosen on all of rutube dev "
                  f"{cv['chosen_on_all_dev']['title_weight']}/{cv['chosen_on_all_dev']['entry_weight']} "
                  f"(top-1 {cv['top1']:.3f}, MRR@10 {cv['mrr10']:.3f}, xquad {cv['xquad_top1']:.3f}); "
                  f"the rows above use {w.get('title_weight')}/{w.get('entry_weight')}."]
    passages, questions = sets["rutube_faq"]
    lines += ["", "## Staff phrasings (rutube dev: the training folds' questions added as phrasings)", "",
              "| engine | curated top-1 (random 5 folds) | uncurated entries: top-1 without / with others' phrasings "
              "(grouped 5 folds) | loss | curated: answered | correct of answered | right entry shown |",
              "|---|---|---|---|---|---|---|"]
    report["curation"] = {}
    for mode, enc in [("keyword", None)] + ([("fused", encoder)] if encoder is not None else []):
        base = Ranker.build(documents(passages), MatchSettings(), encoder=enc, previous=bases.get("rutube_faq"))
        c = curation(passages, questions, enc, base, bonus_grid(enc) if enc is not None else None)
        report["curation"][mode] = c
        plain = c["random"]["top1_without_phrasings"]
        r = c["random"]
        lines.append(f"| {mode} | {r['top1']:.3f} (without phrasings {plain:.3f})"
                     f" | {c['grouped']['top1_without_phrasings']:.3f} / {c['grouped']['top1']:.3f} | "
                     f"{c['uncurated_loss']:.3f} | {r['answered']:.3f} | {r['answered_correct']:.3f} | "
                     f"{r['right_entry_shown']:.3f} |")
    oof = report["curation"].get("fused", {}).get("out_of_fold")
    if oof:
        chosen = "; ".join("/".join(str(v) for v in x.values()) for x in oof["chosen_per_fold"])
        folds = ", ".join(f"{x:.3f}" for x in oof["top1_per_fold"])
        losses = ", ".join(f"{x:.3f}" for x in oof["loss_per_fold"])
        names = "/".join(oof["chosen_per_fold"][0])
        fitted = "/".join(str(w.get(k)) for k in oof["chosen_per_fold"][0])
        lines += ["", "Phrasings' settings (fused; the phrasings' keyword gate, the near-paraphrase bonus: cosine of "
                  "the best phrasing >= similarity adds the weight), out of fold: each fold's values chosen on the "
                  f"other four (best curated top-1 with a loss <= 0.01 there): curated top-1 {oof['top1']:.3f} (folds "
                  f"{folds}), uncurated loss {oof['uncurated_loss']:.3f} (folds {losses}); chosen ({names}) {chosen}. "
                  f"The rows above use this encoder's fitted values ({fitted}; bonus "
                  f"{w.get('phrasing_bonus')}, phrasing cosine penalty {w.get('phrasing_similarity_penalty')})."]
    if encoder is not None and sizes:
        qtexts = [q["question"] for q in questions]
        rows = consultant_scale(passages, qtexts, sizes, encoder)
        report["scale"] = rows
        lines += ["", "## Scale in process (synthetic bases; the 401 rutube dev questions, one thread; 5 rounds)", "",
                  "build s = keyword index + phrasings + encoding every entry twice (question; question + start of "
                  "the answer; identical texts once), with the 1-minute load average before / after it. RSS MB = "
                  "growth of this process's resident memory over the build; the encoder itself is loaded once per "
                  "worker (above). Every size is built first, then all are timed in one window: p50/p99 per round, "
                  "with the load average at the end of the round.", "",
                  "| entries | texts encoded | build s (load) | RSS MB | vectors MB (int8) | keyword arrays MB "
                  "| fused p50 / p99 ms per round | keyword-only p50 / p99 ms per round "
                  "| bm25s p50 / p99 ms per round |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            fused = "; ".join(f"{x['p50_ms']:.1f} / {x['p99_ms']:.1f} (load {x['load']:.1f})" for x in r["fused"])
            kw = "; ".join(f"{x['p50_ms']:.1f} / {x['p99_ms']:.1f}" for x in r["keyword"])
            ref = "; ".join(f"{x['p50_ms']:.1f} / {x['p99_ms']:.1f}" for x in r["bm25s"])
            lines.append(f"| {r['entries']} | {r['texts']} | {r['build_s']:.0f} ({r['build_load'][0]:.1f} / "
                         f"{r['build_load'][1]:.1f}) | {r['rss_mb']:.0f} | {r['vectors_mb']:.0f} | "
                         f"{r['keyword_arrays_mb']:.0f} | {fused} | {kw} | {ref} |")
    lines += ["", f"load average at end {os.getloadavg()[0]:.2f}; total {time.perf_counter() - started:.0f} s", ""]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "kb_consultant.md").write_text("\n".join(lines), encoding="utf-8")
    (RESULTS / "kb_consultant.json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return report, lines


ABLATION = [
    ("all features", {}),
    ("no morphology (surface words)", {"morphology": "none"}),
    ("lemmas (pymorphy3, cached) instead of stems", {"morphology": "lemma"}),
    ("no stop words", {"stopwords": False}),
    ("no key phrases (bigrams)", {"phrases": False}),
    ("no typo correction", {"typos": False}),
    ("no keyboard-layout fix", {"layout": False}),
    ("no character n-gram re-ranking (question nor answer)", {"chargrams": False}),
    ("no answer-passage n-gram similarity", {"answer_gram_weight": 0.0}),
    ("answer passages with 3-5-grams instead of 4-grams (3x the memory)", {"answer_gram_sizes": (3, 4, 5)}),
    ("no field weights (w_q = w_a = 1)", {"w_q": 1.0}),
    ("previous defaults (k1 1.2, n-grams 2.0, no passages)", {"k1": 1.2, "gram_weight": 2.0,
                                                              "answer_gram_weight": 0.0}),
    ("+ two-edit typos for words of 8+ letters", {"two_edit_typos": True}),
    ("+ best-passage BM25 of the answer (weight 0.5)", {"passage_weight": 0.5}),
    ("+ IDF-weighted coverage in the score (0.5)", {"coverage_weight": 0.5}),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip 100k entries and the grid search")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn throughput run")
    parser.add_argument("--consultant-only", action="store_true",
                        help="only the consultant v2 section (keyword vs fused; results/kb_consultant.md)")
    parser.add_argument("--consultant-sizes", type=lambda v: [int(x) for x in v.split(",") if x],
                        help="comma-separated base sizes for the consultant's scale section")
    args = parser.parse_args()
    started = time.perf_counter()
    sets = {name: load(name) for name in ("rutube_faq", "xquad_ru")}
    sizes = args.consultant_sizes if args.consultant_sizes is not None else (
        [10000] if args.quick else [10000, 100000])
    _, consultant_lines = consultant(sets, sizes)
    print("\n".join(consultant_lines), flush=True)
    if args.consultant_only:
        return
    settings = MatchSettings()
    report: dict = {"settings": settings.__dict__, "threshold": THRESHOLD}
    lines = ["# kb_keyword benchmark", "", f"machine: {os.cpu_count()} cores; load average at start "
             f"{os.getloadavg()[0]:.2f}", ""]

    # quality next to the baseline
    lines += ["## Quality (dev halves)", "",
              "| set | engine | top-1 | MRR@10 | recall@5 | answered @0.5 | top-1 of answered |",
              "|---|---|---|---|---|---|---|"]
    indexes = {}
    report["quality"] = {}
    for name, (passages, questions) in sets.items():
        base = bm25s_baseline(passages, questions)
        index = indexes[name] = Index.build(documents(passages), settings)
        ranked, _, confs = run_engine(index, questions)
        ours = metrics(ranked, questions, confs)
        report["quality"][name] = {"kb_keyword": ours, "bm25s": base}
        lines.append(f"| {name} | bm25s + Snowball | {base['top1']:.3f} | {base['mrr10']:.3f} | "
                     f"{base['recall5']:.3f} | — | — |")
        lines.append(f"| {name} | kb_keyword | {ours['top1']:.3f} | {ours['mrr10']:.3f} | {ours['recall5']:.3f} | "
                     f"{ours['answered']:.3f} | {ours['answered_top1']:.3f} |")
    lines.append("")

    if not args.quick:
        chosen, oof = tune(sets, settings)
        coefs, cal = calibrate(indexes, sets, settings)
        report["tuning"] = {"chosen_on_all_dev": chosen, "rutube_out_of_fold": oof,
                            "confidence_fit": coefs, **cal}
        lines += ["## Tuning (grouped 5-fold cross-validation on rutube_faq dev)", "",
                  f"grid: {json.dumps(GRID)}", f"chosen on all dev: {json.dumps(chosen)}",
                  f"out-of-fold rutube_faq: top-1 {oof['top1']:.3f}, MRR@10 {oof['mrr10']:.3f}, "
                  f"recall@5 {oof['recall5']:.3f}",
                  f"confidence model refit: {json.dumps(coefs)}; out-of-fold ECE {cal['ece_oof']:.3f}", "",
                  "Confidence out of fold (model fitted on the other target groups):", "",
                  "| confidence bin | questions | mean confidence | share correct |", "|---|---|---|---|"]
        lines += [f"| {b['bin']} | {b['n']} | {b['mean_confidence']:.2f} | {b['correct']:.2f} |"
                  for b in cal["reliability"]]
        lines += ["", f"out of fold at {THRESHOLD}: answered {cal['oof_answered']:.3f}, correct of answered "
                  f"{cal['oof_answered_correct']:.3f}. Reachable with these confidences at any threshold "
                  f"(top-1 {cal['top1']:.3f}): at most {cal['max_answered_at_85']:.3f} answered with >= 85 % "
                  f"correct; at 70 % answered, {cal['correct_at_70_answered']:.3f} correct. "
                  f"(A perfect ranking of confidence would give top-1/0.85 = {cal['top1'] / 0.85:.3f} "
                  f"and top-1/0.70 = {cal['top1'] / 0.7:.3f}.)", ""]

    lines += ["## Ablation (each feature off in turn)", "",
              "| variant | rutube top-1 | rutube MRR@10 | xquad top-1 | xquad MRR@10 |", "|---|---|---|---|---|"]
    report["ablation"] = []
    for label, change in ABLATION:
        row = {"variant": label}
        for name, (passages, questions) in sets.items():
            index = Index.build(documents(passages), settings.with_(**change))
            ranked, _, _ = run_engine(index, questions)
            row[name] = metrics(ranked, questions)
        report["ablation"].append(row)
        lines.append(f"| {label} | {row['rutube_faq']['top1']:.3f} | {row['rutube_faq']['mrr10']:.3f} | "
                     f"{row['xquad_ru']['top1']:.3f} | {row['xquad_ru']['mrr10']:.3f} |")
    lines.append("")

    qtexts = [q["question"] for q in sets["rutube_faq"][1]]
    morph = morphology_choice(qtexts + [q["question"] for q in sets["xquad_ru"][1]])
    report["morphology"] = morph
    lines += ["## Morphology: speed (quality is in the ablation)", "",
              "| analyser | load s | µs/word uncached | µs/word cached |", "|---|---|---|---|"]
    lines += [f"| {m['kind']} | {m['load_s']:.2f} | {m['cold_us_per_word']:.1f} | {m['cached_us_per_word']:.2f} |"
              for m in morph]
    mbuild = morphology_build(sets["rutube_faq"][0], qtexts)
    report["morphology_build"] = mbuild
    lines += ["", "| analyser | entries | index build s | first-pass query p50 ms | p99 ms |", "|---|---|---|---|---|"]
    lines += [f"| {m['kind']} | {m['entries']} | {m['build_s']:.2f} | {m['first_pass_p50_ms']:.2f} | "
              f"{m['first_pass_p99_ms']:.2f} |" for m in mbuild]
    typo = typo_choice(sets["rutube_faq"][0], qtexts)
    report["typos"] = typo
    lines += ["", "## Typo lookup at 10k entries", "", "```", json.dumps(typo, indent=1), "```", ""]

    sizes = [1000, 10000] if args.quick else [1000, 10000, 100000]
    rows = speed(sets["rutube_faq"][0], qtexts, sizes, settings)
    report["speed"] = rows
    lines += ["## Speed (synthetic base; rutube_faq dev questions, one thread)", "",
              "RSS MB = growth of the process's resident memory over the build (index, entries and the build's "
              "peak that the allocator keeps); arrays MB = the index's numpy arrays.", "",
              "| entries | build s | RSS MB | arrays MB | p50 ms | p99 ms | bm25s build s | bm25s RSS MB "
              "| bm25s p50 ms | bm25s p99 ms |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['entries']} | {r['build_s']:.2f} | {r['rss_mb']:.0f} | {r['arrays_mb']:.0f} | {r['p50_ms']:.2f} | "
              f"{r['p99_ms']:.2f} | "
              f"{r['bm25s_build_s']:.2f} | {r['bm25s_rss_mb']:.0f} | {r['bm25s_p50_ms']:.2f} | "
              f"{r['bm25s_p99_ms']:.2f} |"
              for r in rows]
    if not args.no_http:
        runs = [http_throughput(qtexts) for _ in range(3)]
        report["http_runs"] = runs
        http = sorted(runs, key=lambda r: r["ask_ratio"])[1]  # the median run
        report["http"] = http
        db_kind = "PostgreSQL" if "postgres" in os.environ.get("SEP_BENCH_DATABASE_URL", "") else "SQLite"
        lines += ["", f"## HTTP under gunicorn (2 workers, {db_kind}, demo base, 4 client threads on this machine)",
                  "",
                  f"GET /api/v1/health: {http['health_rps']:.0f} req/s; POST /api/v1/ask (logged): "
                  f"{http['ask_rps']:.0f} req/s (ratio {http['ask_ratio']:.2f}); "
                  "POST /api/v1/ask suggest (not logged): "
                  f"{http['suggest_rps']:.0f} req/s (ratio {http['suggest_ratio']:.2f}) — the median of 3 runs; "
                  "ratios of the runs: logged " + ", ".join(f"{r['ask_ratio']:.2f}" for r in runs)
                  + "; suggest " + ", ".join(f"{r['suggest_ratio']:.2f}" for r in runs)]
    lines += ["", f"load average at end {os.getloadavg()[0]:.2f}; total {time.perf_counter() - started:.0f} s", ""]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "kb_keyword.md").write_text("\n".join(lines), encoding="utf-8")
    (RESULTS / "kb_keyword.json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
