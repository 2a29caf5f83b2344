#!/usr/bin/python3
"""Generates the uplift reference vectors for CemCore.Tests (run with Debian's /usr/bin/python3; numpy + scikit-learn).

Synthetic randomized trials with a known uplift structure (three features x0, x1, x2):
    logit P(Y=1 | T=0, x) = -0.8 + 0.7 x0 - 0.5 x1
    logit P(Y=1 | T=1, x) = logit P(Y=1 | T=0, x) + 0.3 + 1.2 x2
so customers with a high x2 are persuadable and those with a very low x2 are "sleeping dogs" (negative uplift); x0 and x1
drive the outcome whatever the treatment (customers who buy anyway).
  - rct_balanced:  T ~ Bernoulli(0.5)
  - rct_unequal:   T ~ Bernoulli(0.3) (the class transformation needs the 50/50 reweighting)

<name>.csv: customer_id,x0,x1,x2,treatment,outcome
<name>.expected.json:
  - twoModel: scikit-learn StandardScaler + LogisticRegression(C, lbfgs, tol=1e-10) on the treated rows (outcome) and on the control rows,
    coefficients on each group's standardized scale; "newton" = the same objective solved to machine precision by numpy Newton steps
    started from sklearn's answer (lbfgs stops ~1e-5 short of the optimum).
  - classTransformation: Z = T*Y + (1-T)*(1-Y), sample_weight = n/(2 n_T) for treated rows and n/(2 n_C) for control rows (weights
    sum to n; all 1 for an exact 50/50 split), StandardScaler on all rows, LogisticRegression(C, lbfgs, tol=1e-10, sample_weight=...),
    and its Newton-polished optimum.
  - upliftTwoModel / upliftClassTransformation: the predicted uplift of every row from the Newton-polished coefficients
    (p_T - p_C, and 2 P(Z=1) - 1).
  - metrics: Qini curve, uplift curve, Qini coefficient and uplift AUC for several score vectors (true uplift rounded to 2 decimals,
    to 1 decimal (many ties), an uninformative constant score, and the two fitted models' uplift).

Metric definitions (implemented here from the formulas of Radcliffe 2007 and Gutierrez & Gerardy 2017, independently of CemCore):
  Rank rows by score, highest first. Tied scores form one group; the curves are evaluated only at group ends (and at k = 0), so the
  result does not depend on the order of tied rows (linear interpolation inside a tie group).
  After the first k rows: N_T, N_C = treated / control rows, R_T, R_C = responders (Y = 1) among them.
    Qini curve    Q(k) = R_T - R_C * N_T / N_C      (the second term is 0 when N_C = 0)
    uplift curve  U(k) = (R_T / N_T - R_C / N_C) * k (each ratio is 0 when its denominator is 0)
  Areas by the trapezoidal rule on x = k / n, y = value / n.
    Qini coefficient = (area(Q) - Q(n)/(2n)) / (area(Q*) - Q(n)/(2n)), Q* = Qini curve of the oracle score T*Y - (1-T)*Y
                       (treated responders first, control responders last; Radcliffe's optimum allowing negative effects);
                       undefined (null) when the denominator is <= 0.
    uplift AUC       = area(U); upliftAucRandom = U(n) / (2n) (the straight line of random targeting).
Usage: /usr/bin/python3 generate_uplift_reference.py   (writes next to this script; deterministic)
"""
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
C = 1.0


def make(seed, n, share):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(0, 1, n), rng.normal(2, 3, n), rng.normal(0, 1, n)])
    x = np.round(x, 6)
    t = (rng.uniform(size=n) < share).astype(int)
    base = -0.8 + 0.7 * x[:, 0] - 0.5 * (x[:, 1] - 2) / 3
    tau = 0.3 + 1.2 * x[:, 2]
    p0 = 1 / (1 + np.exp(-base))
    p1 = 1 / (1 + np.exp(-(base + tau)))
    u = rng.uniform(size=n)
    y = np.where(t == 1, u < p1, u < p0).astype(int)
    return x, t, y, p1 - p0


def newton(xs, y, w, coef, intercept, c):
    """Minimizes 0.5 |beta|^2 + c * sum w_i [log(1 + exp(z_i)) - y_i z_i], z = b + xs beta (intercept not penalized)."""
    n, k = xs.shape
    a = np.column_stack([xs, np.ones(n)])
    theta = np.r_[coef, intercept]
    pen = np.r_[np.ones(k), 0.0]
    for _ in range(50):
        z = a @ theta
        p = 1 / (1 + np.exp(-z))
        g = pen * theta + c * a.T @ (w * (p - y))
        h = np.diag(pen) + c * (a.T * (w * p * (1 - p))) @ a
        step = np.linalg.solve(h, g)
        theta = theta - step
        if np.max(np.abs(step)) < 1e-15:
            break
    return theta[:k], theta[k]


