"""Coefficients of VectorExp.Sigmoid's polynomial (src/CemCore/Churn/VectorExp.cs): R(s) = r*coth(r/2) with s = r^2, the even function
for which e^r = (R + r) / (R - r) exactly (R = 2 + s/6 - s^2/360 + ...: twice the Bernoulli series of x*coth(x), x = r/2). Degree-5
Chebyshev fit in s on [0, A^2], A = ln2/2 + 0.001 (|r| after the Cody-Waite reduction), in 40-digit arithmetic (mpmath.chebyfit),
rounded to double. Prints the coefficients (ascending) and the worst relative error of (R + r)/(R - r) against e^r on a 2,001-point
grid of r (6.5e-19 before the evaluation's own roundings). The accuracy of the whole sigmoid is tested against 1/(1 + Math.Exp(-z))
in tests/CemCore.Tests/Churn/SigmoidKernelTests.cs. Run: python3 sigmoid_polynomial.py (needs mpmath)."""
import mpmath as mp

mp.mp.dps = 40
A = mp.log(2) / 2 + mp.mpf("0.001")


def big_r(s):
    r = mp.sqrt(s)
    return r / mp.tanh(r / 2)


poly, err = mp.chebyfit(big_r, [mp.mpf("1e-30"), A * A], 6, error=True)
coefficients = [float(c) for c in reversed(poly)]
worst = 0
for j in range(2001):
    r = -A + 2 * A * j / 2000
    if r == 0:
        continue
    rr = sum(mp.mpf(c) * (r * r) ** i for i, c in enumerate(coefficients))
    worst = max(worst, abs(((rr + r) / (rr - r)) / mp.exp(r) - 1))
for i, c in enumerate(coefficients):
    print(f"c{i} = {c!r}")
print(f"fit error {mp.nstr(err, 3)}, relative error of (R + r)/(R - r) {mp.nstr(worst, 3)}")
