using System.Numerics;
using CemCore.Recommendations;

namespace CemCore.Tests.Recommendations;

/// <summary>
/// The fast kernels (bitmap Gustavson co-occurrence counts, threshold top-K with exact tie runs, pruned ALS scoring) against brute-force
/// oracles written here independently: pair counts from customer sets, neighbours sorted by the exact rational score (BigInteger
/// cross-multiplication) then item id, and ALS top-K by a full scalar scan. Equality is exact (bit for bit), on data with many ties.
/// </summary>
public sealed class RecommendationKernelTests
{
    [Theory]
    [InlineData(1, 400, 30, 1500)]
    [InlineData(2, 60, 200, 900)]
    [InlineData(3, 1000, 12, 3000)]
    public void CountsAndNeighbours_EqualBruteForce(int seed, int customers, int items, int events)
    {
        var history = PurchaseHistory.Create(RecommendationTestData.RandomEvents(seed, customers, items, events));
        var counts = CooccurrenceCounts.FromHistory(history);
        var buyers = history.Items.ToDictionary(i => i, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var c in history.Customers)
        {
            foreach (var i in history.ItemsOf(c))
            {
                buyers[i].Add(c);
            }
        }

        long N = history.Customers.Count;
        foreach (var metric in new[] { SimilarityMetric.Cooccurrence, SimilarityMetric.Cosine, SimilarityMetric.Jaccard, SimilarityMetric.Lift })
        {
            foreach (var k in new[] { 1, 3, 7, 1000 })
            {
                // Both builds: from the materialized counts and fused straight from the history.
                var index = ItemSimilarityIndex.Build(counts, metric, k);
                var fused = ItemSimilarityIndex.Build(history, metric, k);
                foreach (var i in history.Items)
                {
                    long ni = buyers[i].Count;
                    var expected = history.Items.Where(j => j != i)
                        .Select(j => (Item: j, Nj: (long)buyers[j].Count, Nij: (long)buyers[i].Count(buyers[j].Contains)))
                        .Where(x => x.Nij > 0)
                        .Select(x => (x.Item, x.Nij, x.Nj, Ratio: ExactRatio(metric, x.Nij, ni, x.Nj, N)))
                        .ToList();
                    foreach (var x in expected)
                    {
                        Assert.Equal(x.Nij, counts.PairCount(i, x.Item));
                    }

                    expected.Sort((a, b) =>
                    {
                        var d = (b.Ratio.Num * a.Ratio.Den).CompareTo(a.Ratio.Num * b.Ratio.Den);
                        return d != 0 ? d : string.CompareOrdinal(a.Item, b.Item);
                    });
                    foreach (var actual in new[] { index.NeighboursOf(i), fused.NeighboursOf(i) })
                    {
                        Assert.Equal(expected.Take(k).Select(x => x.Item), actual.Select(a => a.Item));
                        Assert.Equal(expected.Take(k).Select(x => Formula(metric, x.Nij, ni, x.Nj, N)), actual.Select(a => a.Score));
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(4, 8)]
    [InlineData(5, 64)]
    public void AlsRecommendInto_EqualsFullScalarScan(int seed, int factors)
    {
        var history = PurchaseHistory.Create(RecommendationTestData.RandomEvents(seed, 150, 400, 2500));
        var model = ImplicitAls.Fit(history, new ImplicitAlsSettings(Factors: factors, Iterations: 3, Seed: seed));
        AssertFullScan(history, model, factors, 10);
        AssertFullScan(history, model, factors, 1);
    }

    [Fact]
    public void AlsRecommendInto_TiesByIndex_AndHugeFactorsFallBackToFullScan()
    {
        var history = PurchaseHistory.Create(RecommendationTestData.RandomEvents(6, 40, 60, 400));
        const int f = 4;
        var users = history.Customers.Count;
        var items = history.Items.Count;
        var x = new double[users * f];
        var y = new double[items * f];
        for (var k = 0; k < x.Length; k++)
        {
            x[k] = 0.1 + (k % 7 * 0.05);
        }

        // Items come in groups of three with identical factors: their scores tie exactly.
        for (var j = 0; j < items; j++)
        {
            for (var a = 0; a < f; a++)
            {
                y[(j * f) + a] = 0.01 * (((j / 3) * (a + 1)) % 11);
            }
        }

        AssertFullScan(history, new ImplicitAlsModel(history, f, x, y), f, 7);
        var huge = (double[])y.Clone();
        huge[5] = 1e300;
        AssertFullScan(history, new ImplicitAlsModel(history, f, x, huge), f, 7);

        var model = new ImplicitAlsModel(history, f, x, y);
        Assert.Throws<ArgumentException>(() => model.RecommendInto(history.Customers[0], [], []));
        Assert.Throws<ArgumentException>(() => model.RecommendInto(history.Customers[0], new int[3], new double[2]));
        var cold = new int[3];
        Assert.Equal(3, model.RecommendInto("nobody", cold, new double[3]));
        Assert.Equal(model.Recommend("nobody", 3).Select(r => r.Item), cold.Select(j => history.Items[j]));
    }

    [Theory]
    [InlineData(7, 64, 10)]
    [InlineData(8, 13, 3)]
    public void AlsScoringKernels_Scalar128And256And512_GiveTheSameTopKAsAFullScan(int seed, int factors, int k)
    {
        // Every kernel is forced (a kernel the hardware lacks runs in software emulation): the single-precision bounds may differ
        // between kernels, the exact top-K may not. 13 factors exercise the kernels' remainder loops.
        var history = PurchaseHistory.Create(RecommendationTestData.RandomEvents(seed, 120, 333, 2000));
        var model = ImplicitAls.Fit(history, new ImplicitAlsSettings(Factors: factors, Iterations: 2, Seed: seed));
        var x = model.UserFactors;
        var y = model.ItemFactors;
        foreach (var kernel in new[] { AlsScoringKernel.Scalar, AlsScoringKernel.Vector128, AlsScoringKernel.Vector256, AlsScoringKernel.Vector512, AlsScoringKernel.Auto })
        {
            var items = new int[k];
            var scores = new double[k];
            for (var u = 0; u < history.Customers.Count; u++)
            {
                var expected = FullScan(history, x, y, factors, u, k);
                var n = model.RecommendInto(history.Customers[u], items, scores, kernel);
                Assert.Equal(expected.Select(e => e.Item), items.Take(n));
                Assert.Equal(expected.Select(e => e.Score), scores.Take(n));
            }
        }
    }

    private static void AssertFullScan(PurchaseHistory history, ImplicitAlsModel model, int f, int k)
    {
        var x = model.UserFactors;
        var y = model.ItemFactors;
        var items = new int[k];
        var scores = new double[k];
        for (var u = 0; u < history.Customers.Count; u++)
        {
            var expected = FullScan(history, x, y, f, u, k);
            var n = model.RecommendInto(history.Customers[u], items, scores);
            Assert.Equal(expected.Select(e => e.Item), items.Take(n));
            Assert.Equal(expected.Select(e => e.Score), scores.Take(n));
            Assert.Equal(expected.Select(e => history.Items[e.Item]), model.Recommend(history.Customers[u], k).Select(r => r.Item));
        }
    }

    // A customer's top-K unbought items by a full scan with a sequential double dot product, ties by item index.
    private static (int Item, double Score)[] FullScan(PurchaseHistory history, double[] x, double[] y, int f, int u, int k)
    {
        var owned = history.ItemsOf(history.Customers[u]).ToHashSet(StringComparer.Ordinal);
        return Enumerable.Range(0, history.Items.Count).Where(j => !owned.Contains(history.Items[j])).Select(j =>
        {
            var s = 0.0;
            for (var a = 0; a < f; a++)
            {
                s += x[(u * f) + a] * y[(j * f) + a];
            }

            return (Item: j, Score: s);
        }).OrderByDescending(e => e.Score).ThenBy(e => e.Item).Take(k).ToArray();
    }

    // The score as an exact ratio (arbitrary precision).
    private static (BigInteger Num, BigInteger Den) ExactRatio(SimilarityMetric metric, long nij, long ni, long nj, long n) => metric switch
    {
        SimilarityMetric.Cooccurrence => (nij, 1),
        SimilarityMetric.Cosine => ((BigInteger)nij * nij, (BigInteger)ni * nj),
        SimilarityMetric.Jaccard => (nij, ni + nj - nij),
        _ => ((BigInteger)n * nij, (BigInteger)ni * nj),
    };

    // The documented formulas, in double.
    private static double Formula(SimilarityMetric metric, long nij, long ni, long nj, long n) => metric switch
    {
        SimilarityMetric.Cooccurrence => nij,
        SimilarityMetric.Cosine => nij / Math.Sqrt((double)ni * nj),
        SimilarityMetric.Jaccard => nij / (double)(ni + nj - nij),
        _ => (double)n * nij / ((double)ni * nj),
    };
}
