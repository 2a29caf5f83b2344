"""Coefficients of VectorExp's polynomial (src/CemCore/Churn/VectorExp.cs): 2·e^r on [-0.35, 0.35] (|r| <= ln2/2 after the
Cody-Waite reduction), degree 11, Chebyshev fit in 50-digit arithmetic (mpmath.chebyfit), each coefficient then doubled (exact) and
rounded to double. Prints the coefficients (ascending) and the relative error of the rounded polynomial on a 2,001-point grid
(7.2e-18, i.e. 0.07 ulp before the evaluation's own roundings). The accuracy of the whole exp is tested against Math.Exp in
tests/CemCore.Tests/Churn/VectorExpTests.cs. Run: python3 exp_polynomial.py (needs mpmath)."""
import mpmath as mp

mp.mp.dps = 50
A = mp.mpf("0.35")
poly, err = mp.chebyfit(mp.exp, [-A, A], 12, error=True)
coefficients = [2 * float(c) for c in reversed(poly)]  # ascending powers, doubled
worst = max(
    abs(sum(mp.mpf(c) * x**i for i, c in enumerate(coefficients)) / (2 * mp.exp(x)) - 1)
    for x in (-A + 2 * A * j / 2000 for j in range(2001))
)
for i, c in enumerate(coefficients):
    print(f"c{i} = {c!r}")
print(f"fit error {mp.nstr(err, 3)}, rounded polynomial relative error {mp.nstr(worst, 3)}")
