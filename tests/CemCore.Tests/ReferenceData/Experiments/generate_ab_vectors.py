#!/usr/bin/python3
"""Reference vectors for CemCore.Experiments (issue 5).

Run with Debian's interpreter from the repository root:
    /usr/bin/python3 tests/CemCore.Tests/ReferenceData/Experiments/generate_ab_vectors.py

Writes ab_vectors.json next to this script (embedded in the test assembly).
Versions used are recorded in the file ("versions"). Every family names the exact
statsmodels / scipy / mpmath call that produced the expected numbers.

Conventions: "c" = control, "t" = treatment; every difference and statistic is
treatment - control, so statsmodels is always called with the treatment as sample 1.
Undefined results (NaN/inf from the reference, or a ValueError) are written as null.
"""
import json
import math
import os
import sys
import warnings

import mpmath
import numpy as np
import scipy
import statsmodels
from scipy import stats, optimize
from scipy.stats import _stats_py
from statsmodels.stats import proportion as smp
from statsmodels.stats.power import NormalIndPower, normal_sample_size_one_tail
from statsmodels.stats.multitest import multipletests
import statsmodels.api as sm

warnings.simplefilter("ignore")
rng = np.random.RandomState(20261122)
ALTS = {"TwoSided": "two-sided", "Greater": "larger", "Less": "smaller"}
SCIPY_ALTS = {"TwoSided": "two-sided", "Greater": "greater", "Less": "less"}


def num(x):
    x = float(x)
    return x if math.isfinite(x) else None


# ----------------------------------------------------------------- count pairs
def proportion_pairs():
    pairs = [
        (0, 1, 0, 1), (1, 1, 0, 1), (0, 1, 1, 1), (1, 1, 1, 1),
        (0, 1000, 0, 1000), (1000, 1000, 1000, 1000), (0, 1000, 5, 1000),
        (1000, 1000, 990, 1000), (10, 1000000, 2, 1000), (3, 1000, 4000, 1000000),
        (5000, 1000000, 8000, 1000000), (100, 1000, 100, 1000),
        (50, 1000, 75, 1000),  # source documents: generic vs personalized discount, 1,000 exposures each
        (20000, 1000000, 21500, 1000000), (1, 2, 2, 3), (0, 5, 5, 5), (5, 5, 0, 5),
        (0, 1000000, 1000, 1000000), (500000, 1000000, 510000, 1000000),
    ]
    while len(pairs) < 130:
        n_c = int(math.exp(rng.uniform(0, math.log(1e6))))
        ratio = math.exp(rng.uniform(-math.log(1000), math.log(1000))) if rng.rand() < 0.3 else 1.0
        n_t = max(1, int(n_c * ratio))
        p = rng.uniform(0, 1) if rng.rand() < 0.5 else rng.uniform(0, 0.1)
        lift = rng.uniform(-0.5, 0.5)
        p_t = min(1.0, max(0.0, p * (1 + lift)))
        pairs.append((int(rng.binomial(n_c, p)), n_c, int(rng.binomial(n_t, p_t)), n_t))
    return pairs


PAIRS = proportion_pairs()


def ztest_cases():
    out = []
    for (cs, cn, ts, tn) in PAIRS:
        for alt, smalt in ALTS.items():
            # statsmodels.stats.proportion.proportions_ztest(count=[ts, cs], nobs=[tn, cn], value=0, alternative=smalt, prop_var=False)
            z, p = smp.proportions_ztest([ts, cs], [tn, cn], value=0, alternative=smalt, prop_var=False)
            # statsmodels.stats.proportion.test_proportions_2indep(ts, tn, cs, cn, value=0, method='wald', compare='diff', alternative=smalt, correction=False)
            r = smp.test_proportions_2indep(np.float64(ts), np.float64(tn), np.float64(cs), np.float64(cn), value=0, method="wald", compare="diff",
                                            alternative=smalt, correction=False, return_results=True)
            out.append({"cs": cs, "cn": cn, "ts": ts, "tn": tn, "alternative": alt,
                        "pooledZ": num(z), "pooledP": num(p) if num(z) is not None else None,
                        "unpooledZ": num(r.statistic), "unpooledP": num(r.pvalue) if num(r.statistic) is not None else None})
    return out


