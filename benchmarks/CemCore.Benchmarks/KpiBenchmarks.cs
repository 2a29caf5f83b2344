using BenchmarkDotNet.Attributes;
using CemCore.Kpis;
using CemCore.Transactions;

namespace CemCore.Benchmarks;

/// <summary>
/// Issue 10: cohort retention matrix from a loaded <see cref="TransactionTable"/> (10M transactions, 1M customers, two years; CSV load
/// excluded) and Markov removal-effect attribution over 1M conversion paths (1M customers, 1–5 touches each, 4 channels).
/// Peer: benchmarks/peers/cohorts_pandas.py (pandas groupby/pivot on the same shape of data, run beside this class).
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

    [Benchmark]
    public long MarkovAttribution1MPaths() => Attribution.Compute(_events, AttributionModel.Markov).Conversions;
}
