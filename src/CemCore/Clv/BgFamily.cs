using System.Runtime.Intrinsics;

namespace CemCore.Clv;

/// <summary>
/// Formulas shared by BG/NBD (Fader, Hardie &amp; Lee 2005) and MBG/NBD (Batislam, Denizel &amp; Filiztekin 2007). The MBG/NBD
/// variant ("modified") lets a customer drop out right after any purchase including the first, which shifts b by one in the
/// beta terms and keeps the dropout term for x = 0.
/// </summary>
internal static class BgFamily
{
    /// <summary>ℓ(x, t_x, T) (FHL 2005 eq. 6; Batislam et al. 2007 eq. 4).</summary>
    public static double LogLikelihood(double r, double alpha, double a, double b, bool modified, int x, double tx, double age)
    {
        var o = modified ? 1 : 0;
        var a1 = SpecialMath.GammaLn(r + x) - SpecialMath.GammaLn(r) + (r * Math.Log(alpha));
        var a2 = SpecialMath.GammaLn(a + b) + SpecialMath.GammaLn(b + x + o) - SpecialMath.GammaLn(b) - SpecialMath.GammaLn(a + b + x + o);
        var u = -(r + x) * Math.Log(alpha + age);
        if (x == 0 && !modified)
        {
            return a1 + a2 + u;
        }

        var v = Math.Log(a) - Math.Log(b + x - 1 + o) - ((r + x) * Math.Log(alpha + tx));
        return a1 + a2 + SpecialMath.LogAddExp(u, v);
    }

    /// <summary>P(alive | x, t_x, T) (FHL 2005 note "Computing P(alive) using the BG/NBD model", eq. 2; Batislam et al. 2007).</summary>
    public static double ProbabilityAlive(double r, double alpha, double a, double b, bool modified, int x, double tx, double age)
    {
        if (x == 0 && !modified)
        {
            return 1.0;
        }

        var o = modified ? 1 : 0;
        return 1.0 / (1.0 + Math.Exp(LogOdds(Math.Log(a), r, alpha, b + x - 1 + o, x, tx, age)));
    }

    /// <summary>ln[a/(b+x−1+o)·((α+T)/(α+t_x))^(r+x)], the log-odds of being inactive; the ratio near 1 goes through log1p.</summary>
    internal static double LogOdds(double logA, double r, double alpha, double bShift, int x, double tx, double age) =>
        logA - Math.Log(bShift) + ((r + x) * SpecialMath.LogOnePlus((age - tx) / (alpha + tx)));

    /// <summary>E[Y(t) | x, t_x, T] (FHL 2005 eq. 10; Batislam et al. 2007 eq. 6).</summary>
    public static double ConditionalExpected(double r, double alpha, double a, double b, bool modified, double t, int x, double tx, double age)
    {
        if (t == 0.0)
        {
            return 0.0;
        }

        var o = modified ? 1 : 0;
        var pAlive = ProbabilityAlive(r, alpha, a, b, modified, x, tx, age);
        return BgExpectation.Evaluate(r + x, b + x + o, a, t / (alpha + age)) * pAlive;
    }

    /// <summary>E[X(t)] (FHL 2005 eq. 9; for MBG/NBD b/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))], which equals Σₙ n·P(X(t)=n)).</summary>
    public static double Expected(double r, double alpha, double a, double b, bool modified, double t)
    {
        if (t == 0.0)
        {
            return 0.0;
        }

        // BG/NBD: G(r, b, a, t/α) = (a+b−1)/(a−1)·[…]. MBG/NBD: E[X(t)] = E[(1−p)·(BG/NBD count under Beta(a, b+1))]
        // = b/(a−1)·[…] = b/(a+b)·G(r, b+1, a, t/α).
        var s = t / alpha;
        return modified ? b / (a + b) * BgExpectation.Evaluate(r, b + 1.0, a, s) : BgExpectation.Evaluate(r, b, a, s);
    }

