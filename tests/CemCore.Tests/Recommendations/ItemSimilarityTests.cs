using System.Globalization;
using CemCore.Recommendations;

namespace CemCore.Tests.Recommendations;

/// <summary>
/// Item-item similarities against scipy.sparse (ReferenceData/Recommendations/generate_cosine_reference.py: X.T @ X of the binary incidence,
/// normalized), mergeable counts, exact tie-breaking and item-CF recommendations.
/// </summary>
public sealed class ItemSimilarityTests
{
    private static PurchaseHistory ReferenceHistory() => PurchaseHistory.Create(RecommendationTestData.Lines("cosine_events.csv").Skip(1).Select((l, k) =>
    {
        var p = l.Split(',');
        return new PurchaseEvent(p[0], p[1], DateTimeOffset.UnixEpoch.AddMinutes(k));
    }));

    [Theory]
    [InlineData(SimilarityMetric.Cooccurrence, 2)]
    [InlineData(SimilarityMetric.Cosine, 3)]
    [InlineData(SimilarityMetric.Jaccard, 4)]
    [InlineData(SimilarityMetric.Lift, 5)]
    public void Similarities_MatchScipyReference(SimilarityMetric metric, int column)
    {
        var history = ReferenceHistory();
        var expected = RecommendationTestData.Lines("cosine_expected.csv").Skip(1).Select(l => l.Split(','))
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.ToDictionary(p => p[1], p => double.Parse(p[column], CultureInfo.InvariantCulture)));
        var index = ItemSimilarityIndex.Build(CooccurrenceCounts.FromHistory(history), metric, 1000);
        var compared = 0;
        foreach (var item in history.Items)
        {
            var neighbours = index.NeighboursOf(item);
            var exp = expected.GetValueOrDefault(item) ?? [];
            Assert.Equal(exp.Keys.Order(StringComparer.Ordinal), neighbours.Select(n => n.Item).Order(StringComparer.Ordinal));
            foreach (var n in neighbours)
            {
                RecommendationTestData.Close(exp[n.Item], n.Score, item + "~" + n.Item, metric == SimilarityMetric.Cosine ? 1e-14 : 1e-15);
                compared++;
            }

            // Order: score descending, ties by item id ordinal ascending.
            for (var q = 1; q < neighbours.Count; q++)
            {
                Assert.True(neighbours[q - 1].Score > neighbours[q].Score + 1e-12
                    || (Math.Abs(neighbours[q - 1].Score - neighbours[q].Score) <= 1e-12 && string.CompareOrdinal(neighbours[q - 1].Item, neighbours[q].Item) < 0));
            }
        }