def one_proportion_ci_cases():
    out = []
    methods = {"Normal": "normal", "AgrestiCoull": "agresti_coull", "Wilson": "wilson",
               "ClopperPearson": "beta", "Jeffreys": "jeffreys"}
    cases = [(0, 1), (1, 1), (0, 10), (10, 10), (1, 10), (0, 1000000), (1000000, 1000000), (1, 1000000), (3, 7)]
    while len(cases) < 120:
        n = int(math.exp(rng.uniform(0, math.log(1e6))))
        cases.append((int(rng.binomial(n, rng.uniform(0, 1) if rng.rand() < 0.6 else rng.uniform(0, 0.01))), n))
    for i, (x, n) in enumerate(cases):
        alpha = [0.05, 0.01, 0.2, 0.001][i % 4]
        for name, m in methods.items():
            # statsmodels.stats.proportion.proportion_confint(count=x, nobs=n, alpha=alpha, method=m)
            lo, hi = smp.proportion_confint(x, n, alpha=alpha, method=m)
            out.append({"count": x, "nobs": n, "alpha": alpha, "method": name, "lower": num(lo), "upper": num(hi)})
    return out


def diff_ci_cases():
    out = []
    methods = {"Wald": "wald", "NewcombeHybridScore": "newcomb", "AgrestiCaffo": "agresti-caffo"}
    for i, (cs, cn, ts, tn) in enumerate(PAIRS):
        alpha = [0.05, 0.01, 0.1][i % 3]
        for name, m in methods.items():
            # statsmodels.stats.proportion.confint_proportions_2indep(ts, tn, cs, cn, method=m, compare='diff', alpha=alpha, correction=False)
            lo, hi = smp.confint_proportions_2indep(np.float64(ts), np.float64(tn), np.float64(cs), np.float64(cn), method=m, compare="diff", alpha=alpha, correction=False)
            out.append({"cs": cs, "cn": cn, "ts": ts, "tn": tn, "alpha": alpha, "method": name,
                        "lower": num(lo), "upper": num(hi)})
    return out


def relative_lift_cases():
    # Delta method (first-order Taylor) for r = p_t / p_c - 1 with independent arms:
    # Var(r) = Var(p_t)/p_c^2 + p_t^2 Var(p_c)/p_c^4, Var(p) = p(1-p)/n; CI r +- scipy.stats.norm.isf(alpha/2) * sqrt(Var(r)).
    out = []
    for i, (cs, cn, ts, tn) in enumerate(PAIRS):
        alpha = [0.05, 0.01, 0.1][i % 3]
        pc, pt = cs / cn, ts / tn
        if pc == 0:
            out.append({"cs": cs, "cn": cn, "ts": ts, "tn": tn, "alpha": alpha, "lift": None, "lower": None, "upper": None})
            continue
        lift = pt / pc - 1
        var = (pt * (1 - pt) / tn) / pc ** 2 + pt ** 2 * (pc * (1 - pc) / cn) / pc ** 4
        z = stats.norm.isf(alpha / 2)
        out.append({"cs": cs, "cn": cn, "ts": ts, "tn": tn, "alpha": alpha, "lift": lift,
                    "lower": lift - z * math.sqrt(var), "upper": lift + z * math.sqrt(var)})
    return out


