using CemCore.Kpis;
using CemCore.Transactions;
using FsCheck.Xunit;

namespace CemCore.Tests.Kpis;

/// <summary>
/// Issue 10: every KPI aggregate is mergeable — any partitioning of the input, merged in any order, gives the one-pass answer
/// (exactly for counts and decimal sums; attribution credits up to double rounding).
/// </summary>
public sealed class KpiMergeabilityTests
{
    private static readonly DateTimeOffset T0 = new(2023, 11, 20, 0, 0, 0, TimeSpan.Zero);

    [Property(MaxTest = 100)]
    public bool Survey_AnyPartitioning_EqualsOnePass(int seed, byte parts)
    {
        var rng = new Random(seed);
        var scores = Enumerable.Range(0, rng.Next(0, 200)).Select(_ =>
        {
            var kind = (SurveyKind)rng.Next(3);
            return new SurveyScore("c" + rng.Next(20), T0, kind, rng.Next(SurveyScales.Min(kind), SurveyScales.Max(kind) + 1));
        }).ToArray();
        var onePass = SurveyAccumulator.Compute(scores);
        var merged = Partition(scores, (parts % 7) + 1, rng, () => new SurveyAccumulator(), (a, s) => a.Add(s), (a, b) => a.Merge(b)).Finish();
        return onePass == merged;
    }

    [Property(MaxTest = 100)]
    public bool Sales_AnyPartitioning_EqualsTheTablePass(int seed, byte parts)
    {
        var rng = new Random(seed);
        var rows = RandomRows(rng);
        var asOf = T0.AddDays(100);
        var table = Table(rows);
        var expected = SalesKpis.Compute(table, asOf);
        var merged = Partition(rows.Where(r => r.Time < asOf).ToArray(), (parts % 7) + 1, rng, () => new SalesAccumulator(), (a, r) => a.Add(r.Customer, r.Order ?? "#" + r.Index, r.Amount), (a, b) => a.Merge(b)).Finish();
        return expected == merged;
    }

    [Property(MaxTest = 100)]
    public bool Cohorts_AnyPartitioning_EqualsTheTablePass(int seed, byte parts)
    {
        var rng = new Random(seed);
        var rows = RandomRows(rng);
        var asOf = T0.AddDays(100);
        var expected = CohortRetention.Compute(Table(rows), asOf);
        var merged = Partition(rows.Where(r => r.Time < asOf).ToArray(), (parts % 7) + 1, rng, () => new CohortAccumulator(), (a, r) => a.Add(r.Customer, r.Time), (a, b) => a.Merge(b)).Finish();
        return Render(expected) == Render(merged);
    }

    [Property(MaxTest = 60)]
    public bool Attribution_AnyCustomerPartitioning_EqualsOnePass(int seed, byte parts, byte modelByte)
    {
        var rng = new Random(seed);
        var model = (AttributionModel)(modelByte % 6);
        string[] channels = ["ad", "email", "search", "social"];
        var customers = Enumerable.Range(0, rng.Next(1, 40)).Select(c => Enumerable.Range(0, rng.Next(1, 12)).Select(_ =>
        {
            var t = T0.AddHours(rng.Next(0, 24 * 60));
            return rng.Next(4) == 0
                ? JourneyEvent.Conversion("c" + c, t, rng.Next(0, 10000) / 100m)
                : JourneyEvent.Touch("c" + c, t, channels[rng.Next(channels.Length)]);
        }).ToArray()).ToArray();
        var onePass = Attribution.Compute(customers.SelectMany(c => c), model);
        var merged = Partition(customers, (parts % 7) + 1, rng, () => new AttributionAccumulator(model), (a, c) => a.AddCustomer(c), (a, b) => a.Merge(b)).Finish();
        return onePass.Conversions == merged.Conversions
            && Math.Abs(onePass.Value - merged.Value) < 1e-9
            && onePass.Channels.Select(c => c.Key).SequenceEqual(merged.Channels.Select(c => c.Key))
            && onePass.Channels.Zip(merged.Channels).All(p => Math.Abs(p.First.Value.Conversions - p.Second.Value.Conversions) < 1e-9
                && Math.Abs(p.First.Value.Value - p.Second.Value.Value) < 1e-7)
            && Math.Abs(merged.Channels.Sum(c => c.Value.Conversions) - merged.Conversions) < 1e-9;
    }

    internal sealed record Row(int Index, string Customer, string? Order, DateTimeOffset Time, decimal Amount);

    private static Row[] RandomRows(Random rng)
    {
        var rows = new List<Row>();
        var n = rng.Next(0, 150);
        for (var i = 0; i < n; i++)
        {
            var customer = "c" + rng.Next(25);

            // Some rows share an order id (same customer and instant, as the table builder requires).
            if (rng.Next(4) == 0 && rows.LastOrDefault(r => r.Order is not null) is { } prev)
            {
                rows.Add(new Row(i, prev.Customer, prev.Order, prev.Time, rng.Next(0, 5000) / 100m));
                continue;
            }

            rows.Add(new Row(i, customer, rng.Next(2) == 0 ? null : "o" + i, T0.AddHours(rng.Next(0, 24 * 130)), rng.Next(0, 5000) / 100m));
        }

        return [.. rows];
    }

    private static TransactionTable Table(Row[] rows)
    {
        var b = new TransactionTableBuilder();
        foreach (var r in rows)
        {
            b.AddPurchase(r.Customer, r.Time, r.Amount, r.Order);
        }

        return b.Build();
    }

    private static string Render(CohortMatrix m) =>
        string.Join(';', m.Cohorts.Select(c => $"{c.Label}:{c.Customers}:{string.Join(',', c.Active)}"));

    internal static TAcc Partition<TAcc, TItem>(IReadOnlyList<TItem> items, int parts, Random rng, Func<TAcc> create, Action<TAcc, TItem> add, Action<TAcc, TAcc> merge)
    {
        var accs = Enumerable.Range(0, parts).Select(_ => create()).ToArray();
        foreach (var item in items.OrderBy(_ => rng.Next()))
        {
            add(accs[rng.Next(parts)], item);
        }

        // Merge in a random tree order.
        var pool = accs.ToList();
        while (pool.Count > 1)
        {
            var i = rng.Next(pool.Count);
            var a = pool[i];
            pool.RemoveAt(i);
            var j = rng.Next(pool.Count);
            merge(pool[j], a);
        }

        return pool[0];
    }
}
