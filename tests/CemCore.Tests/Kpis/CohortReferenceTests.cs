using System.Globalization;
using System.Text.Json;
using CemCore.Kpis;
using CemCore.Transactions;

namespace CemCore.Tests.Kpis;

/// <summary>
/// Issue 10: the cohort retention matrix against an independent pandas implementation
/// (ReferenceData/Kpis/cohorts_pandas_reference.py wrote cohort_transactions.csv and cohort_expected.json: groupby/transform("min")/pivot,
/// returns and purchases on or after as-of excluded, month-edge instants), for the sequential kernel, the parallel kernel (forced with a tiny
/// per-worker threshold) and the mergeable accumulator.
/// </summary>
public sealed class CohortReferenceTests
{
    private static readonly Lazy<(TransactionTable Table, DateTimeOffset AsOf, string Expected, (string Id, DateTimeOffset Time)[] Purchases)> Reference = new(Load);

    [Fact]
    public void SequentialKernel_EqualsPandas()
    {
        var (table, asOf, expected, _) = Reference.Value;
        Assert.Equal(expected, Render(CohortRetention.Compute(table, asOf, int.MaxValue)));
        Assert.Equal(expected, Render(CohortRetention.Compute(table, asOf)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(500)]
    [InlineData(2999)]
    public void ParallelKernel_AnyWorkerSplit_EqualsPandas(int rowsPerWorker)
    {
        var (table, asOf, expected, _) = Reference.Value;
        Assert.Equal(expected, Render(CohortRetention.Compute(table, asOf, rowsPerWorker)));
    }

    [Fact]
    public void Accumulator_EqualsPandas()
    {
        var (_, asOf, expected, purchases) = Reference.Value;
        var acc = new CohortAccumulator();
        foreach (var (id, time) in purchases.Where(p => p.Time < asOf))
        {
            acc.Add(id, time);
        }

        Assert.Equal(expected, Render(acc.Finish()));
    }

    [Fact]
    public void ParallelKernel_LargeRandomTable_EqualsSequential()
    {
        // 200k rows over 3 years and 20k customers, with returns and rows after as-of: the parallel path with 2–8 workers equals the
        // sequential one cell for cell (masks are OR-ed and counts summed, so scheduling cannot change the result).
        var rng = new Random(11);
        var b = new TransactionTableBuilder();
        var t0 = new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var firstOrder = new Dictionary<int, string>();
        for (var i = 0; i < 200_000; i++)
        {
            var c = rng.Next(20_000);
            var t = t0.AddSeconds(rng.NextInt64(3L * 365 * 86_400));
            var id = "c" + c.ToString(CultureInfo.InvariantCulture);
            if (firstOrder.TryGetValue(c, out var order) && rng.Next(10) == 0)
            {
                b.AddReturn(id, t, 1m, order);
            }
            else
            {
                var o = "o" + i.ToString(CultureInfo.InvariantCulture);
                b.AddPurchase(id, t, 5m, o);
                firstOrder.TryAdd(c, o);
            }
        }

        var table = b.Build();
        var asOf = new DateTimeOffset(2024, 7, 1, 0, 0, 0, TimeSpan.Zero);
        var sequential = Render(CohortRetention.Compute(table, asOf, int.MaxValue));
        Assert.Equal(30, CohortRetention.Compute(table, asOf, int.MaxValue).Cohorts[0].Active.Count);
        foreach (var perWorker in new[] { 25_000, 50_000, 100_000 })
        {
            Assert.Equal(sequential, Render(CohortRetention.Compute(table, asOf, perWorker)));
        }
    }

    private static string Render(CohortMatrix m) =>
        string.Join(';', m.Cohorts.Select(c => $"{c.Label}:{c.Customers}:{string.Join(',', c.Active)}"));

    private static (TransactionTable, DateTimeOffset, string, (string, DateTimeOffset)[]) Load()
    {
        var asm = typeof(CohortReferenceTests).Assembly;
        using var json = JsonDocument.Parse(asm.GetManifestResourceStream(asm.GetManifestResourceNames().Single(n => n.EndsWith("cohort_expected.json", StringComparison.Ordinal)))!);
        var asOf = DateTimeOffset.Parse(json.RootElement.GetProperty("asOf").GetString()!, CultureInfo.InvariantCulture);
        var expected = string.Join(';', json.RootElement.GetProperty("cohorts").EnumerateArray().Select(c =>
            $"{c.GetProperty("cohort").GetString()}:{c.GetProperty("customers").GetInt32()}:{string.Join(',', c.GetProperty("active").EnumerateArray().Select(a => a.GetInt32()))}"));
        using var reader = new StreamReader(asm.GetManifestResourceStream(asm.GetManifestResourceNames().Single(n => n.EndsWith("cohort_transactions.csv", StringComparison.Ordinal)))!);
        var rows = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Trim().Split(','))
            .Select(f => (Id: f[0], Time: DateTimeOffset.Parse(f[1], CultureInfo.InvariantCulture), Return: f[2] == "return")).ToArray();
        var firstOrder = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Length; i++)
        {
            if (!rows[i].Return)
            {
                firstOrder.TryAdd(rows[i].Id, "o" + i.ToString(CultureInfo.InvariantCulture));
            }
        }

        var b = new TransactionTableBuilder();
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i].Return)
            {
                b.AddReturn(rows[i].Id, rows[i].Time, 1m, firstOrder[rows[i].Id]);
            }
            else
            {
                b.AddPurchase(rows[i].Id, rows[i].Time, 1m, "o" + i.ToString(CultureInfo.InvariantCulture));
            }
        }

        Assert.True(expected.Length > 0 && rows.Any(r => r.Return) && rows.Any(r => r.Time >= asOf));
        return (b.Build(), asOf, expected, rows.Where(r => !r.Return).Select(r => (r.Id, r.Time)).ToArray());
    }
}