def welch_summary_cases():
    out = []
    cases = [(0.0, 1.0, 1, 0.0, 1.0, 5), (1.0, 0.0, 10, 1.0, 0.0, 10), (1.0, 0.0, 10, 2.0, 0.0, 10),
             (10.0, 2.0, 2, 11.0, 3.0, 2), (0.0, 1.0, 1000000, 0.05, 1.0, 1000000), (5.0, 1.0, 1000, 5.0, 1.0, 1),
             (0.0, 1.0, 10, 50.0, 1.0, 10), (100.0, 30.0, 1000, 101.0, 35.0, 1000000)]
    while len(cases) < 110:
        nc = int(math.exp(rng.uniform(math.log(2), math.log(1e6))))
        nt = int(math.exp(rng.uniform(math.log(2), math.log(1e6))))
        sc, st = math.exp(rng.uniform(-3, 5)), math.exp(rng.uniform(-3, 5))
        mc = rng.normal(0, 100)
        mt = mc + rng.normal(0, 1) * sc * rng.uniform(0, 3)
        cases.append((mc, sc, nc, mt, st, nt))
    for (mc, sc, nc, mt, st, nt) in cases:
        for alt, salt in SCIPY_ALTS.items():
            # scipy.stats.ttest_ind_from_stats(mean1=mt, std1=st, nobs1=nt, mean2=mc, std2=sc, nobs2=nc, equal_var=False, alternative=salt)
            r = stats.ttest_ind_from_stats(np.float64(mt), np.float64(st), np.float64(nt), np.float64(mc), np.float64(sc), np.float64(nc), equal_var=False, alternative=salt)
            # df: scipy.stats._stats_py._unequal_var_ttest_denom(st**2, nt, sc**2, nc) (Welch-Satterthwaite)
            df, _ = _stats_py._unequal_var_ttest_denom(np.float64(st) ** 2, np.float64(nt), np.float64(sc) ** 2, np.float64(nc))
            defined = num(r.statistic) is not None and nt >= 2 and nc >= 2
            out.append({"meanC": mc, "sdC": sc, "nC": nc, "meanT": mt, "sdT": st, "nT": nt, "alternative": alt,
                        "t": num(r.statistic) if defined else None, "df": num(df) if defined else None,
                        "p": num(r.pvalue) if defined else None})
    return out


def welch_raw_cases():
    out = []
    for i in range(110):
        nc, nt = int(rng.randint(2, 40)), int(rng.randint(2, 40))
        c = np.round(rng.normal(10, rng.uniform(0.1, 5), nc), 3)
        t = np.round(rng.normal(10 + rng.normal(0, 2), rng.uniform(0.1, 5), nt), 3)
        alt = list(SCIPY_ALTS)[i % 3]
        # scipy.stats.ttest_ind(a=t, b=c, equal_var=False, alternative=...)
        r = stats.ttest_ind(t, c, equal_var=False, alternative=SCIPY_ALTS[alt])
        df, _ = _stats_py._unequal_var_ttest_denom(np.var(t, ddof=1), nt, np.var(c, ddof=1), nc)
        out.append({"control": c.tolist(), "treatment": t.tolist(), "alternative": alt,
                    "t": num(r.statistic), "df": num(df), "p": num(r.pvalue)})
    return out


def chi2_cases():
    out = []
    for (cs, cn, ts, tn) in PAIRS:
        for yates in (False, True):
            table = [[ts, tn - ts], [cs, cn - cs]]
            try:
                # scipy.stats.chi2_contingency(observed=[[ts, tn-ts], [cs, cn-cs]], correction=yates)
                chi2, p, dof, _ = stats.chi2_contingency(table, correction=yates)
                chi2, p = num(chi2), num(p)
            except ValueError:
                chi2, p = None, None
            out.append({"cs": cs, "cn": cn, "ts": ts, "tn": tn, "yates": yates, "chiSquare": chi2, "p": p})
    return out


def srm_cases():
    out = []
    cases = [([500, 500], [0.5, 0.5]), ([1, 0], [0.5, 0.5]), ([5000, 5300], [0.5, 0.5]), ([50000, 51500], [0.5, 0.5]),
             ([100000, 110000], [0.5, 0.5]), ([10, 1000000], [0.001, 0.999]), ([333, 333, 334], [1 / 3, 1 / 3, 1 / 3])]
    while len(cases) < 110:
        k = int(rng.randint(2, 6))
        w = rng.dirichlet(np.ones(k))
        w = w / w.sum()
        n = int(math.exp(rng.uniform(math.log(10), math.log(1e7))))
        skew = 1 + rng.normal(0, 0.02) * (rng.rand() < 0.5)
        q = w * np.concatenate([[skew], np.ones(k - 1)])
        obs = rng.multinomial(n, q / q.sum())
        cases.append((obs.tolist(), w.tolist()))
    for obs, w in cases:
        obs_a = np.array(obs, dtype=float)
        # scipy.stats.chisquare(f_obs=obs, f_exp=np.array(w) * sum(obs))
        r = stats.chisquare(obs_a, f_exp=np.array(w) * obs_a.sum())
        out.append({"observed": obs, "weights": w, "chiSquare": num(r.statistic), "p": num(r.pvalue)})
    return out


