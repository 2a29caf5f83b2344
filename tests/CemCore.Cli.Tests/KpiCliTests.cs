using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore cohorts</c>, <c>cemcore kpis</c>, <c>cemcore attribution</c> and <c>cemcore report</c> (issue 10, docs/kpis.md) on
/// hand-made files; every expected number is worked out by hand in the comments from the conventions of the issue.
/// </summary>
public sealed class KpiCliTests
{
    private const double Tol = 1e-9;

    private static readonly string[] CohortTransactions =
    [
        "customer_id,timestamp,amount",
        "a,2024-01-05,10",
        "a,2024-02-10,10",
        "a,2024-04-01T00:00:00,5",
        "b,2024-01-31T23:30:00-02:00,20", // 2024-02-01T01:30Z: a February customer
        "c,2024-02-15,30",
        "c,2024-03-31T23:59:59Z,1",
        "d,2024-03-01,40",
        "e,2024-05-01,50", // dated as-of: excluded
    ];

    private static readonly string[] Events =
    [
        "customer_id,timestamp,touchpoint,type,value",
        "u1,2024-01-08T00:00:00Z,,conversion,100", // out of order on purpose
        "u1,2024-01-01T00:00:00Z,ad,touch,",
        "u1,2024-01-03T00:00:00Z,email,touch,",
        "u1,2024-01-05T00:00:00Z,search,touch,",
        "u2,2024-01-01,social,touch,",
        "u2,2024-01-02,search,touch,", // same instant as the conversion: not before it
        "u2,2024-01-02,,conversion,50",
        "u2,2024-01-03,email,touch,", // after u2's last conversion: u2's null path
        "u3,2023-11-01,ad,touch,", // 68 days before the conversion: outside the 30-day lookback, in no path
        "u3,2024-01-08,,conversion,30", // empty path: (direct)
        "u4,2024-01-01,email,touch,", // never converts: null path
    ];

    [Fact]
    public void Cohorts_AsOfExclusive_OffsetsToUtc_ListRunsToTheLastMonth()
    {
        using var dir = new TempDir();
        var tx = dir.Write("tx.csv", CohortTransactions);

        // As-of 2024-05-01: e excluded; last purchase month April. a: Jan cohort active Jan, Feb, Apr; b (UTC Feb 1): Feb;
        // c: Feb, Mar; d: Mar.
        var o = CliAssert.JsonOk(CliRunner.Run("cohorts", "--transactions", tx, "--as-of", "2024-05-01", "--format", "json"));
        Assert.Equal(
            """{"cohorts":[{"cohort":"2024-01","customers":1,"active":[1,1,0,1]},{"cohort":"2024-02","customers":2,"active":[2,1,0]},{"cohort":"2024-03","customers":1,"active":[1,0]}]}""",
            o.ToJsonString());

        // As-of 2024-04-01: a's purchase dated 2024-04-01 is excluded, so the list ends in March.
        o = CliAssert.JsonOk(CliRunner.Run("cohorts", "--transactions", tx, "--as-of", "2024-04-01", "--format", "json"));
        Assert.Equal(
            """{"cohorts":[{"cohort":"2024-01","customers":1,"active":[1,1,0]},{"cohort":"2024-02","customers":2,"active":[2,1]},{"cohort":"2024-03","customers":1,"active":[1]}]}""",
            o.ToJsonString());

        // Nothing before as-of: no cohorts.
        o = CliAssert.JsonOk(CliRunner.Run("cohorts", "--transactions", tx, "--as-of", "2023-01-01", "--format", "json"));
        Assert.Equal("""{"cohorts":[]}""", o.ToJsonString());
    }

