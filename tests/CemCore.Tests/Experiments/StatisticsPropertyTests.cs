using CemCore.Experiments.Statistics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CemCore.Tests.Experiments;

public sealed class StatisticsPropertyTests
{
    private static (long X, long N) Arm(int a, int b)
    {
        long n = Math.Abs(a % 5000) + 1;
        long x = Math.Abs(b) % (n + 1);
        return (x, n);
    }

    [Property(MaxTest = 2000)]
    public bool ZTest_TwoSidedP_InUnitInterval_AndSymmetricUnderSwap(int a, int b, int c, int d, bool pooled)
    {
        var (xc, nc) = Arm(a, b);
        var (xt, nt) = Arm(c, d);
        var v = pooled ? ProportionVariance.Pooled : ProportionVariance.Unpooled;
        var r1 = Proportions.ZTest(xc, nc, xt, nt, Alternative.TwoSided, v);
        var r2 = Proportions.ZTest(xt, nt, xc, nc, Alternative.TwoSided, v);
        if (!r1.IsDefined)
        {
            return !r2.IsDefined && r1.UndefinedReason is not null;
        }

        return r1.PValue is >= 0 and <= 1 && Math.Abs(r1.PValue - r2.PValue) <= 1e-12 * Math.Max(1e-300, r1.PValue) && r1.Statistic == -r2.Statistic;
    }

    [Property(MaxTest = 2000)]
    public bool ZTest_OneSidedPValues_SumToOne(int a, int b, int c, int d)
    {
        var (xc, nc) = Arm(a, b);
        var (xt, nt) = Arm(c, d);
        var g = Proportions.ZTest(xc, nc, xt, nt, Alternative.Greater);
        var l = Proportions.ZTest(xc, nc, xt, nt, Alternative.Less);
        return !g.IsDefined || Math.Abs(g.PValue + l.PValue - 1) < 1e-14;
    }

    [Property(MaxTest = 1000)]
    public bool DifferenceIntervals_ContainTheObservedDifference(int a, int b, int c, int d)
    {
        var (xc, nc) = Arm(a, b);
        var (xt, nt) = Arm(c, d);
        var diff = ((double)xt / nt) - ((double)xc / nc);
        var newcombe = Proportions.DifferenceInterval(xc, nc, xt, nt);
        var wald = Proportions.DifferenceInterval(xc, nc, xt, nt, 0.95, DifferenceIntervalMethod.Wald);
        return newcombe.Lower <= diff + 1e-15 && diff <= newcombe.Upper + 1e-15 && wald.Lower <= diff + 1e-15 && diff <= wald.Upper + 1e-15
            && newcombe.Lower >= -1 - 1e-12 && newcombe.Upper <= 1 + 1e-12;
    }

    [Property(MaxTest = 300)]
    public bool Bayes_ProbabilitiesOfBothOrders_SumToOne(int a, int b, int c, int d)
    {
        var (xc, nc) = Arm(a, b);
        var (xt, nt) = Arm(c, d);
        var tc = BetaBinomial.Compare(xc, nc, xt, nt).ProbabilityTreatmentBetter;
        var ct = BetaBinomial.Compare(xt, nt, xc, nc).ProbabilityTreatmentBetter;
        return tc is >= 0 and <= 1 && Math.Abs(tc + ct - 1) < 1e-9;
    }

    [Fact]
    public void Bayes_IntegerAndIntegrationPaths_Agree()
    {
        // Same posterior reached by an integer parameter set (closed form) and a perturbed non-integer one (quadrature) must be continuous.
        var exact = BetaBinomial.ProbabilityGreater(31, 970, 21, 980);
        var integrated = BetaBinomial.ProbabilityGreater(31 + 1e-9, 970 + 1e-9, 21 + 1e-9, 980 + 1e-9);
        ReferenceVectorTests.Close(exact, integrated, "P", 1e-7);
    }

    [Property(MaxTest = 500)]
    public bool SampleSize_MdeRoundTrip(PositiveInt seed)
    {
        var r = new Random(seed.Get);
        var baseline = 0.01 + (r.NextDouble() * 0.8);
        var n = 100 + r.Next(1_000_000);
        var mde = PowerAnalysis.MinimumDetectableEffectForProportions(baseline, n);
        if (double.IsInfinity(mde))
        {
            return true;
        }

        var back = PowerAnalysis.SampleSizeForProportions(baseline, mde).ExactPerGroup;
        return Math.Abs(back - n) <= 1e-6 * n && PowerAnalysis.PowerForProportions(baseline, mde, n) >= 0.8 - 1e-9;
    }

    [Fact]
    public void SampleSize_RoundsUp_AndClassicExample()
    {
        // 5% -> 6%, alpha 0.05 two-sided, power 0.8: statsmodels samplesize_proportions_2indep_onetail(0.01, 0.05, 0.8) = 8157.73 -> 8158.
        var n = PowerAnalysis.SampleSizeForProportions(0.05, 0.01);
        Assert.Equal(8158, n.PerGroup);
        Assert.InRange(n.ExactPerGroup, 8157, 8158);
    }