def power_cases():
    out = []
    cases = [(0.05, 0.01, 0.05, 0.8), (0.1, 0.02, 0.05, 0.8), (0.5, 0.1, 0.05, 0.9), (0.01, 0.001, 0.01, 0.8),
             (0.2, -0.05, 0.05, 0.8), (0.05, 0.025, 0.05, 0.8)]
    while len(cases) < 110:
        p1 = rng.uniform(0.001, 0.9)
        mde = rng.uniform(-min(p1, 0.3), min(1 - p1, 0.3)) * rng.uniform(0.05, 1)
        if abs(mde) < 1e-4:
            continue
        cases.append((p1, mde, [0.05, 0.01, 0.1][len(cases) % 3], [0.8, 0.9, 0.95][len(cases) % 3]))
    for (p1, mde, alpha, power) in cases:
        p2 = p1 + mde
        # statsmodels.stats.proportion.samplesize_proportions_2indep_onetail(diff=mde, prop2=p1, power=power, ratio=1, alpha=alpha, value=0, alternative='two-sided')
        n_default = smp.samplesize_proportions_2indep_onetail(mde, p1, power, ratio=1, alpha=alpha, alternative="two-sided")
        # statsmodels.stats.power.normal_sample_size_one_tail(diff=mde, power=power, alpha=alpha/2, std_null=std_alternative=sqrt(p1 q1 + p2 q2))
        n_unpooled = normal_sample_size_one_tail(mde, power, alpha / 2, std_null=math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)), std_alternative=math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)))
        h = smp.proportion_effectsize(p2, p1)  # statsmodels.stats.proportion.proportion_effectsize(prop1=p2, prop2=p1) = 2 asin sqrt p2 - 2 asin sqrt p1
        n_h = normal_sample_size_one_tail(h, power, alpha / 2, std_null=math.sqrt(2), std_alternative=math.sqrt(2))  # Var(2 asin sqrt p) = 1/n per arm
        n_eval = max(2.0, math.ceil(n_default))
        # statsmodels.stats.proportion.power_proportions_2indep(diff=mde, prop2=p1, nobs1=n_eval, ratio=1, alpha=alpha, alternative='two-sided', return_results=False)
        pw_default = smp.power_proportions_2indep(mde, p1, n_eval, ratio=1, alpha=alpha, alternative="two-sided", return_results=False)
        # statsmodels.stats.power.NormalIndPower().power(effect_size=h, nobs1=n_eval, alpha=alpha, ratio=1, alternative='two-sided')
        pw_h = NormalIndPower().power(h, n_eval, alpha, ratio=1, alternative="two-sided")
        # MDE at n_eval for the default formula: root of samplesize_proportions_2indep_onetail(d, p1, power, alpha=alpha) = n_eval
        sign = 1 if mde > 0 else -1
        hi = (1 - p1 - 1e-12) if sign > 0 else (p1 - 1e-12)
        f = lambda d: smp.samplesize_proportions_2indep_onetail(sign * d, p1, power, ratio=1, alpha=alpha) - n_eval
        mde_default = sign * optimize.brentq(f, 1e-12, hi, xtol=1e-16, rtol=1e-15, maxiter=500) if f(hi) < 0 else None
        out.append({"baseline": p1, "mde": mde, "alpha": alpha, "power": power, "nDefault": n_default,
                    "nUnpooled": n_unpooled, "nCohenH": n_h, "nEval": n_eval, "powerDefault": pw_default,
                    "powerCohenH": pw_h, "mdeDefault": mde_default})
    return out


