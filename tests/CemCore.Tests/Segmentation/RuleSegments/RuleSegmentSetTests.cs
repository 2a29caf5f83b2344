using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Segmentation.RuleSegments;
using CemCore.Tests.Rules;
using CemCore.Transactions;
using FsCheck.Xunit;
using CemCore.Tests.Shared;

namespace CemCore.Tests.Segmentation.RuleSegments;

public sealed class RuleSegmentSetTests
{
    private static readonly DateTimeOffset AsOf = RuleTestData.AsOf;

    internal const string SampleJson = """
        {
          "version": 1,
          "conditions": {
            "tier1": { "field": "profile.cityTier", "op": "eq", "value": 1 }
          },
          "segments": [
            { "name": "Tier-1 cities", "kind": "geographic", "when": { "ref": "tier1" } },
            { "name": "Women 25-34", "kind": "demographic",
              "when": { "all": [ { "field": "profile.gender", "op": "eq", "value": "Female" },
                                 { "field": "profile.ageBand", "op": "eq", "value": "25-34" } ] } },
            { "name": "Sneaker fans", "kind": "behavioural", "description": "Bought sneakers in the last 90 days",
              "when": { "field": "features.category.sneakers.lastPurchase", "op": "withinLastDays", "value": 90 } },
            { "name": "Outdoor lifestyle", "kind": "psychographic",
              "when": { "any": [ { "field": "profile.tags", "op": "contains", "value": "outdoor" },
                                 { "field": "profile.attributes.lifestyle", "op": "eq", "value": "outdoor" } ] } },
            { "name": "Tier-1 sneaker fans", "kind": "mixed",
              "when": { "all": [ { "ref": "tier1" }, { "ref": "Sneaker fans" } ] } },
            { "name": "Lapsed big spenders", "kind": "behavioural",
              "when": { "all": [ { "field": "features.recencyDays", "op": "gt", "value": 180 },
                                 { "field": "features.monetaryTotal", "op": "ge", "value": 1000 } ] } }
          ]
        }
        """;

    private static RuleSegmentSet Sample() => RuleSegmentJson.Load(SampleJson);

    [Fact]
    public void Evaluate_FillsOneFlagPerSegment()
    {
        var set = Sample();
        Assert.Equal(6, set.Count);
        Span<bool> m = stackalloc bool[set.Count];
        var n = set.Evaluate(RuleTestData.Context(RuleTestData.SneakerFan), m);
        Assert.Equal([true, true, true, true, true, false], m.ToArray());
        Assert.Equal(5, n);

        n = set.Evaluate(RuleTestData.Context(RuleTestData.Lapsed), m);
        Assert.Equal([true, false, false, false, false, true], m.ToArray());
        Assert.Equal(2, n);

        Assert.Equal(0, set.Evaluate(RuleTestData.Context(RuleTestData.Prospect), m));
        Assert.Equal(0b100001UL, set.EvaluateMask(RuleTestData.Context(RuleTestData.Lapsed)));
    }

    [Fact]
    public void Segments_KeepKindDescriptionAndOrder()
    {
        var set = Sample();
        Assert.Equal(SegmentKind.Mixed, set["Tier-1 sneaker fans"].Kind);
        Assert.Equal(4, set["Tier-1 sneaker fans"].Index);
        Assert.Equal("Bought sneakers in the last 90 days", set["Sneaker fans"].Description);
        Assert.Equal(["Sneaker fans", "Lapsed big spenders"], set.OfKind(SegmentKind.Behavioural).Select(s => s.Name));
        Assert.Equal(["tier1"], set.HelperConditionNames);
        Assert.False(set.TryGet("tier1", out _)); // a helper condition is not a segment
        Assert.Throws<KeyNotFoundException>(() => set["nope"]);
    }