    [Fact]
    public void Kpis_Feedback_NpsWithWaldInterval_CsatAndCes()
    {
        using var dir = new TempDir();
        var fb = dir.Write(
            "fb.csv",
            "customer_id,timestamp,kind,score",
            "a,2024-01-01,nps,10",
            "b,2024-01-02,nps,9",
            "c,2024-01-03,nps,8",
            "d,2024-01-04,nps,6",
            "e,2024-01-05,nps,0",
            "a,2024-01-06,csat,5",
            "b,2024-01-07,csat,4",
            "c,2024-01-08,csat,2",
            "d,2024-01-09,csat,3",
            "a,2024-01-10,CES,7",
            "b,2099-01-11,ces,2"); // feedback is not filtered by date
        var o = CliAssert.JsonOk(CliRunner.Run("kpis", "--feedback", fb, "--format", "json"));
        var nps = o["nps"]!;
        Assert.Equal(5, (int)nps["responses"]!);
        Assert.Equal(2, (int)nps["promoters"]!);
        Assert.Equal(1, (int)nps["passives"]!);
        Assert.Equal(2, (int)nps["detractors"]!);

        // p+ = p- = 0.4: score 0; half width = 1.959963984540054 * 100 * sqrt((0.8 - 0)/5) = 78.39855938160217.
        Assert.Equal(0.0, (double)nps["score"]!, Tol);
        Assert.Equal(-78.39855938160217, (double)nps["ci"]![0]!, Tol);
        Assert.Equal(78.39855938160217, (double)nps["ci"]![1]!, Tol);

        // CSAT: 4 answers, 2 of them 4-5; mean (5+4+2+3)/4 = 3.5. CES: (7+2)/2 = 4.5.
        Assert.Equal("""{"responses":4,"satisfied":2,"score":0.5,"mean":3.5}""", o["csat"]!.ToJsonString());
        Assert.Equal("""{"responses":2,"mean":4.5}""", o["ces"]!.ToJsonString());
        Assert.Null(o["sales"]);
    }

    [Fact]
    public void Kpis_AsymmetricNps_IntervalIsNotClamped()
    {
        using var dir = new TempDir();
        var fb = dir.Write("fb.csv", "customer_id,timestamp,kind,score", "a,2024-01-01,nps,10", "b,2024-01-01,nps,9", "c,2024-01-01,nps,9", "d,2024-01-01,nps,5");

        // 3 promoters, 1 detractor of 4: score 50; var = (0.75 + 0.25 - 0.25)/4 = 0.1875; half = 1.96·100·0.4330127 = 84.86893005571287.
        var nps = CliAssert.JsonOk(CliRunner.Run("kpis", "--feedback", fb, "--format", "json"))["nps"]!;
        Assert.Equal(50.0, (double)nps["score"]!, Tol);
        Assert.Equal(-34.868930055712866, (double)nps["ci"]![0]!, 1e-9);
        Assert.Equal(134.86893005571287, (double)nps["ci"]![1]!, 1e-9);
    }

    [Fact]
    public void Kpis_ScoreOutsideItsScale_Exit2NamingTheLine()
    {
        using var dir = new TempDir();
        var fb = dir.Write("fb.csv", "customer_id,timestamp,kind,score", "a,2024-01-01,nps,10", "b,2024-01-01,csat,6");
        var err = CliAssert.UsageError(CliRunner.Run("kpis", "--feedback", fb, "--format", "json"));
        Assert.Contains("line 3", err, StringComparison.Ordinal);
        Assert.Contains("score", err, StringComparison.Ordinal);
        Assert.DoesNotContain("b,", err, StringComparison.Ordinal);

        fb = dir.Write("fb2.csv", "customer_id,timestamp,kind,score", "a,2024-01-01,nps,11");
        Assert.Contains("line 2", CliAssert.UsageError(CliRunner.Run("kpis", "--feedback", fb)), StringComparison.Ordinal);
        fb = dir.Write("fb3.csv", "customer_id,timestamp,kind,score", "a,2024-01-01,ces,0");
        Assert.Contains("line 2", CliAssert.UsageError(CliRunner.Run("kpis", "--feedback", fb)), StringComparison.Ordinal);
    }