def power_means_cases():
    out = []
    while len(out) < 110:
        sigma = math.exp(rng.uniform(-2, 5))
        delta = sigma * rng.uniform(0.01, 1.5) * (1 if rng.rand() < 0.7 else -1)
        alpha = [0.05, 0.01, 0.1][len(out) % 3]
        power = [0.8, 0.9, 0.95][len(out) % 3]
        # statsmodels.stats.power.normal_sample_size_one_tail(diff=delta, power=power, alpha=alpha/2, std_null=std_alternative=sigma*sqrt(2))
        n = normal_sample_size_one_tail(delta, power, alpha / 2, std_null=sigma * math.sqrt(2), std_alternative=sigma * math.sqrt(2))
        n_eval = max(2.0, math.ceil(n))
        # statsmodels.stats.power.NormalIndPower().power(effect_size=delta/sigma, nobs1=n_eval, alpha=alpha, ratio=1, alternative='two-sided')
        pw = NormalIndPower().power(delta / sigma, n_eval, alpha, ratio=1, alternative="two-sided")
        # MDE (one-tail formula): (isf(alpha/2) + isf(1-power)) * sigma * sqrt(2 / n_eval)
        mde = (stats.norm.isf(alpha / 2) + stats.norm.isf(1 - power)) * sigma * math.sqrt(2 / n_eval)
        out.append({"sigma": sigma, "delta": delta, "alpha": alpha, "power": power, "n": n, "nEval": n_eval,
                    "powerAtN": pw, "mde": mde})
    return out


def miller(a, b, c, d):
    """Evan Miller (2015) exact formula, mpmath: P(X > Y), X ~ Beta(a, b) with integer a, Y ~ Beta(c, d):
    sum_{i=0}^{a-1} B(c+i, d+b) / ((b+i) B(1+i, b) B(c, d))."""
    return mpmath.fsum(mpmath.beta(c + i, d + b) / ((b + i) * mpmath.beta(1 + i, b) * mpmath.beta(c, d)) for i in range(int(a)))


def quad_prob(at, bt, ac, bc):
    """P(T > C) = int_0^1 f_T(x) I_x(ac, bc) dx by mpmath.quad (independent of the closed form)."""
    ft = lambda x: mpmath.exp((at - 1) * mpmath.log(x) + (bt - 1) * mpmath.log(1 - x) - mpmath.log(mpmath.beta(at, bt)))
    mode = at / (at + bt)
    sd = mpmath.sqrt(at * bt / ((at + bt) ** 2 * (at + bt + 1)))
    pts = sorted(set([mpmath.mpf(0)] + [min(max(mode + k * sd, mpmath.mpf(0)), mpmath.mpf(1)) for k in (-10, -3, 0, 3, 10)] + [mpmath.mpf(1)]))
    return mpmath.quad(lambda x: ft(x) * mpmath.betainc(ac, bc, 0, x, regularized=True), pts)


def bayes_cases():
    mpmath.mp.dps = 30
    out = []
    cases = [(0, 1, 0, 1, 1, 1), (1, 1, 0, 1, 1, 1), (0, 1000, 0, 1000, 1, 1), (50, 1000, 75, 1000, 1, 1),
             (1000, 1000, 990, 1000, 1, 1), (5, 10000, 30, 10000, 1, 1), (200, 20000, 400, 20000, 1, 1),
             (10, 100, 12, 100, 2, 20), (3, 50, 8, 60, 0.5, 0.5), (120, 1000, 100, 1000, 0.5, 0.5), (0, 10, 10, 10, 1, 1),
             (2, 5000, 40, 5000, 1, 1)]
    while len(cases) < 110:
        n_c = int(math.exp(rng.uniform(0, math.log(3000))))
        n_t = int(math.exp(rng.uniform(0, math.log(3000))))
        p = rng.uniform(0.001, 0.5)
        prior = [(1, 1), (1, 1), (2, 5), (1, 3)][len(cases) % 4]
        cases.append((int(rng.binomial(n_c, p)), n_c, int(rng.binomial(n_t, p * rng.uniform(0.7, 1.4))), n_t) + prior)
    for k, (cs, cn, ts, tn, a0, b0) in enumerate(cases):
        ac, bc = mpmath.mpf(cs + a0), mpmath.mpf(cn - cs + b0)
        at, bt = mpmath.mpf(ts + a0), mpmath.mpf(tn - ts + b0)
        if float(at) == int(at) and float(ac) == int(ac):
            # P(T > C): Evan Miller's exact sum, 30 significant digits
            prob = miller(at, bt, ac, bc)
            # Expected loss of shipping T (Stucchio 2015): E[max(pC - pT, 0)] = m_C P(C' > T) - m_T P(C > T'),
            # C' ~ Beta(ac+1, bc), T' ~ Beta(at+1, bt), each probability by Miller's sum
            loss = ac / (ac + bc) * miller(ac + 1, bc, at, bt) - at / (at + bt) * miller(ac, bc, at + 1, bt)
            if k % 12 == 0 and cn + tn < 3000:
                # independent cross-check of the closed form by numerical integration
                assert abs(quad_prob(at, bt, ac, bc) - prob) < mpmath.mpf(10) ** -20
        else:
            prob = quad_prob(at, bt, ac, bc)
            loss = ac / (ac + bc) * (1 - quad_prob(at, bt, ac + 1, bc)) - at / (at + bt) * (1 - quad_prob(at + 1, bt, ac, bc))
        # scipy.stats.beta.ppf(0.025, a, b) / scipy.stats.beta.isf(0.025, a, b): equal-tailed 95% credible interval of each posterior
        out.append({"cs": cs, "cn": cn, "ts": ts, "tn": tn, "priorAlpha": a0, "priorBeta": b0,
                    "probabilityTreatmentBetter": float(prob), "expectedLossTreatment": float(loss),
                    "controlLower": stats.beta.ppf(0.025, float(ac), float(bc)), "controlUpper": stats.beta.isf(0.025, float(ac), float(bc)),
                    "treatmentLower": stats.beta.ppf(0.025, float(at), float(bt)), "treatmentUpper": stats.beta.isf(0.025, float(at), float(bt))})
    return out


