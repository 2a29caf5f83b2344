#!/usr/bin/python3
"""Reference vectors for `cemcore ab metrics` (docs/cli.md): per-arm means, absolute and relative lift with normal 95% intervals,
Welch's t-test (scipy), CUPED (Deng, Xu, Kohavi & Walker 2013; theta = cov(y, x) / var(x) on both arms pooled, numpy) and the
normal-mixture mSPRT (Johari, Koomen, Pekelis & Walsh 2017/2022). Writes ab_metrics.csv (the CLI input) and ab_metrics.expected.json.
Run: /usr/bin/python3 generate_ab_metrics.py (numpy 1.24, scipy 1.10)."""
import csv, json, math, os
import numpy as np
from scipy import stats

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261204)
rows = []
for arm, n, effect in (("control", 400, 0.0), ("treatment", 450, 1.0)):
    pre = rng.gamma(2.0, 5.0, n)
    y = 0.8 * pre + rng.normal(0.0, 3.0, n) + effect
    for i in range(n):
        rows.append((f"{arm[0]}{i:04d}", arm, f"{y[i]:.4f}", f"{pre[i]:.4f}"))
rng.shuffle(rows)
path = os.path.join(here, "ab_metrics.csv")
with open(path, "w", newline="") as f:
    f.write("customer_id,arm,metric,pre_metric\n")
    for r in rows:
        f.write(",".join(r) + "\n")

# Read back the rounded values so the reference uses exactly the CLI's input.
data = {"control": ([], []), "treatment": ([], [])}
with open(path) as f:
    for r in csv.DictReader(f):
        data[r["arm"]][0].append(float(r["metric"]))
        data[r["arm"]][1].append(float(r["pre_metric"]))
yc, xc = map(np.array, data["control"])
yt, xt = map(np.array, data["treatment"])
alpha, tau = 0.05, 0.5
z975 = stats.norm.ppf(1 - alpha / 2)

mc, mt = yc.mean(), yt.mean()
vc, vt = yc.var(ddof=1) / len(yc), yt.var(ddof=1) / len(yt)
d = mt - mc
rel = mt / mc - 1
rel_var = vt / mc**2 + mt**2 * vc / mc**4
welch = stats.ttest_ind(yt, yc, equal_var=False)

y = np.concatenate([yc, yt]); x = np.concatenate([xc, xt])
theta = np.cov(y, x, ddof=1)[0, 1] / np.var(x, ddof=1)
xbar = x.mean()
ac, at = mc - theta * (xc.mean() - xbar), mt - theta * (xt.mean() - xbar)
avc = np.var(yc - theta * xc, ddof=1) / len(yc)
avt = np.var(yt - theta * xt, ddof=1) / len(yt)
cd = at - ac
cz = cd / math.sqrt(avc + avt)

v = vt + vc
t2 = tau * tau
llr = 0.5 * math.log(v / (v + t2)) + t2 * d * d / (2 * v * (v + t2))
half = math.sqrt(v * (v + t2) / t2 * (2 * math.log(1 / alpha) + math.log((v + t2) / v)))

out = {
    "source": "numpy %s, scipy %s; generate_ab_metrics.py" % (np.__version__, __import__("scipy").__version__),
    "alpha": alpha, "tau": tau,
    "control": {"users": len(yc), "mean": mc, "sd": yc.std(ddof=1), "preMean": xc.mean()},
    "treatment": {"users": len(yt), "mean": mt, "sd": yt.std(ddof=1), "preMean": xt.mean()},
    "difference": [d, d - z975 * math.sqrt(v), d + z975 * math.sqrt(v)],
    "relativeLift": [rel, rel - z975 * math.sqrt(rel_var), rel + z975 * math.sqrt(rel_var)],
    "welch": {"t": welch.statistic, "pValue": welch.pvalue},
    "cuped": {"theta": theta, "controlMean": ac, "treatmentMean": at,
              "difference": [cd, cd - z975 * math.sqrt(avc + avt), cd + z975 * math.sqrt(avc + avt)],
              "z": cz, "pValue": 2 * stats.norm.sf(abs(cz)), "varianceReduction": 1 - (avc + avt) / v},
    "sequential": {"logLikelihoodRatio": llr, "pValue": min(1.0, math.exp(-llr)), "confidenceSequence": [d - half, d + half]},
    "defaultTau": 0.1 * y.std(ddof=1),
}
with open(os.path.join(here, "ab_metrics.expected.json"), "w") as f:
    json.dump(out, f, indent=1)
