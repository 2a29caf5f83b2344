using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary><c>cemcore loyalty replay|tiers</c> (issue 9, docs/loyalty.md); expected values computed by hand in the comments.</summary>
public sealed class LoyaltyCliTests
{
    [Fact]
    public void Replay_Json_BalancesTiersAndRejections()
    {
        using var dir = new TempDir();
        var input = dir.Write(
            "postings.csv",
            "key,customer_id,timestamp,kind,points,order_id,reason",
            "k1,a,2025-01-01T10:00:00,earn,500,o1,",          // a 500
            "k2,a,2025-01-02,redeem,200,,",                    // a 300
            "k1,a,2025-01-01T10:00:00,earn,500,o1,",          // duplicate: nothing changes
            "k3,a,2025-01-03,redeem,400,,",                    // 400 > 300: insufficient_balance
            "k4,b,2025-01-01,earn,3000,o2,",                   // b 3000
            "k5,b,2025-01-05,reverse,,o2,",                    // the whole earn of o2: b 0 (b stays silver until the 2025-04-01 review)
            "k6,a,2025-01-03,reverse,10,o9,",                  // o9 never earned: unknown_earn
            "k7,a,2025-01-04,adjust,-50,,\"goodwill, fixed\"", // a 250
            "k8,c,2025-01-03,earn,2500,o3,",                   // c 2500, silver (≥ 2000 points in 365 days)
            "k9,a,2025-02-01,earn,100,o4,",                    // on the as-of date: not counted
            "k2,a,2025-01-02,redeem,201,,",                    // same key, other content: key_conflict
            "k10,d,2025-01-06,redeem,5,,");                    // d never posted: unknown_account
        var o = CliAssert.JsonOk(CliRunner.Run("loyalty", "replay", "--postings", input, "--as-of", "2025-02-01", "--format", "json"));
        var accounts = o["accounts"]!.AsObject();
        Assert.Equal(["a", "b", "c"], accounts.Select(kv => kv.Key));
        Assert.Equal((250, 0, "standard"), Account(accounts, "a"));
        Assert.Equal((0, 0, "silver"), Account(accounts, "b")); // promoted at once by 3000 points; demotion waits for the review
        Assert.Equal((2500, 0, "silver"), Account(accounts, "c"));
        var rejected = o["rejected"]!.AsArray().Select(r => ((string)r!["key"]!, (string)r["reason"]!)).ToList();
        Assert.Equal(
            [("k1", "duplicate"), ("k3", "insufficient_balance"), ("k6", "unknown_earn"), ("k2", "key_conflict"), ("k10", "unknown_account")],
            rejected);
    }

    [Fact]
    public void Replay_PendingDays_KeepEarnsPending()
    {
        using var dir = new TempDir();
        var input = dir.Write(
            "postings.csv",
            "key,customer_id,timestamp,kind,points,order_id,reason",
            "e1,z,2025-01-10,earn,100,o1,", // matures 2025-01-24: available
            "e2,z,2025-01-25,earn,40,o2,",  // matures 2025-02-08: pending at 2025-02-01
            "r1,z,2025-01-26,redeem,120,,"); // only 100 available: rejected
        var o = CliAssert.JsonOk(CliRunner.Run("loyalty", "replay", "--postings", input, "--as-of", "2025-02-01", "--pending-days", "14", "--format", "json"));
        Assert.Equal((100, 40, "standard"), Account(o["accounts"]!.AsObject(), "z"));
        Assert.Equal("insufficient_balance", (string)o["rejected"]![0]!["reason"]!);
    }