    /// <summary>P(X(t) = n) (FHL 2005 eq. 8; the MBG/NBD analogue as in lifetimes' ModifiedBetaGeoFitter).</summary>
    public static double ProbabilityOfPurchases(double r, double alpha, double a, double b, bool modified, int n, double t)
    {
        var o = modified ? 1 : 0;
        var lbab = SpecialMath.BetaLn(a, b);
        if (t == 0.0)
        {
            // Nobody can buy in an empty period.
            return n == 0 ? 1.0 : 0.0;
        }

        var logP = r * Math.Log(alpha / (alpha + t));
        var logQ = Math.Log(t / (alpha + t));
        var logNbd = SpecialMath.GammaLn(r + n) - SpecialMath.GammaLn(r) - SpecialMath.GammaLn(n + 1.0) + logP + (n * logQ);
        var first = Math.Exp(SpecialMath.BetaLn(a, b + n + o) - lbab + logNbd);
        if (n == 0 && !modified)
        {
            return first;
        }

        // 1 − (α/(α+t))^r Σ_{j<n} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j = P(NBD count ≥ n).
        var sum = 0.0;
        var logTerm = logP;
        for (var j = 0; j < n; j++)
        {
            sum += Math.Exp(logTerm);
            logTerm += Math.Log((r + j) / (j + 1.0)) + logQ;
        }

        var tail = Math.Max(0.0, 1.0 - sum);
        return first + (Math.Exp(SpecialMath.BetaLn(a + 1.0, b + n - 1 + o) - lbab) * tail);
    }

    public static void CheckParameters(double r, double alpha, double a, double b)
    {
        FitRunner.CheckPositive(r, nameof(r));
        FitRunner.CheckPositive(alpha, nameof(alpha));
        FitRunner.CheckPositive(a, nameof(a));
        FitRunner.CheckPositive(b, nameof(b));
    }

    /// <summary>Batch P(alive): validates each row, no allocation. Uses <see cref="Vector256"/> when accelerated.</summary>
    public static void ProbabilityAlive(
        double r, double alpha, double a, double b, bool modified,
        ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination)
    {
        FitRunner.CheckLengths(frequency.Length, recency.Length, age.Length, destination.Length);
        var done = Vector256.IsHardwareAccelerated ? BgFamilyVector.ProbabilityAlive(r, alpha, a, b, modified, frequency, recency, age, destination) : 0;
        ProbabilityAliveScalar(r, alpha, a, b, modified, frequency[done..], recency[done..], age[done..], destination[done..], done);
    }

    /// <summary>
    /// Batch E[Y(t) | x, t_x, T]: validates each row, no allocation. Uses the <see cref="Vector256"/> kernel wherever Vector128 is
    /// accelerated, Vector256 or not: where Vector256 is not (x64 without AVX2, the CLI's x86-64-v2 NativeAOT executable; Arm64 alike,
    /// not measured) its operations run as pairs of 128-bit ones, and the kernel's lock-step series still took 1M customers in ~150 ms
    /// against ~530 ms for the scalar reference (issue 17: JIT with AVX off and NativeAOT, benchmarks/results/ClvBenchmarks.md). P(alive),
    /// a closed form, keeps the scalar reference there (16 against 21 ms).
    /// </summary>
    public static void ConditionalExpected(
        double r, double alpha, double a, double b, bool modified, double horizon,
        ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination)
    {
        FitRunner.CheckLengths(frequency.Length, recency.Length, age.Length, destination.Length);
        FitRunner.CheckHorizon(horizon);
        var done = (Vector256.IsHardwareAccelerated || Vector128.IsHardwareAccelerated) && horizon > 0.0
            ? BgFamilyVector.ConditionalExpected(r, alpha, a, b, modified, horizon, frequency, recency, age, destination)
            : 0;
        ConditionalExpectedScalar(r, alpha, a, b, modified, horizon, frequency[done..], recency[done..], age[done..], destination[done..], done);
    }

