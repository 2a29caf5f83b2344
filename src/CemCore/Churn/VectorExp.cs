using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CemCore.Churn;

/// <summary>
/// <c>e^x</c> on four doubles with AVX2/FMA-friendly operations only (no double ↔ int64 conversion, which AVX2 lacks): the exp of the
/// logistic kernels. Method (Cody &amp; Waite 1980; Muller, <i>Elementary Functions</i>, 3rd ed., ch. 11):
/// <list type="number">
/// <item><c>n = round(x · log₂e)</c> by adding and subtracting <c>1.5 · 2⁵²</c> (the sum's low mantissa bits are <c>n</c>);</item>
/// <item><c>r = x − n · ln2</c> in two parts (<c>ln2 = Ln2Hi + Ln2Lo</c>, fused multiply-adds), <c>|r| ≤ ln2 / 2 + ε</c>;</item>
/// <item><c>2eʳ</c> by a degree-11 near-minimax polynomial (Chebyshev fit on [−0.35, 0.35], coefficients doubled: the factor 2 is exact),
/// relative error 7·10⁻¹⁸ before rounding; c₄..c₁₁ by Estrin's scheme, c₃..c₀ by Horner so the last roundings are Horner's;</item>
/// <item><c>2ⁿ⁻¹</c> built by shifting the rounding sum's bits (plus the bias 1022) into the exponent field, one multiplication.</item>
/// </list>
/// Measured error against <see cref="Math.Exp"/>: at most 1 ulp over [−707, 709.78] (tests sweep it densely); overflow to +∞ above
/// ln(<see cref="double.MaxValue"/>) and NaN for NaN, like <see cref="Math.Exp"/>.
/// </summary>
internal static class VectorExp
{
    private const double Log2E = 1.4426950408889634;

    /// <summary>High part of ln2 (fdlibm's <c>ln2_hi</c>: its low 32 mantissa bits are zero).</summary>
    private const double Ln2Hi = 6.93147180369123816490e-01;

    /// <summary><c>ln2 − Ln2Hi</c> (fdlibm's <c>ln2_lo</c>).</summary>
    private const double Ln2Lo = 1.90821492927058770002e-10;

    /// <summary><c>1.5 · 2⁵²</c>: adding it rounds to an integer (ties to even) and leaves that integer in the low mantissa bits.</summary>
    private const double RoundingConstant = 6755399441055744.0;

    /// <summary>The bits of <see cref="RoundingConstant"/> (0x4338000000000000).</summary>
    private const long RoundingBits = 0x4338000000000000;

    /// <summary>Above this, <c>n = 1025</c> would leave the exponent field; <c>e^710</c> already overflows to +∞.</summary>
    private const double UpperClamp = 710.0;

    /// <summary>Below this the single-factor scale <c>2ⁿ⁻¹</c> would be subnormal; <c>e^−707 ≈ 10⁻³⁰⁷</c>.</summary>
    private const double SingleScaleLower = -707.0;

    /// <summary>Below this <see cref="Math.Exp"/> is +0 (<c>e^−746 &lt; 2⁻¹⁰⁷⁵</c>).</summary>
    private const double FullRangeLower = -746.0;

    /// <summary><c>e^x</c> over the whole double range, subnormal results included (then a two-factor scale, the rare path).</summary>
    public static Vector256<double> Exp(Vector256<double> x) => Core(x, fullRange: true);