def fit(x, y, w=None):
    scaler = StandardScaler().fit(x)
    xs = scaler.transform(x)
    model = LogisticRegression(C=C, solver="lbfgs", tol=1e-10, max_iter=100000).fit(xs, y, sample_weight=w)
    coef, b = newton(xs, y, np.ones(len(y)) if w is None else w, model.coef_[0], model.intercept_[0], C)
    return {
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "sklearnCoefficients": model.coef_[0].tolist(),
        "sklearnIntercept": float(model.intercept_[0]),
        "coefficients": coef.tolist(),
        "intercept": float(b),
    }, (lambda xn: 1 / (1 + np.exp(-(b + ((xn - scaler.mean_) / scaler.scale_) @ coef))))


def curve_points(y, t, s, kind):
    """Returns (k, value) at k = 0 and at the end of every tie group, ranking by s descending."""
    n = len(s)
    order = sorted(range(n), key=lambda i: (-s[i], i))
    ks, vals = [0], [0.0]
    nt = nc = rt = rc = 0
    for pos, i in enumerate(order):
        if t[i] == 1:
            nt += 1
            rt += y[i]
        else:
            nc += 1
            rc += y[i]
        last = pos == n - 1 or s[order[pos + 1]] != s[i]
        if not last:
            continue
        k = pos + 1
        if kind == "qini":
            v = rt - (rc * nt / nc if nc > 0 else 0.0)
        else:
            v = ((rt / nt if nt > 0 else 0.0) - (rc / nc if nc > 0 else 0.0)) * k
        ks.append(k)
        vals.append(float(v))
    return ks, vals


def area(ks, vals, n):
    total = 0.0
    for j in range(1, len(ks)):
        total += (ks[j] - ks[j - 1]) / n * (vals[j] + vals[j - 1]) / n / 2
    return total


def metrics(y, t, s):
    n = len(s)
    qk, qv = curve_points(y, t, s, "qini")
    uk, uv = curve_points(y, t, s, "uplift")
    oracle = [float(t[i] * y[i] - (1 - t[i]) * y[i]) for i in range(n)]
    pk, pv = curve_points(y, t, oracle, "qini")
    random_q = qv[-1] / (2 * n)
    a_q = area(qk, qv, n)
    a_p = area(pk, pv, n)
    denom = a_p - random_q
    return {
        "qiniK": qk, "qiniValues": qv,
        "upliftK": uk, "upliftValues": uv,
        "qiniArea": a_q, "qiniRandomArea": random_q, "qiniPerfectArea": a_p,
        "qiniCoefficient": (a_q - random_q) / denom if denom > 0 else None,
        "upliftAuc": area(uk, uv, n),
        "upliftAucRandom": uv[-1] / (2 * n),
    }


def main():
    for name, seed, n, share in [("rct_balanced", 11, 2000, 0.5), ("rct_unequal", 12, 1500, 0.3)]:
        x, t, y, true_uplift = make(seed, n, share)
        with open(os.path.join(HERE, f"{name}.csv"), "w", newline="\n") as fh:
            fh.write("customer_id,x0,x1,x2,treatment,outcome\n")
            for i in range(n):
                fh.write(f"c{i:05d}," + ",".join(repr(float(v)) for v in x[i]) + f",{t[i]},{y[i]}\n")

        treated, control = t == 1, t == 0
        two_t, pt = fit(x[treated], y[treated])
        two_c, pc = fit(x[control], y[control])
        z = (t * y + (1 - t) * (1 - y)).astype(int)
        n_t, n_c = int(treated.sum()), int(control.sum())
        w = np.where(treated, n / (2 * n_t), n / (2 * n_c))
        ct, pz = fit(x, z, w)
        up_two = pt(x) - pc(x)
        up_ct = 2 * pz(x) - 1

        scores = {
            "trueRounded2": np.round(true_uplift, 2).tolist(),
            "trueRounded1": np.round(true_uplift, 1).tolist(),
            "constant": [0.0] * n,
            "twoModel": up_two.tolist(),
            "classTransformation": up_ct.tolist(),
        }
        expected = {
            "source": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; C={C}; generate_uplift_reference.py",
            "rows": n, "treatedRows": n_t, "controlRows": n_c, "C": C,
            "treatedWeight": float(n / (2 * n_t)), "controlWeight": float(n / (2 * n_c)),
            "twoModel": {"treated": two_t, "control": two_c},
            "classTransformation": ct,
            "upliftTwoModel": up_two.tolist(),
            "upliftClassTransformation": up_ct.tolist(),
            "scores": scores,
            "metrics": {key: metrics(y, t, s) for key, s in scores.items()},
        }
        with open(os.path.join(HERE, f"{name}.expected.json"), "w", newline="\n") as fh:
            json.dump(expected, fh)
            fh.write("\n")
        m = expected["metrics"]
        print(name, n, n_t, int(y.sum()), "qini", {k: m[k]["qiniCoefficient"] for k in m}, "auuc", {k: round(m[k]["upliftAuc"], 4) for k in m})


if __name__ == "__main__":
    main()
