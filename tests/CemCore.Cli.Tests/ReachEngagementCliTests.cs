using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore reach</c>, <c>cemcore engagement</c> and <c>cemcore funnel --by</c> (issue 10, docs/kpis.md) on hand-made files; every expected
/// number is worked out by hand in the comments from the documented definitions.
/// </summary>
public sealed class ReachEngagementCliTests
{
    private static readonly string[] Events =
    [
        "customer_id,timestamp,touchpoint,type,value,channel,campaign,message_id,segment",
        "a,2024-01-01,ads,touch,,social,spring,,vip",
        "a,2024-01-02,email,sent,,email,spring,m1,vip",
        "a,2024-01-02,email,delivered,,email,spring,m1,vip",
        "a,2024-01-03,email,opened,,email,spring,m1,vip",
        "a,2024-01-03,email,clicked,,email,spring,m1,vip",
        "a,2024-01-04,email,CLICKED,,email,spring,m1,vip", // a second click of m1: messages are distinct, types case-insensitive
        "b,2024-01-02,email,sent,,email,spring,m2,",
        "b,2024-01-02,email,bounced,,email,spring,m2,",
        "c,2024-01-02,sms,sent,,sms,summer,m3,basic",
        "c,2024-01-02,sms,replied,,sms,summer,m3,basic", // a reply proves delivery (not an open)
        "c,2024-01-05,,conversion,10,,summer,,basic",
        "d,2024-01-02,email,sent,,email,summer,m4,basic",
        "d,2024-01-02,email,clicked,,email,summer,m4,basic", // a click proves the open and the delivery
        "e,2024-01-02,email,sent,,email,summer,m5,basic",
        "f,2024-01-04,search,touch,,,,,", // no channel column value: the channel is the touchpoint
    ];

    private static double D(JsonNode? n) => n!.GetValue<double>();

    private static long L(JsonNode? n) => n!.GetValue<long>();

    /// <summary>Linear counting m·ln(m/(m − k)) for k distinct ids in k distinct registers (the HLL estimate far below 2.5·m).</summary>
    private static double Linear(int p, int k) => (1 << p) * Math.Log((double)(1 << p) / ((1 << p) - k));

