using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore funnel</c>, <c>cemcore journey</c> and <c>cemcore monitor</c> (issue 10, docs/kpis.md) on hand-made files; the expected
/// numbers are worked out by hand in the comments.
/// </summary>
public sealed class JourneyCliTests
{
    private static readonly string[] Events =
    [
        "customer_id,timestamp,touchpoint,type,value",
        "a,2024-01-03,,conversion,20", // out of order on purpose
        "a,2024-01-01,ads,touch,",
        "a,2024-01-02,browsing,touch,",
        "b,2024-01-01,ads,touch,",
        "b,2024-02-15,,conversion,5", // 45 days after b's ad
        "c,2024-01-05,browsing,touch,",
        "c,2024-01-06,ads,touch,",
        "c,2024-01-07,browsing,touch,",
        "d,2024-01-01,email,touch,", // a touchpoint of no stage in the default map
    ];

    private static double D(JsonNode? n) => n!.GetValue<double>();

    [Fact]
    public void Funnel_WindowAndSegments_HandComputed()
    {
        using var dir = new TempDir();
        var ev = dir.Write("ev.csv", Events);
        var seg = dir.Write("seg.csv", "customer_id,segment", "a,vip", "b,vip", "c,");

        // Window 30 d: a ads → browsing → conversion (3); b ads, conversion 45 d later is outside (1); c ads d6 → browsing d7 (2; the
        // browsing on d5 precedes the ad); d never enters. reached [3, 2, 1], conversion [2/3, 1/2], overall 1/3.
        var o = CliAssert.JsonOk(CliRunner.Run("funnel", "--events", ev, "--steps", "ads,browsing,conversion", "--segments", seg, "--format", "json"));
        Assert.Equal("""["ads","browsing","conversion"]""", o["steps"]!.ToJsonString());
        Assert.Equal(30, D(o["windowDays"]));
        Assert.Equal("[3,2,1]", o["reached"]!.ToJsonString());
        Assert.Equal(2.0 / 3, D(o["conversion"]![0]), 12);
        Assert.Equal(0.5, D(o["conversion"]![1]));
        Assert.Equal(1.0 / 3, D(o["overall"]), 12);

        // Segments: c has an empty segment → "(none)" [1, 1, 0]; vip = a, b → [2, 1, 1].
        Assert.Equal("[1,1,0]", o["bySegment"]!["(none)"]!["reached"]!.ToJsonString());
        Assert.Equal("[2,1,1]", o["bySegment"]!["vip"]!["reached"]!.ToJsonString());
        Assert.Equal(0, D(o["bySegment"]!["(none)"]!["conversion"]![1]));

        // Window 1 d: a's conversion is 2 days after its ad → a reaches browsing only; c unchanged. [3, 2, 0].
        o = CliAssert.JsonOk(CliRunner.Run("funnel", "--events", ev, "--steps", "ads,browsing,conversion", "--window-days", "1", "--format", "json"));
        Assert.Equal("[3,2,0]", o["reached"]!.ToJsonString());
        Assert.Null(o["bySegment"]);

        CliAssert.UsageError(CliRunner.Run("funnel", "--events", ev, "--steps", "ads,,conversion"));
        CliAssert.UsageError(CliRunner.Run("funnel", "--events", ev, "--steps", "ads", "--window-days", "0"));
    }

