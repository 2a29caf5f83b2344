using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Rules;
using CemCore.Segmentation.RuleSegments;
using CemCore.Transactions;

namespace CemCore.Tests.Rules;

/// <summary>The C# example of docs/rules.md, kept compiling and passing here.</summary>
public sealed class DocsExampleTests
{
    [Fact]
    public void DocsExample_Runs()
    {
        // --- docs/rules.md example begins ---
        var asOf = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var table = new TransactionTableBuilder()
            .AddPurchase("C1", asOf.AddDays(-30), 180m, "o1", category: "sneakers")
            .AddPurchase("C2", asOf.AddDays(-240), 1500m, "o2", category: "watches")
            .Build();
        var features = FeatureExtractor.Compute(table, asOf);
        CustomerProfile[] customers =
        [
            new("C1", demographics: new Demographics(CityTier: 1), tags: ["sneakerhead"]),
            new("C2", demographics: new Demographics(CityTier: 2)),
        ];

        // Segments built in C# (RuleSegmentJson.Load reads the same from JSON).
        var segments = new RuleSegmentSetBuilder()
            .AddCondition("tier1", Condition.Field("profile.cityTier").Equal(1))
            .AddSegment("Tier-1 sneaker fans", SegmentKind.Mixed, Condition.All(
                Condition.Ref("tier1"),
                Condition.Field("profile.tags").Contains("sneakerhead"),
                Condition.Field("features.category.sneakers.lastPurchase").WithinLastDays(90)))
            .AddSegment("Lapsed big spenders", SegmentKind.Behavioural, Condition.All(
                Condition.Field("features.recencyDays").GreaterThan(180),
                Condition.Field("features.monetaryTotal").AtLeast(1000)))
            .AddSegment("Slipping away", SegmentKind.Behavioural,
                Condition.Field("lifecycle.stage").In("Decline", "Dormant"))
            .Build();

        // One customer, no allocation: fill a reusable context, evaluate into a span.
        var classifier = new LifecycleClassifier();
        var context = new CustomerContext();
        Span<bool> memberships = stackalloc bool[segments.Count];
        features.TryGet("C2", out var f2);
        context.Reset(customers[1], f2, asOf).SetLifecycleStage(classifier.Classify(f2!).Stage);
        segments.Evaluate(context, memberships);          // [false, true, …]

        // Why? (allocates; for audits)
        ConditionTrace why = segments["Lapsed big spenders"].Explain(context);
        // ✓ all
        //   ✓ features.recencyDays > 180 (seen 240)
        //   ✓ features.monetaryTotal ≥ 1000 (seen 1500)

        // A batch: customers × segments flags, row-major; then counts per segment.
        var all = new bool[customers.Length * segments.Count];
        segments.EvaluateProfiles(customers, features, asOf, all);
        var counts = new int[segments.Count];
        segments.CountMembers(all, counts);                // [1, 1, 0]
        // --- docs/rules.md example ends ---

        Assert.Equal([false, true], memberships[..2].ToArray());
        Assert.True(why.Held);
        Assert.Equal("✓ all\n  ✓ features.recencyDays > 180 (seen 240)\n  ✓ features.monetaryTotal ≥ 1000 (seen 1500)", why.ToString());
        Assert.Equal([1, 1, 0], counts);
    }

    /// <summary>The segment-set JSON of docs/rules.md ("JSON schema"), verbatim.</summary>
    private const string DocsSegmentSet = """
        {
          "version": 1,
          "conditions": {
            "tier1": { "field": "profile.cityTier", "op": "eq", "value": 1 },
            "recentSneakers": { "field": "features.category.sneakers.lastPurchase", "op": "withinLastDays", "value": 90 }
          },
          "segments": [
            { "name": "Tier-1 cities", "kind": "geographic", "when": { "ref": "tier1" } },
            { "name": "Women 25-34", "kind": "demographic",
              "when": { "all": [ { "field": "profile.gender", "op": "eq", "value": "Female" },
                                 { "field": "profile.ageBand", "op": "eq", "value": "25-34" } ] } },
            { "name": "Sneakerheads", "kind": "psychographic",
              "when": { "field": "profile.tags", "op": "containsAny", "value": ["sneakerhead", "runner"] } },
            { "name": "Tier-1 sneaker fans", "kind": "mixed", "description": "Sneaker buyers of the last 90 days in tier-1 cities",
              "when": { "all": [ { "ref": "tier1" }, { "ref": "recentSneakers" } ] } },
            { "name": "Lapsed big spenders", "kind": "behavioural",
              "when": { "all": [ { "field": "features.recencyDays", "op": "gt", "value": 180 },
                                 { "field": "features.monetaryTotal", "op": "ge", "value": 1000 } ] } },
            { "name": "Slipping away", "kind": "behavioural",
              "when": { "any": [ { "field": "lifecycle.stage", "op": "in", "value": ["Decline", "Dormant"] },
                                 { "not": { "field": "features.lastPurchase", "op": "withinLastDays", "value": 365 } } ] } }
          ]
        }
        """;

    [Fact]
    public void DocsSegmentSetJson_Loads()
    {
        var set = RuleSegmentJson.Load(DocsSegmentSet);
        Assert.Equal(6, set.Count);
        Assert.Equal(SegmentKind.Mixed, set["Tier-1 sneaker fans"].Kind);
        Assert.Equal(["tier1", "recentSneakers"], set.HelperConditionNames);
    }
}
