using System.Globalization;
using BenchmarkDotNet.Attributes;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Rules;
using CemCore.Segmentation;
using CemCore.Segmentation.RuleSegments;

namespace CemCore.Benchmarks;

/// <summary>
/// Rule segments over contexts built beforehand, as the nightly pipeline segments (issue 17, twentieth session): one invocation
/// evaluates the 10 segments of <see cref="RuleBenchmarks"/> for 1,000,000 customers whose contexts, profiles and features were made in
/// setup, so they are far larger than the caches. <see cref="RuleSegmenter"/>, which asks for the next customers' data ahead, against a
/// plain loop of <see cref="RuleSegmentSet.EvaluateMask"/> over the same contexts. <c>OperationsPerInvoke</c> makes Mean the time per customer.
/// </summary>
[MemoryDiagnoser]
public class SegmenterBenchmarks
{
    private const int OneMillion = 1_000_000;
    private static readonly DateTimeOffset AsOf = new(2026, 3, 10, 2, 0, 0, TimeSpan.Zero);
    private CustomerContext[] _contexts = [];
    private ulong[] _masks = [];
    private RuleSegmentSet _set = null!;
    private RuleSegmenter _segmenter = null!;
    private SegmentationInput _input = null!;

    /// <summary>Builds the customers (1–4 purchases each, profiles with tags and birth dates, a churn probability) and their contexts.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var features = FeatureExtractor.Compute(PersonalizationBenchmarks.PurchaseTable(OneMillion, AsOf, ["sneakers", "sportswear", "apparel", "bags", "watches"], random), AsOf);
        _contexts = new CustomerContext[features.Count];
        var i = 0;
        foreach (var f in features)
        {
            var profile = new CustomerProfile(f.CustomerId, demographics: new Demographics(BirthDate: new DateOnly(1980 + (i % 30), 1 + (i % 12), 1)), tags: i % 5 == 0 ? ["runner"] : null, timeZoneId: "Asia/Shanghai");
            _contexts[i++] = new CustomerContext(profile, f, AsOf).SetChurnProbability(random.NextDouble());
        }

        _set = RuleSegmentJson.Load(RuleBenchmarks.SegmentsJson);
        _segmenter = new RuleSegmenter(_set);
        _input = new SegmentationInput(features, _contexts);
        _masks = new ulong[_contexts.Length];

        // Both methods must give the same memberships before they are timed.
        EvaluateMaskLoop();
        var result = _segmenter.Segment(_input);
        for (var c = 0; c < _contexts.Length; c++)
        {
            if (result.Masks[c] != _masks[c])
            {
                throw new InvalidOperationException("RuleSegmenter and the EvaluateMask loop disagree for customer index " + c.ToString(CultureInfo.InvariantCulture) + ".");
            }
        }
    }

    /// <summary>Baseline: the compiled segments evaluated in a plain loop over the prepared contexts.</summary>
    /// <returns>A checksum of the masks.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = OneMillion)]
    public ulong EvaluateMaskLoop()
    {
        ulong sum = 0;
        for (var c = 0; c < _contexts.Length; c++)
        {
            sum += _masks[c] = _set.EvaluateMask(_contexts[c]);
        }

        return sum;
    }

    /// <summary>The segmenter the pipeline runs (it also builds its result: masks and customer ids).</summary>
    /// <returns>The number of customers segmented.</returns>
    [Benchmark(OperationsPerInvoke = OneMillion)]
    public int Segmenter() => _segmenter.Segment(_input).Count;
}
