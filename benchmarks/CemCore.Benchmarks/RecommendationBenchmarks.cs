using System.Globalization;
using BenchmarkDotNet.Attributes;
using CemCore.Recommendations;

namespace CemCore.Benchmarks;

/// <summary>
/// Recommendations (issue 12): item-item cosine on 1M purchases / 100k customers / 10k items (co-occurrence counts X^T X of the binary
/// incidence + top-50 cosine neighbours per item), batched item-CF top-10 for all 100k customers, FP-growth next to a naive Apriori
/// (level-wise candidates, every basket's k-subsets looked up), implicit ALS (one sweep, 64 factors) and scoring one customer's top-10.
/// Peer: benchmarks/peers/item_cosine_scipy.py (scipy.sparse X.T @ X with normalization), run right after in the same session.
/// </summary>
[MemoryDiagnoser]
public class RecommendationBenchmarks
{
    private PurchaseHistory _history = null!;
    private ItemCfRecommender _cf = null!;
    private int[][] _baskets = null!;
    private ImplicitAlsModel _als = null!;
    private long _minCount;

    [GlobalSetup]
    public void Setup()
    {
        _history = PurchaseHistory.Create(Events(1_000_000, 100_000, 10_000, 42));
        _cf = ItemCfRecommender.Fit(_history, SimilarityMetric.Cosine, 50);

        // Baskets over 1,000 items (Zipf-like popularity, 1–8 items each).
#pragma warning disable CA5394 // benchmark data
        var random = new Random(7);
        _baskets = new int[BasketCount][];
        for (var b = 0; b < _baskets.Length; b++)
        {
            var n = 1 + random.Next(8);
            _baskets[b] = Enumerable.Range(0, n).Select(_ => (int)(Math.Pow(random.NextDouble(), 3) * 1000)).Distinct().Order().ToArray();
        }
#pragma warning restore CA5394
        _minCount = AssociationRules.MinCount(0.001, _baskets.Length);
        _als = ImplicitAls.Fit(_history, new ImplicitAlsSettings(Factors: 64, Iterations: 1));
    }

    [Params(1_000_000)]
    public int BasketCount { get; set; }

    [Benchmark(Description = "item-item cosine (counts + top-50), 1M tx")]
    public ItemSimilarityIndex ItemItemCosine() => ItemSimilarityIndex.Build(CooccurrenceCounts.FromHistory(_history), SimilarityMetric.Cosine, 50);

    [Benchmark(Description = "item-CF top-10 for 100k customers")]
    public RecommendationBatch TopTenAllCustomers() => _cf.RecommendAll(10);

    [Benchmark(Description = "FP-growth, 1M baskets, 1k items, minsup 0.001")]
    public int FpGrowth() => AssociationRules.FpGrowth(_baskets, 1000, _minCount, 16).Count;

    [Benchmark(Description = "naive Apriori, same baskets")]
    public int Apriori() => NaiveApriori.Frequent(_baskets, 1000, _minCount, 16).Count;

    [Benchmark(Description = "implicit ALS, 1 sweep, 64 factors, 100k x 10k")]
    public ImplicitAlsModel AlsOneSweep() => ImplicitAls.Fit(_history, new ImplicitAlsSettings(Factors: 64, Iterations: 1));

    [Benchmark(Description = "ALS top-10 of one customer (10k items)")]
    public int AlsScoreOne() => _als.Recommend("C0012345", 10).Count;

    internal static IEnumerable<PurchaseEvent> Events(int rows, int customers, int items, int seed)
    {
#pragma warning disable CA5394 // benchmark data
        var random = new Random(seed);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var customerIds = Enumerable.Range(0, customers).Select(c => "C" + c.ToString("D7", CultureInfo.InvariantCulture)).ToArray();
        var itemIds = Enumerable.Range(0, items).Select(i => "I" + i.ToString("D5", CultureInfo.InvariantCulture)).ToArray();
        for (var k = 0; k < rows; k++)
        {
            yield return new PurchaseEvent(customerIds[random.Next(customers)], itemIds[(int)(Math.Pow(random.NextDouble(), 2) * items)], start.AddMinutes(random.Next(525_600)));
        }
#pragma warning restore CA5394
    }
}