    [Fact]
    public void Journey_StagesPainPointsAndUnknownStages_HandComputed()
    {
        using var dir = new TempDir();
        var ev = dir.Write("ev.csv", Events);
        var fb = dir.Write(
            "fb.csv",
            "customer_id,timestamp,kind,score,touchpoint",
            "a,2024-01-04,csat,2,delivery",
            "b,2024-01-04,csat,4,delivery",
            "c,2024-01-04,csat,5,payment",
            "a,2024-01-04,nps,10,");
        var o = CliAssert.JsonOk(CliRunner.Run("journey", "--events", ev, "--feedback", fb, "--format", "json"));
        var stages = o["stages"]!.AsArray();
        Assert.Equal("""["awareness","consideration","purchase","after-sales"]""", new JsonArray(stages.Select(s => (JsonNode?)JsonValue.Create(s!["stage"]!.GetValue<string>())).ToArray()).ToJsonString());

        // Awareness a, b, c: a (ad d1 → browsing d2) and c (ad d6 → browsing d7) convert in 1 day each; b does not.
        Assert.Equal(3, D(stages[0]!["customers"]));
        Assert.Equal(2, D(stages[0]!["converted"]));
        Assert.Equal(2.0 / 3, D(stages[0]!["conversionRate"]), 12);
        Assert.Equal(1.0 / 3, D(stages[0]!["dropOff"]), 12);
        Assert.Equal(1, D(stages[0]!["medianDaysToConvert"]));

        // Consideration a, c: a converts (conversion d3, 1 day after browsing d2); c has no purchase.
        Assert.Equal(2, D(stages[1]!["customers"]));
        Assert.Equal(0.5, D(stages[1]!["conversionRate"]));
        Assert.Equal(1, D(stages[1]!["medianDaysToConvert"]));

        // Purchase a, b, nobody reaches after-sales; after-sales has no next stage.
        Assert.Equal(2, D(stages[2]!["customers"]));
        Assert.Equal(0, D(stages[2]!["conversionRate"]));
        Assert.Null(stages[2]!["medianDaysToConvert"]);
        Assert.Equal(0, D(stages[3]!["customers"]));
        Assert.Null(stages[3]!["conversionRate"]);
        Assert.Equal("""["delivery","feedback","returns","service"]""", stages[3]!["touchpoints"]!.ToJsonString());

        // Pain points: delivery CSAT 1/2 satisfied, payment 1/1; the NPS answer has no touchpoint.
        var pains = o["painPoints"]!.AsArray();
        Assert.Equal("delivery", pains[0]!["touchpoint"]!.GetValue<string>());
        Assert.Equal("after-sales", pains[0]!["stage"]!.GetValue<string>());
        Assert.Equal(0.5, D(pains[0]!["csat"]));
        Assert.Equal("payment", pains[1]!["touchpoint"]!.GetValue<string>());
        Assert.Equal(2, pains.Count);

        // The unknown stage is reported, not guessed.
        Assert.Equal(1, D(o["unknownEvents"]));
        Assert.Equal("""["email"]""", o["unknownTouchpoints"]!.ToJsonString());

        var bad = dir.Write("bad.csv", "customer_id,timestamp,touchpoint,type,value", "a,2024-01-01,ads,touch,", "a,2024-01-02,,conversion,-1");
        Assert.Contains("line 3", CliAssert.UsageError(CliRunner.Run("journey", "--events", bad)), StringComparison.Ordinal);
    }

    [Fact]
    public void Monitor_MonthlySeriesWithCusumLimits_HandComputed()
    {
        using var dir = new TempDir();
        var fb = dir.Write(
            "fb.csv",
            "customer_id,timestamp,kind,score",
            "a,2024-01-10,nps,10",
            "b,2024-01-11,nps,9",
            "c,2024-02-10,nps,0",
            "d,2024-03-31T23:30:00-01:00,nps,10", // 1 April UTC
            "e,2024-04-02,nps,10");
        var tx = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-05,10", "a,2024-03-05,30", "b,2024-03-06,20", "c,2024-04-01,99");
        var o = CliAssert.JsonOk(CliRunner.Run("monitor", "--feedback", fb, "--transactions", tx, "--as-of", "2024-04-01", "--format", "json"));
        Assert.Equal("month", o["period"]!.GetValue<string>());

        // NPS per UTC month: Jan 100, Feb −100, Mar none (gap, no chart point), Apr 100. Baseline all 3 values: μ₀ = 33.33,
        // σ = √(((66.67)² + (133.33)² + (66.67)²)/2) = 115.4700538; H = 5σ = 577.3502692; K = 57.735: C⁺ = 8.93, 0, 8.93 → no flag.
        var nps = o["series"]!["nps"]!.AsArray();
        Assert.Equal(["2024-01", "2024-02", "2024-03", "2024-04"], nps.Select(p => p!["period"]!.GetValue<string>()));
        Assert.Equal(100, D(nps[0]!["value"]));
        Assert.Null(nps[2]!["value"]);
        Assert.Null(nps[2]!["cusum"]);
        Assert.Equal(577.3502691896258, D(nps[0]!["cusum"]!["h"]), 9);
        Assert.Equal(100 - 33.333333333333336 - 57.73502691896258, D(nps[0]!["cusum"]!["upper"]), 9);
        Assert.All(nps, p => Assert.False(p!["flagged"]!.GetValue<bool>()));

        // Revenue before 2024-04-01: Jan 10, Feb 0 purchases (gap → null), Mar 50.
        var revenue = o["series"]!["revenue"]!.AsArray();
        Assert.Equal(["2024-01", "2024-02", "2024-03"], revenue.Select(p => p!["period"]!.GetValue<string>()));
        Assert.Equal(10, D(revenue[0]!["value"]));
        Assert.Null(revenue[1]!["value"]);
        Assert.Equal(50, D(revenue[2]!["value"]));

        var weekly = CliAssert.JsonOk(CliRunner.Run("monitor", "--feedback", fb, "--period", "week", "--format", "json"));
        Assert.Equal("2024-W02", weekly["series"]!["nps"]![0]!["period"]!.GetValue<string>());
        CliAssert.UsageError(CliRunner.Run("monitor", "--transactions", tx));
    }
}
