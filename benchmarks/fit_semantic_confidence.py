"""Fit the fused (keyword + sentence encoder) confidence of kb_keyword and its decision thresholds.

Run by hand (``.venv/bin/python benchmarks/fit_semantic_confidence.py [--model use-m3]``); needs the ``bench`` and
``semantic`` extras and the public dev sets (``../shared/bench`` or ``SEP_BENCH_DATA``). Prints the
logistic coefficients fitted on all of rutube_faq dev and the thresholds chosen on out-of-fold
confidences (5 folds grouped by target entry, like the held-out half): the answer threshold is the
lowest at which out-of-fold single answers are >= 85 % right. The weights may not be negative (each
signal may only raise the confidence; unconstrained, correlated signals took opposite signs). The fitted
values in ``plugins/kb_keyword/matching/ranking.py`` (``FUSIONS``, per encoder) are this script's output,
run with that encoder's fusion weights in place (``kb_keyword_bench.fusion_weights`` chooses them);
nothing of the data is stored in the project. The keyword-only mode keeps its own
calibration (``MatchSettings.c_*``) and thresholds (``decision.Policy``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kb_keyword_bench as bench
from sep_plugins.kb_keyword.matching import MatchSettings
from sep_plugins.kb_keyword.matching.ranking import FEATURES, Ranker, fused_features

TARGET = 0.85


def collect(ranker: Ranker, questions: list[dict]) -> tuple[np.ndarray, np.ndarray, list[list]]:
    xs, ys, ranked = [], [], []
    for q in questions:
        hits = ranker.search(q["question"], 10)
        ranked.append([h.key for h in hits])
        xs.append(fused_features(hits))
        ys.append(1.0 if hits and hits[0].key in set(q["answer_ids"]) else 0.0)
    return np.asarray(xs, dtype=float), np.asarray(ys), ranked


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 4000) -> np.ndarray:
    """Logistic regression on standardised features (projected gradient descent, non-negative weights);
    returns [bias, w...] on the raw scale."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    xb = np.hstack([np.ones((len(x), 1)), (x - mu) / sd])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        w -= 0.5 * (xb.T @ (p - y) / len(y) + l2 * np.r_[0.0, w[1:]])
        w[1:] = np.maximum(w[1:], 0.0)  # each signal may only raise the confidence
    raw = w[1:] / sd
    return np.r_[w[0] - float((mu * raw).sum()), raw]


def lowest_threshold(p: np.ndarray, y: np.ndarray, target: float = TARGET) -> tuple[float, float, float]:
    """(threshold, answered share, correct of answered): the lowest threshold whose answered set is >= target right."""
    best = (1.0, 0.0, 0.0)
    for t in sorted(set(np.round(p, 3)), reverse=True):
        at = p >= t
        if at.any() and y[at].mean() >= target:
            best = (float(t), float(at.mean()), float(y[at].mean()))
    return best


def main() -> dict:
    import argparse

    from sep_plugins.kb_semantic.encoder import MODELS, load

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=MODELS, default=MODELS[0], help="kb_semantic's model setting")
    encoder = load(1, 0, parser.parse_args().model)
    if encoder is None:
        raise SystemExit("the semantic extra is not installed (pip install -e '.[semantic]')")
    passages, questions = bench.load("rutube_faq")
    ranker = Ranker.build(bench.documents(passages), MatchSettings(), encoder=encoder)
    x, y, _ = collect(ranker, questions)
    folds = bench.group_folds(questions)
    oof = np.zeros(len(y))
    for test in folds:
        train = np.setdiff1d(np.arange(len(y)), test)
        w = fit(x[train], y[train])
        oof[test] = 1.0 / (1.0 + np.exp(-(w[0] + x[test] @ w[1:])))
    w = fit(x, y)
    threshold, answered, correct = lowest_threshold(oof, y)
    out = {"features": list(FEATURES), "coefficients": [round(float(v), 3) for v in w],
           "answer_threshold": round(threshold, 3), "oof_answered": round(answered, 3),
           "oof_answered_correct": round(correct, 3), "oof_ece": round(bench.calibration_error(oof, y), 3),
           "top1": round(float(y.mean()), 3)}
    order = np.argsort(-oof, kind="stable")
    precision = np.cumsum(y[order]) / np.arange(1, len(y) + 1)
    reach = np.nonzero(precision >= TARGET)[0]
    out["oof_max_answered_at_85"] = round(float((reach.max() + 1) / len(y)) if len(reach) else 0.0, 3)
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
