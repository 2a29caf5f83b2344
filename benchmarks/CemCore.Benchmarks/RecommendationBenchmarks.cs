using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CemCore.Recommendations;

namespace CemCore.Benchmarks;

/// <summary>
/// Recommendations (issue 12): item-item cosine on 1M purchases / 100k customers / 10k items (co-occurrence counts X^T X of the binary
/// incidence + top-50 cosine neighbours per item; fused: the top-50 selected row by row without materializing the counts), batched item-CF top-10 for all 100k customers, FP-growth next to a naive Apriori
/// (level-wise candidates, every basket's k-subsets looked up), implicit ALS (10 iterations, 64 factors) and scoring one customer's top-10
/// (the machine's widest kernel, and the Vector256 AVX2+FMA kernel forced; run with <c>DOTNET_EnableAVX512=0</c> to make an AVX-512
/// machine pick the AVX2 kernel itself).
/// Peer: benchmarks/peers/item_cosine_scipy.py (scipy.sparse X.T @ X with normalization), run right after in the same session.
/// </summary>
/// <remarks>
/// The data sets are large and single operations take seconds, so the job is small (1 warm-up, 3 measured iterations) and in-process (the
/// out-of-process build of BenchmarkDotNet's boilerplate times out on the loaded machine); run without <c>--job</c>.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(SmallInProcessJob))]
public class RecommendationBenchmarks
{
    private const int BasketCount = 1_000_000;
    private static readonly ImplicitAlsSettings Als = new(Factors: 64, Iterations: 10);
    private readonly int[] _topItems = new int[10];
    private readonly double[] _topScores = new double[10];
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
        _baskets = Baskets(BasketCount, 1_000, 8, 7);
        _minCount = AssociationRules.MinCount(0.001, _baskets.Length);
        _als = ImplicitAls.Fit(_history, Als with { Iterations = 1 });
    }

    [Benchmark(Description = "item-item cosine fused (top-50 from history), 1M tx")]
    public ItemSimilarityIndex ItemItemCosineFused() => ItemSimilarityIndex.Build(_history, SimilarityMetric.Cosine, 50);

    [Benchmark(Description = "item-item cosine (counts + top-50), 1M tx")]
    public ItemSimilarityIndex ItemItemCosine() => ItemSimilarityIndex.Build(CooccurrenceCounts.FromHistory(_history), SimilarityMetric.Cosine, 50);

    [Benchmark(Description = "item-CF top-10 for 100k customers")]
    public RecommendationBatch TopTenAllCustomers() => _cf.RecommendAll(10);

    [Benchmark(Description = "FP-growth, 1M baskets, 1k items, minsup 0.001")]
    public int FpGrowth() => AssociationRules.FpGrowth(_baskets, 1000, _minCount, 16).Count;

    [Benchmark(Description = "naive Apriori, same baskets")]
    public int Apriori() => NaiveApriori.Frequent(_baskets, 1000, _minCount, 16).Count;

    [Benchmark(Description = "implicit ALS, 10 iterations, 64 factors, 100k x 10k")]
    public ImplicitAlsModel AlsFit() => ImplicitAls.Fit(_history, Als);

    [Benchmark(Description = "ALS top-10 of one customer (RecommendInto)")]
    public int AlsScoreOne() => _als.RecommendInto("C0012345", _topItems, _topScores);

    [Benchmark(Description = "ALS top-10 of one customer (RecommendInto, Vector256 AVX2+FMA kernel forced)")]
    public int AlsScoreOneVector256() => _als.RecommendInto("C0012345", _topItems, _topScores, AlsScoringKernel.Vector256);

    [Benchmark(Description = "ALS top-10 of one customer (RecommendInto, Vector128 kernel forced)")]
    public int AlsScoreOneVector128() => _als.RecommendInto("C0012345", _topItems, _topScores, AlsScoringKernel.Vector128);

    [Benchmark(Description = "ALS top-10 of one customer (RecommendInto, scalar kernel forced)")]
    public int AlsScoreOneScalar() => _als.RecommendInto("C0012345", _topItems, _topScores, AlsScoringKernel.Scalar);

    [Benchmark(Description = "ALS top-10 of one customer (Recommend, reasons)")]
    public int AlsRecommendOne() => _als.Recommend("C0012345", 10).Count;

    /// <summary>Purchases: uniform customers, item = ⌊u² · items⌋ (popular low ids), uniform times over 2024.</summary>
    internal static IEnumerable<PurchaseEvent> Events(int rows, int customers, int items, int seed)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var customerIds = Enumerable.Range(0, customers).Select(c => "C" + c.ToString("D7", CultureInfo.InvariantCulture)).ToArray();
        var itemIds = Enumerable.Range(0, items).Select(i => "I" + i.ToString("D5", CultureInfo.InvariantCulture)).ToArray();
        for (var k = 0; k < rows; k++)
        {
#pragma warning disable CA5394 // benchmark data
            yield return new PurchaseEvent(customerIds[random.Next(customers)], itemIds[Skewed(random, 2, items)], start.AddMinutes(random.Next(525_600)));
#pragma warning restore CA5394
        }
    }

    /// <summary>Baskets of 1–<paramref name="maxSize"/> distinct items, item = ⌊u³ · items⌋, sorted.</summary>
    internal static int[][] Baskets(int count, int items, int maxSize, int seed)
    {
        var random = new Random(seed);
        var baskets = new int[count][];
        for (var b = 0; b < baskets.Length; b++)
        {
#pragma warning disable CA5394 // benchmark data
            var n = 1 + random.Next(maxSize);
#pragma warning restore CA5394
            baskets[b] = Enumerable.Range(0, n).Select(_ => Skewed(random, 3, items)).Distinct().Order().ToArray();
        }

        return baskets;
    }

#pragma warning disable CA5394 // benchmark data
    private static int Skewed(Random random, double power, int n) => (int)(Math.Pow(random.NextDouble(), power) * n);
#pragma warning restore CA5394

    /// <summary>1 launch, 1 warm-up, 3 measured iterations, in-process with a 60-minute limit.</summary>
    private sealed class SmallInProcessJob : ManualConfig
    {
        public SmallInProcessJob() => AddJob(Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(60), logOutput: true))
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(3)
            .WithId("Small"));
    }
}
