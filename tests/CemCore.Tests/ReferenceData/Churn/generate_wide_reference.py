#!/usr/bin/python3
"""Wide churn reference sets (more features than rows) for CemCore.Tests (run with Debian's /usr/bin/python3).

The C# fit solves the Newton system of such tables in the dual (n x n, Sherman-Morrison-Woodbury) form; these sets check that it
reaches the same optimum as scikit-learn. Same conventions and output format as generate_churn_reference.py (whose metrics() is reused):
StandardScaler().fit(X), then LogisticRegression(solver="lbfgs", C=C, class_weight=..., tol=1e-10, max_iter=100000) on the standardized
features. Features are rounded to 3 decimals to keep the CSV small; a few features carry signal, the rest are noise.
"expectedGradient" is the largest absolute gradient component of scikit-learn's solution divided by C * sum of weights (the quantity
the C# tolerance bounds), to show how far from the exact optimum the reference itself is.
Usage: /usr/bin/python3 generate_wide_reference.py   (writes next to this script; deterministic)
"""
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from generate_churn_reference import HERE, metrics

DATASETS = [
    # name, seed, rows, features, C, class_weight
    ("wide_c1", 11, 60, 200, 1.0, None),
    ("wide_balanced_c01", 12, 100, 300, 0.1, "balanced"),
]


def main():
    for name, seed, n, k, c, cw in DATASETS:
        rng = np.random.default_rng(seed)
        x = np.round(rng.normal(size=(n, k)) * rng.uniform(0.5, 5.0, size=k) + rng.uniform(-10, 10, size=k), 3)
        beta = np.zeros(k)
        beta[:6] = [1.5, -1.0, 0.8, -0.6, 0.5, 0.4]
        zs = (x - x.mean(0)) / x.std(0)
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(zs @ beta - 0.7)))).astype(int)
        cols = [f"f{j}" for j in range(k)]
        with open(os.path.join(HERE, f"{name}.csv"), "w", newline="\n") as fh:
            fh.write(",".join(cols + ["y"]) + "\n")
            for row, label in zip(x, y):
                fh.write(",".join(f"{v:.3f}".rstrip("0").rstrip(".") for v in row) + f",{int(label)}\n")
        scaler = StandardScaler().fit(x)
        xs = scaler.transform(x)
        model = LogisticRegression(solver="lbfgs", C=c, class_weight=cw, tol=1e-10, max_iter=100000).fit(xs, y)
        p = model.predict_proba(xs)[:, 1]
        weights = np.ones(n) if cw is None else compute_class_weight(cw, classes=np.array([0, 1]), y=y)[y]
        r = weights * (p - y)
        grad = np.concatenate([(xs.T @ r + model.coef_[0] / c), [r.sum()]]) / weights.sum()
        expected = {
            "source": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}: StandardScaler().fit(X); "
                      f"LogisticRegression(solver='lbfgs', C={c}, class_weight={cw!r}, tol=1e-10, max_iter=100000)",
            "C": c,
            "classWeight": "balanced" if cw == "balanced" else None,
            "rows": int(n),
            "positives": int(y.sum()),
            "mean": scaler.mean_.tolist(),
            "scale": scaler.scale_.tolist(),
            "coefficients": model.coef_[0].tolist(),
            "intercept": float(model.intercept_[0]),
            "iterations": int(model.n_iter_[0]),
            "expectedGradient": float(np.abs(grad).max()),
            "probabilities": p.tolist(),
            "metrics": metrics(y, p),
        }
        with open(os.path.join(HERE, f"{name}.expected.json"), "w", newline="\n") as fh:
            json.dump(expected, fh, indent=1)
            fh.write("\n")
        print(name, n, k, int(y.sum()), model.n_iter_[0], "grad", np.abs(grad).max(), model.coef_[0][:6].round(4), model.intercept_.round(4))


if __name__ == "__main__":
    main()