def msprt_cases():
    # Johari, Pekelis, Walsh (2017/2022) normal-mixture mSPRT, H0: theta = 0, mixing N(0, tau^2):
    # v = var_t/n_t + var_c/n_c; Lambda = sqrt(v/(v+tau^2)) exp(tau^2 d^2 / (2 v (v+tau^2)));
    # always-valid p = min(1, 1/Lambda); CS half-width = sqrt(v (v+tau^2)/tau^2 * (2 ln(1/alpha) + ln((v+tau^2)/v))).
    out = []
    while len(out) < 110:
        n_c, n_t = int(math.exp(rng.uniform(math.log(2), math.log(1e6)))), int(math.exp(rng.uniform(math.log(2), math.log(1e6))))
        var_c, var_t = math.exp(rng.uniform(-4, 4)), math.exp(rng.uniform(-4, 4))
        v = var_t / n_t + var_c / n_c
        d = rng.normal(0, 1) * math.sqrt(v) * rng.uniform(0, 6)
        tau = math.exp(rng.uniform(-4, 1))
        alpha = [0.05, 0.01, 0.1][len(out) % 3]
        log_lambda = 0.5 * math.log(v / (v + tau ** 2)) + tau ** 2 * d ** 2 / (2 * v * (v + tau ** 2))
        p = min(1.0, math.exp(-log_lambda))
        hw = math.sqrt(v * (v + tau ** 2) / tau ** 2 * (2 * math.log(1 / alpha) + math.log((v + tau ** 2) / v)))
        out.append({"difference": d, "varianceC": var_c, "nC": n_c, "varianceT": var_t, "nT": n_t, "tau": tau,
                    "alpha": alpha, "logLikelihoodRatio": log_lambda, "p": p, "lower": d - hw, "upper": d + hw})
    return out


def sums(y, x):
    return {"n": len(y), "sumY": float(np.sum(y)), "sumY2": float(np.sum(y * y)), "sumX": float(np.sum(x)),
            "sumX2": float(np.sum(x * x)), "sumXY": float(np.sum(x * y))}