    [Fact]
    public void Kpis_Sales_DistinctOrders_AsOfExclusive_CombinedWithFeedback()
    {
        using var dir = new TempDir();
        var tx = dir.Write(
            "tx.csv",
            "customer_id,order_id,timestamp,amount",
            "a,o1,2024-01-01,10",
            "a,o1,2024-01-01,5",
            "a,o2,2024-01-10,20",
            "b,o3,2024-01-05,7.5",
            "c,o4,2024-02-01,100");
        var fb = dir.Write("fb.csv", "customer_id,timestamp,kind,score", "a,2030-01-01,nps,9");

        // Before 2024-02-01: a (orders o1, o2), b (o3); revenue 10+5+20+7.5 = 42.5; aov 42.5/3; repeat 1 of 2.
        var o = CliAssert.JsonOk(CliRunner.Run("kpis", "--transactions", tx, "--feedback", fb, "--as-of", "2024-02-01", "--format", "json"));
        var s = o["sales"]!;
        Assert.Equal(2, (int)s["customers"]!);
        Assert.Equal(3, (int)s["orders"]!);
        Assert.Equal(42.5, (double)s["revenue"]!, Tol);
        Assert.Equal(42.5 / 3, (double)s["aov"]!, Tol);
        Assert.Equal(0.5, (double)s["repeatRate"]!, Tol);
        Assert.Equal(1, (int)o["nps"]!["promoters"]!);

        // Without an order_id column every row is an order: a has 2, b 1; revenue 22.5, aov 7.5.
        tx = dir.Write("tx2.csv", "customer_id,timestamp,amount", "a,2024-01-01,10", "a,2024-01-01,5", "b,2024-01-05,7.5");
        s = CliAssert.JsonOk(CliRunner.Run("kpis", "--transactions", tx, "--as-of", "2024-02-01", "--format", "json"))["sales"]!;
        Assert.Equal("""{"customers":2,"orders":3,"revenue":22.5,"aov":7.5,"repeatRate":0.5}""", s.ToJsonString());

        CliAssert.UsageError(CliRunner.Run("kpis", "--transactions", tx, "--format", "json"));
        CliAssert.UsageError(CliRunner.Run("kpis", "--format", "json"));
    }

    [Theory]
    [InlineData("first", "ad", 1.0, 100.0, "social", 1.0, 50.0)]
    [InlineData("last", "search", 1.0, 100.0, "social", 1.0, 50.0)]
    public void Attribution_FirstAndLast(string model, string ch1, double c1, double v1, string ch2, double c2, double v2)
    {
        using var dir = new TempDir();
        var o = Attribution(dir, model);
        Assert.Equal(3, o["channels"]!.AsObject().Count);
        AssertCredit(o, ch1, c1, v1);
        AssertCredit(o, ch2, c2, v2);
        AssertCredit(o, "(direct)", 1, 30);
    }

    [Fact]
    public void Attribution_Linear_Position_TimeDecay_Lookback()
    {
        using var dir = new TempDir();

        // u1's path ad, email, search (100); u2's path social (50): the search touch at the conversion instant is not before it.
        var o = Attribution(dir, "linear");
        AssertCredit(o, "ad", 1.0 / 3, 100.0 / 3);
        AssertCredit(o, "email", 1.0 / 3, 100.0 / 3);
        AssertCredit(o, "search", 1.0 / 3, 100.0 / 3);
        AssertCredit(o, "social", 1, 50);
        AssertCredit(o, "(direct)", 1, 30);

        o = Attribution(dir, "position");
        AssertCredit(o, "ad", 0.4, 40);
        AssertCredit(o, "email", 0.2, 20);
        AssertCredit(o, "search", 0.4, 40);
        AssertCredit(o, "social", 1, 50);

        // Weights 2^(-7/7), 2^(-5/7), 2^(-3/7) normalized: 0.2699049544002146, 0.3290178247512979, 0.4010772208484874.
        o = Attribution(dir, "time-decay");
        AssertCredit(o, "ad", 0.2699049544002146, 26.990495440021462);
        AssertCredit(o, "email", 0.3290178247512979, 32.90178247512979);
        AssertCredit(o, "search", 0.4010772208484874, 40.107722084848746);

        // Half-life 3.5 days: 2^(-2), 2^(-10/7), 2^(-6/7) normalized.
        o = Attribution(dir, "time-decay", "--half-life-days", "3.5");
        AssertCredit(o, "ad", 0.21303005504468497, 21.303005504468498);
        AssertCredit(o, "search", 0.4704084997443835, 47.040849974438345);

        // The half-life is accepted and ignored by the other models.
        Assert.Equal(Attribution(dir, "linear").ToJsonString(), Attribution(dir, "linear", "--half-life-days", "1").ToJsonString());

        // Lookback 5 days: email is exactly 5·86,400 s before the conversion (inclusive), ad is out: path email, search → 50/50.
        o = Attribution(dir, "position", "--lookback-days", "5");
        AssertCredit(o, "email", 0.5, 50);
        AssertCredit(o, "search", 0.5, 50);
        Assert.Null(o["channels"]!["ad"]);
    }

