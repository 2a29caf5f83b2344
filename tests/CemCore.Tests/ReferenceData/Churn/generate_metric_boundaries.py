#!/usr/bin/python3
"""Boundary vectors for CemCore.Churn.ChurnMetrics (AtThreshold, LogLoss, BrierScore, CalibrationTable, ChooseThresholdByCost).

Independent implementation with scikit-learn 1.2.1 (Debian python3-sklearn) and numpy:
- confusion counts: sklearn.metrics.confusion_matrix(y, score >= t) and precision/recall/f1_score(zero_division=0), accuracy_score;
  cases include a score exactly equal to the threshold, a threshold above every score (nothing predicted positive) and a set without churners;
- log_loss(y, p, eps=1e-15) and brier_score_loss(y, p) with probabilities exactly 0 and 1 (the clipping bounds matter);
- calibration bins as sklearn.calibration.calibration_curve(strategy="uniform") assigns them
  (bins = numpy.linspace(0, 1, B + 1); numpy.searchsorted(bins[1:-1], p)); the counts / means per bin (empty bins included, NaN -> null);
  B = 5 with probabilities exactly on inner edges and exactly 1.0, and B = 49 where 49 * (1/49) < 1 so p = 1.0 must stop at the last bin;
- cost thresholds by brute force over every distinct score and +inf (ties -> higher threshold).
Run: /usr/bin/python3 generate_metric_boundaries.py > metric_boundaries.json
"""
import json
import numpy as np
from sklearn.metrics import confusion_matrix, precision_score, recall_score, f1_score, accuracy_score, log_loss, brier_score_loss
from sklearn.calibration import calibration_curve

out = {"thresholds": [], "losses": [], "calibration": [], "costs": []}

threshold_cases = [
    ([0.9, 0.7, 0.7, 0.4, 0.2, 0.1, 0.7, 0.05], [1, 1, 0, 1, 0, 0, 0, 0], 0.7),   # scores equal to the threshold
    ([0.9, 0.7, 0.7, 0.4, 0.2, 0.1, 0.7, 0.05], [1, 1, 0, 1, 0, 0, 0, 0], 0.4),
    ([0.3, 0.2, 0.1], [1, 0, 1], 0.5),                                            # nothing predicted positive
    ([0.3, 0.2, 0.1, 0.8], [0, 0, 0, 0], 0.15),                                   # no churners
    ([0.9, 0.3, 0.2], [1, 1, 1], 0.5),                                            # TP=1, FN=2, FP=0 (2TP + FP = FN)
    ([0.9, 0.8, 0.8, 0.8, 0.1], [1, 0, 0, 0, 1], 0.5),                            # TP=1, FP=3, FN=1 (TP = FN, 2TP + FN = FP)
]
for s, y, t in threshold_cases:
    s = np.array(s); y = np.array(y); pred = (s >= t).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    out["thresholds"].append({
        "scores": s.tolist(), "labels": y.tolist(), "threshold": t,
        "tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn),
        "precision": precision_score(y, pred, zero_division=0), "recall": recall_score(y, pred, zero_division=0),
        "f1": f1_score(y, pred, zero_division=0), "accuracy": accuracy_score(y, pred)})

loss_cases = [
    ([1.0, 0.0, 0.5, 0.25], [0, 1, 1, 0]),     # confidently wrong at both clip bounds
    ([1.0, 0.0, 0.9], [1, 0, 1]),
    ([1.0], [1]),
]
for p, y in loss_cases:
    out["losses"].append({"probabilities": p, "labels": y,
                          "logLoss": log_loss(y, p, eps=1e-15, labels=[0, 1]), "brier": brier_score_loss(y, p, pos_label=1)})

calibration_cases = [
    (5, [0.0, 0.2, 0.4, 0.45, 0.8, 1.0, 1.0, 0.1], [0, 0, 1, 1, 1, 1, 0, 0]),   # inner edges 0.2/0.4/0.8 exactly, bin (0.4, 0.6] empty
    (49, [1.0, 0.99, 0.5, 0.0], [1, 1, 0, 0]),
]
for B, p, y in calibration_cases:
    p = np.array(p); y = np.array(y)
    edges = np.linspace(0.0, 1.0, B + 1)
    ids = np.searchsorted(edges[1:-1], p)
    bins = []
    for b in range(B):
        m = ids == b
        c = int(m.sum())
        bins.append({"lower": edges[b], "upper": edges[b + 1], "count": c,
                     "meanPredicted": float(p[m].mean()) if c else None, "observedRate": float(y[m].mean()) if c else None})
    # cross-check against scikit-learn (which drops empty bins)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=B, strategy="uniform")
    nonempty = [x for x in bins if x["count"]]
    assert np.allclose(prob_true, [x["observedRate"] for x in nonempty]) and np.allclose(prob_pred, [x["meanPredicted"] for x in nonempty])
    out["calibration"].append({"binCount": B, "probabilities": p.tolist(), "labels": y.tolist(), "bins": bins})

cost_cases = [
    ([0.9, 0.8, 0.6, 0.6, 0.3, 0.2], [1, 0, 1, 0, 0, 1], 5.0, 1.0),
    ([0.9, 0.8, 0.3], [1, 0, 1], 1.0, 1.0),            # 0.9 and 0.3 both cost 1: the tie goes to 0.9
    ([0.9, 0.4, 0.1], [1, 0, 1], 0.0, 2.0),            # missed churners cost nothing: target nobody
]
for s, y, cm, cw in cost_cases:
    s = np.array(s); y = np.array(y)
    cands = [np.inf] + sorted(set(s.tolist()), reverse=True)
    best = None
    for t in sorted(cands):   # ascending, so a later (higher) threshold wins ties with <=
        pred = s >= t
        tp = int((pred & (y == 1)).sum()); fp = int((pred & (y == 0)).sum())
        fn = int(((~pred) & (y == 1)).sum()); tn = int(((~pred) & (y == 0)).sum())
        cost = cm * fn + cw * fp
        if best is None or cost <= best["cost"]:
            best = {"threshold": None if np.isinf(t) else t, "cost": cost, "tp": tp, "fp": fp, "tn": tn, "fn": fn}
    out["costs"].append({"scores": s.tolist(), "labels": y.tolist(), "costMissed": cm, "costWasted": cw, **best})

print(json.dumps(out, indent=1))