    [Fact]
    public void Reach_ExactAndHll_PerChannelCampaignSegment_HandComputed()
    {
        using var dir = new TempDir();
        var ev = dir.Write("ev.csv", Events);
        var o = CliAssert.JsonOk(CliRunner.Run("reach", "--events", ev, "--format", "json"));

        // Reaching rows: a's touch and its delivered/opened/2×clicked (5), c's reply, d's click, f's touch = 8. sent and bounced (b, e)
        // and the conversion do not reach. Customers reached: a, c, d, f = 4.
        Assert.Equal(8, L(o["events"]));
        Assert.Equal(14, L(o["precision"]));
        Assert.Equal(1.04 / 128, D(o["relativeStandardError"]), 15);
        Assert.Equal(4, L(o["total"]!["exact"]));
        Assert.Equal(Linear(14, 4), D(o["total"]!["estimate"]), 9);
        Assert.Equal(Linear(14, 4) * 1.04 / 128, D(o["total"]!["standardError"]), 9);

        // Channels: social {a}, email {a, d}, sms {c}, search {f} (ordinal key order).
        var ch = o["byChannel"]!.AsObject();
        Assert.Equal(["email", "search", "sms", "social"], ch.Select(p => p.Key));
        Assert.Equal([2L, 1L, 1L, 1L], ch.Select(p => L(p.Value!["exact"])));
        Assert.Equal(Linear(14, 2), D(ch["email"]!["estimate"]), 9);

        // Campaigns: spring {a} (b only bounced), summer {c, d}, f without campaign → (none).
        var camp = o["byCampaign"]!.AsObject();
        Assert.Equal(["(none)", "spring", "summer"], camp.Select(p => p.Key));
        Assert.Equal([1L, 1L, 2L], camp.Select(p => L(p.Value!["exact"])));

        // Segments (events' segment column): vip {a}, basic {c, d}, f without → (none).
        var seg = o["bySegment"]!.AsObject();
        Assert.Equal(["(none)", "basic", "vip"], seg.Select(p => p.Key));
        Assert.Equal([1L, 2L, 1L], seg.Select(p => L(p.Value!["exact"])));

        // --segments overrides the column: a, c → gold; d, f absent → (none). --precision 10: m = 1024, relative error 1.04/32.
        var segFile = dir.Write("seg.csv", "customer_id,segment", "a,gold", "c,gold");
        o = CliAssert.JsonOk(CliRunner.Run("reach", "--events", ev, "--segments", segFile, "--precision", "10", "--format", "json"));
        Assert.Equal(1.04 / 32, D(o["relativeStandardError"]), 15);
        Assert.Equal(Linear(10, 4), D(o["total"]!["estimate"]), 9);
        Assert.Equal("""{"(none)":2,"gold":2}""", new JsonObject(o["bySegment"]!.AsObject().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)L(p.Value!["exact"])))).ToJsonString());
    }

    [Fact]
    public void Reach_WithoutOptionalColumns_ChannelIsTheTouchpoint_NoCampaignOrSegment()
    {
        using var dir = new TempDir();
        var ev = dir.Write("ev.csv", "customer_id,timestamp,touchpoint,type,value", "u1,2024-01-01,ads,touch,", "u2,2024-01-01,ads,touch,", "u1,2024-01-02,email,touch,", "u3,2024-01-03,,conversion,5");
        var o = CliAssert.JsonOk(CliRunner.Run("reach", "--events", ev, "--format", "json"));
        Assert.Equal(2, L(o["total"]!["exact"]));
        Assert.Equal("""{"ads":2,"email":1}""", new JsonObject(o["byChannel"]!.AsObject().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)L(p.Value!["exact"])))).ToJsonString());
        Assert.Null(o["byCampaign"]);
        Assert.Null(o["bySegment"]);
    }

    [Fact]
    public void Engagement_DistinctMessages_PerChannelAndCampaign_HandComputed()
    {
        using var dir = new TempDir();
        var ev = dir.Write("ev.csv", Events);
        var o = CliAssert.JsonOk(CliRunner.Run("engagement", "--events", ev, "--format", "json"));

        // Message events: a 5, b 2, c 2, d 2, e 1 = 12. m1 sent+delivered+opened+clicked; m2 sent (bounced); m3 delivered+replied (not
        // opened); m4 delivered+opened+clicked (from the click); m5 sent only. sent 5, delivered 3, opened 2, clicked 2, replied 1.
        Assert.Equal(12, L(o["events"]));
        var t = o["total"]!;
        Assert.Equal("[5,3,2,2,1]", Counts(t));
        Assert.Equal(0.6, D(t["deliveryRate"]), 15);
        Assert.Equal(2.0 / 3, D(t["openRate"]), 15);
        Assert.Equal(2.0 / 3, D(t["clickRate"]), 15);
        Assert.Equal(1.0 / 3, D(t["replyRate"]), 15);
        Assert.Equal(1.0, D(t["clickToOpenRate"]), 15);

        // email = m1, m2, m4, m5: [4, 2, 2, 2, 0]; sms = m3: [1, 1, 0, 0, 1], click-to-open undefined (no open) → null.
        var email = o["byChannel"]!["email"]!;
        Assert.Equal("[4,2,2,2,0]", Counts(email));
        Assert.Equal(0.5, D(email["deliveryRate"]), 15);
        Assert.Equal(1.0, D(email["openRate"]), 15);
        Assert.Equal(0.0, D(email["replyRate"]), 15);
        var sms = o["byChannel"]!["sms"]!;
        Assert.Equal("[1,1,0,0,1]", Counts(sms));
        Assert.Equal(1.0, D(sms["replyRate"]), 15);
        Assert.True(sms.AsObject().ContainsKey("clickToOpenRate"));
        Assert.Null(sms["clickToOpenRate"]);
        Assert.Equal(["email", "sms"], o["byChannel"]!.AsObject().Select(p => p.Key));

        // spring = m1, m2: [2, 1, 1, 1, 0]; summer = m3, m4, m5: [3, 2, 1, 1, 1], open 1/2, click-to-open 1.
        Assert.Equal("[2,1,1,1,0]", Counts(o["byCampaign"]!["spring"]!));
        var summer = o["byCampaign"]!["summer"]!;
        Assert.Equal("[3,2,1,1,1]", Counts(summer));
        Assert.Equal(2.0 / 3, D(summer["deliveryRate"]), 15);
        Assert.Equal(0.5, D(summer["openRate"]), 15);
        Assert.Equal(1.0, D(summer["clickToOpenRate"]), 15);
        CliAssert.AllNumbersFinite(o);
    }

    [Fact]
    public void Engagement_WithoutMessageIdColumn_OneMessagePerCustomerCampaignChannel()
    {
        using var dir = new TempDir();

        // Without message_id a message is (customer, campaign, channel): u1's two sends in spring are one message, the summer one another.
        // Messages: (u1, spring, email) sent+opened; (u1, summer, email) sent; (u2, spring, email) sent+bounced. sent 3, delivered 1 (the open),
        // opened 1 → delivery 1/3, open 1, click 0, click-to-open 0.
        var ev = dir.Write("ev.csv", "customer_id,timestamp,touchpoint,type,value,campaign",
            "u1,2024-01-01,email,sent,,spring", "u1,2024-01-02,email,sent,,spring", "u1,2024-01-02,email,opened,,spring", "u1,2024-02-01,email,sent,,summer",
            "u2,2024-01-01,email,sent,,spring", "u2,2024-01-01,email,bounced,,spring", "u2,2024-01-03,ads,touch,,spring");
        var o = CliAssert.JsonOk(CliRunner.Run("engagement", "--events", ev, "--format", "json"));
        Assert.Equal(6, L(o["events"]));
        Assert.Equal("[3,1,1,0,0]", Counts(o["total"]!));
        Assert.Equal(1.0 / 3, D(o["total"]!["deliveryRate"]), 15);
        Assert.Equal(0.0, D(o["total"]!["clickToOpenRate"]), 15);
        Assert.Equal("[2,1,1,0,0]", Counts(o["byCampaign"]!["spring"]!));
    }

    [Fact]
    public void ReachAndEngagement_BadInput_ExitTwo_NamingFileLineAndField()
    {
        using var dir = new TempDir();
        var badType = dir.Write("bad-type.csv", "customer_id,timestamp,touchpoint,type,value", "u1,2024-01-01,email,sent,", "u1,2024-01-02,email,click,");
        var err = CliAssert.UsageError(CliRunner.Run("reach", "--events", badType, "--format", "json"));
        Assert.Contains("bad-type.csv, line 3, field 'type'", err, StringComparison.Ordinal);
        err = CliAssert.UsageError(CliRunner.Run("engagement", "--events", badType, "--format", "json"));
        Assert.Contains("bad-type.csv, line 3, field 'type'", err, StringComparison.Ordinal);

        var noId = dir.Write("no-id.csv", "customer_id,timestamp,touchpoint,type,value,message_id", "u1,2024-01-01,email,sent,,m1", "u1,2024-01-01,ads,touch,,", "u1,2024-01-02,email,opened,,");
        err = CliAssert.UsageError(CliRunner.Run("engagement", "--events", noId, "--format", "json"));
        Assert.Contains("no-id.csv, line 4, field 'message_id'", err, StringComparison.Ordinal);

        var moved = dir.Write("moved.csv", "customer_id,timestamp,touchpoint,type,value,channel,message_id", "u1,2024-01-01,email,sent,,email,m1", "u1,2024-01-02,sms,opened,,sms,m1");
        err = CliAssert.UsageError(CliRunner.Run("engagement", "--events", moved, "--format", "json"));
        Assert.Contains("moved.csv, line 3, field 'channel'", err, StringComparison.Ordinal);

        var negative = dir.Write("neg.csv", "customer_id,timestamp,touchpoint,type,value", "u1,2024-01-01,,conversion,-5");
        err = CliAssert.UsageError(CliRunner.Run("reach", "--events", negative));
        Assert.Contains("neg.csv, line 2, field 'value'", err, StringComparison.Ordinal);

        var ok = dir.Write("ok.csv", "customer_id,timestamp,touchpoint,type,value", "u1,2024-01-01,ads,touch,");
        CliAssert.UsageError(CliRunner.Run("reach", "--events", ok, "--precision", "3"));
        CliAssert.UsageError(CliRunner.Run("reach", "--events", ok, "--precision", "19"));
        CliAssert.UsageError(CliRunner.Run("reach", "--events", dir.File("missing.csv")));
    }

    private static readonly string[] FunnelEvents =
    [
        "customer_id,timestamp,touchpoint,type,value,channel",
        "a,2024-01-03,,conversion,20,",
        "a,2024-01-01,ads,touch,,google",
        "a,2024-01-02,browsing,touch,,web",
        "b,2024-01-01,ads,touch,,meta",
        "b,2024-02-15,,conversion,5,", // 45 days after b's ad: outside the 30-day window
        "c,2024-01-05,browsing,touch,,web",
        "c,2024-01-06,ads,touch,,meta",
        "c,2024-01-07,browsing,touch,,app",
        "d,2024-01-01,email,touch,,", // never enters
    ];

    [Fact]
    public void Funnel_ByChannel_AddsFieldsOnly_HandComputed()
    {
        using var dir = new TempDir();
        var withChannel = dir.Write("ev.csv", FunnelEvents);
        var withoutChannel = dir.Write("ev-plain.csv", [.. FunnelEvents.Select(l => l[..l.LastIndexOf(',')])]);
        var seg = dir.Write("seg.csv", "customer_id,segment", "a,vip", "b,vip", "c,");
        string[] args = ["funnel", "--steps", "ads,browsing,conversion", "--segments", seg, "--format", "json"];

        // A channel column changes nothing without --by (the same output as the file without it).
        var plain = CliAssert.JsonOk(CliRunner.Run([.. args, "--events", withoutChannel]));
        Assert.Equal(plain.ToJsonString(), CliAssert.JsonOk(CliRunner.Run([.. args, "--events", withChannel])).ToJsonString());
        Assert.Equal("[3,2,1]", plain["reached"]!.ToJsonString());

        // --by channel: a enters on its google ad and converts (depth 3); b on a meta ad (depth 1); c on its meta ad of day 6 and browses on
        // day 7 (depth 2). google [1, 1, 1], conversion [1, 1], overall 1; meta [2, 1, 0], conversion [1/2, 0], overall 0.
        var o = CliAssert.JsonOk(CliRunner.Run([.. args, "--events", withChannel, "--by", "channel"]));
        var byChannel = o["byChannel"]!.AsObject();
        Assert.Equal(["google", "meta"], byChannel.Select(p => p.Key));
        Assert.Equal("""{"reached":[1,1,1],"conversion":[1,1],"overall":1}""", byChannel["google"]!.ToJsonString());
        Assert.Equal("""{"reached":[2,1,0],"conversion":[0.5,0],"overall":0}""", byChannel["meta"]!.ToJsonString());
        o.Remove("byChannel");
        Assert.Equal(plain.ToJsonString(), o.ToJsonString()); // every original field unchanged

        // --by channel --by segment: vip = a (google, depth 3) and b (meta, depth 1); (none) = c (meta, depth 2).
        o = CliAssert.JsonOk(CliRunner.Run([.. args, "--events", withChannel, "--by", "channel", "--by", "segment"]));
        var cells = o["bySegmentChannel"]!;
        Assert.Equal("[1,1,1]", cells["vip"]!["google"]!["reached"]!.ToJsonString());
        Assert.Equal("[1,0,0]", cells["vip"]!["meta"]!["reached"]!.ToJsonString());
        Assert.Equal("[1,1,0]", cells["(none)"]!["meta"]!["reached"]!.ToJsonString());
        Assert.Equal(plain["bySegment"]!.ToJsonString(), o["bySegment"]!.ToJsonString());

        // Without a channel column the channel is the entry touch's touchpoint: every entry is an "ads" touch.
        o = CliAssert.JsonOk(CliRunner.Run("funnel", "--events", withoutChannel, "--steps", "ads,browsing,conversion", "--by", "channel", "--format", "json"));
        Assert.Equal("""{"ads":{"reached":[3,2,1],"conversion":[0.6666666666666666,0.5],"overall":0.3333333333333333}}""", o["byChannel"]!.ToJsonString());

        // Text output lists the channels after the unchanged table.
        var text = CliRunner.Run("funnel", "--events", withChannel, "--steps", "ads,browsing,conversion", "--by", "channel");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("channel google", text.StdOut, StringComparison.Ordinal);

        CliAssert.UsageError(CliRunner.Run("funnel", "--events", withChannel, "--steps", "ads,conversion", "--by", "segment"));
        CliAssert.UsageError(CliRunner.Run("funnel", "--events", withChannel, "--steps", "ads,conversion", "--by", "campaign"));
        CliAssert.UsageError(CliRunner.Run("funnel", "--events", withChannel, "--steps", "ads,,conversion", "--by", "channel"));
    }

    private static string Counts(JsonNode n) =>
        $"[{L(n["sent"])},{L(n["delivered"])},{L(n["opened"])},{L(n["clicked"])},{L(n["replied"])}]";
}
