using CemCore.Recommendations;

namespace CemCore.Tests.Recommendations;

/// <summary>
/// Implicit ALS against ReferenceData/Recommendations/generate_als_reference.py (numpy implementation of the same Hu–Koren–Volinsky update
/// with conjugate-gradient row solves, and np.linalg.solve for the exact row minimizer); ranking metrics against hand-computed values.
/// </summary>
public sealed class AlsAndEvaluationTests
{
    [Fact]
    public void Als_MatchesNumpyReference()
    {
        using var doc = RecommendationTestData.Json("als_expected.json");
        var root = doc.RootElement;
        int users = root.GetProperty("users").GetInt32(), items = root.GetProperty("items").GetInt32(), f = root.GetProperty("factors").GetInt32();
        var r = Doubles(root, "r");
        var rows = Rows(r, users, items);
        var cases = 0;
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            var settings = new ImplicitAlsSettings(f, root.GetProperty("regularization").GetDouble(), root.GetProperty("alpha").GetDouble(), c.GetProperty("iterations").GetInt32(), c.GetProperty("cgSteps").GetInt32());
            var x = Doubles(root, "x0");
            var y = Doubles(root, "y0");
            ImplicitAls.Run(rows, rows.Transpose(items), x, y, settings, CancellationToken.None);
            Compare(Doubles(c, "x"), x, 1e-9);
            Compare(Doubles(c, "y"), y, 1e-9);
            cases++;
        }

        Assert.Equal(3, cases);

