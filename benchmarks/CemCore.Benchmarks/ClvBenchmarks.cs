using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace CemCore.Benchmarks;

/// <summary>
/// BTYD performance (issue 4): BG/NBD fit on the CDNOW sample (2,357 customers) and P(alive) + E[Y(t)] for 1M customers; the
/// discounted 52-week CLV of 100,000 customers (issue 17, category <c>Value</c>; peer: benchmarks/peers/clv_value_scipy.py).
/// Fit data: shared/data/cdnow/cdnowSummary_cbs.csv when CEMCORE_REFERENCE_DATA is set, else a synthetic BG/NBD draw of the same
/// size at the published CDNOW parameters (seed 42); the choice is printed in the log. Baselines in the same run: a MathNet
/// Nelder-Mead fit on the uncompressed per-customer likelihood, and a per-customer loop over the validating scalar API.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ClvBenchmarks
{
    private const int ScoringCustomers = 1_000_000;
    private const int ValueCustomers = 100_000;
    private static readonly BgNbdModel Published = new(0.243, 4.414, 0.793, 2.426);
    private static readonly ParetoNbdModel PublishedPareto = new(0.553, 10.58, 0.606, 11.67);
    private static readonly GammaGammaModel ValueSpend = new(6.25, 3.74, 15.44);
    private static readonly ClvSettings ValueSettings = new(TimeUnit.Week, 52, 0.0019);

    private int[] _x = [];
    private double[] _tx = [];
    private double[] _t = [];
    private BtydData _data = null!;
    private int[] _bigX = [];
    private double[] _bigTx = [];
    private double[] _bigT = [];
    private double[] _out1 = [];
    private double[] _out2 = [];
    private BtydSummary[] _valueCustomers = [];
    private BtydClvModel _clv = null!;
    private BtydClvModel _paretoClv = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = Environment.GetEnvironmentVariable("CEMCORE_REFERENCE_DATA");
        var file = root is null ? null : Path.Combine(root, "cdnow", "cdnowSummary_cbs.csv");
        if (file is not null && File.Exists(file))
        {
            var lines = File.ReadAllLines(file).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
            _x = lines.Select(f => int.Parse(f[1], CultureInfo.InvariantCulture)).ToArray();
            _tx = lines.Select(f => double.Parse(f[2], CultureInfo.InvariantCulture)).ToArray();
            _t = lines.Select(f => double.Parse(f[3], CultureInfo.InvariantCulture)).ToArray();
            Console.WriteLine($"// ClvBenchmarks fit data: CDNOW cbs from {file} ({_x.Length} customers)");
        }
        else
        {
            (_x, _tx, _t) = Draw(2357, new Random(42));
            Console.WriteLine("// ClvBenchmarks fit data: synthetic BG/NBD draw, 2,357 customers, seed 42 (CEMCORE_REFERENCE_DATA not set)");
        }

        _data = BtydData.Create(_x, _tx, _t);
        (_bigX, _bigTx, _bigT) = Draw(ScoringCustomers, new Random(42));
        _out1 = new double[ScoringCustomers];
        _out2 = new double[ScoringCustomers];

        // Value: the fit customers tiled to 100,000 (CDNOW when available: the peer script reads the same file the same way), their
        // mean repeat spend m.x from the file (else 30 + x), the published BG/NBD and Gamma-Gamma (FHL 2005, Fader et al. 2005) values.
        var spend = file is not null && File.Exists(file)
            ? File.ReadAllLines(file).Skip(1).Where(l => l.Length > 0).Select(l => decimal.Parse(l.Split(',')[5], CultureInfo.InvariantCulture)).ToArray()
            : _x.Select(v => 30m + v).ToArray();
        _valueCustomers = new BtydSummary[ValueCustomers];
        for (var i = 0; i < ValueCustomers; i++)
        {
            var j = i % _x.Length;
            _valueCustomers[i] = new BtydSummary(_x[j], _tx[j], _t[j], TimeUnit.Week, _x[j] == 0 ? 0m : spend[j]);
        }

        _clv = new BtydClvModel(Published, ValueSpend, ValueSettings);
        _paretoClv = new BtydClvModel(PublishedPareto, ValueSpend, ValueSettings);
        Console.WriteLine($"// ClvBenchmarks value: {ValueCustomers:N0} customers, Σ (CLV + P(alive) + E[Y(52)]) = {ValueEstimate():R} (compare the peer's sum)");
        Console.WriteLine($"// ClvBenchmarks value, Pareto/NBD: {ValueParetoEstimate():R} (per-horizon loop {ValueParetoPerHorizonLoop():R})");
    }

    /// <summary>
    /// Baseline: one customer's estimate as <see cref="BtydClvModel.Estimate"/> computed it before issue 17's twenty-fifth session —
    /// P(alive), E[Y(52)] and the per-horizon loop (52 scalar E[Y] evaluations, each with its own P(alive)).
    /// </summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Value")]
    public double ValuePerHorizonLoop() => PerHorizonLoop(Published);

    /// <summary><see cref="BtydClvModel.Estimate"/> per customer: P(alive), E[Y(52)] and the discounted value, all horizons side by side.</summary>
    [Benchmark]
    [BenchmarkCategory("Value")]
    public double ValueEstimate() => Estimates(_clv);

    /// <summary>Baseline: MathNet Nelder-Mead on log-parameters, per-customer log-likelihood, no compression.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Fit")]
    public double FitNelderMeadUncompressed()
    {
        var x = _x;
        var tx = _tx;
        var t = _t;
        var objective = ObjectiveFunction.Value(v =>
        {
            double r = Math.Exp(v[0]), alpha = Math.Exp(v[1]), a = Math.Exp(v[2]), b = Math.Exp(v[3]);
            var ll = 0.0;
            for (var i = 0; i < x.Length; i++)
            {
                ll += BgFamily.LogLikelihood(r, alpha, a, b, false, x[i], tx[i], t[i]);
            }

            return -ll / x.Length;
        });
        var start = Vector<double>.Build.Dense([0.0, Math.Log(4.0), 0.0, 0.0]);
        var result = NelderMeadSimplex.Minimum(objective, start, 1e-10, 20_000);
        return result.FunctionInfoAtMinimum.Value;
    }

    /// <summary>BFGS with the analytic gradient on the compressed data (compression included).</summary>
    [Benchmark]
    [BenchmarkCategory("Fit")]
    public double FitBfgsCompressed() => BgNbdModel.Fit(BtydData.Create(_x, _tx, _t)).Diagnostics.LogLikelihood;

    /// <summary>BFGS on already-compressed data.</summary>
    [Benchmark]
    [BenchmarkCategory("Fit")]
    public double FitBfgsPrecompressed() => BgNbdModel.Fit(_data).Diagnostics.LogLikelihood;

    /// <summary>Baseline: <see cref="ValuePerHorizonLoop"/> with the published Pareto/NBD (Schmittlein et al.; FHL 2005 CDNOW values).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("ValuePareto")]
    public double ValueParetoPerHorizonLoop() => PerHorizonLoop(PublishedPareto);

    /// <summary><see cref="BtydClvModel.Estimate"/> with Pareto/NBD: P(alive) once per customer, the same results bit for bit.</summary>
    [Benchmark]
    [BenchmarkCategory("ValuePareto")]
    public double ValueParetoEstimate() => Estimates(_paretoClv);

    /// <summary>Baseline: a per-customer loop over the validating scalar API.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Score1M")]
    public double ScoreScalarLoop()
    {
        var m = Published;
        for (var i = 0; i < _bigX.Length; i++)
        {
            _out1[i] = m.ProbabilityAlive(_bigX[i], _bigTx[i], _bigT[i]);
            _out2[i] = m.ConditionalExpectedPurchases(39.0, _bigX[i], _bigTx[i], _bigT[i]);
        }

        return _out1[^1] + _out2[^1];
    }

    /// <summary>P(alive) and E[Y(39)] for 1M customers with the span kernels.</summary>
    [Benchmark]
    [BenchmarkCategory("Score1M")]
    public double ScoreSpanKernels()
    {
        Published.ProbabilityAlive(_bigX, _bigTx, _bigT, _out1);
        Published.ConditionalExpectedPurchases(39.0, _bigX, _bigTx, _bigT, _out2);
        return _out1[^1] + _out2[^1];
    }

    /// <summary>
    /// The same two span computations with the scalar reference kernels: what <see cref="ScoreSpanKernels"/> ran for E[Y] wherever Vector256
    /// is not accelerated before issue 17's twenty-third session (run with <c>DOTNET_EnableAVX=0</c> for that case).
    /// </summary>
    [Benchmark]
    [BenchmarkCategory("Score1M")]
    public double ScoreSpanScalarReference()
    {
        BgFamily.ProbabilityAliveScalar(0.243, 4.414, 0.793, 2.426, false, _bigX, _bigTx, _bigT, _out1);
        BgFamily.ConditionalExpectedScalar(0.243, 4.414, 0.793, 2.426, false, 39.0, _bigX, _bigTx, _bigT, _out2);
        return _out1[^1] + _out2[^1];
    }

    /// <summary>Σ (CLV + P(alive) + E[Y(52)]) the way <see cref="BtydClvModel.Estimate"/> computed it before issue 17's twenty-fifth session.</summary>
    private double PerHorizonLoop(IBtydModel model)
    {
        var total = 0.0;
        foreach (var c in _valueCustomers)
        {
            var alive = model.ProbabilityAlive(c.Frequency, c.Recency, c.Age);
            var expected = model.ConditionalExpectedPurchases(ValueSettings.HorizonPeriods, c.Frequency, c.Recency, c.Age);
            var value = ValueSpend.ConditionalExpectedAverageSpend(c.Frequency, (double)c.MeanRepeatSpend);
            var clv = ValueSettings.Margin * value * CustomerLifetimeValue.DiscountedPurchasesPerHorizon(model, ValueSettings, c.Frequency, c.Recency, c.Age, out _);
            total += clv + alive + expected;
        }

        return total;
    }

    /// <summary>Σ (CLV + P(alive) + E[Y(52)]) from <see cref="BtydClvModel.Estimate"/>.</summary>
    private double Estimates(BtydClvModel clv)
    {
        var total = 0.0;
        foreach (var c in _valueCustomers)
        {
            var e = clv.Estimate(c);
            total += e.Value!.Value + e.ProbabilityAlive + e.ExpectedPurchases;
        }

        return total;
    }

    /// <summary>A BG/NBD draw: λ ~ Gamma(r, α), p ~ Beta(a, b), T uniform in [27, 38.86] weeks, dropout after each repeat purchase.</summary>
    internal static (int[] X, double[] Tx, double[] T) Draw(int n, Random random)
    {
        var x = new int[n];
        var tx = new double[n];
        var t = new double[n];
        var gamma = new MathNet.Numerics.Distributions.Gamma(0.243, 4.414, random);
        var beta = new MathNet.Numerics.Distributions.Beta(0.793, 2.426, random);
        for (var i = 0; i < n; i++)
        {
            var age = Math.Round((27.0 + (random.NextDouble() * 11.86)) * 7.0) / 7.0;
            var lambda = gamma.Sample();
            var p = beta.Sample();
            double now = 0, last = 0;
            var k = 0;
            while (true)
            {
                now += -Math.Log(1.0 - random.NextDouble()) / Math.Max(lambda, 1e-12);
                if (now > age)
                {
                    break;
                }

                k++;
                last = now;
                if (random.NextDouble() < p)
                {
                    break;
                }
            }

            x[i] = k;
            tx[i] = k == 0 ? 0.0 : last;
            t[i] = age;
        }

        return (x, tx, t);
    }
}