def cuped_cases():
    # CUPED (Deng, Xu, Kohavi, Walker 2013): theta = cov(Y, X) / var(X) pooled over both arms
    # (numpy.cov(y_all, x_all)[0, 1] / numpy.var(x_all, ddof=1); equals statsmodels OLS(y_all, add_constant(x_all)).fit().params[1]);
    # adjusted unit value y - theta (x - mean(x_all)); per arm: mean and numpy.var(ddof=1)/n of the adjusted values.
    out = []
    for i in range(110):
        n_c, n_t = int(rng.randint(3, 400)), int(rng.randint(3, 400))
        rho = rng.uniform(-0.95, 0.95)
        def arm(n, shift):
            x = np.round(rng.gamma(2.0, 20.0, n), 2)
            y = np.round(shift + rho * x + rng.normal(0, 10, n) + 0.0, 2)
            return y, x
        yc, xc = arm(n_c, 10.0)
        yt, xt = arm(n_t, 10.0 + rng.normal(0, 3))
        y_all, x_all = np.concatenate([yc, yt]), np.concatenate([xc, xt])
        theta = np.cov(y_all, x_all)[0, 1] / np.var(x_all, ddof=1)
        theta_ols = sm.OLS(y_all, sm.add_constant(x_all)).fit().params[1]
        assert abs(theta - theta_ols) <= 1e-8 * max(1, abs(theta))
        mx = x_all.mean()
        adj_c, adj_t = yc - theta * (xc - mx), yt - theta * (xt - mx)
        out.append({"control": sums(yc, xc), "treatment": sums(yt, xt), "theta": float(theta),
                    "adjustedMeanC": float(adj_c.mean()), "adjustedMeanT": float(adj_t.mean()),
                    "adjustedVarianceOfMeanC": float(np.var(adj_c, ddof=1) / n_c),
                    "adjustedVarianceOfMeanT": float(np.var(adj_t, ddof=1) / n_t)})
    return out


def ratio_cases():
    # Ratio metric R = sum(Y)/sum(X) (e.g. revenue per order); delta method (Deng, Knoblich, Lu 2018, eq. 4):
    # Var(R) = (s_y^2 - 2 R s_xy + R^2 s_x^2) / (n mean(x)^2), with numpy.var(ddof=1) and numpy.cov (ddof=1).
    out = []
    for i in range(110):
        n = int(rng.randint(2, 500))
        x = rng.poisson(rng.uniform(0.5, 4), n).astype(float)
        x[0] = max(x[0], 1.0)
        y = np.round(x * rng.gamma(3, 15, n), 2)
        r = y.sum() / x.sum()
        var = (np.var(y, ddof=1) - 2 * r * np.cov(y, x)[0, 1] + r * r * np.var(x, ddof=1)) / (n * x.mean() ** 2)
        out.append({"sums": sums(y, x), "ratio": float(r), "varianceOfRatio": float(var)})
    return out


def multitest_cases():
    out = []
    methods = {"Bonferroni": "bonferroni", "Holm": "holm", "BenjaminiHochberg": "fdr_bh", "BenjaminiYekutieli": "fdr_by"}
    for i in range(110):
        m = int(rng.randint(1, 21))
        p = rng.uniform(0, 1, m) ** rng.uniform(1, 6)
        if i % 5 == 0 and m > 2:
            p[1] = p[0]  # ties
        if i % 7 == 0:
            p[0] = 1e-30
        alpha = [0.05, 0.1, 0.01][i % 3]
        for name, meth in methods.items():
            # statsmodels.stats.multitest.multipletests(pvals=p, alpha=alpha, method=meth, is_sorted=False, returnsorted=False)
            rej, adj, _, _ = multipletests(p, alpha=alpha, method=meth)
            out.append({"p": p.tolist(), "alpha": alpha, "method": name, "adjusted": adj.tolist(), "reject": rej.tolist()})
    return out


