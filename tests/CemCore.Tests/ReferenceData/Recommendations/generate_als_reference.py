#!/usr/bin/python3
"""Independent reference for CemCore.Recommendations.ImplicitAls (Hu, Koren and Volinsky 2008 with conjugate-gradient row solves,
Takacs, Pilaszy and Tikk 2011), written from the papers with numpy.

For each half-sweep with Y fixed: A_u = Y^T Y + lambda I + Y^T (C_u - I) Y, b_u = Y^T C_u p(u), c = 1 + alpha r; x_u is updated by
cg_steps warm-started CG steps. Also writes the exact alternating least squares solution (np.linalg.solve, many sweeps) to check
that enough CG steps reach the same minimizer. Run: /usr/bin/python3 generate_als_reference.py
"""
import json
import numpy as np

rng = np.random.default_rng(7)
n_users, n_items, f = 9, 7, 3
R = np.zeros((n_users, n_items))
for u in range(n_users):
    for i in rng.choice(n_items, size=rng.integers(1, 5), replace=False):
        R[u, i] = rng.integers(1, 4)
X0 = rng.random((n_users, f)) * 0.01
Y0 = rng.random((n_items, f)) * 0.01
lam, alpha = 0.1, 2.0


def cg_sweep(R, X, Y, steps):
    YtY = Y.T @ Y + lam * np.eye(f)
    X = X.copy()
    for u in range(R.shape[0]):
        x = X[u].copy()
        nz = np.nonzero(R[u])[0]
        r = -YtY @ x
        for i in nz:
            c = 1 + alpha * R[u, i]
            r += (c - (c - 1) * Y[i] @ x) * Y[i]
        p = r.copy()
        rs_old = r @ r
        for _ in range(steps):
            if rs_old < 1e-20:
                break
            Ap = YtY @ p
            for i in nz:
                c = 1 + alpha * R[u, i]
                Ap += (c - 1) * (Y[i] @ p) * Y[i]
            a = rs_old / (p @ Ap)
            x += a * p
            r -= a * Ap
            rs_new = r @ r
            if rs_new < 1e-20:
                break
            p = r + (rs_new / rs_old) * p
            rs_old = rs_new
        X[u] = x
    return X


def exact_sweep(R, Y):
    X = np.zeros((R.shape[0], f))
    for u in range(R.shape[0]):
        C = np.diag(1 + alpha * R[u])
        P = (R[u] > 0).astype(float)
        A = Y.T @ C @ Y + lam * np.eye(f)
        X[u] = np.linalg.solve(A, Y.T @ C @ P)
    return X


cases = []
for iterations, steps in [(1, 3), (5, 3), (4, 1)]:
    X, Y = X0.copy(), Y0.copy()
    for _ in range(iterations):
        X = cg_sweep(R, X, Y, steps)
        Y = cg_sweep(R.T, Y, X, steps)
    cases.append({"iterations": iterations, "cgSteps": steps, "x": X.ravel().tolist(), "y": Y.ravel().tolist()})

# One exact half-sweep from Y0 (f CG steps solve an f x f SPD system exactly up to rounding).
exact_x = exact_sweep(R, Y0)
doc = {"users": n_users, "items": n_items, "factors": f, "regularization": lam, "alpha": alpha,
       "r": R.ravel().tolist(), "x0": X0.ravel().tolist(), "y0": Y0.ravel().tolist(),
       "cases": cases, "exactUserHalfSweep": exact_x.ravel().tolist()}
with open("als_expected.json", "w") as fh:
    json.dump(doc, fh, indent=1)
