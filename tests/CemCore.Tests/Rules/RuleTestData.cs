using CemCore.Customers;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Transactions;

namespace CemCore.Tests.Rules;

/// <summary>Small hand-made customers whose features are known exactly.</summary>
internal static class RuleTestData
{
    public static readonly DateTimeOffset AsOf = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Numeric custom facts x, y and text fact t, for operator tests that control the value exactly.</summary>
    public static readonly FieldRegistry Registry = FieldRegistry.Default.WithCustomNumber("x").WithCustomNumber("y").WithCustomText("t");

    private static readonly Lazy<CustomerFeatureSet> s_features = new(BuildFeatures);

    public static CustomerFeatureSet Features => s_features.Value;

    /// <summary>A tier-1 sneaker fan in Shanghai: 3 orders (sneakers 10 and 40 days ago online, apparel 200 days ago in store), one size return.</summary>
    public static CustomerProfile SneakerFan { get; } = new(
        "S1",
        signedUpAt: AsOf.AddDays(-400),
        demographics: new Demographics(BirthDate: new DateOnly(1995, 1, 5), AgeBand: "25-34", Gender: Gender.Female, Region: "Shanghai", City: "Shanghai", CityTier: 1, Occupation: "designer"),
        tags: ["sneakerhead", "Outdoor"],
        attributes: new Dictionary<string, string> { ["lifestyle"] = "urban" });

    /// <summary>A lapsed big spender: one large order 300 days ago.</summary>
    public static CustomerProfile Lapsed { get; } = new("L1", demographics: new Demographics(Region: "Beijing", CityTier: 1));

    /// <summary>A prospect: no purchases, no demographics.</summary>
    public static CustomerProfile Prospect { get; } = new("P1");

    public static CustomerContext Context(CustomerProfile profile)
    {
        Features.TryGet(profile.Id, out var f);
        return new CustomerContext(profile, f, AsOf);
    }

    public static CustomerContext Custom(double? x = null, double? y = null, string? t = null)
    {
        var c = new CustomerContext(null, null, AsOf);
        if (x is { } xv)
        {
            c.SetNumber("x", xv);
        }

        if (y is { } yv)
        {
            c.SetNumber("y", yv);
        }

        c.SetText("t", t);
        return c;
    }

    public static CompiledCondition Compile(Condition condition, FieldRegistry? registry = null) =>
        new ConditionSetBuilder(registry ?? Registry).Build().Compile(condition);

    private static CustomerFeatureSet BuildFeatures()
    {
        var b = new TransactionTableBuilder();
        b.AddPurchase("S1", AsOf.AddDays(-200), 300m, "o1", SalesChannel.Store, "apparel");
        b.AddPurchase("S1", AsOf.AddDays(-40), 120m, "o2", SalesChannel.Online, "sneakers");
        b.AddPurchase("S1", AsOf.AddDays(-10), 80m, "o3", new SalesChannel("web"), "sneakers", discount: 20m);
        b.AddReturn("S1", AsOf.AddDays(-5), 80m, "o3", ReturnReason.Size);
        b.AddPurchase("L1", AsOf.AddDays(-300), 2500m, "o4", SalesChannel.Store, "watches");
        return FeatureExtractor.Compute(b.Build(), AsOf);
    }
}