    [Fact]
    public void Explain_ShowsWhyAMemberIsAMember()
    {
        var set = Sample();
        var trace = set["Tier-1 sneaker fans"].Explain(RuleTestData.Context(RuleTestData.SneakerFan));
        Assert.True(trace.Held);
        var text = trace.ToString();
        Assert.Contains("✓ ref('tier1')", text, StringComparison.Ordinal);
        Assert.Contains("✓ profile.cityTier = 1 (seen 1)", text, StringComparison.Ordinal);
        Assert.Contains("✓ features.category.sneakers.lastPurchase within last 90 days (seen 2025-12-22T00:00:00.0000000+00:00)", text, StringComparison.Ordinal);

        var all = set.Explain(RuleTestData.Context(RuleTestData.Lapsed));
        Assert.Equal(set.Count, all.Count);
        Assert.True(all[5].Held);
        Assert.Contains("features.recencyDays > 180 (seen 300)", all[5].ToString(), StringComparison.Ordinal);
        Assert.Contains("features.monetaryTotal ≥ 1000 (seen 2500)", all[5].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AllocatesNothing()
    {
        var set = Sample();
        var context = RuleTestData.Context(RuleTestData.SneakerFan);
        var buffer = new bool[set.Count];
        var total = 0;
        for (var i = 0; i < 10; i++)
        {
            total += set.Evaluate(context, buffer);
            total += (int)(set.EvaluateMask(context) & 1);
        }

        Assert.Equal(10 * 6, total);
        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                total += set.Evaluate(context, buffer);
                total += (int)(set.EvaluateMask(context) & 1);
            }
        });

        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
        Assert.Equal(60, total % 600); // 60 from the warm-up loop, then 600 per run of the probed action
    }

    [Fact]
    public void LengthMismatch_Throws_WithCounts()
    {
        var set = Sample();
        var context = RuleTestData.Context(RuleTestData.SneakerFan);
        var ex = Assert.Throws<ArgumentException>(() => set.Evaluate(context, new bool[5]));
        Assert.Equal("memberships", ex.ParamName);
        Assert.Contains("Expected 6 elements", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => set.EvaluateBatch(3, 0, static (_, _, _) => { }, new bool[17]));
        Assert.Contains("Expected 18 membership flags (3 customers × 6 segments) but got 17", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => set.CountMembers(new bool[12], new int[5]));
        Assert.Throws<ArgumentException>(() => set.CountMembers(new bool[13], new int[6]));
    }

    [Property(MaxTest = 30)]
    public bool Batch_Sequential_Parallel_AndSingle_Agree(int seed)
    {
        var set = Sample();
        var (profiles, features) = Synthetic(seed, 300);
        var sequential = new bool[profiles.Count * set.Count];
        set.EvaluateProfiles(profiles, features, AsOf, sequential);

        var parallel = new bool[sequential.Length];
        set.EvaluateBatchParallel(
            profiles.Count,
            (profiles, features),
            static (s, i, c) =>
            {
                s.features.TryGet(s.profiles[i].Id, out var f);
                c.Reset(s.profiles[i], f, AsOf);
            },
            parallel,
            maxDegreeOfParallelism: 2);

        var single = new bool[set.Count];
        for (var i = 0; i < profiles.Count; i++)
        {
            features.TryGet(profiles[i].Id, out var f);
            set.Evaluate(new CustomerContext(profiles[i], f, AsOf), single);
            if (!single.AsSpan().SequenceEqual(sequential.AsSpan(i * set.Count, set.Count)))
            {
                return false;
            }
        }

        return sequential.AsSpan().SequenceEqual(parallel);
    }

    [Fact]
    public void CountMembers_CountsPerSegment_AndTier1SneakerFansAreTheIntersection()
    {
        var set = Sample();
        var (profiles, features) = Synthetic(7, 5000);
        var m = new bool[profiles.Count * set.Count];
        set.EvaluateProfiles(profiles, features, AsOf, m);
        var counts = new int[set.Count];
        set.CountMembers(m, counts);

        var intersection = 0;
        for (var i = 0; i < profiles.Count; i++)
        {
            var row = m.AsSpan(i * set.Count, set.Count);
            Assert.Equal(row[0] && row[2], row[4]);
            intersection += row[0] && row[2] ? 1 : 0;
        }

        Assert.Equal(intersection, counts[4]);
        Assert.All(counts, c => Assert.InRange(c, 1, profiles.Count - 1)); // every segment is populated and none is everyone
    }

    [Fact]
    public void Batch_WithFill_CanSetModelOutputs()
    {
        var set = new RuleSegmentSetBuilder()
            .AddSegment("Growing", SegmentKind.Behavioural, Condition.Field("lifecycle.stage").Equal("Growth"))
            .Build();
        var stages = new[] { LifecycleStage.Growth, LifecycleStage.Dormant, LifecycleStage.Growth };
        var m = new bool[3];
        set.EvaluateBatch(stages.Length, stages, static (s, i, c) => c.Reset(null, null, AsOf).SetLifecycleStage(s[i]), m);
        Assert.Equal([true, false, true], m);
    }

    [Fact]
    public void Batch_HonoursCancellation()
    {
        var set = Sample();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() =>
            set.EvaluateBatch(10, 0, static (_, _, c) => c.Reset(null, null, AsOf), new bool[60], cts.Token));
    }

    [Fact]
    public void Builder_SegmentDefinedByAnotherSegment_AndCycleBetweenSegmentsFails()
    {
        var set = new RuleSegmentSetBuilder()
            .AddSegment("Big", SegmentKind.Behavioural, Condition.Field("features.monetaryTotal").AtLeast(1000))
            .AddSegment("Big in Beijing", SegmentKind.Mixed, Condition.All(Condition.Ref("Big"), Condition.Field("profile.region").Equal("Beijing")))
            .Build();
        Assert.True(set["Big in Beijing"].IsMember(RuleTestData.Context(RuleTestData.Lapsed)));

        var ex = Assert.Throws<RuleDefinitionException>(() => new RuleSegmentSetBuilder()
            .AddSegment("A", SegmentKind.Behavioural, Condition.Ref("B"))
            .AddSegment("B", SegmentKind.Behavioural, Condition.Ref("A"))
            .Build());
        Assert.Contains("A → B → A", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RuleSegmentSetBuilder().AddSegment("X", (SegmentKind)42, Condition.All()));
    }

    [Fact]
    public void Json_RoundTrip_KeepsDefinitionsAndResults()
    {
        var set = Sample();
        var json = RuleSegmentJson.ToJson(set);
        var again = RuleSegmentJson.Load(json);
        Assert.Equal(json, RuleSegmentJson.ToJson(again));
        Assert.Equal(set.Segments.Select(s => s.ToString() + s.Condition.Definition), again.Segments.Select(s => s.ToString() + s.Condition.Definition));
        var (profiles, features) = Synthetic(3, 500);
        var a = new bool[profiles.Count * set.Count];
        var b = new bool[a.Length];
        set.EvaluateProfiles(profiles, features, AsOf, a);
        again.EvaluateProfiles(profiles, features, AsOf, b);
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("""{"segments":[{"name":"A","kind":"cosmic","when":{"all":[]}}]}""", "$.segments[0].kind", "cosmic", "Unknown segment kind")]
    [InlineData("""{"segments":[{"name":"A","kind":"geographic"}]}""", "$.segments[0]", "A", "Missing 'when'")]
    [InlineData("""{"segments":[{"kind":"geographic","when":{"all":[]}}]}""", "$.segments[0]", null, "Missing 'name'")]
    [InlineData("""{"segments":[{"name":"A","kind":"geographic","when":{"ref":"B"}}]}""", "$.segments[0].when.ref", "B", "Unknown reference")]
    [InlineData("""{"segments":[{"name":"A","kind":"geographic","when":{"field":"profile.planet","op":"eq","value":"Mars"}}]}""", "$.segments[0].when", null, "Unknown field 'profile.planet'")]
    [InlineData("""{"segments":[{"name":"A","kind":"geographic","when":{"all":[]},"colour":"red"}]}""", "$.segments[0].colour", "colour", "Unknown property")]
    [InlineData("""{"version":2,"segments":[]}""", "$.version", "2", "Unsupported version")]
    [InlineData("""{"conditions":{}}""", "$", null, "Missing 'segments'")]
    [InlineData("""{"segments":[{"name":"A","kind":"mixed","when":{"all":[]}},{"name":"A","kind":"mixed","when":{"all":[]}}]}""", "$.segments[1].when", "A", "Duplicate name")]
    public void Json_LoadErrors_ArePrecise(string json, string path, string? value, string message)
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => RuleSegmentJson.Load(json));
        var e = Assert.Single(ex.Errors);
        Assert.Equal(path, e.Path);
        Assert.Equal(value, e.Value);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_ReferenceToASegmentThatFailed_IsNotReportedTwice()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => RuleSegmentJson.Load(
            """{"segments":[{"name":"A","kind":"cosmic","when":{"all":[]}},{"name":"B","kind":"mixed","when":{"ref":"A"}}]}"""));
        Assert.Single(ex.Errors);
    }

    /// <summary>Seeded synthetic customers: region/tier, tags, and 0-6 purchases over two years in four categories.</summary>
    internal static (List<CustomerProfile> Profiles, CustomerFeatureSet Features) Synthetic(int seed, int count)
    {
        var r = new Random(seed);
        string[] regions = ["Shanghai", "Beijing", "Sichuan", "Guangdong"];
        string[] categories = ["sneakers", "apparel", "watches", "outdoor"];
        string[][] tags = [[], ["outdoor"], ["sneakerhead"], ["outdoor", "sneakerhead"]];
        var profiles = new List<CustomerProfile>(count);
        var b = new TransactionTableBuilder();
        for (var i = 0; i < count; i++)
        {
            var id = "C" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            profiles.Add(new CustomerProfile(
                id,
                demographics: new Demographics(AgeBand: r.Next(3) == 0 ? "25-34" : "35-44", Gender: (Gender)r.Next(4), Region: regions[r.Next(4)], CityTier: r.Next(1, 5)),
                tags: tags[r.Next(4)]));
            var orders = r.Next(0, 7);
            for (var k = 0; k < orders; k++)
            {
                b.AddPurchase(id, AsOf.AddDays(-r.Next(1, 730)), Math.Round((decimal)(r.NextDouble() * 800), 2), channel: SalesChannel.Online, category: categories[r.Next(4)]);
            }
        }

        return (profiles, FeatureExtractor.Compute(b.Build(), AsOf));
    }
}