        // f CG steps on an f × f SPD system reach the exact minimizer of the user half-sweep (np.linalg.solve).
        var exact = Doubles(root, "exactUserHalfSweep");
        var xs = Doubles(root, "x0");
        var ys = Doubles(root, "y0");
        var one = new ImplicitAlsSettings(f, root.GetProperty("regularization").GetDouble(), root.GetProperty("alpha").GetDouble(), 1, f + 2);
        ImplicitAls.Run(rows, new ImplicitAls.SparseRows(new int[items + 1], [], []), xs, ys, one, CancellationToken.None);
        Compare(exact, xs, 1e-6);
    }

    [Fact]
    public void Als_IsSeededAndDeterministic_AndRecommendsUnbought()
    {
        var history = PurchaseHistory.Create(RecommendationTestData.RandomEvents(3, 120, 25, 1500));
        var settings = new ImplicitAlsSettings(Factors: 8, Iterations: 4, Seed: 9);
        var a = ImplicitAls.Fit(history, settings);
        var b = ImplicitAls.Fit(history, settings);
        Assert.Equal(a.UserFactors, b.UserFactors);
        Assert.Equal(a.ItemFactors, b.ItemFactors);
        Assert.NotEqual(a.ItemFactors, ImplicitAls.Fit(history, settings with { Seed = 10 }).ItemFactors);
        foreach (var c in history.Customers.Take(20))
        {
            var recs = a.Recommend(c, 5);
            Assert.Equal(5, recs.Count);
            Assert.DoesNotContain(recs, x => history.ItemsOf(c).Contains(x.Item));
            Assert.True(recs.Zip(recs.Skip(1)).All(p => p.First.Score >= p.Second.Score));
            Assert.Equal(recs[0].Score, a.Score(c, recs[0].Item));
        }

        Assert.All(a.Recommend("cold", 3), x => Assert.Equal(RecommendationReasonKind.Popular, x.Reason.Kind));
        Assert.Null(a.Score("cold", history.Items[0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImplicitAls.Fit(history, settings with { Factors = 0 }));
    }

    [Fact]
    public void RankingMetrics_HandComputed()
    {
        // ranked [a, x, b, y], relevant {a, b, c}, K = 4: hits at ranks 1 and 3.
        var (p, r, ap, ndcg, hit) = RecommenderEvaluation.Score(["a", "x", "b", "y"], new HashSet<string> { "a", "b", "c" }, 4);
        Assert.Equal(0.5, p);
        Assert.Equal(2 / 3.0, r, 15);
        Assert.Equal((1 + (2 / 3.0)) / 3, ap, 15); // (P@1 + P@3) / min(3, 4)
        Assert.Equal((1 + (1 / Math.Log2(4))) / (1 + (1 / Math.Log2(3)) + (1 / Math.Log2(4))), ndcg, 15);
        Assert.True(hit);

        var none = RecommenderEvaluation.Score(["x"], new HashSet<string> { "a" }, 2);
        Assert.Equal((0.0, 0.0, 0.0, 0.0, false), none);
    }

    [Fact]
    public void Evaluate_OnTimeSplit_PopularityBaseline_HandComputed()
    {
        var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        PurchaseEvent E(string c, string i, int day) => new(c, i, t0.AddDays(day));
        var history = PurchaseHistory.Create([
            E("u1", "a", 0), E("u2", "a", 1), E("u3", "b", 2), E("u1", "c", 3),
            E("u1", "b", 10), E("u2", "a", 11), E("u2", "c", 12), E("u4", "a", 13),
        ]);
        var split = t0.AddDays(5);
        var train = history.Split(split, after: false);
        var test = history.Split(split, after: true);

        // Popularity in training: a (2), then b (1), c (1). K = 1.
        // u1 owns a, c → recommends b; relevant {b}: hit. u2 owns a → recommends b; relevant {c}: miss. u4 (cold) → a; relevant {a}: hit.
        var m = RecommenderEvaluation.Evaluate(new PopularityRecommender(train), train, test, 1);
        Assert.Equal(3, m.Customers);
        Assert.Equal(2 / 3.0, m.Precision, 15);
        Assert.Equal(2 / 3.0, m.HitRate, 15);
        Assert.Equal(2 / 3.0, m.Recall, 15);
        Assert.Equal(2 / 3.0, m.Coverage, 15); // {a, b} of 3 items
    }

    [Fact]
    public void Content_ProfileDecays_AndExplains()
    {
        var t0 = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var history = PurchaseHistory.Create([
            new PurchaseEvent("runner", "shoe-1", t0, Category: "running", Brand: "acme", UnitPrice: 100),
            new PurchaseEvent("runner", "tee-9", t0.AddDays(-365), Category: "casual", Brand: "zed", UnitPrice: 10),
            new PurchaseEvent("other", "shoe-2", t0, Category: "running", Brand: "acme", UnitPrice: 90),
            new PurchaseEvent("other", "tee-8", t0, Category: "casual", Brand: "zed", UnitPrice: 12),
            new PurchaseEvent("other", "sock-3", t0, Category: "running", Brand: "zed", UnitPrice: 11),
        ]);
        var content = new ContentRecommender(history, t0, TimeSpan.FromDays(365));
        Assert.Equal(["category:running", "brand:acme", "price:high"], content.FeaturesOf("shoe-1"));
        var profile = content.ProfileOf("runner").ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(1.0, profile["category:running"]);
        Assert.Equal(0.5, profile["category:casual"], 15); // one half-life old

        var recs = content.Recommend("runner", 3);
        Assert.Equal("shoe-2", recs[0].Item); // shares all three attributes with the recent shoe
        Assert.Equal("similar to shoe-1 that you bought", recs[0].Reason.ToString());
        Assert.DoesNotContain(recs, r => r.Item is "shoe-1" or "tee-9");
        Assert.Equal(3, recs.Count);
    }

    private static double[] Doubles(System.Text.Json.JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static ImplicitAls.SparseRows Rows(double[] dense, int users, int items)
    {
        var start = new int[users + 1];
        var cols = new List<int>();
        var vals = new List<double>();
        for (var u = 0; u < users; u++)
        {
            for (var i = 0; i < items; i++)
            {
                if (dense[(u * items) + i] > 0)
                {
                    cols.Add(i);
                    vals.Add(dense[(u * items) + i]);
                }
            }

            start[u + 1] = cols.Count;
        }

        return new ImplicitAls.SparseRows(start, [.. cols], [.. vals]);
    }

    private static void Compare(double[] expected, double[] actual, double rel)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(expected[k] - actual[k]) <= rel * scale, $"[{k}] expected {expected[k]:R} actual {actual[k]:R}");
        }
    }
}