    [Fact]
    public void Attribution_Markov_RemovalEffectsWithoutRenormalisation()
    {
        using var dir = new TempDir();

        // Paths: start→ad→email→search→conv (u1), start→social→conv (u2), start→email→null (u2 after its conversion, u4).
        // P: start→ad 1/4, →social 1/4, →email 1/2; ad→email 1; email→search 1/3, →null 2/3; search→conv 1; social→conv 1.
        // P(conv) = 1/4·1/3 + 1/4 + 1/2·1/3 = 1/2. Removing ad: 5/12 → RE 1/6; social: 1/4 → 1/2; email: 1/4 → 1/2; search: 1/4 → 1/2.
        // Sum 5/3: 2 path conversions and 150 value split ad 1/10, the others 3/10 each; u3 is (direct).
        var o = Attribution(dir, "markov");
        Assert.Equal("markov", (string)o["model"]!);
        Assert.Equal(3, (int)o["conversions"]!);
        Assert.Equal(180, (double)o["value"]!, Tol);
        AssertCredit(o, "ad", 0.2, 15);
        AssertCredit(o, "email", 0.6, 45);
        AssertCredit(o, "search", 0.6, 45);
        AssertCredit(o, "social", 0.6, 45);
        AssertCredit(o, "(direct)", 1, 30);
        Assert.Equal(3.0, o["channels"]!.AsObject().Sum(kv => (double)kv.Value!["conversions"]!), Tol);
    }

    [Fact]
    public void Attribution_BadInput_Exit2()
    {
        using var dir = new TempDir();
        var bad = dir.Write("neg.csv", "customer_id,timestamp,touchpoint,type,value", "a,2024-01-01,ad,touch,", "a,2024-01-02,,conversion,-5");
        Assert.Contains("line 3", CliAssert.UsageError(CliRunner.Run("attribution", "--events", bad, "--model", "last")), StringComparison.Ordinal);
        bad = dir.Write("type.csv", "customer_id,timestamp,touchpoint,type,value", "a,2024-01-01,ad,click,");
        Assert.Contains("type", CliAssert.UsageError(CliRunner.Run("attribution", "--events", bad, "--model", "last")), StringComparison.Ordinal);
        var ok = dir.Write("ok.csv", Events);
        CliAssert.UsageError(CliRunner.Run("attribution", "--events", ok, "--model", "shapley"));
    }

    [Fact]
    public void Report_WritesSelfContainedHtml_WithEveryChartOrANoDataNote()
    {
        using var dir = new TempDir();
        var tx = dir.Write("tx.csv", CohortTransactions);
        var ev = dir.Write("ev.csv", Events);
        var output = dir.File("report.html");
        var r = CliRunner.Run("report", "--transactions", tx, "--events", ev, "--as-of", "2024-05-01", "--out", output);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var html = File.ReadAllText(output);
        Assert.Equal(12, System.Text.RegularExpressions.Regex.Count(html, "<figure class=\"chart\""));
        Assert.Contains("data-chart=\"cohort-heatmap\"><figcaption>Cohort retention (share active by months since first purchase)</figcaption><svg", html, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"nps-trend\"><figcaption>NPS per month with EWMA control limits and CUSUM signals</figcaption><p class=\"no-data\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("(src|href)=\"https?:", html);
        CliAssert.UsageError(CliRunner.Run("report", "--transactions", tx, "--as-of", "2024-05-01", "--out", dir.Path));
    }

    private static JsonObject Attribution(TempDir dir, string model, params string[] extra)
    {
        var ev = dir.Write("ev.csv", Events);
        return CliAssert.JsonOk(CliRunner.Run(["attribution", "--events", ev, "--model", model, .. extra, "--format", "json"]));
    }

    private static void AssertCredit(JsonObject o, string channel, double conversions, double value)
    {
        var c = o["channels"]![channel];
        Assert.True(c is not null, $"no credit for {channel}: {o.ToJsonString()}");
        Assert.Equal(conversions, (double)c["conversions"]!, Tol);
        Assert.Equal(value, (double)c["value"]!, 1e-7);
    }
}