    /// <summary>Scalar reference of batch P(alive) (kept selectable and tested against the vector kernel).</summary>
    internal static void ProbabilityAliveScalar(
        double r, double alpha, double a, double b, bool modified,
        ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination, int indexOffset = 0)
    {
        FitRunner.CheckLengths(frequency.Length, recency.Length, age.Length, destination.Length);
        var o = modified ? 1 : 0;
        var logA = Math.Log(a);
        for (var i = 0; i < frequency.Length; i++)
        {
            var x = frequency[i];
            var tx = recency[i];
            var t = age[i];
            if (x < 0 || !(tx >= 0.0 && tx <= t && double.IsFinite(t)) || (x == 0 && tx != 0.0))
            {
                BtydData.Validate(x, tx, t, i + indexOffset);
            }

            if (x == 0 && !modified)
            {
                destination[i] = 1.0;
                continue;
            }

            destination[i] = 1.0 / (1.0 + Math.Exp(LogOdds(logA, r, alpha, b + x - 1 + o, x, tx, t)));
        }
    }

    /// <summary>Scalar reference of batch E[Y(t) | x, t_x, T] (kept selectable and tested against the vector kernel).</summary>
    internal static void ConditionalExpectedScalar(
        double r, double alpha, double a, double b, bool modified, double horizon,
        ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination, int indexOffset = 0)
    {
        FitRunner.CheckLengths(frequency.Length, recency.Length, age.Length, destination.Length);
        FitRunner.CheckHorizon(horizon);
        var o = modified ? 1 : 0;
        var logA = Math.Log(a);
        for (var i = 0; i < frequency.Length; i++)
        {
            var x = frequency[i];
            var tx = recency[i];
            var t = age[i];
            if (x < 0 || !(tx >= 0.0 && tx <= t && double.IsFinite(t)) || (x == 0 && tx != 0.0))
            {
                BtydData.Validate(x, tx, t, i + indexOffset);
            }

            if (horizon == 0.0)
            {
                destination[i] = 0.0;
                continue;
            }

            var pAlive = x == 0 && !modified ? 1.0 : 1.0 / (1.0 + Math.Exp(LogOdds(logA, r, alpha, b + x - 1 + o, x, tx, t)));
            destination[i] = BgExpectation.Evaluate(r + x, b + x + o, a, horizon / (alpha + t)) * pAlive;
        }
    }
}

/// <summary>
/// The fast BG/NBD and MBG/NBD objective on compressed data with an analytic gradient: per-frequency terms
/// (ln Γ(r+x) − ln Γ(r) and the beta ratios) are built by recurrence, per-time logarithms once per distinct time,
/// so one evaluation costs one exp and one log per distinct (x, t_x, T) row.
/// </summary>
internal sealed class BgFamilyObjective : IObjective
{
    private readonly BtydData _data;
    private readonly bool _modified;
    private readonly double _penalizer;
    private readonly double _invN;
    private readonly double[] _lgR;
    private readonly double[] _dR;
    private readonly double[] _bt;
    private readonly double[] _dBa;
    private readonly double[] _dBb;
    private readonly double[] _logTime;
    private readonly double[] _invTime;

    public BgFamilyObjective(BtydData data, bool modified, double penalizer)
    {
        _data = data;
        _modified = modified;
        _penalizer = penalizer;
        _invN = 1.0 / data.CustomerCount;
        var m = data.MaxFrequency + 2;
        _lgR = new double[m];
        _dR = new double[m];
        _bt = new double[m];
        _dBa = new double[m];
        _dBb = new double[m];
        _logTime = new double[data.Times.Length];
        _invTime = new double[data.Times.Length];
    }

    /// <summary>Total log-likelihood Σ wᵢ ℓᵢ at natural parameters.</summary>
    public double TotalLogLikelihood(ReadOnlySpan<double> natural)
    {
        Span<double> theta = stackalloc double[4];
        Span<double> g = stackalloc double[4];
        for (var i = 0; i < 4; i++)
        {
            theta[i] = Math.Log(natural[i]);
        }

        return Compute(theta, g, out _);
    }

    public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
    {
        var ll = Compute(x, gradient, out _);
        if (!double.IsFinite(ll))
        {
            return double.NaN;
        }

        var f = -ll * _invN;
        for (var i = 0; i < 4; i++)
        {
            // d/dθ of −ll/N, then the penalty λ·p² (d/dθ = 2λp²).
            var p2 = Math.Exp(2.0 * x[i]);
            gradient[i] = (-gradient[i] * _invN) + (2.0 * _penalizer * p2);
            f += _penalizer * p2;
        }

        return f;
    }