    [Fact]
    public void TinyPValues_KeepRelativeAccuracy()
    {
        // 0.5% vs 0.8% with 1,000,000 per arm: z ≈ 26; p ≈ 1e-150 — 1 − cdf would return exactly 0.
        var r = Proportions.ZTest(5000, 1_000_000, 8000, 1_000_000);
        Assert.True(r.PValue is > 0 and < 1e-100, r.PValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var t = Means.WelchTTest(0, 1, 1_000_000, 0.05, 1, 1_000_000);
        Assert.True(t.PValue is > 0 and < 1e-200);
    }

    [Fact]
    public void UndefinedCases_ReturnReasons_NotNaNSilently()
    {
        Assert.False(Proportions.ZTest(0, 1000, 0, 1000).IsDefined);
        Assert.False(Proportions.ZTest(1000, 1000, 1000, 1000, Alternative.TwoSided, ProportionVariance.Unpooled).IsDefined);
        Assert.False(Proportions.ZTest(0, 0, 1, 10).IsDefined);
        Assert.False(Proportions.RelativeLift(0, 100, 5, 100).IsDefined);
        Assert.False(Proportions.Interval(0, 0).IsDefined);
        Assert.False(Means.WelchTTest(1, 0, 10, 1, 0, 10).IsDefined);
        Assert.False(Means.WelchTTest(1, 1, 1, 2, 1, 10).IsDefined);
        Assert.False(ChiSquareTests.TwoByTwo(0, 10, 0, 10).IsDefined);
        Assert.False(ChiSquareTests.SampleRatioMismatch([0L, 0L]).IsDefined);
        Assert.False(SequentialTest.Evaluate(0, 0, 10, 0, 10, 0.1).IsDefined);
        var u = Proportions.ZTest(0, 1000, 0, 1000);
        Assert.Contains("0%", u.UndefinedReason, StringComparison.Ordinal);
        Assert.True(double.IsNaN(u.PValue));
        Assert.False(u.IsSignificant(0.05));
    }

    [Fact]
    public void BadInput_ThrowsArgumentExceptions_NamingTheValue()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Proportions.ZTest(60, 50, 1, 10));
        Assert.Contains("60", ex.Message, StringComparison.Ordinal);
        Assert.Equal("controlSuccesses", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Proportions.ZTest(-1, 50, 1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Proportions.ZTest(1, -5, 1, 10));
        var a = Assert.Throws<ArgumentOutOfRangeException>(() => PowerAnalysis.SampleSizeForProportions(0.05, 0.01, alpha: 1.5));
        Assert.Contains("1.5", a.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerAnalysis.SampleSizeForProportions(0.05, 0.01, alpha: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Means.WelchTTest(double.NaN, 1, 10, 1, 1, 10));
        Assert.Throws<ArgumentException>(() => Means.WelchTTestFromSamples([1.0, double.NaN], [1.0, 2.0]));
        var w = Assert.Throws<ArgumentException>(() => ChiSquareTests.SampleRatioMismatch([10L, 10L], [0.5, 0.4]));
        Assert.Contains("0.9", w.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => MultipleTesting.Adjust([0.1, double.NaN], MultipleTestingMethod.Holm));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BetaPrior(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Proportions.Interval(1, 10, confidence: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SequentialTest.Evaluate(0.1, 1, 10, 1, 10, tau: 0));
    }

    [Fact]
    public void Msprt_ControlsTypeIErrorUnderContinuousPeeking_WhereNaivePeekingDoesNot()
    {
        // 400 seeded A/A experiments, 100 looks each (every 20 units per arm). Reject at the first look with p <= 0.05.
        var random = new Random(20261122);
        int msprtRejections = 0, naiveRejections = 0;
        const int Experiments = 400;
        for (var e = 0; e < Experiments; e++)
        {
            double sc = 0, sc2 = 0, st = 0, st2 = 0;
            bool msprt = false, naive = false;
            for (var look = 1; look <= 100; look++)
            {
                for (var i = 0; i < 20; i++)
                {
                    var c = Gaussian(random);
                    var t = Gaussian(random);
                    sc += c;
                    sc2 += c * c;
                    st += t;
                    st2 += t * t;
                }

                var n = look * 20;
                var vc = (sc2 - (sc * sc / n)) / (n - 1);
                var vt = (st2 - (st * st / n)) / (n - 1);
                var d = (st - sc) / n;
                msprt |= SequentialTest.Evaluate(d, vc, n, vt, n, tau: 0.1).PValue <= 0.05;
                naive |= Means.WelchTTest(sc / n, Math.Sqrt(vc), n, st / n, Math.Sqrt(vt), n).PValue <= 0.05;
            }

            msprtRejections += msprt ? 1 : 0;
            naiveRejections += naive ? 1 : 0;
        }

        // Always-valid: P(ever reject) <= alpha = 0.05 (allow binomial noise: 0.05 + 3 sd ≈ 0.083 → 33 of 400).
        Assert.True(msprtRejections <= 33, $"mSPRT rejected {msprtRejections} of {Experiments} A/A tests");

        // Naive peeking at a fixed-horizon test inflates the error far above 5% (known ≈ 25-30% with 100 looks).
        Assert.True(naiveRejections > 60, $"naive peeking rejected only {naiveRejections}");
    }

    [Fact]
    public void Msprt_DetectsARealEffect()
    {
        var r = SequentialTest.EvaluateProportions(500, 10_000, 650, 10_000, tau: 0.01);
        Assert.True(r.PValue < 0.05);
        Assert.True(r.ConfidenceSequence.Excludes(0));
        Assert.Equal(r.PValue, SequentialTest.RunningPValue([SequentialTest.EvaluateProportions(50, 1000, 60, 1000, 0.01), r]));
    }

    [Fact]
    public void MultipleTesting_AdjustedAtLeastRaw()
    {
        double[] p = [0.01, 0.04, 0.03, 0.2];
        foreach (var m in Enum.GetValues<MultipleTestingMethod>())
        {
            var adj = MultipleTesting.Adjust(p, m);
            for (var i = 0; i < p.Length; i++)
            {
                Assert.True(adj[i] >= p[i] && adj[i] <= 1);
            }
        }

        Assert.Empty(MultipleTesting.Adjust(Array.Empty<double>(), MultipleTestingMethod.Holm));
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