    [Fact]
    public void Replay_BadRow_Exit2NamingLine()
    {
        using var dir = new TempDir();
        var input = dir.Write(
            "postings.csv",
            "key,customer_id,timestamp,kind,points,order_id,reason",
            "e1,z,2025-01-10,earn,100,o1,",
            "e2,z,2025-01-11,bogus,100,o2,");
        var message = CliAssert.UsageError(CliRunner.Run("loyalty", "replay", "--postings", input, "--as-of", "2025-02-01", "--format", "json"));
        Assert.Contains("line 3", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("kind", message, StringComparison.Ordinal);

        var notNumber = dir.Write("p2.csv", "key,customer_id,timestamp,kind,points,order_id,reason", "e1,z,2025-01-10,earn,ten,o1,");
        Assert.Contains("points", CliAssert.UsageError(CliRunner.Run("loyalty", "replay", "--postings", notNumber, "--as-of", "2025-02-01")), StringComparison.Ordinal);
    }

    [Fact]
    public void Tiers_Json_MembersPerTierAndChangesInWindow()
    {
        using var dir = new TempDir();
        var input = dir.Write(
            "tx.csv",
            "customer_id,timestamp,amount,order_id",
            "a,2024-01-10,2500,o1", // silver at once; still qualifies at the 2025-01-01 review; demoted at the 2025-04-01 review
            "b,2025-03-01,9000,o2", // gold at once
            "c,2025-05-01,100,o3"); // standard
        var o = CliAssert.JsonOk(CliRunner.Run("loyalty", "tiers", "--transactions", input, "--as-of", "2025-06-01", "--format", "json"));
        // camelCase like every other command's JSON (docs/loyalty.md).
        Assert.Equal(["asOf", "members", "tiers", "windowStart", "changes"], o.Select(kv => kv.Key));
        Assert.Equal("2025-06-01", (string)o["asOf"]!);
        Assert.Equal("2024-06-01", (string)o["windowStart"]!); // 365-day window of the default ladder
        Assert.Equal(3, (int)o["members"]!);
        var tiers = o["tiers"]!.AsObject();
        Assert.Equal([("standard", 2), ("silver", 0), ("gold", 1)], tiers.Select(kv => (kv.Key, (int)kv.Value!)));
        var changes = o["changes"]!.AsArray().Select(c => ((string)c!["customerId"]!, (string)c["from"]!, (string)c["to"]!, (string)c["at"]!)).ToList();
        Assert.Equal([("b", "standard", "gold", "2025-03-01T00:00:00Z"), ("a", "silver", "standard", "2025-04-01T00:00:00Z")], changes);
        Assert.All(o["changes"]!.AsArray(), c => Assert.Equal(["customerId", "from", "to", "at", "reason"], c!.AsObject().Select(kv => kv.Key)));
    }

    [Fact]
    public void Tiers_MalformedLadder_Exit2()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-10,2500");
        var ladder = dir.Write("ladder.json", "{\"tiers\":[{\"id\":\"standard\"},{\"id\":\"gold\",\"minSpnd\":5}]}");
        var message = CliAssert.UsageError(CliRunner.Run("loyalty", "tiers", "--transactions", input, "--as-of", "2025-06-01", "--ladder", ladder));
        Assert.Contains("minSpnd", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_ShowsTiersReferralsAndBothGroupBuyOutcomes()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("demo", "--customers", "200", "--format", "json"));
        var loyalty = o["loyalty"]!;
        Assert.True(loyalty["tiers"]!.AsObject().Sum(kv => (int)kv.Value!) > 0);
        Assert.Equal(["Succeeded", "Failed"], loyalty["group_buys"]!.AsArray().Select(g => (string)g!["status"]!));
        Assert.Equal(3, (int)loyalty["group_buys"]![0]!["members"]!);
        // Chain a → b → c → d and a → e, two invitations per referral. Cohort 2025-01 = {a}: 4 invitations, 2 conversions (b, e):
        // K = 4/1 × 2/4 = 2. Cohort 2025-02 = {b, c, d, e}: 4 invitations (b, c), 2 conversions (c, d): K = 4/4 × 2/4 = 0.5.
        var k = loyalty["referrals"]!.AsArray().Select(r => ((string)r!["cohort"]!, (double)r["k_factor"]!)).ToList();
        Assert.Equal([("2025-01", 2.0), ("2025-02", 0.5)], k);
    }

    private static (int Balance, int Pending, string Tier) Account(JsonObject accounts, string id)
    {
        var a = accounts[id]!;
        return ((int)a["balance"]!, (int)a["pending"]!, (string)a["tier"]!);
    }