        Assert.True(compared > 500);
    }

    [Fact]
    public void Ties_AreExact_ThenOrdinal()
    {
        // a: u1..u6 (n=6); b: u1..u3 and w1..w6 (n=9, n(a,b)=3); z: u4 only (n=1, n(a,z)=1).
        // cos(a,b) = 3/√54 and cos(a,z) = 1/√6 are the same real number, but as doubles 3/√54 < 1/√6 by one ulp.
        // The exact comparison sees a tie and puts b first (ordinal); a floating-point sort would put z first.
        Assert.True(3 / Math.Sqrt(54) < 1 / Math.Sqrt(6));
        var pairs = new List<(string, string)>();
        for (var c = 1; c <= 6; c++)
        {
            pairs.Add(("u" + c, "a"));
        }

        for (var c = 1; c <= 3; c++)
        {
            pairs.Add(("u" + c, "b"));
        }

        for (var c = 1; c <= 6; c++)
        {
            pairs.Add(("w" + c, "b"));
        }

        pairs.Add(("u4", "z"));
        var counts = CooccurrenceCounts.FromHistory(RecommendationTestData.History([.. pairs]));
        Assert.Equal(3, counts.PairCount("a", "b"));
        Assert.Equal(1, counts.PairCount("z", "a"));
        Assert.Equal(0, counts.PairCount("b", "z"));
        Assert.Equal(0, counts.PairCount("a", "unknown"));
        var top = ItemSimilarityIndex.Build(counts, SimilarityMetric.Cosine, 5).NeighboursOf("a");
        Assert.Equal(["b", "z"], top.Select(t => t.Item));
        Assert.Equal(["b"], ItemSimilarityIndex.Build(counts, SimilarityMetric.Cosine, 1).NeighboursOf("a").Select(t => t.Item));
        Assert.Empty(ItemSimilarityIndex.Build(counts, SimilarityMetric.Cosine, 1).NeighboursOf("unknown"));
    }

    [Fact]
    public void Counts_OfCustomerPartitions_MergeExactly()
    {
        var events = RecommendationTestData.RandomEvents(11, 150, 40, 2500);
        var whole = CooccurrenceCounts.FromHistory(PurchaseHistory.Create(events));
        var parts = events.GroupBy(e => (int)e.CustomerId[^1] % 3).Select(g => CooccurrenceCounts.FromHistory(PurchaseHistory.Create(g))).ToArray();
        var merged = parts[0].Merge(parts[1]).Merge(parts[2]);
        Assert.Equal(whole.Customers, merged.Customers);
        Assert.Equal(whole.Items, merged.Items);
        Assert.Equal(whole.RowStart, merged.RowStart);
        Assert.Equal(whole.Columns, merged.Columns);
        Assert.Equal(whole.PairCounts, merged.PairCounts);
        Assert.Equal(whole.ItemCounts, merged.ItemCounts);

        // Merge order does not matter.
        var other = parts[2].Merge(parts[0]).Merge(parts[1]);
        Assert.Equal(merged.PairCounts, other.PairCounts);
    }

    [Fact]
    public void ItemCf_HandComputed_ExcludesPurchases_FallsBackToPopular()
    {
        // c1: milk, bread, butter, eggs; c2: milk, bread; c3: milk, butter, eggs; c4: bread.
        var h = RecommendationTestData.History(
            ("c1", "milk"), ("c1", "bread"), ("c1", "butter"), ("c1", "eggs"), ("c2", "milk"), ("c2", "bread"), ("c3", "milk"), ("c3", "butter"), ("c3", "eggs"), ("c4", "bread"));
        var cf = ItemCfRecommender.Fit(h, SimilarityMetric.Cosine, 10);

        // c2 owns milk, bread: butter = cos(milk,butter) + cos(bread,butter) = 2/√6 + 1/√6 = 3/√6; eggs the same (tie → butter first).
        var r = cf.Recommend("c2", 5);
        Assert.Equal(["butter", "eggs"], r.Select(x => x.Item));
        RecommendationTestData.Close(3 / Math.Sqrt(6), r[0].Score, "score");
        Assert.Equal("because you bought milk", r[0].Reason.ToString());

        // c4 owns bread: milk 2/3, butter 1/√6, eggs 1/√6.
        Assert.Equal(["milk", "butter", "eggs"], cf.Recommend("c4", 3).Select(x => x.Item));

        // Unknown customer: popularity (milk 3, bread 3 → bread first by ordinal; then butter 2, eggs 2).
        var cold = cf.Recommend("nobody", 3);
        Assert.Equal(["bread", "milk", "butter"], cold.Select(x => x.Item));
        Assert.All(cold, x => Assert.Equal(RecommendationReasonKind.Popular, x.Reason.Kind));
        Assert.Empty(cf.Recommend("c1", 3));

        Assert.Throws<ArgumentOutOfRangeException>(() => cf.Recommend("c1", 0));
    }

    [Fact]
    public void RecommendAll_EqualsOneByOne_UnderParallelism()
    {
        var history = PurchaseHistory.Create(RecommendationTestData.RandomEvents(5, 300, 60, 4000));
        var cf = ItemCfRecommender.Fit(history, SimilarityMetric.Jaccard, 20);
        var batch = cf.RecommendAll(7);
        Parallel.For(0, history.Customers.Count, c => Assert.Equal(cf.Recommend(history.Customers[c], 7), batch.Get(c)));
    }
}
