using CemCore.Loyalty;
using CemCore.Transactions;

namespace CemCore.Tests.Loyalty;

/// <summary>The ledger rules of issue 9 (docs/loyalty.md), each against hand-computed balances.</summary>
public sealed class LedgerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);

    private static LoyaltyPosting P(string key, PostingKind kind, long points, double day, string? order = null, string? reason = null, string account = "m1") =>
        new(key, account, T0.AddDays(day), kind, points, order, null, reason);

    [Fact]
    public void EarnRedeem_OverRedeemRejected_NothingChanges()
    {
        var s = new InMemoryLoyaltyStore();
        Assert.True(s.Append(P("e1", PostingKind.Earn, 100, 0, "o1")).IsAccepted);
        Assert.True(s.Append(P("r1", PostingKind.Redeem, 30, 1)).IsAccepted);
        var over = s.Append(P("r2", PostingKind.Redeem, 71, 2));
        Assert.Equal(PostingOutcome.Rejected, over.Outcome);
        Assert.Equal(LedgerReasons.InsufficientBalance, over.Reason);
        Assert.True(s.TryGetBalance("m1", out var a, out var p, out var v));
        Assert.Equal((70L, 0L, 2L), (a, p, v));
        Assert.Equal(2, s.GetPostings("m1").Count);
    }

    [Fact]
    public void SameKey_Duplicate_DifferentContent_Conflict()
    {
        var s = new InMemoryLoyaltyStore();
        var e = P("e1", PostingKind.Earn, 100, 0, "o1");
        Assert.True(s.Append(e).IsAccepted);
        Assert.Equal(PostingOutcome.Duplicate, s.Append(e with { }).Outcome);
        var conflict = s.Append(e with { Points = 101 });
        Assert.Equal((PostingOutcome.Rejected, LedgerReasons.KeyConflict), (conflict.Outcome, conflict.Reason));
        var otherAccount = s.Append(e with { AccountId = "m2" });
        Assert.Equal(LedgerReasons.KeyConflict, otherAccount.Reason);
        Assert.Equal(100, conflict.Available);
        Assert.Single(s.GetPostings("m1"));
        Assert.False(s.TryGetBalance("m2", out _, out _, out _));
    }

    [Fact]
    public void BadInput_EachRejectedWithReason()
    {
        var s = new InMemoryLoyaltyStore();
        Assert.Equal(LedgerReasons.UnknownAccount, s.Append(P("r0", PostingKind.Redeem, 5, 0)).Reason);
        Assert.Equal(LedgerReasons.InvalidPoints, s.Append(P("e0", PostingKind.Earn, 0, 0)).Reason);
        Assert.Equal(LedgerReasons.InvalidPoints, s.Append(P("e-", PostingKind.Earn, -5, 0)).Reason);
        Assert.True(s.Append(P("e1", PostingKind.Earn, 50, 1, "o1")).IsAccepted);
        Assert.Equal(LedgerReasons.OrderAlreadyEarned, s.Append(P("e2", PostingKind.Earn, 50, 1, "o1")).Reason);
        Assert.Equal(LedgerReasons.ReasonRequired, s.Append(P("a1", PostingKind.Adjust, 10, 2)).Reason);
        Assert.Equal(LedgerReasons.InvalidPoints, s.Append(P("a0", PostingKind.Adjust, 0, 2, reason: "x")).Reason);
        Assert.Equal(LedgerReasons.InsufficientBalance, s.Append(P("a2", PostingKind.Adjust, -51, 2, reason: "goodwill reversal")).Reason);
        Assert.Equal(LedgerReasons.ClockWentBackwards, s.Append(P("r1", PostingKind.Redeem, 5, 0.5)).Reason);
        Assert.Equal(LedgerReasons.UnknownEarn, s.Append(P("v1", PostingKind.Reverse, 5, 3, "nope")).Reason);
        Assert.Equal(LedgerReasons.ExceedsEarn, s.Append(P("v2", PostingKind.Reverse, 51, 3, "o1")).Reason);
        Assert.Equal(LedgerReasons.KeyConflict, s.Append(P("x#expire", PostingKind.Redeem, 1, 3)).Reason);
        Assert.True(s.Append(P("a3", PostingKind.Adjust, -20, 4, reason: "service fault")).IsAccepted);
        s.TryGetBalance("m1", out var a, out _, out var v);
        Assert.Equal((30L, 2L), (a, v));
    }

    [Fact]
    public void Pending_MaturesAfterDays_AndReverseCancelsPending()
    {
        var s = new InMemoryLoyaltyStore(new LedgerPolicy { PendingDays = 14 });
        var r = s.Append(P("e1", PostingKind.Earn, 100, 0, "o1"));
        Assert.Equal((0L, 100L), (r.Available, r.Pending));
        Assert.Equal(LedgerReasons.InsufficientBalance, s.Append(P("r1", PostingKind.Redeem, 50, 13.9)).Reason);
        Assert.True(s.Append(P("e2", PostingKind.Earn, 40, 10, "o2")).IsAccepted); // pending until day 24
        r = s.Append(P("r2", PostingKind.Redeem, 50, 14));
        Assert.True(r.IsAccepted);
        Assert.Equal((50L, 40L), (r.Available, r.Pending));
        r = s.Append(P("v2", PostingKind.Reverse, 40, 15, "o2")); // returned before maturing: cancelled from pending
        Assert.Equal((50L, 0L), (r.Available, r.Pending));
    }

    [Fact]
    public void Redeem_SoonestToExpireFirst_ThenAutomaticExpiryPosting()
    {
        // Lots: e1 100 (day 0, expires day 30), e2 100 (day 10, expires day 40).
        var s = new InMemoryLoyaltyStore(new LedgerPolicy { Expiry = ExpiryRule.AfterDays, ExpiryDays = 30 });
        s.Append(P("e1", PostingKind.Earn, 100, 0, "o1"));
        s.Append(P("e2", PostingKind.Earn, 100, 10, "o2"));
        s.Append(P("r1", PostingKind.Redeem, 150, 20)); // e1 → 0, e2 → 50
        var lots = s.GetAccount("m1")!.Lots;
        Assert.Equal(("e2", 50L), (Assert.Single(lots).SourceKey, lots[0].Remaining));
        var r = s.Append(P("e3", PostingKind.Earn, 10, 41, "o3"));
        Assert.Equal(10, r.Available); // e2's 50 expired at day 40 by an automatic posting
        var postings = s.GetPostings("m1");
        var expire = postings[^2];
        Assert.Equal(("e2#expire", PostingKind.Expire, 50L, "e2"), (expire.Key, expire.Kind, expire.Points, expire.Reference));
        Assert.Equal(T0.AddDays(40), expire.Timestamp);
        Assert.Equal(r.Available + r.Pending, postings.Sum(p => p.SignedPoints));
    }

    [Fact]
    public void ExpiryRules_EndOfMonthAndYear()
    {
        var at = new DateTimeOffset(2025, 3, 17, 23, 0, 0, TimeSpan.FromHours(-5)); // 2025-03-18 04:00 UTC
        Assert.Equal(new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero), new LedgerPolicy { Expiry = ExpiryRule.EndOfMonth }.ExpiresAt(at));
        Assert.Equal(new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.Zero), new LedgerPolicy { Expiry = ExpiryRule.EndOfMonth, ExpiryMonths = 3 }.ExpiresAt(at));
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), new LedgerPolicy { Expiry = ExpiryRule.EndOfYear, ExpiryMonths = 12 }.ExpiresAt(at));
        Assert.Equal(DateTimeOffset.MaxValue, LedgerPolicy.Default.ExpiresAt(at));
    }

    [Fact]
    public void ExpiryReminder_ListsPointsExpiringWithinDays()
    {
        var s = new InMemoryLoyaltyStore(new LedgerPolicy { Expiry = ExpiryRule.AfterDays, ExpiryDays = 30 });
        s.Append(P("e1", PostingKind.Earn, 100, 0, "o1", account: "a"));
        s.Append(P("e2", PostingKind.Earn, 70, 20, "o2", account: "b"));
        var reminders = LoyaltyReports.ExpiryReminders(s, T0.AddDays(25), 7);
        var only = Assert.Single(reminders);
        Assert.Equal(("a", 100L, T0.AddDays(30)), (only.AccountId, only.Points, only.FirstExpiry));
    }

    [Fact]
    public void PartialReturns_ProRata_AddUpToTheEarn()
    {
        // 125 points on an eligible 250: returning 100 then 150 reverses floor(125*100/250)=50, then floor(125)-50=75.
        Assert.Equal(50, EarningRules.ReversePoints(125, 250m, 0m, 100m));
        Assert.Equal(75, EarningRules.ReversePoints(125, 250m, 100m, 150m));
        // Three thirds of 100 points: 33, 33, 34 (cumulative flooring), never 99.
        var parts = new[] { EarningRules.ReversePoints(100, 30m, 0m, 10m), EarningRules.ReversePoints(100, 30m, 10m, 10m), EarningRules.ReversePoints(100, 30m, 20m, 10m) };
        Assert.Equal([33L, 33L, 34L], parts);
        var s = new InMemoryLoyaltyStore();
        s.Append(P("e1", PostingKind.Earn, 125, 0, "o1"));
        s.Append(P("v1", PostingKind.Reverse, 50, 1, "o1"));
        s.Append(P("v2", PostingKind.Reverse, 75, 2, "o1"));
        Assert.Equal(LedgerReasons.ExceedsEarn, s.Append(P("v3", PostingKind.Reverse, 1, 3, "o1")).Reason);
        s.TryGetBalance("m1", out var a, out _, out _);
        Assert.Equal(0, a);
    }

    [Fact]
    public void Quote_SimulatesAnOrder_WithEveryRule()
    {
        var rules = new EarningRules(
            1m,
            PointsRounding.Floor,
            new Dictionary<string, decimal> { ["shoes"] = 2m },
            excludedCategories: ["gift-card"],
            excludedSkus: ["SKU-X"],
            promotions: [new PromotionWindow(T0, T0.AddDays(2), 2m)]);
        var lines = new[]
        {
            new OrderLine("S1", "shoes", 1, 80.50m, 0.25m), // 80.25 × 2 = 160.50
            new OrderLine("T1", "tops", 2, 10m),            // 20
            new OrderLine("G1", "gift-card", 1, 50m),       // excluded
            new OrderLine("SKU-X", "tops", 1, 9m),          // excluded SKU
        };
        var order = new Transaction("o1", "m1", T0.AddDays(1), 159.25m, lines: lines);
        var q = rules.Quote(order, tierMultiplier: 1.25m);
        Assert.Equal(180.50m, q.EligibleAmount);
        Assert.Equal(180.50m * 2m * 1.25m, q.RawPoints); // 451.25
        Assert.Equal(451, q.Points);
        Assert.Equal(160, new EarningRules(1m, PointsRounding.Ceiling).Quote(order).Points); // 159.25 paid, no weights
        Assert.Equal(159, new EarningRules(1m, PointsRounding.Nearest).Quote(order).Points);
        var outside = new Transaction("o2", "m1", T0.AddDays(3), 10m);
        Assert.Equal(10, rules.Quote(outside).Points);
    }

    [Fact]
    public void RandomSequence_SumInvariant_NeverNegative_ReplayEqual()
    {
        var rng = new Random(20250110);
        var s = new InMemoryLoyaltyStore(new LedgerPolicy { PendingDays = 3, Expiry = ExpiryRule.AfterDays, ExpiryDays = 20 });
        var orders = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var day = i * 0.1;
            var kind = (PostingKind)rng.Next(5);
            var pts = rng.Next(-5, 120);
            string? order = kind == PostingKind.Earn ? "o" + i : kind == PostingKind.Reverse && orders.Count > 0 ? orders[rng.Next(orders.Count)] : null;
            var r = s.Append(new LoyaltyPosting("k" + i, "m", T0.AddDays(day), kind, pts, order, null, kind == PostingKind.Adjust ? "test" : null));
            if (r.IsAccepted && kind == PostingKind.Earn)
            {
                orders.Add(order!);
            }

            Assert.True(r.Available >= 0 && r.Pending >= 0);
        }

        var postings = s.GetPostings("m");
        s.TryGetBalance("m", out var a, out var p, out var v);
        Assert.Equal(a + p, postings.Sum(x => x.SignedPoints));
        var replay = new LoyaltyAccountState("m", s.Policy);
        foreach (var x in postings)
        {
            Assert.True(replay.Apply(x, null).IsAccepted);
        }

        Assert.Equal((a, p, v), (replay.Available, replay.Pending, replay.Version));
        Assert.Contains(postings, x => x.Kind == PostingKind.Expire);
        Assert.Contains(postings, x => x.Kind == PostingKind.Reverse);
    }
}
