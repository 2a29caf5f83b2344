using System.Globalization;
using System.Text;
using CemCore.Experiments;
using CemCore.Features;
using CemCore.Kpis;
using CemCore.Merging;
using CemCore.Recommendations;
using CemCore.Segmentation.Clustering;
using CemCore.Segmentation.Rfm;
using FsCheck.Xunit;

namespace CemCore.Tests.Merging;

/// <summary>
/// For every accumulator: random data, a random partitioning into 1..8 parts, a random merge tree with serialization round trips on the
/// way → the finished result equals the one-pass result (bit for bit, compared through "R" renderings or serialized bytes; the A/B metric
/// sums within the documented summation bound), and a serialize → deserialize round trip of the one-pass partial finishes equal.
/// </summary>
public sealed class MergePropertyTests
{
    private const int Runs = 40;
    private static readonly DateTimeOffset AsOf = MergeHarness.Epoch.AddDays(720);

    [Property(MaxTest = Runs)]
    public void Features_AnyPartitioning_EqualsOnePass(int seed)
    {
        var random = new Random(seed);
        var table = MergeHarness.RandomTable(random, random.Next(0, 60));
        var settings = new FeatureSettings(random.Next(2) == 0 ? CemCore.Primitives.TimeUnit.Day : CemCore.Primitives.TimeUnit.Week);
        var onePass = FeaturePartial.Create(FeatureExtractor.Compute(table, AsOf, settings));
        var (parts, partOf) = MergeHarness.Partition(random, table.CustomerIds.Count);
        var index = table.CustomerIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => (long)x.i, StringComparer.Ordinal);
        var partials = Enumerable.Range(0, parts).Select(p =>
        {
            var sub = table.Subset(partOf, p);
            return FeaturePartial.Create(FeatureExtractor.Compute(sub, AsOf, settings), [.. sub.CustomerIds.Select(id => index[id])]);
        }).ToList();
        var merged = MergeHarness.MergeRandomTree(partials, random);
        Assert.Equal(MergeHarness.Bytes(onePass), MergeHarness.Bytes(FeaturePartial.Create(merged.Finish())));
        Assert.Equal(MergeHarness.Bytes(onePass), MergeHarness.Bytes(MergeHarness.RoundTrip(onePass)));
        Assert.Equal(table.CustomerIds, merged.Finish().Select(f => f.CustomerId));
    }

    [Property(MaxTest = Runs)]
    public void Rfm_AnyPartitioning_EqualsOnePass(int seed)
    {
        var random = new Random(seed);
        var table = MergeHarness.RandomTable(random, random.Next(0, 80));
        var settings = new RfmSettings(2 + random.Next(9));
        var all = RfmValues.FromTransactions(table, AsOf);
        var onePass = RfmScorer.Score(all, settings);
        var (parts, partOf) = MergeHarness.Partition(random, table.CustomerIds.Count);
        var values = Enumerable.Range(0, parts).Select(p => RfmValues.FromTransactions(table.Subset(partOf, p), AsOf)).ToList();
        var merged = MergeHarness.MergeRandomTree([.. values.Select(v => RfmPartial.Create(v, settings))], random);
        var cuts = merged.Finish();
        Assert.Equal(Render(onePass.CutPoints), Render(cuts));
        Assert.Equal(Render(onePass.CutPoints), Render(MergeHarness.RoundTrip(RfmPartial.Create(all, settings)).Finish()));
        var expected = new Dictionary<string, RfmScore>(StringComparer.Ordinal);
        for (var i = 0; i < onePass.Count; i++)
        {
            expected[onePass.Values.CustomerIds[i]] = onePass.Scores[i];
        }

        foreach (var v in values)
        {
            var scored = RfmScorer.ScorePartition(v, cuts, settings);
            for (var i = 0; i < scored.Count; i++)
            {
                Assert.Equal(expected[v.CustomerIds[i]], scored.Scores[i]);
            }
        }
    }

    [Property(MaxTest = Runs)]
    public void KMeansStep_AnyPartitioning_EqualsOnePass(int seed)
    {
        var random = new Random(seed);
        var d = 1 + random.Next(4);
        var k = 1 + random.Next(5);
        var n = random.Next(0, 200);
        var rows = new double[n * d];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = (random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-3, 6));
        }

        var centroids = Enumerable.Range(0, k * d).Select(_ => random.NextDouble() * 100).ToArray();
        var onePass = new KMeansStepPartial(centroids, d);
        onePass.Add(rows);
        var (parts, partOf) = MergeHarness.Partition(random, n);
        var partials = Enumerable.Range(0, parts).Select(_ => new KMeansStepPartial(centroids, d)).ToArray();
        for (var i = 0; i < n; i++)
        {
            partials[partOf[i]].Add(rows.AsSpan(i * d, d));
        }

        var expected = Render(onePass.Finish());
        Assert.Equal(expected, Render(MergeHarness.MergeRandomTree(partials, random).Finish()));
        Assert.Equal(expected, Render(MergeHarness.RoundTrip(onePass).Finish()));
    }

    [Property(MaxTest = Runs)]
    public void AbMetric_AnyPartitioning_EqualsOnePass_WithinTheSummationBound(int seed)
    {
        var random = new Random(seed);
        var variants = 1 + random.Next(4);
        var n = random.Next(0, 300);
        var data = Enumerable.Range(0, n).Select(_ => (V: random.Next(variants), Y: (random.NextDouble() - 0.2) * Math.Pow(10, random.Next(-2, 5)), X: random.NextDouble() * 50)).ToArray();
        var onePass = new MetricAccumulator(variants);
        foreach (var (v, y, x) in data)
        {
            onePass.Add(v, y, x);
        }

        var (parts, partOf) = MergeHarness.Partition(random, n);
        var partials = Enumerable.Range(0, parts).Select(_ => new MetricAccumulator(variants)).ToArray();
        for (var i = 0; i < n; i++)
        {
            partials[partOf[i]].Add(data[i].V, data[i].Y, data[i].X);
        }

        var merged = MergeHarness.MergeRandomTree(partials, random).Finish();
        var expected = onePass.Finish();
        Assert.Equal(expected, MergeHarness.RoundTrip(onePass).Finish());
        for (var v = 0; v < variants; v++)
        {
            var rows = data.Where(r => r.V == v).ToArray();
            var (a, b) = (expected[v], merged[v]);
            Assert.Equal(a.Count, b.Count);
            Within(a.Sum, b.Sum, rows.Sum(r => Math.Abs(r.Y)), rows.Length);
            Within(a.SumOfSquares, b.SumOfSquares, rows.Sum(r => r.Y * r.Y), rows.Length);
            Within(a.CovariateSum, b.CovariateSum, rows.Sum(r => r.X), rows.Length);
            Within(a.CovariateSumOfSquares, b.CovariateSumOfSquares, rows.Sum(r => r.X * r.X), rows.Length);
            Within(a.CrossSum, b.CrossSum, rows.Sum(r => Math.Abs(r.X * r.Y)), rows.Length);
        }
    }

    [Property(MaxTest = Runs)]
    public void Sales_AnyPartitioning_EqualsOnePass(int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, random.Next(0, 200))
            .Select(_ => (C: "c" + random.Next(30).ToString(CultureInfo.InvariantCulture), O: "o" + random.Next(80).ToString(CultureInfo.InvariantCulture), A: random.Next(0, 100_000) / 100m))
            .ToArray();
        var onePass = new SalesAccumulator();
        foreach (var (c, o, a) in rows)
        {
            onePass.Add(c, o, a);
        }

        // Rows (not customers) are partitioned: the same order may land in two partitions.
        var (parts, partOf) = MergeHarness.Partition(random, rows.Length);
        var partials = Enumerable.Range(0, parts).Select(_ => new SalesAccumulator()).ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            partials[partOf[i]].Add(rows[i].C, rows[i].O, rows[i].A);
        }

        Assert.Equal(onePass.Finish(), MergeHarness.MergeRandomTree(partials, random).Finish());
        Assert.Equal(onePass.Finish(), MergeHarness.RoundTrip(onePass).Finish());
    }

    [Property(MaxTest = Runs)]
    public void Survey_AnyPartitioning_EqualsOnePass(int seed)
    {
        var random = new Random(seed);
        var answers = Enumerable.Range(0, random.Next(0, 300)).Select(_ =>
        {
            var kind = (SurveyKind)random.Next(3);
            return (kind, random.Next(SurveyScales.Min(kind), SurveyScales.Max(kind) + 1));
        }).ToArray();
        var onePass = new SurveyAccumulator();
        foreach (var (kind, score) in answers)
        {
            onePass.Add(kind, score);
        }

        var (parts, partOf) = MergeHarness.Partition(random, answers.Length);
        var partials = Enumerable.Range(0, parts).Select(_ => new SurveyAccumulator()).ToArray();
        for (var i = 0; i < answers.Length; i++)
        {
            partials[partOf[i]].Add(answers[i].kind, answers[i].Item2);
        }

        Assert.Equal(onePass.Finish(), MergeHarness.MergeRandomTree(partials, random).Finish());
        Assert.Equal(onePass.Finish(), MergeHarness.RoundTrip(onePass).Finish());
    }

    [Property(MaxTest = Runs)]
    public void Cohorts_AnyPartitioning_EqualsOnePassAndCohortRetention(int seed)
    {
        var random = new Random(seed);
        var table = MergeHarness.RandomTable(random, random.Next(0, 50));
        var onePass = new CohortAccumulator();
        var rows = new List<(string Id, DateTimeOffset T)>();
        for (var i = 0; i < table.Count; i++)
        {
            if (table.Kinds[i] == CemCore.Transactions.TransactionKind.Purchase && table.UtcTicks[i] < AsOf.UtcTicks)
            {
                rows.Add((table.CustomerIds[table.CustomerIndex[i]], new DateTimeOffset(table.UtcTicks[i], TimeSpan.Zero)));
            }
        }

        foreach (var (id, t) in rows)
        {
            onePass.Add(id, t);
        }

        var (parts, partOf) = MergeHarness.Partition(random, rows.Count);
        var partials = Enumerable.Range(0, parts).Select(_ => new CohortAccumulator()).ToArray();
        for (var i = 0; i < rows.Count; i++)
        {
            partials[partOf[i]].Add(rows[i].Id, rows[i].T);
        }

        var expected = Render(CohortRetention.Compute(table, AsOf));
        Assert.Equal(expected, Render(onePass.Finish()));
        Assert.Equal(expected, Render(MergeHarness.MergeRandomTree(partials, random).Finish()));
        Assert.Equal(expected, Render(MergeHarness.RoundTrip(onePass).Finish()));
    }

    [Property(MaxTest = Runs)]
    public void PromotionRoi_AnyPartitioning_EqualsOnePass(int seed)
    {
        var random = new Random(seed);
        var customers = Enumerable.Range(0, random.Next(0, 200)).Select(_ => (
            Treated: random.Next(3) > 0,
            Revenue: random.NextDouble() * Math.Pow(10, random.Next(0, 7)),
            Margin: (random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-1, 5)),
            Cost: random.NextDouble() * 20,
            Redeemed: random.Next(2) == 0)).ToArray();
        var onePass = new PromotionRoiAccumulator();
        var (parts, partOf) = MergeHarness.Partition(random, customers.Length);
        var partials = Enumerable.Range(0, parts).Select(_ => new PromotionRoiAccumulator()).ToArray();
        for (var i = 0; i < customers.Length; i++)
        {
            foreach (var acc in (PromotionRoiAccumulator[])[onePass, partials[partOf[i]]])
            {
                var c = customers[i];
                if (c.Treated)
                {
                    acc.AddTreated(c.Revenue, c.Margin, c.Cost, c.Redeemed);
                }
                else
                {
                    acc.AddHoldout(c.Revenue, c.Margin);
                }
            }
        }

        Assert.Equal(onePass.Finish(), MergeHarness.MergeRandomTree(partials, random).Finish());
        Assert.Equal(onePass.Finish(), MergeHarness.RoundTrip(onePass).Finish());
    }

    [Property(MaxTest = Runs)]
    public void Cooccurrence_AnyPartitioning_EqualsOnePass(int seed)
    {
        var random = new Random(seed);
        var customers = 1 + random.Next(40);
        var events = Enumerable.Range(0, random.Next(1, 250))
            .Select(_ => new PurchaseEvent("c" + random.Next(customers).ToString(CultureInfo.InvariantCulture), "i" + random.Next(25).ToString(CultureInfo.InvariantCulture), MergeHarness.Epoch.AddHours(random.Next(5000))))
            .ToArray();
        var onePass = CooccurrenceCounts.FromHistory(PurchaseHistory.Create(events));
        var (parts, partOf) = MergeHarness.Partition(random, customers);
        var partials = Enumerable.Range(0, parts)
            .Select(p => events.Where(e => partOf[int.Parse(e.CustomerId.AsSpan(1), CultureInfo.InvariantCulture)] == p).ToArray())
            .Where(e => e.Length > 0)
            .Select(e => CooccurrenceCounts.FromHistory(PurchaseHistory.Create(e)))
            .ToList();
        var expected = MergeHarness.Bytes(onePass);
        Assert.Equal(expected, MergeHarness.Bytes(MergeHarness.MergeRandomTree(partials, random)));
        Assert.Equal(expected, MergeHarness.Bytes(MergeHarness.RoundTrip(onePass)));
    }

    [Property(MaxTest = Runs)]
    public void Attribution_AnyPartitioning_EqualsOnePass(int seed)
    {
        var random = new Random(seed);
        var model = (AttributionModel)random.Next(6);
        var settings = new AttributionSettings(1 + random.Next(40), 1 + random.Next(10));
        string[] touchpoints = ["email", "sms", "app", "search", "social"];
        var customers = random.Next(0, 40);
        var byCustomer = Enumerable.Range(0, customers).Select(c =>
        {
            var id = "c" + c.ToString(CultureInfo.InvariantCulture);
            return Enumerable.Range(0, random.Next(0, 12)).Select(_ =>
            {
                var t = MergeHarness.Epoch.AddHours(random.Next(0, 24 * 90));
                return random.Next(4) == 0
                    ? JourneyEvent.Conversion(id, t, random.Next(0, 50_000) / 100m)
                    : JourneyEvent.Touch(id, t, touchpoints[random.Next(touchpoints.Length)]);
            }).ToArray();
        }).ToArray();
        var onePass = new AttributionAccumulator(model, settings);
        foreach (var events in byCustomer)
        {
            onePass.AddCustomer(events);
        }

        // Partitions hold whole customers, in a shuffled order inside each partition.
        var (parts, partOf) = MergeHarness.Partition(random, customers);
        var partials = Enumerable.Range(0, parts).Select(_ => new AttributionAccumulator(model, settings)).ToArray();
        foreach (var c in Enumerable.Range(0, customers).OrderBy(_ => random.Next()))
        {
            partials[partOf[c]].AddCustomer(byCustomer[c]);
        }

        var expected = Render(onePass.Finish());
        Assert.Equal(expected, Render(MergeHarness.MergeRandomTree(partials, random).Finish()));
        Assert.Equal(expected, Render(MergeHarness.RoundTrip(onePass).Finish()));
    }

    private static void Within(double expected, double actual, double sumOfMagnitudes, int n)
    {
        // Each of the two sums is within γ(n−1)·Σ|t| of the exact sum (Higham 2002, §4.2); γ(m) ≤ 1.01·m·u for m·u < 0.01.
        var bound = 2 * 1.01 * Math.Max(n - 1, 0) * Math.Pow(2, -53) * sumOfMagnitudes;
        Assert.True(Math.Abs(expected - actual) <= bound, $"{expected:R} vs {actual:R}, bound {bound:R}");
    }

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Render(RfmCutPoints c)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{c.Bins} {c.Binning} {c.PurchaserCount}");
        foreach (var list in (IReadOnlyList<RfmCutPoint>[])[c.Recency, c.Frequency, c.Monetary])
        {
            sb.Append('|').AppendJoin(',', list.Select(p => p.ToString()));
        }

        return sb.ToString();
    }

    private static string Render(KMeansStepResult r) =>
        string.Join(',', r.Centroids.ToArray().Select(R)) + "|" + string.Join(',', r.ClusterSizes.ToArray()) + "|" + R(r.Inertia);

    private static string Render(CohortMatrix m) =>
        string.Join(';', m.Cohorts.Select(c => c.Label + ":" + c.Customers.ToString(CultureInfo.InvariantCulture) + ":" + string.Join(',', c.Active)));

    private static string Render(AttributionResult r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.Model} {r.Conversions} {R(r.Value)} ")
        + string.Join(';', r.Channels.Select(c => $"{c.Key}={R(c.Value.Conversions)}/{R(c.Value.Value)}"))
        + " | " + string.Join(';', r.RemovalEffects.Select(e => $"{e.Key}={R(e.Value)}"));
}
