#!/usr/bin/python3
"""Reference vectors for the statistics added in issue #16 (TwoArmPower, Means.StudentTTest, ChiSquareTests.Contingency and
GoodnessOfFit, NormalMeans.Compare, the noncentral t), from statsmodels and scipy, with mpmath for the noncentral t CDF.

Run: /usr/bin/python3 generate_numerics_vectors.py   (Debian python3-statsmodels, python3-scipy, python3-mpmath; writes
numerics_vectors.json next to this file).

Conventions mapped to CemCore (every difference is treatment - control; ratio r = n_treatment / n_control):
  statsmodels' sample 1 is our treatment arm, so its nobs1 = n_t and its ratio = nobs2/nobs1 = 1/r; 'larger' = Greater.
"""
import json
import os

import mpmath as mp
import numpy as np
import scipy
import statsmodels
from scipy import integrate, stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower, normal_sample_size_one_tail
from statsmodels.stats.proportion import power_proportions_2indep, samplesize_proportions_2indep_onetail

HERE = os.path.dirname(os.path.abspath(__file__))
SM_ALT = {"TwoSided": "two-sided", "Greater": "larger", "Less": "smaller"}
SP_ALT = {"TwoSided": "two-sided", "Greater": "greater", "Less": "less"}


def f(x):
    return None if x is None or not np.isfinite(x) else float(x)


def proportions():
    size, power = [], []
    for (p, d) in [(0.05, 0.01), (0.10, -0.02), (0.30, 0.05), (0.5, 0.1), (0.02, 0.004)]:
        for r in [1.0, 0.5, 2.0, 3.0]:
            for alt in ["TwoSided", "Greater", "Less"]:
                if (alt == "Greater" and d < 0) or (alt == "Less" and d > 0):
                    continue
                for (alpha, pw) in [(0.05, 0.8), (0.01, 0.9)]:
                    nt = samplesize_proportions_2indep_onetail(d, p, pw, ratio=1 / r, alpha=alpha, alternative=SM_ALT[alt])
                    size.append(dict(baseline=p, effect=d, alpha=alpha, power=pw, ratio=r, alternative=alt, control=f(nt / r), treatment=f(nt)))
                for nc in [100, 2500, 40000]:
                    pw = power_proportions_2indep(d, p, nc * r, ratio=1 / r, alpha=0.05, alternative=SM_ALT[alt], return_results=False)
                    power.append(dict(baseline=p, effect=d, alpha=0.05, ratio=r, alternative=alt, controlCount=nc, power=f(pw)))
    return size, power


def means():
    size, power = [], []
    for d in [0.1, 0.25, 0.5, 0.8, -0.3, 1.5]:
        for r in [1.0, 0.5, 2.0, 4.0]:
            for alt in ["TwoSided", "Greater", "Less"]:
                if (alt == "Greater" and d < 0) or (alt == "Less" and d > 0):
                    continue
                for (alpha, pw) in [(0.05, 0.8), (0.01, 0.95)]:
                    tail = alpha / 2 if alt == "TwoSided" else alpha
                    s = np.sqrt(1 + r)
                    nz = normal_sample_size_one_tail(abs(d), pw, tail, std_null=s, std_alternative=s)
                    nt = TTestIndPower().solve_power(effect_size=d, nobs1=None, alpha=alpha, power=pw, ratio=1 / r, alternative=SM_ALT[alt])
                    size.append(dict(effect=d, alpha=alpha, power=pw, ratio=r, alternative=alt, normalControl=f(nz / r), studentControl=f(nt / r)))
                for nc in [5, 20, 150, 1000]:
                    pz = NormalIndPower().power(d, nc * r, 0.05, ratio=1 / r, alternative=SM_ALT[alt])
                    pt = TTestIndPower().power(d, nc * r, 0.05, ratio=1 / r, alternative=SM_ALT[alt])
                    power.append(dict(effect=d, alpha=0.05, ratio=r, alternative=alt, controlCount=nc, normal=f(pz), student=f(pt),
                                      studentExact=t_power_mp(d, nc, r, 0.05, alt)))
    return size, power


