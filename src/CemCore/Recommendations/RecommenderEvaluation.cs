namespace CemCore.Recommendations;

/// <summary>Ranking quality of a recommender at K, averaged over the evaluated customers.</summary>
/// <param name="Customers">Customers evaluated (with at least one relevant item); the averages are NaN when 0.</param>
/// <param name="Precision">Mean hits / K.</param>
/// <param name="Recall">Mean hits / |relevant|.</param>
/// <param name="Map">Mean average precision at K: Σ_{hit at rank r ≤ K} (hits up to r / r) / min(|relevant|, K).</param>
/// <param name="Ndcg">Mean NDCG at K with binary gains: Σ 1/log₂(r + 1) over hits, divided by the ideal for min(|relevant|, K) hits.</param>
/// <param name="HitRate">Share of customers with at least one hit.</param>
/// <param name="Coverage">Distinct items recommended to the evaluated customers / catalogue (training items); NaN for an empty catalogue.</param>
public sealed record RankingMetrics(int Customers, double Precision, double Recall, double Map, double Ndcg, double HitRate, double Coverage);

/// <summary>
/// Offline evaluation on a time-based split: recommend from the training period, compare with what each customer bought in the test period
/// and had not bought before (the relevant set; recommenders exclude items already bought).
/// </summary>
/// <remarks>Customers with an empty relevant set are skipped; customers unknown to the training period are cold starts and are evaluated.</remarks>
public static class RecommenderEvaluation
{
    /// <summary>Evaluates a recommender.</summary>
    /// <param name="recommender">The recommender, trained on <paramref name="train"/>.</param>
    /// <param name="train">The training history.</param>
    /// <param name="test">The test-period history.</param>
    /// <param name="k">K, at least 1.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    public static RankingMetrics Evaluate(IRecommender recommender, PurchaseHistory train, PurchaseHistory test, int k)
    {
        ArgumentNullException.ThrowIfNull(recommender);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var customers = test.Customers.ToArray();
        var results = new (bool Evaluated, double P, double R, double Ap, double Ndcg, bool Hit, string[] Items)[customers.Length];
        Parallel.For(0, customers.Length, c =>
        {
            var before = new HashSet<string>(train.ItemsOf(customers[c]), StringComparer.Ordinal);
            var relevant = new HashSet<string>(test.ItemsOf(customers[c]).Where(i => !before.Contains(i)), StringComparer.Ordinal);
            if (relevant.Count == 0)
            {
                return;
            }

            var recs = recommender.Recommend(customers[c], k).Take(k).Select(r => r.Item).ToArray();
            var (p, r, ap, ndcg, hit) = Score(recs, relevant, k);
            results[c] = (true, p, r, ap, ndcg, hit, recs);
        });
        var evaluated = results.Where(x => x.Evaluated).ToArray();
        var n = evaluated.Length;
        double Mean(Func<(bool, double P, double R, double Ap, double Ndcg, bool Hit, string[] Items), double> f) => n == 0 ? double.NaN : evaluated.Sum(f) / n;
        var distinct = evaluated.SelectMany(x => x.Items).Distinct(StringComparer.Ordinal).Count();
        return new RankingMetrics(
            n,
            Mean(x => x.P),
            Mean(x => x.R),
            Mean(x => x.Ap),
            Mean(x => x.Ndcg),
            Mean(x => x.Hit ? 1 : 0),
            train.Items.Count == 0 ? double.NaN : distinct / (double)train.Items.Count);
    }

    /// <summary>The metrics of one ranked list against a relevant set.</summary>
    /// <param name="ranked">The recommended items, best first (only the first K count).</param>
    /// <param name="relevant">The relevant items (not empty).</param>
    /// <param name="k">K.</param>
    /// <returns>Precision, recall, average precision, NDCG at K and whether any item hit.</returns>
    internal static (double Precision, double Recall, double AveragePrecision, double Ndcg, bool Hit) Score(IReadOnlyList<string> ranked, IReadOnlySet<string> relevant, int k)
    {
        var hits = 0;
        var ap = 0.0;
        var dcg = 0.0;
        for (var r = 0; r < Math.Min(k, ranked.Count); r++)
        {
            if (relevant.Contains(ranked[r]))
            {
                hits++;
                ap += hits / (double)(r + 1);
                dcg += 1 / Math.Log2(r + 2);
            }
        }

        var ideal = 0.0;
        var m = Math.Min(relevant.Count, k);
        for (var r = 0; r < m; r++)
        {
            ideal += 1 / Math.Log2(r + 2);
        }

        return (hits / (double)k, hits / (double)relevant.Count, ap / m, dcg / ideal, hits > 0);
    }
}
