#!/usr/bin/python3
"""Generates the churn reference vectors for CemCore.Tests (run with Debian's /usr/bin/python3).

Each data set <name>.csv has feature columns f0..fk-1 and a 0/1 label column y.
<name>.expected.json holds what scikit-learn computes on it:
  - StandardScaler() mean_ and scale_ (population SD; 1.0 for constant columns),
  - LogisticRegression(solver="lbfgs", C=C, class_weight=..., tol=1e-10, max_iter=100000) coef_ and intercept_
    fitted on the standardized features (coefficients on the standardized scale),
  - metrics of the fitted model's predict_proba on the same rows (and of a tied, rounded copy of the scores):
    roc_auc_score, average_precision_score, log_loss(eps=1e-15), brier_score_loss,
    precision/recall/f1 at threshold 0.5 (predicted positive when p >= 0.5, zero_division=0),
    calibration_curve(n_bins=10, strategy="uniform").
Usage: /usr/bin/python3 generate_churn_reference.py   (writes next to this script; deterministic, seed per data set)
"""
import json
import os

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (average_precision_score, brier_score_loss, f1_score, log_loss,
                             precision_score, recall_score, roc_auc_score)
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))


def make(seed, n, k, positive_shift, beta, constant_col=None, separable=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, k)) * rng.uniform(0.5, 20.0, size=k) + rng.uniform(-50, 50, size=k)
    z = (x - x.mean(0)) / x.std(0) @ beta + positive_shift
    if separable:
        y = (z > 0).astype(int)
    else:
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    if constant_col is not None:
        x[:, constant_col] = 3.25
    return np.round(x, 6), y


DATASETS = [
    # name, seed, n, k, shift, beta, C, class_weight, constant column, separable
    ("balanced_c1", 1, 400, 5, 0.0, [1.2, -0.8, 0.5, 0.0, 0.3], 1.0, None, None, False),
    ("strong_penalty_c005", 2, 300, 4, 0.3, [2.0, -1.0, 0.7, 0.2], 0.05, None, None, False),
    ("imbalanced_balanced_weights", 3, 1000, 6, -2.5, [1.0, 0.8, -0.6, 0.0, 0.4, -0.2], 0.5, "balanced", None, False),
    ("imbalanced_unweighted", 3, 1000, 6, -2.5, [1.0, 0.8, -0.6, 0.0, 0.4, -0.2], 10.0, None, None, False),
    ("custom_weights_c2", 4, 500, 3, -0.5, [1.5, -0.5, 0.9], 2.0, {0: 1.0, 1: 3.0}, None, False),
    ("constant_column", 5, 300, 4, 0.0, [1.0, -1.0, 0.0, 0.5], 1.0, None, 2, False),
    ("separable_c1", 6, 200, 3, 0.0, [2.0, 1.0, -1.0], 1.0, None, None, True),
]


def metrics(y, p):
    pred = (p >= 0.5).astype(int)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    return {
        "rocAuc": roc_auc_score(y, p),
        "averagePrecision": average_precision_score(y, p),
        "logLoss": log_loss(y, p, eps=1e-15),
        "brier": brier_score_loss(y, p),
        "precisionAt05": precision_score(y, pred, zero_division=0),
        "recallAt05": recall_score(y, pred, zero_division=0),
        "f1At05": f1_score(y, pred, zero_division=0),
        "calibrationObserved": prob_true.tolist(),
        "calibrationPredicted": prob_pred.tolist(),
    }


def main():
    for name, seed, n, k, shift, beta, c, cw, const, sep in DATASETS:
        x, y = make(seed, n, k, shift, np.array(beta), const, sep)
        cols = [f"f{j}" for j in range(k)]
        with open(os.path.join(HERE, f"{name}.csv"), "w", newline="\n") as fh:
            fh.write(",".join(cols + ["y"]) + "\n")
            for row, label in zip(x, y):
                fh.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
        scaler = StandardScaler().fit(x)
        xs = scaler.transform(x)
        model = LogisticRegression(solver="lbfgs", C=c, class_weight=cw, tol=1e-10, max_iter=100000).fit(xs, y)
        p = model.predict_proba(xs)[:, 1]
        tied = np.round(p, 1)
        expected = {
            "source": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}: StandardScaler().fit(X); "
                      f"LogisticRegression(solver='lbfgs', C={c}, class_weight={cw!r}, tol=1e-10, max_iter=100000)",
            "C": c,
            "classWeight": "balanced" if cw == "balanced" else (None if cw is None else [cw[0], cw[1]]),
            "rows": int(n),
            "positives": int(y.sum()),
            "mean": scaler.mean_.tolist(),
            "scale": scaler.scale_.tolist(),
            "coefficients": model.coef_[0].tolist(),
            "intercept": float(model.intercept_[0]),
            "iterations": int(model.n_iter_[0]),
            "probabilities": p.tolist(),
            "metrics": metrics(y, p),
            "tiedScores": tied.tolist(),
            "tiedMetrics": {"rocAuc": roc_auc_score(y, tied), "averagePrecision": average_precision_score(y, tied)},
        }
        with open(os.path.join(HERE, f"{name}.expected.json"), "w", newline="\n") as fh:
            json.dump(expected, fh, indent=1)
            fh.write("\n")
        print(name, n, int(y.sum()), model.n_iter_[0], model.coef_[0].round(4), model.intercept_.round(4))


if __name__ == "__main__":
    main()