    /// <summary>
    /// <c>e^x</c> for <c>x ≥ −707</c>; below, a positive value ≤ <c>e^−707</c> (≈ 10⁻³⁰⁷) instead of the exact one, which is all
    /// <c>1 / (1 + e^x)</c> needs: it rounds to exactly 1 from <c>e^x &lt; 2⁻⁵³</c> on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ExpForSigmoid(Vector256<double> x) => Core(x, fullRange: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Core(Vector256<double> x, bool fullRange)
    {
        // Clamp with the argument second: MinNative/MaxNative return it when it is NaN (x86 minpd/maxpd; Arm's fmin/fmax propagate NaN).
        var t = Vector256.MaxNative(Vector256.Create(fullRange ? FullRangeLower : SingleScaleLower), Vector256.MinNative(Vector256.Create(UpperClamp), x));
        var magic = Vector256.Create(RoundingConstant);
        var kd = Vector256.FusedMultiplyAdd(t, Vector256.Create(Log2E), magic);
        var n = kd - magic;
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), t);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = TwiceExpReduced(r);
        if (fullRange && Vector256.LessThanAny(t, Vector256.Create(SingleScaleLower)))
        {
            // 2ⁿ⁻¹ = 2^h · 2^(n−1−h) with h = round((n − 1) / 2): both factors normal for n in [−1077, 1025]; the second product rounds
            // once into the subnormal range.
            var m = n - Vector256<double>.One;
            var kh = Vector256.FusedMultiplyAdd(m, Vector256.Create(0.5), magic);
            var kl = (m - (kh - magic)) + magic;
            return p * Scale(kh, 1023) * Scale(kl, 1023);
        }

        return p * Scale(kd, 1022);
    }

    /// <summary>Lowest logit <see cref="Sigmoid(Vector256{double})"/> takes: below, <c>2⁻ᵐ</c> would leave the normal range (the callers use <c>1 / (1 + ExpForSigmoid(−z))</c>).</summary>
    public const double SigmoidLowerLimit = -708.0;

    /// <summary>
    /// Highest logit <see cref="Sigmoid(Vector256{double})"/> takes: above, <c>σ</c> is within a few ulp of 1 and the scalar formula rounds to exactly 1 from
    /// <c>z ≈ 36.74</c> on; the callers use <c>1 / (1 + ExpForSigmoid(−z))</c> there so saturation is exactly the scalar path's.
    /// </summary>
    public const double SigmoidUpperLimit = 30.0;

    /// <summary>
    /// <c>σ(z) = 1 / (1 + e^−z)</c> on four doubles in <c>[<see cref="SigmoidLowerLimit"/>, <see cref="SigmoidUpperLimit"/>]</c> (the caller
    /// checks; NaN and the tails go to the exp-based formula), with one division and 10 multiplies/FMAs instead of the exp's 17
    /// (issue 17: the exp was the kernel's bottleneck on the two FMA pipes). Method:
    /// <list type="number">
    /// <item><c>m = round(z · log₂e)</c>, <c>r = z − m · ln2</c> (Cody–Waite, as in <see cref="Exp"/>), so <c>e^−z = 2⁻ᵐ · e^−r</c>;</item>
    /// <item><c>e^−r = (R − r) / (R + r)</c> exactly, with the even function <c>R(r) = r · coth(r / 2) = 2 + r²/6 − r⁴/360 + …</c>
    /// (the Padé form of fdlibm's exp; Muller, <i>Elementary Functions</i>, 3rd ed., §11.4), here a degree-5 polynomial in <c>s = r²</c>
    /// (Chebyshev fit on <c>[0, 0.35²]</c>, <c>tests/CemCore.Tests/ReferenceData/Churn/sigmoid_polynomial.py</c>: relative error of
    /// <c>(R + r) / (R − r)</c> against <c>eʳ</c> 6.5·10⁻¹⁹);</item>
    /// <item><c>σ = 1 / (1 + 2⁻ᵐ (R − r) / (R + r)) = (R + r) / ((R + r) + 2⁻ᵐ (R − r))</c>: one FMA and one division, <c>2⁻ᵐ</c> built by
    /// an integer subtraction and shift.</item>
    /// </list>
    /// Measured against the scalar <c>1 / (1 + Math.Exp(−z))</c>: within 4 ulp and 2.3·10⁻¹⁶ absolute (<c>VectorExpTests</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Sigmoid(Vector256<double> z)
    {
        var magic = Vector256.Create(RoundingConstant);
        var kd = Vector256.FusedMultiplyAdd(z, Vector256.Create(Log2E), magic);
        var m = kd - magic;
        var r = Vector256.FusedMultiplyAdd(m, Vector256.Create(-Ln2Hi), z);
        r = Vector256.FusedMultiplyAdd(m, Vector256.Create(-Ln2Lo), r);
        var s = r * r;
        var q = Vector256.FusedMultiplyAdd(Vector256.Create(R5), s, Vector256.Create(R4));
        q = Vector256.FusedMultiplyAdd(q, s, Vector256.Create(R3));
        q = Vector256.FusedMultiplyAdd(q, s, Vector256.Create(R2));
        q = Vector256.FusedMultiplyAdd(q, s, Vector256.Create(R1));
        var big = Vector256.FusedMultiplyAdd(q, s, Vector256.Create(2.0));
        var numerator = big + r;

        // 2⁻ᵐ: the low bits of kd are 2⁵¹ + m (see Scale); (1023 − m) in the exponent field, m in [−1021, 43] here.
        var scale = Vector256.ShiftLeft(Vector256.Create(RoundingBits + 1023) - kd.AsInt64(), 52).AsDouble();
        return numerator / Vector256.FusedMultiplyAdd(big - r, scale, numerator);
    }

    /// <summary>
    /// <see cref="Sigmoid(Vector256{double})"/> on eight doubles (the same operations in the same order on Vector512, so the same results
    /// lane for lane): the σ of the Vector512 block kernel, half the instructions of two Vector256 calls (issue 17).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sigmoid(Vector512<double> z)
    {
        var magic = Vector512.Create(RoundingConstant);
        var kd = Vector512.FusedMultiplyAdd(z, Vector512.Create(Log2E), magic);
        var m = kd - magic;
        var r = Vector512.FusedMultiplyAdd(m, Vector512.Create(-Ln2Hi), z);
        r = Vector512.FusedMultiplyAdd(m, Vector512.Create(-Ln2Lo), r);
        var s = r * r;
        var q = Vector512.FusedMultiplyAdd(Vector512.Create(R5), s, Vector512.Create(R4));
        q = Vector512.FusedMultiplyAdd(q, s, Vector512.Create(R3));
        q = Vector512.FusedMultiplyAdd(q, s, Vector512.Create(R2));
        q = Vector512.FusedMultiplyAdd(q, s, Vector512.Create(R1));
        var big = Vector512.FusedMultiplyAdd(q, s, Vector512.Create(2.0));
        var numerator = big + r;
        var scale = Vector512.ShiftLeft(Vector512.Create(RoundingBits + 1023) - kd.AsInt64(), 52).AsDouble();
        return numerator / Vector512.FusedMultiplyAdd(big - r, scale, numerator);
    }

    /// <summary>
    /// <see cref="Sigmoid(Vector256{double})"/> on two doubles with plain multiplies and adds instead of fused multiply-adds (the 128-bit
    /// path of processors and builds without AVX2 or FMA, issue 17). The reduction stays accurate without FMA: <c>m · Ln2Hi</c> is exact
    /// (Ln2Hi has 21 significant bits, |m| ≤ 1022), so only <c>m · Ln2Lo</c> (below 2·10⁻⁷) and the polynomial round once more per step.
    /// Measured against the scalar <c>1 / (1 + Math.Exp(−z))</c>: within 4 ulp and 2.3·10⁻¹⁶ absolute over its domain (<c>VectorExpTests</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Sigmoid(Vector128<double> z)
    {
        var magic = Vector128.Create(RoundingConstant);
        var kd = (z * Vector128.Create(Log2E)) + magic;
        var m = kd - magic;
        var r = z - (m * Vector128.Create(Ln2Hi));
        r -= m * Vector128.Create(Ln2Lo);
        var s = r * r;
        var q = (Vector128.Create(R5) * s) + Vector128.Create(R4);
        q = (q * s) + Vector128.Create(R3);
        q = (q * s) + Vector128.Create(R2);
        q = (q * s) + Vector128.Create(R1);
        var big = (q * s) + Vector128.Create(2.0);
        var numerator = big + r;
        var scale = Vector128.ShiftLeft(Vector128.Create(RoundingBits + 1023) - kd.AsInt64(), 52).AsDouble();
        return numerator / (((big - r) * scale) + numerator);
    }

    /// <summary>Whether all four logits are inside <see cref="Sigmoid(Vector128{double})"/>'s domain (false for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InSigmoidDomain(Vector128<double> z0, Vector128<double> z1)
    {
        var lo = Vector128.Create(SigmoidLowerLimit);
        var hi = Vector128.Create(SigmoidUpperLimit);
        var ok = Vector128.GreaterThanOrEqual(z0, lo) & Vector128.LessThanOrEqual(z0, hi) & Vector128.GreaterThanOrEqual(z1, lo) & Vector128.LessThanOrEqual(z1, hi);
        return ok.ExtractMostSignificantBits() == 0b11;
    }

    /// <summary>Coefficients of <c>R(r) = r · coth(r / 2) ≈ 2 + R1·s + … + R5·s⁵</c>, <c>s = r²</c> (see <see cref="Sigmoid(Vector256{double})"/>).</summary>
    private const double R1 = 0.1666666666666657;

    private const double R2 = -0.0027777777776862686;

    private const double R3 = 6.61375629041853e-05;

    private const double R4 = -1.6533874908012896e-06;

    private const double R5 = 4.137267953484054e-08;

    /// <summary>Whether all eight logits are inside <see cref="Sigmoid(Vector512{double})"/>'s domain (false for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InSigmoidDomain(Vector512<double> z)
    {
        var ok = Vector512.GreaterThanOrEqual(z, Vector512.Create(SigmoidLowerLimit)) & Vector512.LessThanOrEqual(z, Vector512.Create(SigmoidUpperLimit));
        return ok.ExtractMostSignificantBits() == 0xFF;
    }

    /// <summary>Whether all eight logits are inside <see cref="Sigmoid(Vector256{double})"/>'s domain (false for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InSigmoidDomain(Vector256<double> z0, Vector256<double> z1)
    {
        var lo = Vector256.Create(SigmoidLowerLimit);
        var hi = Vector256.Create(SigmoidUpperLimit);
        var ok = Vector256.GreaterThanOrEqual(z0, lo) & Vector256.LessThanOrEqual(z0, hi) & Vector256.GreaterThanOrEqual(z1, lo) & Vector256.LessThanOrEqual(z1, hi);
        return ok.ExtractMostSignificantBits() == 0b1111;
    }

    /// <summary><c>2^(j + bias − 1023)</c> where <paramref name="rounded"/> = <c>1.5 · 2⁵² + j</c>: the low 52 bits of the sum hold <c>2⁵¹ + j</c>; shifting
    /// <c>2⁵¹ + j + bias</c> left by 52 drops the <c>2⁵¹</c> term (it leaves the 64-bit word) and places <c>j + bias</c> in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Scale(Vector256<double> rounded, long bias) =>
        Vector256.ShiftLeft(rounded.AsInt64() + Vector256.Create(bias), 52).AsDouble();

    /// <summary><c>2eʳ</c> for <c>|r| ≤ 0.35</c>: Σ cᵢ rⁱ with cᵢ ≈ 2 / i! from a Chebyshev fit (see <c>docs/churn.md</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> TwiceExpReduced(Vector256<double> r)
    {
        var r2 = r * r;
        var r4 = r2 * r2;
        var q45 = Vector256.FusedMultiplyAdd(Vector256.Create(1.666666666663695e-2), r, Vector256.Create(8.333333333294693e-2));
        var q67 = Vector256.FusedMultiplyAdd(Vector256.Create(3.968253978602926e-4), r, Vector256.Create(2.7777777912347625e-3));
        var q89 = Vector256.FusedMultiplyAdd(Vector256.Create(5.511447554676122e-6), r, Vector256.Create(4.9602962784436496e-5));
        var q1011 = Vector256.FusedMultiplyAdd(Vector256.Create(5.022237993064272e-8), r, Vector256.Create(5.52682764107593e-7));
        var p = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(q1011, r2, q89), r4, Vector256.FusedMultiplyAdd(q67, r2, q45));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.33333333333333365));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.000000000000004));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0));
        return Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0));
    }
}
