using System.Globalization;
using System.Reflection;
using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;
using static CemCore.Tests.Clv.ClvReferenceRows;

namespace CemCore.Tests.Clv;

/// <summary>
/// Issue 17: the discounted purchases of one BG/NBD or MBG/NBD customer with all horizons' series side by side
/// (<see cref="BgHorizonSum"/>), against ReferenceData/Clv/bg_horizon_sum_reference.py (mpmath 1.2.1 at 40 digits, every regime the
/// kernel distinguishes) and against the per-horizon loop it replaces (one scalar E[Y] evaluation per period), with the lock-step
/// blocks on and off.
/// </summary>
public sealed class BgHorizonSumTests
{
    public static TheoryData<int> ReferenceRows()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Csv("bg_horizon_sum.csv").Length; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceRows))]
    public void Discounted_MatchesMpmath(int row)
    {
        var f = Csv("bg_horizon_sum.csv")[row];
        var model = Model(f[0], D(f[2]), D(f[3]), D(f[4]), D(f[5]));
        var settings = new ClvSettings(f[9] == "day" ? TimeUnit.Day : TimeUnit.Week, int.Parse(f[10], CultureInfo.InvariantCulture), D(f[11]));
        var x = int.Parse(f[6], CultureInfo.InvariantCulture);
        var tolerance = D(f[14]);
        var what = $"{f[0]} {f[1]} x={x} tx={f[7]} T={f[8]} {f[10]} {f[9]}s d={f[11]}";
        foreach (var vectorized in new[] { true, false })
        {
            var discounted = CustomerLifetimeValue.DiscountedPurchases(model, settings, x, D(f[7]), D(f[8]), vectorized, out var atHorizon);
            AssertRelative(D(f[12]), discounted, tolerance, $"{what} discounted (blocks {vectorized})");
            AssertRelative(D(f[13]), atHorizon, tolerance, $"{what} E[Y] at the horizon (blocks {vectorized})");
        }
    }

    [Fact]
    public void ReferenceRows_CoverEveryRegime()
    {
        // The regimes by the rules of BgExpectation.Evaluate, counted over the reference rows' horizons: a regime the rows missed
        // would leave its block kernel untested against mpmath.
        var counts = new int[5];
        foreach (var f in Csv("bg_horizon_sum.csv"))
        {
            var modified = f[0] == "mbgnbd";
            var (r, alpha, a, b) = (D(f[2]), D(f[3]), D(f[4]), D(f[5]));
            var x = int.Parse(f[6], CultureInfo.InvariantCulture);
            var shapeA = r + x;
            var c = a + b + x - 1 + (modified ? 1 : 0);
            var step = f[9] == "day" ? 1.0 / 7.0 : 1.0;
            for (var k = 1; k <= int.Parse(f[10], CultureInfo.InvariantCulture); k++)
            {
                var s = k * step / (alpha + D(f[8]));
                counts[shapeA > 100 ? 3 : c <= 0 ? 4 : s * Math.Max(shapeA, 1.0) <= 0.5 ? 0 : s <= BgExpectation.SeriesMaxS ? 1 : 2]++;
            }
        }

        Assert.All(counts, n => Assert.True(n > 0, $"regime counts (short, Gauss, long, r+x>100, c<=0): {string.Join(", ", counts)}"));
    }

    [Theory]
    [InlineData(false, 0.243, 4.414, 0.793, 2.426)]
    [InlineData(true, 1.2569, 6.0391, 0.3683, 0.7158)]
    [InlineData(false, 0.5, 2.0, 0.3, 0.4)]
    [InlineData(false, 2.0, 10.0, 1.7, 5.0)]
    [InlineData(false, 0.243, 4.414, 1.0005, 2.426)]
    [InlineData(true, 0.243, 4.414, 0.9995, 2.426)]
    [InlineData(false, 8.0, 0.5, 3.0, 0.2)]
    public void Discounted_MatchesPerHorizonLoop_RandomCustomers(bool modified, double r, double alpha, double a, double b)
    {
        IBtydModel model = modified ? new MbgNbdModel(r, alpha, a, b) : new BgNbdModel(r, alpha, a, b);
        var random = new Random(17);
        var horizons = new[]
        {
            new ClvSettings(TimeUnit.Week, 52, 0.0019), new ClvSettings(TimeUnit.Week, 1, 0.0), new ClvSettings(TimeUnit.Week, 16, 0.05),
            new ClvSettings(TimeUnit.Week, 17, 0.0), new ClvSettings(TimeUnit.Day, 100, 0.0003), new ClvSettings(TimeUnit.Week, 260, 0.5),
        };
        for (var i = 0; i < 300; i++)
        {
            var x = random.Next(0, 6) == 0 ? random.Next(0, 130) : random.Next(0, 12);
            var t = random.Next(0, 10) == 0 ? random.NextDouble() * 2.0 : random.NextDouble() * 80.0;
            var tx = x == 0 ? 0.0 : t * random.NextDouble();
            var settings = horizons[i % horizons.Length];
            var reference = CustomerLifetimeValue.DiscountedPurchasesPerHorizon(model, settings, x, tx, t, out var referenceAtHorizon);
            foreach (var vectorized in new[] { true, false })
            {
                var discounted = CustomerLifetimeValue.DiscountedPurchases(model, settings, x, tx, t, vectorized, out var atHorizon);
                var what = $"x={x} tx={tx:R} T={t:R} H={settings.HorizonPeriods} {settings.Unit} d={settings.DiscountRatePerPeriod} blocks={vectorized}";
                AssertRelative(reference, discounted, 1e-11, what);
                AssertRelative(referenceAtHorizon, atHorizon, 1e-11, what + " E[Y] at the horizon");
            }
        }
    }

    [Fact]
    public void Undiscounted_SumIsTheExpectationAtTheHorizon()
    {
        // By parts, D = E_H f^H + (1 − f) Σ_{k<H} E_k f^k: with d = 0 exactly the last expectation, nothing else.
        var model = new BgNbdModel(0.243, 4.414, 0.793, 2.426);
        foreach (var (x, tx, t) in new[] { (0, 0.0, 38.86), (2, 30.0, 38.86), (29, 38.0, 38.29), (3, 1.5, 2.0) })
        {
            var discounted = CustomerLifetimeValue.DiscountedPurchases(model, new ClvSettings(TimeUnit.Week, 52, 0.0), x, tx, t, true, out var atHorizon);
            Assert.Equal(atHorizon, discounted);
            AssertRelative(model.ConditionalExpectedPurchases(52, x, tx, t), atHorizon, 1e-12, $"x={x}");
        }
    }

    [Theory]
    [InlineData("ShortBlock")]
    [InlineData("GaussBlock")]
    [InlineData("LockStep")]
    public void LockStepKernels_AreOptimisedAtTheirFirstCall(string name)
    {
        // As tier-0 code every Vector256 operation is a call (first scores ~27 µs per customer against ~6–9 µs with them optimised), and on one processor the
        // runtime took seconds to tier the kernels up in a nightly run's first chunk (docs/performance.md): the attribute must stay.
        var method = typeof(BgHorizonSum).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static);
        Assert.NotNull(method);
        Assert.True(
            (method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0,
            $"{name} lost MethodImplOptions.AggressiveOptimization");
    }

    [Theory]
    [InlineData(0.553, 10.58, 0.606, 11.67)]
    [InlineData(0.553, 10.58, 1.0, 11.67)]
    [InlineData(2.5, 3.0, 5.0, 40.0)]
    public void ParetoNbd_PAliveOnce_BitIdenticalToThePerHorizonLoop(double r, double alpha, double s, double beta)
    {
        // Pareto/NBD's E[Y(t)] varies with t only through a power; P(alive) (the hypergeometric part) is now computed once per customer.
        var model = new ParetoNbdModel(r, alpha, s, beta);
        var random = new Random(25);
        foreach (var settings in new[] { new ClvSettings(TimeUnit.Week, 52, 0.0019), new ClvSettings(TimeUnit.Day, 365, 0.0003), new ClvSettings(TimeUnit.Week, 1, 0.0) })
        {
            for (var i = 0; i < 200; i++)
            {
                var x = random.Next(0, 6) == 0 ? random.Next(0, 150) : random.Next(0, 12);
                var t = random.NextDouble() * 80.0;
                var tx = x == 0 ? 0.0 : t * random.NextDouble();
                var expected = CustomerLifetimeValue.DiscountedPurchasesPerHorizon(model, settings, x, tx, t, out var expectedAtHorizon);
                Assert.Equal(expected, CustomerLifetimeValue.DiscountedPurchases(model, settings, x, tx, t, true, out var atHorizon));
                Assert.Equal(expectedAtHorizon, atHorizon);
                Assert.Equal(model.ConditionalExpectedPurchases(settings.HorizonPeriods * (settings.Unit == TimeUnit.Day ? 1.0 / 7.0 : 1.0), x, tx, t), atHorizon);
            }
        }
    }

    [Fact]
    public void Estimate_TakesTheHorizonExpectationFromTheValueSum()
    {
        var bg = new BgNbdModel(0.243, 4.414, 0.793, 2.426);
        var spend = new GammaGammaModel(6.25, 3.74, 15.44);
        var settings = new ClvSettings(TimeUnit.Week, 52, 0.0019, 0.3);
        var clv = new BtydClvModel(bg, spend, settings);
        var noSpend = new BtydClvModel(bg, null, settings);
        foreach (var (x, tx, t) in new[] { (0, 0.0, 38.86), (2, 30.0, 38.86), (7, 35.0, 36.0), (120, 30.0, 31.0) })
        {
            var summary = new BtydSummary(x, tx, t, TimeUnit.Week, 25.5m);
            var e = clv.Estimate(summary);
            Assert.Equal(bg.ProbabilityAlive(x, tx, t), e.ProbabilityAlive);
            AssertRelative(bg.ConditionalExpectedPurchases(52, x, tx, t), e.ExpectedPurchases, 1e-12, $"x={x} E[Y]");
            Assert.Equal(CustomerLifetimeValue.Compute(bg, spend, settings, x, tx, t, 25.5), e.Value);

            // Without a spend model the expectation is the scalar evaluation itself.
            Assert.Equal(bg.ConditionalExpectedPurchases(52, x, tx, t), noSpend.Estimate(summary).ExpectedPurchases);
        }
    }

    private static IBtydModel Model(string name, double r, double alpha, double a, double b) =>
        name == "mbgnbd" ? new MbgNbdModel(r, alpha, a, b) : new BgNbdModel(r, alpha, a, b);
}
