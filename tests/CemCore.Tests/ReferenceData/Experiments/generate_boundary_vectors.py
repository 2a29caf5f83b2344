#!/usr/bin/python3
"""Boundary vectors for CemCore.Experiments.Statistics (ChiSquareTests.GoodnessOfFit / SampleRatioMismatch, Means.*FromSamples,
MultipleTesting.Adjust with p-values exactly 0 and 1).

Independent implementations: scipy.stats.chisquare(f_obs, f_exp = total * p, ddof) (Debian python3-scipy),
scipy.stats.ttest_ind(equal_var=True/False), statsmodels.stats.multitest.multipletests(p, method) (python3-statsmodels).
Expected counts total * p and the Cochran tallies (cells with expected < 5, smallest expected) are written from numpy.
Run: /usr/bin/python3 generate_boundary_vectors.py > boundary_vectors.json
"""
import json
import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

out = {"goodnessOfFit": [], "srm": [], "tTests": [], "multipleTesting": []}

gof_cases = [
    ([4, 12, 14, 19, 1], [0.1, 0.2, 0.3, 0.38, 0.02], 0),   # expected [5, 10, 15, 19, 1]: one cell (20 %) below 5, smallest exactly 1
    ([4, 12, 14, 19, 1], [0.1, 0.2, 0.3, 0.38, 0.02], 2),   # largest allowed ddof = k - 2
    ([1, 2, 3, 44], [0.04, 0.06, 0.1, 0.8], 0),              # expected [2, 3, 5, 40]: two of four cells below 5 (5 is not below)
]
for obs, p, ddof in gof_cases:
    obs = np.array(obs, dtype=float); p = np.array(p)
    exp = obs.sum() * p
    chi, pv = stats.chisquare(obs, exp, ddof=ddof)
    out["goodnessOfFit"].append({"observed": obs.astype(int).tolist(), "probabilities": p.tolist(), "estimatedParameters": ddof,
                                 "statistic": chi, "pValue": pv, "df": len(obs) - 1 - ddof, "expected": exp.tolist(),
                                 "below5": int((exp < 5).sum()), "min": float(exp.min())})

srm_cases = [
    ([480, 520, 1000], [0.25, 0.25, 0.5]),
    ([5030, 4970], [0.5, 0.5]),
    ([100, 130, 90, 80], [0.25, 0.25, 0.25, 0.25]),
]
for obs, w in srm_cases:
    obs = np.array(obs, dtype=float)
    chi, pv = stats.chisquare(obs, obs.sum() * np.array(w))
    out["srm"].append({"observed": obs.astype(int).tolist(), "weights": w, "statistic": chi, "pValue": pv, "df": len(obs) - 1})

t_cases = [
    ([1.0], [2.0, 4.0]),                         # a one-row arm: pooled test defined, Welch not
    ([1.5, 2.5, 4.0, 3.0], [2.0, 5.5, 4.5]),
    ([-10.0, -12.5, -9.0, -11.0, -10.5], [-9.0, -8.0, -9.5, -7.0]),
]
for c, t in t_cases:
    # Pooled t by its textbook formula: sum of squared deviations of both arms / (n1 + n2 - 2) (a one-row arm adds 0;
    # scipy.stats.ttest_ind returns NaN there because it computes each arm's variance with ddof=1 first).
    ss = sum(((np.array(a) - np.mean(a)) ** 2).sum() for a in (c, t))
    df = len(c) + len(t) - 2
    tt = (np.mean(t) - np.mean(c)) / np.sqrt(ss / df * (1 / len(c) + 1 / len(t)))
    pp = 2 * stats.t.sf(abs(tt), df)
    if len(c) > 1:
        s = stats.ttest_ind(t, c, equal_var=True)
        assert np.isclose(s.statistic, tt, rtol=1e-12) and np.isclose(s.pvalue, pp, rtol=1e-10)
    row = {"control": c, "treatment": t, "studentT": tt, "studentP": pp, "studentDf": df}
    if len(c) > 1:
        w = stats.ttest_ind(t, c, equal_var=False)
        vc = np.var(c, ddof=1) / len(c); vt = np.var(t, ddof=1) / len(t)
        row.update({"welchT": w.statistic, "welchP": w.pvalue, "welchDf": (vc + vt) ** 2 / (vc ** 2 / (len(c) - 1) + vt ** 2 / (len(t) - 1))})
    out["tTests"].append(row)

pv = [0.0, 1.0, 0.03, 0.5, 0.01]
for name, method in [("Bonferroni", "bonferroni"), ("Holm", "holm"), ("BenjaminiHochberg", "fdr_bh"), ("BenjaminiYekutieli", "fdr_by")]:
    out["multipleTesting"].append({"method": name, "pValues": pv, "adjusted": multipletests(pv, alpha=0.05, method=method)[1].tolist()})

print(json.dumps(out, indent=1))