    /// <summary>Returns Σ w ℓ and writes its gradient w.r.t. the log-parameters into <paramref name="gradient"/>.</summary>
    private double Compute(ReadOnlySpan<double> theta, Span<double> gradient, out (double R, double Alpha, double A, double B) natural)
    {
        double r = Math.Exp(theta[0]), alpha = Math.Exp(theta[1]), a = Math.Exp(theta[2]), b = Math.Exp(theta[3]);
        natural = (r, alpha, a, b);
        var o = _modified ? 1 : 0;
        var maxK = _data.MaxFrequency + o;
        _lgR[0] = 0.0;
        _dR[0] = 0.0;
        _bt[0] = 0.0;
        _dBa[0] = 0.0;
        _dBb[0] = 0.0;
        for (var k = 0; k < maxK; k++)
        {
            _lgR[k + 1] = _lgR[k] + Math.Log(r + k);
            _dR[k + 1] = _dR[k] + (1.0 / (r + k));
            var iab = 1.0 / (a + b + k);
            _bt[k + 1] = _bt[k] + Math.Log((b + k) * iab);
            _dBa[k + 1] = _dBa[k] - iab;
            _dBb[k + 1] = _dBb[k] + (1.0 / (b + k)) - iab;
        }

        var times = _data.Times;
        for (var j = 0; j < times.Length; j++)
        {
            var v = alpha + times[j];
            _logTime[j] = Math.Log(v);
            _invTime[j] = 1.0 / v;
        }

        var logAlpha = Math.Log(alpha);
        var logA = Math.Log(a);
        var invA = 1.0 / a;
        var xs = _data.X;
        var ws = _data.Weight;
        var txi = _data.TxTime;
        var ti = _data.AgeTime;
        double ll = 0, gR = 0, gAlpha = 0, gA = 0, gB = 0;
        for (var i = 0; i < xs.Length; i++)
        {
            var x = xs[i];
            var w = ws[i];
            var rx = r + x;
            var laT = _logTime[ti[i]];
            var u = -rx * laT;
            var c = _lgR[x] + (r * logAlpha) + _bt[x + o];
            if (x == 0 && !_modified)
            {
                ll += w * (c + u);
                gR += w * (_dR[x] + logAlpha - laT);
                gAlpha += w * ((r / alpha) - (rx * _invTime[ti[i]]));
                gA += w * _dBa[x + o];
                gB += w * _dBb[x + o];
                continue;
            }

            var bx = b + x - 1 + o;
            var laTx = _logTime[txi[i]];
            var v = logA - Math.Log(bx) - (rx * laTx);
            double q, lse;
            if (v > u)
            {
                var e = Math.Exp(u - v);
                lse = v + Math.Log(1.0 + e);
                q = 1.0 / (1.0 + e);
            }
            else
            {
                var e = Math.Exp(v - u);
                lse = u + Math.Log(1.0 + e);
                q = e / (1.0 + e);
            }

            var p = 1.0 - q;
            ll += w * (c + lse);
            gR += w * (_dR[x] + logAlpha - (p * laT) - (q * laTx));
            gAlpha += w * ((r / alpha) - (rx * ((p * _invTime[ti[i]]) + (q * _invTime[txi[i]]))));
            gA += w * (_dBa[x + o] + (q * invA));
            gB += w * (_dBb[x + o] - (q / bx));
        }

        // Chain rule to log-parameters.
        gradient[0] = gR * r;
        gradient[1] = gAlpha * alpha;
        gradient[2] = gA * a;
        gradient[3] = gB * b;
        return ll;
    }

    /// <summary>Starting values: r = 1, α chosen so that r/α matches the mean purchase rate Σx/ΣT, a = 1, b = 1.</summary>
    public static double[] StartingValues(BtydData data)
    {
        double sumX = 0, sumT = 0;
        for (var i = 0; i < data.X.Length; i++)
        {
            sumX += data.Weight[i] * data.X[i];
            sumT += data.Weight[i] * data.T[i];
        }

        var alpha = sumX > 0 && sumT > 0 ? sumT / sumX : 1.0;
        return [1.0, Math.Clamp(alpha, 1e-3, 1e6), 1.0, 1.0];
    }

}