def nct_mp(t, df, nc):
    """P(T <= t) = int_0^inf Phi(t sqrt(u/df) - nc) chi2_df(u) du, at 30 digits."""
    mp.mp.dps = 30
    t, df, nc = mp.mpf(t), mp.mpf(df), mp.mpf(nc)
    dens = lambda u: mp.exp((df / 2 - 1) * mp.log(u) - u / 2 - (df / 2) * mp.log(2) - mp.loggamma(df / 2))
    g = lambda u: mp.ncdf(t * mp.sqrt(u / df) - nc) * dens(u)
    return mp.quad(g, [0, df / 4, df, 2 * df, 4 * df, 8 * df + 50, mp.inf])


def t_power_mp(d, nc, r, alpha, alt):
    """Noncentral-t power with an mpmath critical value: scipy's t.isf is a few 1e-9 off at non-integer df (e.g. 5.5),
    which moves statsmodels' power by ~1e-9."""
    mp.mp.dps = 30
    nt = nc * r
    df = mp.mpf(nc + nt - 2)
    ncp = mp.mpf(d) * mp.sqrt(mp.mpf(nc) * nt / (nc + nt))
    tail = mp.mpf(alpha) / 2 if alt == "TwoSided" else mp.mpf(alpha)
    sf = lambda t: mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2
    crit = mp.findroot(lambda t: sf(t) - tail, mp.mpf(stats.t.isf(float(tail), float(df))))
    power = mp.mpf(0)
    if alt != "Less":
        power += 1 - nct_mp(crit, df, ncp)
    if alt != "Greater":
        power += nct_mp(-crit, df, ncp)
    return float(power)


def noncentral():
    rows = []
    for (t, df, nc) in [(2.0, 10, 1.0), (1.96, 98, 2.8), (-1.5, 5, 0.5), (2.5, 40, -1.0), (3.0, 300, 3.5), (0.5, 3, 2.0),
                        (1.65, 1998, 8.0), (2.6, 60, 0.0), (-2.0, 200, -4.0), (2.0, 8, 6.0)]:
        cdf = nct_mp(t, df, nc)
        rows.append(dict(t=t, df=df, nc=nc, cdf=float(cdf), sf=float(1 - cdf), scipyCdf=f(stats.nct.cdf(t, df, nc))))
    return rows


def student():
    rows = []
    for (mc, sc, nc, mt, st, nt) in [(10, 2, 120, 11, 2.5, 80), (52.3, 20.1, 1000, 53.9, 22.4, 1000), (0, 1, 2, 1, 1, 1),
                                     (5, 0.1, 30, 5.02, 0.12, 45), (100, 50, 15, 80, 70, 12), (3, 1, 1, 4, 2, 5)]:
        for alt in ["TwoSided", "Greater", "Less"]:
            r = stats.ttest_ind_from_stats(mt, st, nt, mc, sc, nc, equal_var=True, alternative=SP_ALT[alt])
            rows.append(dict(controlMean=mc, controlSd=sc, controlCount=nc, treatmentMean=mt, treatmentSd=st, treatmentCount=nt,
                             alternative=alt, t=f(r.statistic), df=nc + nt - 2, p=f(r.pvalue)))
    rng = np.random.default_rng(16)
    samples = []
    for (n1, n2) in [(8, 11), (30, 30), (3, 50)]:
        c = np.round(rng.normal(10, 3, n1), 3)
        t = np.round(rng.normal(11, 4, n2), 3)
        r = stats.ttest_ind(t, c, equal_var=True)
        samples.append(dict(control=c.tolist(), treatment=t.tolist(), t=f(r.statistic), p=f(r.pvalue)))
    return rows, samples


