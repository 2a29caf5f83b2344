using CemCore.Segmentation.Rfm;
using CemCore.Tests.Merging;
using FsCheck.Xunit;

namespace CemCore.Tests.Segmentation.Rfm;

/// <summary>
/// The lazy merge of <see cref="RfmPartial"/> (issue #13: the merged partial keeps the inputs' sorted runs, the cut-points are selected from
/// the runs, the serialized form walks their k-way merge) against the one-pass partial of all customers: up to 150 partitions (past the
/// 64 runs at which the runs are merged into one), heavy ties in every measure (so the order rests on the customer ids), empty partitions,
/// and merges of merges. Reference: <see cref="RfmPartial.Create(RfmValues, RfmSettings)"/> over the whole population, which sorts the
/// entries in one array; the serialized bytes and the cut-points must be equal.
/// </summary>
public sealed class RfmPartialLazyMergeTests
{
    [Property(MaxTest = 60)]
    public void ManyRuns_WithTies_EqualOnePass(int seed)
    {
        var random = new Random(seed);
        var n = random.Next(0, 400);
        var distinct = 1 + random.Next(6); // few distinct values: most comparisons fall through to the ids
        var ids = new string[n];
        var recency = new double[n];
        var frequency = new int[n];
        var monetary = new decimal[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = "C" + random.Next(0, 1 << 20).ToString("X5", System.Globalization.CultureInfo.InvariantCulture) + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            recency[i] = random.Next(distinct);
            frequency[i] = random.Next(3) == 0 ? 0 : 1 + random.Next(distinct); // some customers without purchases
            monetary[i] = random.Next(distinct) * 10.5m;
        }

        var settings = new RfmSettings(2 + random.Next(9));
        var onePass = RfmPartial.Create(RfmValues.Create(ids, recency, frequency, monetary), settings);
        var parts = 1 + random.Next(150);
        var partOf = Enumerable.Range(0, n).Select(_ => random.Next(parts)).ToArray();
        var partials = Enumerable.Range(0, parts).Select(p =>
        {
            var members = Enumerable.Range(0, n).Where(i => partOf[i] == p).ToArray();
            return RfmPartial.Create(
                RfmValues.Create([.. members.Select(i => ids[i])], [.. members.Select(i => recency[i])], [.. members.Select(i => frequency[i])], [.. members.Select(i => monetary[i])]),
                settings);
        }).ToList();

        // A merge of merges: random groups merged first, then all groups at once.
        var groups = partials.GroupBy(_ => random.Next(1 + random.Next(5))).Select(g => RfmPartial.Merge(g)).ToList();
        var merged = RfmPartial.Merge(groups);

        Assert.Equal(onePass.PurchaserCount, merged.PurchaserCount);
        Assert.Equal(Render(onePass.Finish()), Render(merged.Finish()));
        Assert.Equal(MergeHarness.Bytes(onePass), MergeHarness.Bytes(merged));
    }

    private static string Render(RfmCutPoints cuts) =>
        string.Join(';', new[] { cuts.Recency, cuts.Frequency, cuts.Monetary }.Select(
            m => string.Join(',', m.Select(c => c.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "/" + c.TieBreakId))));
}
