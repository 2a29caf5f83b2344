using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CemCore.Kpis;
using CemCore.Transactions;

namespace CemCore.Benchmarks;

/// <summary>
/// Issue 10: cohort retention matrix from a loaded <see cref="TransactionTable"/> (10M transactions, 1M customers, two years; CSV load
/// excluded) and Markov removal-effect attribution over 1M conversion paths (1M customers, 1–5 touches each, 4 channels).
/// Peer: benchmarks/peers/cohorts_pandas.py (pandas groupby/pivot on the same shape of data, run beside this class).
/// <para>The KPI set over 10M transactions + 10M events is <see cref="KpiSetBenchmarks"/> (its own class and job).</para>
/// </summary>
[MemoryDiagnoser]
public class KpiBenchmarks
{
    private TransactionTable _table = null!;
    private DateTimeOffset _asOf;
    private JourneyEvent[] _events = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_table, _asOf) = RfmBenchmarkData.Create(10_000_000, 1_000_000);
        var random = new Random(42);
        string[] channels = ["ad", "email", "search", "social"];
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var events = new List<JourneyEvent>(4_000_000);
        for (var c = 0; c < 1_000_000; c++)
        {
            var id = "C" + c.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
            var t = start.AddMinutes(random.Next(0, 500_000));
            var touches = 1 + random.Next(5);
            for (var k = 0; k < touches; k++)
            {
                events.Add(JourneyEvent.Touch(id, t.AddHours(k), channels[random.Next(channels.Length)]));
            }

            if (random.Next(3) > 0)
            {
                events.Add(JourneyEvent.Conversion(id, t.AddHours(touches + 1), 50m));
            }
        }

        _events = [.. events];
    }

    [Benchmark]
    public int CohortMatrix10M() => CohortRetention.Compute(_table, _asOf).Cohorts.Count;

    /// <summary>The same kernel on one thread (the parallel threshold set out of reach): the serial cost and the parallel speed-up.</summary>
    [Benchmark]
    public int CohortMatrix10MSequential() => CohortRetention.Compute(_table, _asOf, int.MaxValue).Cohorts.Count;

    [Benchmark]
    public long MarkovAttribution1MPaths() => Attribution.Compute(_events, AttributionModel.Markov).Conversions;
}

/// <summary>
/// Issue 10: the KPI set over 10M transactions (1M customers) + 10M journey events (1M customers, default stage-map touchpoints): sales
/// KPIs, cohort matrix, monthly revenue series, exact reach and a HyperLogLog sketch, journey map per segment (4 segments) and a 3-step
/// funnel with a 30-day window. Time and allocations are reported (no target); <see cref="CohortMatrix10M"/> in the same run is the
/// reference for its table part.
/// </summary>
/// <remarks>
/// One operation takes seconds and the setup holds ~2 GB, so the job is a monitoring job (one invocation per iteration, no pilot stage,
/// 1 warm-up + 5 measured iterations, one launch). Run it out of process and without <c>--job</c> (which would add a second job):
/// <c>dotnet run -c Release --project benchmarks/CemCore.Benchmarks -- --filter '*KpiSetBenchmarks*'</c>. The in-process toolchain stops
/// a benchmark whose run exceeds its time limit, which this one did under load.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class KpiSetBenchmarks
{
    private TransactionTable _table = null!;
    private DateTimeOffset _asOf;
    private JourneyEvent[] _kpiEvents = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_table, _asOf) = RfmBenchmarkData.Create(10_000_000, 1_000_000);
        var random = new Random(7);
        string[] touchpoints = ["ads", "social", "word-of-mouth", "browsing", "comparison", "reviews", "cart", "payment", "delivery", "service"];
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var events = new JourneyEvent[10_000_000];
        var ids = new string[1_000_000];
        for (var c = 0; c < ids.Length; c++)
        {
            ids[c] = "C" + c.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
        }

        for (var i = 0; i < events.Length; i++)
        {
            var id = ids[random.Next(ids.Length)];
            var t = start.AddMinutes(random.Next(0, 500_000));
            events[i] = random.Next(10) == 0 ? JourneyEvent.Conversion(id, t, 50m) : JourneyEvent.Touch(id, t, touchpoints[random.Next(touchpoints.Length)]);
        }

        _kpiEvents = events;
    }

    [Benchmark]
    public double KpiSet10M()
    {
        var sales = SalesKpis.Compute(_table, _asOf);
        var cohorts = CohortRetention.Compute(_table, _asOf);
        var ticks = _table.UtcTicks.ToArray();
        var amounts = _table.Amounts.ToArray();
        var revenue = KpiSeries.Compute(Enumerable.Range(0, _table.Count).Where(i => ticks[i] < _asOf.UtcTicks), i => new DateTimeOffset(ticks[i], TimeSpan.Zero), KpiPeriod.Month,
            () => new RevenueSum(), (a, i) => a.Total += amounts[i], a => (double)a.Total);
        var reach = new ReachAccumulator();
        var sketch = new HyperLogLog();
        foreach (var e in _kpiEvents)
        {
            reach.Add(e.CustomerId);
            sketch.Add(e.CustomerId);
        }

        var map = JourneyMap.Compute(_kpiEvents, null, id => "S" + (id[^1] % 4).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var funnel = Funnel.Compute(_kpiEvents.Select(FunnelEvent.From), ["ads", "browsing", FunnelEvent.ConversionType], TimeSpan.FromDays(30));
        return sales.Customers + cohorts.Cohorts.Count + revenue.Count + reach.Finish() + sketch.Finish() + map.All.Stages[0].Customers + funnel.Total.Reached[0];
    }

    [Benchmark]
    public int CohortMatrix10M() => CohortRetention.Compute(_table, _asOf).Cohorts.Count;

    /// <summary>A minimal mergeable revenue sum for the monthly series of the benchmark.</summary>
    private sealed class RevenueSum : CemCore.Merging.IMergeable<RevenueSum>
    {
        public decimal Total { get; set; }

        public CemCore.Merging.PartialFormat Format { get; } = new("bench.revenue", 1, 0);

        public RevenueSum MergeWith(RevenueSum other)
        {
            Total += other.Total;
            return this;
        }

        public void WriteTo(Stream stream) => throw new NotSupportedException();

        public static RevenueSum ReadFrom(Stream stream) => throw new NotSupportedException();
    }
}