    [Fact]
    public void Funnel_Json_HandComputed()
    {
        // a: visit store 01-01, sign-up 01-05, purchase 01-07 (4 d, 2 d); b: visit wechat 01-10, sign-up 01-20 (10 d);
        // c: guest purchase store 01-15, sign-up 02-01T12:00, purchase 02-02 (17.5 d, 0.5 d); d: visits wechat (non-member);
        // e: sign-up app 02-05, purchase 02-06 (0 d, 1 d); f: visit without channel 02-25, sign-up 03-02 (after as-of); g: after as-of.
        using var dir = new TempDir();
        var input = dir.Write(
            "events.csv",
            "customer_id,timestamp,event,channel",
            "a,2025-01-01,visit,store",
            "a,2025-01-05,sign_up,store",
            "a,2025-01-07,purchase,store",
            "b,2025-01-10,visit,wechat",
            "b,2025-01-20,sign_up,wechat",
            "c,2025-01-15,purchase,store",
            "c,2025-02-01T12:00:00Z,sign_up,app",
            "c,2025-02-02,purchase,app",
            "d,2025-02-03,visit,wechat",
            "d,2025-02-10,visit,wechat",
            "e,2025-02-05,sign_up,app",
            "e,2025-02-06,purchase,app",
            "f,2025-02-25,visit,",
            "f,2025-03-02,sign_up,app",
            "g,2025-03-05,visit,store");
        var o = CliAssert.JsonOk(CliRunner.Run("loyalty", "funnel", "--events", input, "--as-of", "2025-03-01", "--format", "json"));
        Assert.Equal(["asOf", "total", "byChannel", "byCohort"], o.Select(kv => kv.Key));

        // 6 visitors, 4 members, 3 member purchasers; median days to sign up of {4, 10, 17.5, 0} = 7; to buy of {2, 0.5, 1} = 1.
        var t = o["total"]!;
        Assert.Equal((6, 4, 3), ((int)t["visitors"]!, (int)t["members"]!, (int)t["memberPurchasers"]!));
        Assert.Equal((4.0 / 6, 0.75, 0.5), ((double)t["signUpRate"]!, (double)t["firstPurchaseRate"]!, (double)t["overallRate"]!));
        Assert.Equal((7.0, 1.0), ((double)t["medianDaysToSignUp"]!, (double)t["medianDaysToFirstPurchase"]!));

        var channels = o["byChannel"]!.AsObject();
        Assert.Equal(["app", "store", "unknown", "wechat"], channels.Select(kv => kv.Key));
        Assert.Equal((10.75, 1.25), ((double)channels["store"]!["medianDaysToSignUp"]!, (double)channels["store"]!["medianDaysToFirstPurchase"]!));
        Assert.Equal(0.0, (double)channels["wechat"]!["firstPurchaseRate"]!);
        Assert.Null(channels["wechat"]!["medianDaysToFirstPurchase"]);
        Assert.Null(channels["unknown"]!["firstPurchaseRate"]); // no members: undefined, never NaN
        var cohorts = o["byCohort"]!.AsObject();
        Assert.Equal(["2025-01", "2025-02"], cohorts.Select(kv => kv.Key));
        Assert.Equal((3, 3, 2), ((int)cohorts["2025-01"]!["visitors"]!, (int)cohorts["2025-01"]!["members"]!, (int)cohorts["2025-01"]!["memberPurchasers"]!));
        Assert.Equal((3, 1, 1), ((int)cohorts["2025-02"]!["visitors"]!, (int)cohorts["2025-02"]!["members"]!, (int)cohorts["2025-02"]!["memberPurchasers"]!));
    }

    [Fact]
    public void Funnel_BadEvent_Exit2NamingLine()
    {
        using var dir = new TempDir();
        var input = dir.Write("events.csv", "customer_id,timestamp,event", "a,2025-01-01,visit", "a,2025-01-02,join");
        var message = CliAssert.UsageError(CliRunner.Run("loyalty", "funnel", "--events", input, "--as-of", "2025-03-01", "--format", "json"));
        Assert.Contains("line 3", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("event", message, StringComparison.Ordinal);
    }
}
