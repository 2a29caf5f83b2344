using BenchmarkDotNet.Attributes;
using CemCore.Churn;
using CemCore.Clv;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Personalization;
using CemCore.Rules;
using CemCore.Synthetic;

namespace CemCore.Benchmarks;

/// <summary>
/// The hot-path scoring facade (<see cref="CustomerScorer"/>): one customer's whole profile — RFM segment from cut-points, CLV (P(alive), expected
/// purchases, 52-week discounted value), lifecycle stage, churn probability and the next offer over the standard campaigns — from its profile
/// and nightly features (target ≤ 2 µs, 0 B; the CLV estimate comes from the nightly run). <c>WholeProfileFreshFeatures</c> scores features of
/// another instant, so the CLV sum over 52 weekly periods is computed. The parts are measured alone; the peer is the composition a newcomer writes with the batch APIs
/// (<c>ChurnFeatureMap.ToMatrix([f])</c> and <c>LogisticRegressionModel.Score(matrix)</c> for churn, a new context per customer).
/// Models come from a pipeline run over 5,000 synthetic customers (seed 42), weekly BTYD units; 1,024 customers are cycled through.
/// </summary>
[MemoryDiagnoser]
public class ScoringBenchmarks
{
    private (CustomerProfile? Profile, CustomerFeatures Features)[] _sample = [];
    private (CustomerProfile? Profile, CustomerFeatures Features)[] _fresh = [];
    private CustomerContext[] _contexts = [];
    private CustomerScorer _scorer = null!;
    private ScoringModels _models = null!;
    private DateTimeOffset _asOf;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var data = new RetailDataSettings(customers: 5_000, seed: 42);
        _asOf = data.EndInstant;
        var settings = SamplePipeline.Settings;
        var run = SamplePipeline.Run(data);
        _models = run.Models;
        _scorer = new CustomerScorer(_models);
        var picked = Enumerable.Range(0, run.Features.Count).Where(i => run.Features[i].HasPurchased).Take(1024).ToArray();
        _sample = [.. picked.Select(i => (run.Profiles.GetValueOrDefault(run.Features[i].CustomerId), run.Features[i]))];
        _contexts = [.. picked.Select(i => run.Contexts[i])];
        var later = FeatureExtractor.Compute(RetailDataGenerator.GenerateTable(data), _asOf.AddDays(1), settings.Features);
        _fresh = [.. _sample.Select(s => (s.Profile, later.TryGet(s.Features.CustomerId, out var f) ? f : s.Features))];
    }

    private int Next() => _next = (_next + 1) & 1023;

    /// <summary>The whole profile of one customer through the facade.</summary>
    [Benchmark(Baseline = true)]
    public CustomerScore WholeProfile()
    {
        var (p, f) = _sample[Next()];
        return _scorer.Score(p, f, _asOf);
    }

    /// <summary>The whole profile from features of another instant (a day later): the 52-week discounted CLV is computed, not taken from the
    /// nightly run.</summary>
    [Benchmark]
    public CustomerScore WholeProfileFreshFeatures()
    {
        var (p, f) = _fresh[Next()];
        return _scorer.Score(p, f, _asOf.AddDays(1));
    }

    /// <summary>Peer: the same answers composed from the batch APIs (allocating).</summary>
    [Benchmark]
    public double? NaiveComposition()
    {
        var (p, f) = _sample[Next()];
        var clv = _models.Clv!.Estimate(f.Btyd);
        var stage = _models.Lifecycle.Classify(LifecycleInput.FromFeatures(f, null, clv.ProbabilityAlive)).Stage;
        var model = (LogisticRegressionModel)_models.Churn!;
        var churn = model.Score(ChurnFeatureMap.Default.ToMatrix([f]))[0];
        var context = new CustomerContext(p, f, _asOf).SetLifecycleStage(stage).SetChurnProbability(churn).SetProbabilityAlive(clv.ProbabilityAlive);
        _ = _models.Offers!.Decide(context);
        return churn;
    }

    /// <summary>Part: P(alive), expected purchases and the 52-week discounted value.</summary>
    [Benchmark]
    public ClvEstimate ClvOnly() => _models.Clv!.Estimate(_sample[Next()].Features.Btyd);

    /// <summary>Part: the offer decision on a filled context.</summary>
    [Benchmark]
    public OfferDecision DecisionOnly() => _models.Offers!.Decide(_contexts[Next()]);

    /// <summary>Part: the lifecycle stage.</summary>
    [Benchmark]
    public LifecycleStage LifecycleOnly() => _models.Lifecycle.Classify(LifecycleInput.FromFeatures(_sample[Next()].Features)).Stage;
}