# ------------------------------------------------------------------ xxHash64
P1, P2, P3, P4, P5 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
M = (1 << 64) - 1


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def xxh64(data: bytes, seed=0):
    """Pure-Python XXH64 written from the xxHash specification (github.com/Cyan4973/xxHash doc/xxhash_spec.md)."""
    n, i = len(data), 0
    def rnd(acc, lane):
        return (rotl((acc + lane * P2) & M, 31) * P1) & M
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed & M, (seed - P1) & M]
        while i + 32 <= n:
            for k in range(4):
                v[k] = rnd(v[k], int.from_bytes(data[i + 8 * k:i + 8 * k + 8], "little"))
            i += 32
        acc = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for k in range(4):
            acc = ((acc ^ rnd(0, v[k])) * P1 + P4) & M
    else:
        acc = (seed + P5) & M
    acc = (acc + n) & M
    while i + 8 <= n:
        acc ^= rnd(0, int.from_bytes(data[i:i + 8], "little"))
        acc = (rotl(acc, 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        acc ^= (int.from_bytes(data[i:i + 4], "little") * P1) & M
        acc = (rotl(acc, 23) * P2 + P3) & M
        i += 4
    while i < n:
        acc ^= (data[i] * P5) & M
        acc = (rotl(acc, 11) * P1) & M
        i += 1
    acc ^= acc >> 33
    acc = (acc * P2) & M
    acc ^= acc >> 29
    acc = (acc * P3) & M
    acc ^= acc >> 32
    return acc


# Published vectors (xxHash repository / python-xxhash README) to validate this implementation.
assert xxh64(b"") == 0xEF46DB3751D8E999
assert xxh64(b"a") == 0xD24EC4F1A98C6E5B
assert xxh64(b"abc") == 0x44BC2CF5AD770999
assert xxh64(b"Nobody inspects the spammish repetition") == 0xFBCEA83C8A378BF1
assert xxh64(b"xxhash", 20141025) == 0xB559B98D844E0635


def xxh_cases():
    out = []
    texts = ["", "a", "abc", "c0", "c1", "customer-000123", "Ünïcødé-客户-🙂", "x" * 31, "y" * 32, "z" * 33, "0123456789" * 10]
    for i in range(40):
        texts.append("".join(chr(int(c)) for c in rng.randint(32, 0x24F, int(rng.randint(0, 80)))))
    for s in texts:
        for seed in (0, 1, 20141025, 0xFFFFFFFFFFFFFFFF):
            out.append({"text": s, "seed": str(seed), "hash": format(xxh64(s.encode("utf-8"), seed), "016x")})
    return out


def assignment_cases():
    # CemCore assignment scheme (docs/experiments.md): seed = XXH64(UTF-8(key) || 0x1F || UTF-8(salt), 0); h = XXH64(UTF-8(id), seed);
    # variant point = (h >> 32) / 2^32, traffic point = (h & 0xFFFFFFFF) / 2^32.
    out = []
    for key, salt in [("checkout-button", ""), ("checkout-button", "2026-11"), ("promo-personalized", "v1")]:
        for i in range(0, 40):
            cid = f"c{i}"
            h = xxh64(cid.encode(), xxh64(key.encode() + b"\x1f" + salt.encode(), 0))
            out.append({"key": key, "salt": salt, "customerId": cid, "hash": format(h, "016x"),
                        "variantPoint": (h >> 32) / 2 ** 32, "trafficPoint": (h & 0xFFFFFFFF) / 2 ** 32})
    return out


def timed(name, fn):
    import time
    t0 = time.time()
    r = fn()
    print(name, len(r), round(time.time() - t0, 1), "s", file=sys.stderr, flush=True)
    return r


def main():
    data = {
        "versions": {"python": sys.version.split()[0], "scipy": scipy.__version__, "statsmodels": statsmodels.__version__,
                     "numpy": np.__version__, "mpmath": mpmath.__version__},
        "proportionsZTest": timed("proportionsZTest", ztest_cases),
        "oneProportionInterval": timed("oneProportionInterval", one_proportion_ci_cases),
        "differenceInterval": timed("differenceInterval", diff_ci_cases),
        "relativeLift": timed("relativeLift", relative_lift_cases),
        "welchSummary": timed("welchSummary", welch_summary_cases),
        "welchRaw": timed("welchRaw", welch_raw_cases),
        "chiSquare2x2": timed("chiSquare2x2", chi2_cases),
        "srm": timed("srm", srm_cases),
        "powerProportions": timed("powerProportions", power_cases),
        "powerMeans": timed("powerMeans", power_means_cases),
        "bayes": timed("bayes", bayes_cases),
        "msprt": timed("msprt", msprt_cases),
        "cuped": timed("cuped", cuped_cases),
        "ratio": timed("ratio", ratio_cases),
        "multipleTesting": timed("multipleTesting", multitest_cases),
        "xxh64": timed("xxh64", xxh_cases),
        "assignment": timed("assignment", assignment_cases),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ab_vectors.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        f.write("\n")
    print(path, {k: len(v) for k, v in data.items() if isinstance(v, list)})


if __name__ == "__main__":
    main()