def contingency():
    rows = []
    tables = [[[10, 20, 30], [20, 20, 20]], [[5, 15], [25, 5]], [[1, 2, 3, 4], [4, 3, 2, 1], [10, 10, 10, 10]],
              [[120, 90, 40], [110, 95, 45], [100, 100, 60], [5, 3, 1]], [[0, 5], [5, 0]], [[3, 1], [1, 3]], [[1200, 800], [1130, 870]]]
    for tab in tables:
        for corr in [False, True]:
            chi2, p, dof, exp = stats.chi2_contingency(np.array(tab), correction=corr)
            rows.append(dict(table=tab, yates=corr, chi2=f(chi2), p=f(p), df=int(dof), expected=[f(v) for v in np.array(exp).ravel()]))
    gof = []
    for (obs, prob, ddof) in [([18, 22, 20, 40], [0.2, 0.2, 0.2, 0.4], 0), ([5, 1, 2], [0.5, 0.25, 0.25], 0),
                              ([130, 270, 600], [0.1, 0.3, 0.6], 0), ([40, 35, 25, 10, 5], [0.35, 0.3, 0.2, 0.1, 0.05], 1),
                              ([1000, 1100], [0.5, 0.5], 0)]:
        n = sum(obs)
        r = stats.chisquare(obs, f_exp=np.array(prob) * n, ddof=ddof)
        gof.append(dict(observed=obs, probabilities=prob, ddof=ddof, chi2=f(r.statistic), p=f(r.pvalue), df=len(obs) - 1 - ddof))
    return rows, gof


def bayes_means():
    rows = []
    for (mc, sc, nc, mt, st, nt, prior) in [(52.3, 20.1, 1000, 53.9, 22.4, 1000, None), (10, 30, 500, 12, 35, 480, None),
                                            (10, 30, 50, 12, 35, 40, (10.0, 2.0)), (100, 5, 2, 99, 6, 3, None),
                                            (4.2, 11.0, 20000, 4.25, 11.5, 20100, (4.0, 1.0))]:
        def post(m, s, n):
            lp = n / s ** 2
            if prior is None:
                return m, 1 / lp
            pp = 1 / prior[1] ** 2
            return (prior[0] * pp + m * lp) / (pp + lp), 1 / (pp + lp)
        pc, vc = post(mc, sc, nc)
        pt, vt = post(mt, st, nt)
        delta, sd = pt - pc, np.sqrt(vc + vt)
        dist = stats.norm(delta, sd)
        # Expected losses by numerical integration (independent of the closed forms in CemCore).
        loss_t = integrate.quad(lambda x: max(-x, 0.0) * dist.pdf(x), delta - 40 * sd, delta + 40 * sd, points=[0.0], limit=200, epsabs=0, epsrel=1e-13)[0]
        loss_c = integrate.quad(lambda x: max(x, 0.0) * dist.pdf(x), delta - 40 * sd, delta + 40 * sd, points=[0.0], limit=200, epsabs=0, epsrel=1e-13)[0]
        lo, hi = dist.ppf(0.025), dist.ppf(0.975)
        rows.append(dict(controlMean=mc, controlSd=sc, controlCount=nc, treatmentMean=mt, treatmentSd=st, treatmentCount=nt,
                         priorMean=None if prior is None else prior[0], priorSd=None if prior is None else prior[1],
                         controlPosteriorMean=pc, controlPosteriorSd=float(np.sqrt(vc)), treatmentPosteriorMean=pt, treatmentPosteriorSd=float(np.sqrt(vt)),
                         differenceMean=delta, differenceSd=float(sd), probabilityTreatmentBetter=float(dist.sf(0.0)),
                         lossTreatment=loss_t, lossControl=loss_c, ciLower=float(lo), ciUpper=float(hi)))
    return rows


def main():
    ps, pp = proportions()
    ms, mpw = means()
    st, ss = student()
    ct, gf = contingency()
    out = dict(
        versions=dict(scipy=scipy.__version__, statsmodels=statsmodels.__version__, numpy=np.__version__, mpmath=mp.__version__),
        sampleSizeProportions=ps, powerProportions=pp, sampleSizeMeans=ms, powerMeans=mpw, noncentralT=noncentral(),
        studentT=st, studentTSamples=ss, contingency=ct, goodnessOfFit=gf, bayesMeans=bayes_means())
    with open(os.path.join(HERE, "numerics_vectors.json"), "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
