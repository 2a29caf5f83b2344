using CemCore.Clv;
using CemCore.Primitives;
using CemCore.Tests.Shared;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CemCore.Tests.Clv;

/// <summary>Invariants, bad input, convergence reporting and allocation guards (no reference data needed).</summary>
public sealed class BtydPropertyTests
{
    private static readonly IBtydModel[] Models =
    [
        new BgNbdModel(0.243, 4.414, 0.793, 2.426),
        new ParetoNbdModel(0.553, 10.578, 0.606, 11.669),
        new MbgNbdModel(1.2569, 6.0391, 0.3683, 0.7158),
    ];

    public static Arbitrary<(int X, double Tx, double T)> Triples() =>
        (from x in Gen.Choose(0, 60)
         from t in Gen.Choose(0, 4000).Select(v => v / 50.0)
         from f in Gen.Choose(0, 1000).Select(v => v / 1000.0)
         select (x, x == 0 ? 0.0 : t * f, t)).ToArbitrary();

    [Property(MaxTest = 300, Arbitrary = [typeof(BtydPropertyTests)])]
    public bool PAlive_IsProbability_AndExpectationNonNegative((int X, double Tx, double T) c)
    {
        foreach (var m in Models)
        {
            var p = m.ProbabilityAlive(c.X, c.Tx, c.T);
            var e = m.ConditionalExpectedPurchases(20.0, c.X, c.Tx, c.T);
            if (!(p is >= 0.0 and <= 1.0) || !(e >= 0.0) || !double.IsFinite(m.LogLikelihood(c.X, c.Tx, c.T)))
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(BtydPropertyTests)])]
    public bool PAlive_IncreasesWithRecency((int X, double Tx, double T) c)
    {
        if (c.X == 0)
        {
            return true;
        }

        foreach (var m in Models)
        {
            // A more recent last purchase (larger t_x, same x and T) never lowers P(alive).
            if (m.ProbabilityAlive(c.X, c.T, c.T) < m.ProbabilityAlive(c.X, c.Tx, c.T) - 1e-12)
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(BtydPropertyTests)])]
    public bool BatchKernels_EqualScalar((int X, double Tx, double T) c)
    {
        Span<double> d = stackalloc double[1];
        foreach (var m in Models)
        {
            m.ConditionalExpectedPurchases(13.0, [c.X], [c.Tx], [c.T], d);
            if (Math.Abs(d[0] - m.ConditionalExpectedPurchases(13.0, c.X, c.Tx, c.T)) > 1e-12 * Math.Max(1.0, d[0]))
            {
                return false;
            }
        }

        return true;
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(26.0)]
    [InlineData(104.0)]
    public void ProbabilityOfPurchases_SumsToOne_MeanIsExpectation(double t)
    {
        foreach (var m in Models)
        {
            double sum = 0, mean = 0;
            for (var n = 0; n < 400; n++)
            {
                var p = m.ProbabilityOfPurchases(n, t);
                Assert.InRange(p, 0.0, 1.0);
                sum += p;
                mean += n * p;
            }

            Assert.Equal(1.0, sum, 1e-7);
            Assert.Equal(m.ExpectedPurchases(t), mean, 1e-6);
        }
    }

    [Fact]
    public void ConditionalExpectation_NewCustomer_EqualsUnconditional()
    {
        // A customer observed for T = 0 with x = 0 is a new customer: E[Y(t)|0,0,0] = E[X(t)] for BG/NBD and Pareto/NBD.
        Assert.Equal(Models[0].ExpectedPurchases(30), Models[0].ConditionalExpectedPurchases(30, 0, 0, 0), 1e-10);
        Assert.Equal(Models[1].ExpectedPurchases(30), Models[1].ConditionalExpectedPurchases(30, 0, 0, 0), 1e-10);
    }

    [Fact]
    public void Compression_WeightsEqualRows()
    {
        var data = BtydData.Create([0, 0, 2, 2, 2, 1], [0, 0, 3, 3, 4, 1], [10, 10, 10, 10, 10, 5]);
        Assert.Equal(6, data.CustomerCount);
        Assert.Equal(4, data.DistinctRowCount);
        Assert.Equal(7, data.TotalRepeatPurchases);
        Assert.Equal(4, data.RepeatCustomerCount);
        var model = Models[0];
        var expanded = model.LogLikelihood(0, 0, 10) * 2 + model.LogLikelihood(2, 3, 10) * 2 + model.LogLikelihood(2, 4, 10) + model.LogLikelihood(1, 1, 5);
        Assert.Equal(expanded, ((BgNbdModel)model).LogLikelihood(data), 1e-10);
    }

    [Fact]
    public void AnalyticGradient_MatchesFiniteDifferences()
    {
        var data = BtydData.Create([0, 1, 2, 5, 0, 3], [0, 2, 3, 9.5, 0, 1], [10, 10, 10, 12, 4, 7]);
        foreach (var modified in new[] { false, true })
        {
            var objective = new BgFamilyObjective(data, modified, penalizer: 0.1);
            double[] theta = [Math.Log(0.7), Math.Log(3.0), Math.Log(0.9), Math.Log(2.2)];
            var g = new double[4];
            objective.Evaluate(theta, g);
            var numeric = new NumericGradientObjective(v => objective.Evaluate(v, new double[4]), 4);
            var gn = new double[4];
            numeric.Evaluate(theta, gn);
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(gn[i], g[i], 1e-7);
            }
        }
    }

    [Fact]
    public void Penalizer_ShrinksParameters()
    {
        var data = BtydData.Create([0, 1, 2, 5, 0, 3, 0, 8], [0, 2, 3, 9.5, 0, 1, 0, 11], [10, 10, 10, 12, 4, 7, 12, 12]);
        var plain = BgNbdModel.Fit(data);
        var penalized = BgNbdModel.Fit(data, new BtydFitSettings(penalizer: 0.1));
        Assert.True(penalized.Diagnostics.Converged);
        var plainNorm = plain.Model.Parameters.Sum(p => p.Value * p.Value);
        var penalizedNorm = penalized.Model.Parameters.Sum(p => p.Value * p.Value);
        Assert.True(penalizedNorm < plainNorm, $"{penalizedNorm} vs {plainNorm}");
        Assert.True(penalized.Diagnostics.LogLikelihood <= plain.Diagnostics.LogLikelihood + 1e-9);
    }

    [Fact]
    public void Fit_IterationLimit_ReportsNotConverged()
    {
        var data = BtydData.Create([0, 1, 2, 5, 0, 3], [0, 2, 3, 9.5, 0, 1], [10, 10, 10, 12, 4, 7]);
        var settings = new BtydFitSettings(maxIterations: 1);
        var bg = BgNbdModel.Fit(data, settings);
        Assert.False(bg.Diagnostics.Converged);
        Assert.Equal(1, bg.Diagnostics.Iterations);
        Assert.False(ParetoNbdModel.Fit(data, settings).Diagnostics.Converged);
        Assert.False(GammaGammaModel.Fit([1, 2, 3], [10.0, 20.0, 5.0], settings).Diagnostics.Converged);
    }

    [Fact]
    public void Fit_NoRepeatPurchases_IsAResultNotAnException()
    {
        // With Σx = 0 the MLE runs off to r/α → 0: the fit must not throw; it reports what happened.
        var data = BtydData.Create([0, 0, 0], [0, 0, 0], [10, 20, 30]);
        var ex = Record.Exception(() => BgNbdModel.Fit(data));
        Assert.Null(ex);
    }

    [Fact]
    public void BadInput_ClearErrors()
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => BtydData.Create([1, -1], [1, 0], [2, 2]));
        Assert.Contains("frequency[1]", e1.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => BtydData.Create([1], [3.0], [2.0]));
        Assert.Contains("recency[0]", e2.Message, StringComparison.Ordinal);
        Assert.Contains("[0, age]", e2.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => BtydData.Create([1], [double.NaN], [2.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BtydData.Create([1], [1.0], [double.PositiveInfinity]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BtydData.Create([0], [1.0], [2.0]));
        Assert.Throws<ArgumentException>(() => BtydData.Create([], [], []));
        Assert.Throws<ArgumentException>(() => BtydData.Create([1, 2], [1.0], [2.0]));

        var gg = Assert.Throws<ArgumentOutOfRangeException>(() => GammaGammaModel.Fit([1, 2], [10.0, -5.0]));
        Assert.Contains("meanSpend[1]", gg.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => GammaGammaModel.Fit([1], [double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GammaGammaModel.Fit([1], [0.0]));
        Assert.Throws<ArgumentException>(() => GammaGammaModel.Fit([0, 0], [0.0, 0.0]));

        var m = Models[0];
        Assert.Throws<ArgumentOutOfRangeException>(() => m.ProbabilityAlive(2, 5.0, 4.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.ConditionalExpectedPurchases(-1.0, 2, 1.0, 4.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.ProbabilityOfPurchases(-1, 4.0));
        var batch = Assert.Throws<ArgumentOutOfRangeException>(() => m.ProbabilityAlive([1, 1], [1.0, 9.0], [4.0, 4.0], new double[2]));
        Assert.Contains("recency[1]", batch.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => m.ProbabilityAlive([1, 1], [1.0], [4.0, 4.0], new double[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BgNbdModel(double.NaN, 1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParetoNbdModel(1, 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BtydFitSettings(penalizer: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClvSettings(TimeUnit.Week, 0, 0.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClvSettings(TimeUnit.Week, 52, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClvSettings(TimeUnit.Week, 52, 0.01, margin: 1.5));
    }

    [Fact]
    public void Clv_UnitsConvertExactly_AndDiscountingLowersValue()
    {
        var bg = (BgNbdModel)Models[0];
        var gg = new GammaGammaModel(6.25, 3.74, 15.44);
        var weekly = CustomerLifetimeValue.Compute(bg, gg, new ClvSettings(TimeUnit.Week, 10, 0.0), 3, 30, 38, 40);
        var daily = CustomerLifetimeValue.Compute(bg, gg, new ClvSettings(TimeUnit.Day, 70, 0.0), 3, 30, 38, 40);

        // Undiscounted: both equal margin · E[spend] · E[Y(10 weeks)].
        var direct = gg.ConditionalExpectedAverageSpend(3, 40) * bg.ConditionalExpectedPurchases(10, 3, 30, 38);
        Assert.Equal(direct, weekly, 1e-9);
        Assert.Equal(direct, daily, 1e-9);
        var discounted = CustomerLifetimeValue.Compute(bg, gg, new ClvSettings(TimeUnit.Week, 10, 0.01), 3, 30, 38, 40);
        Assert.True(discounted < weekly);
        Assert.Equal(weekly * 0.5, CustomerLifetimeValue.Compute(bg, gg, new ClvSettings(TimeUnit.Week, 10, 0.0, 0.5), 3, 30, 38, 40), 1e-9);
    }

    [Fact]
    public void GammaGamma_ZeroFrequency_ScoresPopulationMean()
    {
        var gg = new GammaGammaModel(6.25, 3.74, 15.44);
        Assert.Equal(6.25 * 15.44 / 2.74, gg.ConditionalExpectedAverageSpend(0, 0.0), 1e-12);
        Assert.Equal(gg.PopulationMeanSpend, gg.ConditionalExpectedAverageSpend(0, 0.0), 1e-12);
    }

    [Fact]
    public void BatchKernels_DoNotAllocate()
    {
        var n = 64;
        var x = new int[n];
        var tx = new double[n];
        var t = new double[n];
        var d = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = i % 9;
            t[i] = 30 + (i % 7);
            tx[i] = x[i] == 0 ? 0 : t[i] * 0.5;
        }

        foreach (var m in Models)
        {
            // The least of several measured attempts: a one-off runtime allocation (tier-up, on-stack replacement) is not the kernels'.
            var (least, attempts) = AllocationProbe.Least(() =>
            {
                for (var k = 0; k < 100; k++)
                {
                    m.ProbabilityAlive(x, tx, t, d);
                    m.ConditionalExpectedPurchases(39, x, tx, t, d);
                }
            });
            Assert.True(least == 0, $"{m.GetType().Name} allocated in every attempt: {attempts} bytes");
        }
    }
}

/// <summary>The Vector256 kernels against the scalar reference on random inputs (oracle 3 of the style guide).</summary>
public sealed class BgFamilyVectorTests
{
    [Theory]
    [InlineData(false, 0.243, 4.414, 0.793, 2.426)]
    [InlineData(true, 1.2569, 6.0391, 0.3683, 0.7158)]
    [InlineData(false, 0.5, 2.0, 0.3, 0.4)]
    [InlineData(false, 2.0, 10.0, 1.7, 5.0)]
    public void VectorKernels_MatchScalarReference(bool modified, double r, double alpha, double a, double b)
    {
        var random = new Random(42);
        const int n = 4099;
        var x = new int[n];
        var tx = new double[n];
        var t = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = random.Next(0, 8) == 0 ? random.Next(0, 400) : random.Next(0, 12);
            t[i] = random.NextDouble() * 80.0;
            tx[i] = x[i] == 0 ? 0.0 : t[i] * random.NextDouble();
        }

        foreach (var horizon in new[] { 1.0, 39.0, 150.0 })
        {
            var fast = new double[n];
            var slow = new double[n];
            BgFamily.ConditionalExpected(r, alpha, a, b, modified, horizon, x, tx, t, fast);
            BgFamily.ConditionalExpectedScalar(r, alpha, a, b, modified, horizon, x, tx, t, slow);
            for (var i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(fast[i] - slow[i]) <= 1e-11 * Math.Max(1e-3, Math.Abs(slow[i])), $"E row {i}: {fast[i]:R} vs {slow[i]:R}");
            }

            BgFamily.ProbabilityAlive(r, alpha, a, b, modified, x, tx, t, fast);
            BgFamily.ProbabilityAliveScalar(r, alpha, a, b, modified, x, tx, t, slow);
            for (var i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(fast[i] - slow[i]) <= 1e-13, $"P row {i}: {fast[i]:R} vs {slow[i]:R}");
            }
        }
    }

    [Fact]
    public void VectorKernel_BadRowInBlock_NamesGlobalIndex()
    {
        var model = new BgNbdModel(0.243, 4.414, 0.793, 2.426);
        int[] x = [1, 1, 1, 1, 1, 1, -2, 1];
        double[] tx = [1, 1, 1, 1, 1, 1, 1, 1];
        double[] t = [2, 2, 2, 2, 2, 2, 2, 2];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.ConditionalExpectedPurchases(10, x, tx, t, new double[8]));
        Assert.Contains("frequency[6]", e.Message, StringComparison.Ordinal);
    }
}
