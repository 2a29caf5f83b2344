using CemCore.Kpis;
using FsCheck.Xunit;

namespace CemCore.Tests.Kpis;

/// <summary>Issue 10: the journey-map, funnel, reach, HyperLogLog and engagement accumulators — any partitioning, merged in any tree order
/// (and through the serialized form), gives the one-pass answer exactly.</summary>
public sealed class JourneyFunnelMergeabilityTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static T RoundTrip<T>(T partial, Func<Stream, T> read)
        where T : class, CemCore.Merging.IMergeable<T> => read(new MemoryStream(JourneyFunnelTests.Bytes(partial)));

    [Property(MaxTest = 60)]
    public bool JourneyMap_AnyCustomerPartitioning_EqualsOnePass(int seed, byte parts)
    {
        var rng = new Random(seed);
        string[] touchpoints = ["ads", "social", "browsing", "reviews", "cart", "payment", "delivery", "returns", "email"];
        string?[] segments = ["a", "b", null];
        var customers = Enumerable.Range(0, rng.Next(0, 30)).Select(c => Enumerable.Range(0, rng.Next(1, 10)).Select(_ =>
        {
            var t = T0.AddHours(rng.Next(0, 24 * 40));
            return rng.Next(5) == 0 ? JourneyEvent.Conversion("c" + c, t, 1m) : JourneyEvent.Touch("c" + c, t, touchpoints[rng.Next(touchpoints.Length)]);
        }).ToArray()).ToArray();
        var segmentOf = customers.ToDictionary(c => c[0].CustomerId, _ => segments[rng.Next(3)]);
        var surveys = Enumerable.Range(0, rng.Next(0, 40)).Select(_ =>
        {
            var kind = (SurveyKind)rng.Next(2);
            return new SurveyScore("c" + rng.Next(30), T0, kind, rng.Next(SurveyScales.Min(kind), SurveyScales.Max(kind) + 1), touchpoints[rng.Next(touchpoints.Length)]);
        }).ToArray();
        string? Seg(string id) => segmentOf.GetValueOrDefault(id);
        var onePass = JourneyMap.Compute(customers.SelectMany(c => c), surveys, Seg);
        var items = customers.Select(c => (Action<JourneyMapAccumulator>)(a => a.AddCustomer(c, Seg(c[0].CustomerId))))
            .Concat(surveys.Select(s => (Action<JourneyMapAccumulator>)(a => a.AddSurvey(s, Seg(s.CustomerId))))).ToArray();
        var merged = KpiMergeabilityTests.Partition(items, (parts % 7) + 1, rng, () => new JourneyMapAccumulator(), (a, f) => f(a),
            (a, b) => a.MergeWith(RoundTrip(b, JourneyMapAccumulator.ReadFrom)));
        return JourneyFunnelTests.Render(onePass) == JourneyFunnelTests.Render(merged.Finish());
    }

    [Property(MaxTest = 60)]
    public bool Funnel_AnyCustomerPartitioning_EqualsOnePass(int seed, byte parts)
    {
        var rng = new Random(seed);
        string[] types = ["view", "cart", "buy", "other"];
        string?[] channels = ["web", "app", null];
        var customers = Enumerable.Range(0, rng.Next(0, 40)).Select(c => Enumerable.Range(0, rng.Next(1, 10))
            .Select(_ => new FunnelEvent("c" + c, T0.AddHours(rng.Next(0, 24 * 20)), types[rng.Next(types.Length)], channels[rng.Next(3)])).ToArray()).ToArray();
        string[] steps = ["view", "cart", "buy"];
        var window = TimeSpan.FromDays(5);
        string Seg(string id) => id.Length % 2 == 0 ? "even" : "odd";
        var onePass = Funnel.Compute(customers.SelectMany(c => c), steps, window, Seg);
        var merged = KpiMergeabilityTests.Partition(customers, (parts % 7) + 1, rng, () => new FunnelAccumulator(steps, window),
            (a, c) => a.AddCustomer(c, Seg(c[0].CustomerId)), (a, b) => a.MergeWith(RoundTrip(b, FunnelAccumulator.ReadFrom))).Finish();
        static string R(FunnelResult r) => string.Join('|', new[] { r.Total }.Concat(r.BySegment).Concat(r.ByChannel).Concat(r.Cells)
            .Select(g => $"{g.Segment}/{g.Channel}:{string.Join(',', g.Reached)}"));
        return R(onePass) == R(merged);
    }

    [Property(MaxTest = 60)]
    public bool ReachSketchAndEngagement_AnyRowPartitioning_EqualsOnePass(int seed, byte parts)
    {
        var rng = new Random(seed);
        var rows = Enumerable.Range(0, rng.Next(0, 300)).Select(_ => ("c" + rng.Next(120), (EngagementKind)rng.Next(6))).ToArray();
        var exact = new ReachAccumulator();
        var sketch = new HyperLogLog(8);
        var engagement = new EngagementAccumulator();
        foreach (var (id, kind) in rows)
        {
            exact.Add(id);
            sketch.Add(id);
            engagement.Add(id, kind);
        }

        var n = (parts % 7) + 1;
        var mExact = KpiMergeabilityTests.Partition(rows, n, rng, () => new ReachAccumulator(), (a, r) => a.Add(r.Item1), (a, b) => a.MergeWith(RoundTrip(b, ReachAccumulator.ReadFrom)));
        var mSketch = KpiMergeabilityTests.Partition(rows, n, rng, () => new HyperLogLog(8), (a, r) => a.Add(r.Item1), (a, b) => a.MergeWith(RoundTrip(b, HyperLogLog.ReadFrom)));
        var mEngagement = KpiMergeabilityTests.Partition(rows, n, rng, () => new EngagementAccumulator(), (a, r) => a.Add(r.Item1, r.Item2), (a, b) => a.MergeWith(RoundTrip(b, EngagementAccumulator.ReadFrom)));
        return exact.Finish() == mExact.Finish()
            && JourneyFunnelTests.Bytes(sketch).SequenceEqual(JourneyFunnelTests.Bytes(mSketch))
            && engagement.Finish() == mEngagement.Finish();
    }
}
