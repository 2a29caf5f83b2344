using CemCore.Growth;
using CemCore.Loyalty;

namespace CemCore.Tests.Growth;

/// <summary>Referrals, group-buy, cut-price, challenges, lucky draws and pledges (issue 9).</summary>
public sealed class GrowthTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ReferralCode_CheckSymbol_CatchesEverySingleTypo_AndMostTranspositions()
    {
        // Luhn mod N reference example for N = 32 is not published; instead the defining property is checked exhaustively.
        var rng = new Random(7);
        var transpositionsCaught = 0;
        var transpositions = 0;
        for (var n = 0; n < 200; n++)
        {
            var code = ReferralCode.Create();
            Assert.True(ReferralCode.TryNormalize(code, out var normalized));
            Assert.Equal(code, normalized);
            Assert.True(ReferralCode.TryNormalize(code.ToLowerInvariant().Insert(4, "-"), out _));
            for (var i = 0; i < code.Length; i++)
            {
                foreach (var c in ReferralCode.Alphabet)
                {
                    if (c != code[i])
                    {
                        var typo = code[..i] + c + code[(i + 1)..];
                        Assert.False(ReferralCode.TryNormalize(typo, out _), typo);
                    }
                }

                if (i + 1 < code.Length && code[i] != code[i + 1])
                {
                    transpositions++;
                    var swapped = code[..i] + code[i + 1] + code[i] + code[(i + 2)..];
                    transpositionsCaught += ReferralCode.TryNormalize(swapped, out _) ? 0 : 1;
                }
            }
        }

        Assert.True(transpositionsCaught >= 0.95 * transpositions, $"{transpositionsCaught}/{transpositions}");
        _ = rng;
    }

    [Fact]
    public void Referral_AttributionRewardsClawbackAndKFactor()
    {
        var program = new ReferralProgram(referrerPoints: 300, refereePoints: 100, minimumOrder: 50m, velocityCap: 2);
        var codeA = program.IssueCode("a", "2025-01", new Fingerprint(Payment: "card-a"));
        var codeB = program.IssueCode("b", "2025-01");
        Assert.Equal(codeA, program.IssueCode("a", "2025-01"));
        for (var i = 0; i < 4; i++)
        {
            program.RecordInvitation("a");
        }

        Assert.Equal(AttributionOutcome.SelfReferral, program.Attribute("a", codeA, new Fingerprint(), T0));
        Assert.Equal(AttributionOutcome.SharedFingerprint, program.Attribute("x", codeA, new Fingerprint(Payment: "card-a"), T0));
        Assert.Equal(AttributionOutcome.InvalidCode, program.Attribute("x", codeA[..8] + (codeA[8] == '0' ? '1' : '0'), new Fingerprint(), T0));
        Assert.Equal(AttributionOutcome.Attributed, program.Attribute("n1", codeA, new Fingerprint(), T0));
        Assert.Equal(AttributionOutcome.AlreadyAttributed, program.Attribute("n1", codeB, new Fingerprint(), T0));
        Assert.Equal(AttributionOutcome.Attributed, program.Attribute("n2", codeA.ToLowerInvariant(), new Fingerprint(), T0.AddHours(1)));
        Assert.Equal(AttributionOutcome.VelocityCap, program.Attribute("n3", codeA, new Fingerprint(), T0.AddHours(2)));
        Assert.Equal(AttributionOutcome.Attributed, program.Attribute("n3", codeA, new Fingerprint(), T0.AddDays(1.5)));

        var store = new InMemoryLoyaltyStore();
        Assert.Empty(program.OnPurchase("n1", "small", 20m, T0.AddDays(2))); // below the minimum
        var rewards = program.OnPurchase("n1", "ord-1", 80m, T0.AddDays(2));
        Assert.Equal([("a", 300L), ("n1", 100L)], rewards.Select(p => (p.AccountId, p.Points)));
        Assert.All(store.AppendBatch(rewards), r => Assert.True(r.IsAccepted));
        Assert.All(store.AppendBatch(rewards), r => Assert.Equal(PostingOutcome.Duplicate, r.Outcome));
        Assert.Empty(program.OnPurchase("n1", "ord-2", 80m, T0.AddDays(3)));
        program.OnPurchase("n2", "ord-3", 60m, T0.AddDays(3));

        // 2025-01 cohort: 2 members, 4 invitations, 2 conversions → 2 per member × 0.5 = K 1.0; after n1 returns: 1 conversion → K 0.5.
        var funnel = Assert.Single(program.Funnel());
        Assert.Equal((2, 4, 3, 2), (funnel.Members, funnel.Invitations, funnel.Attributions, funnel.Conversions));
        Assert.Equal(1.0, funnel.KFactor!.Value, 12);
        var clawback = program.OnReturn("n1", "ord-1", T0.AddDays(4));
        Assert.All(store.AppendBatch(clawback), r => Assert.True(r.IsAccepted));
        store.TryGetBalance("a", out var balance, out _, out _);
        Assert.Equal(0, balance);
        Assert.Empty(program.OnReturn("n1", "ord-1", T0.AddDays(4)));
        Assert.Equal(0.5, program.Funnel()[0].KFactor!.Value, 12);
    }

    [Fact]
    public void GroupBuy_ConcurrentLastSeat_ExactlyTargetMembers_OneOutcome()
    {
        for (var round = 0; round < 20; round++)
        {
            var group = new GroupBuy("g" + round, "sku", targetSize: 5, groupPrice: 49m, deadline: T0.AddDays(1));
            Assert.Equal(JoinOutcome.Joined, group.Join("early-1", T0));
            Assert.Equal(JoinOutcome.Joined, group.Join("early-2", T0));
            Assert.Equal(JoinOutcome.Joined, group.Join("early-3", T0));
            var outcomes = new JoinOutcome[64];
            Parallel.For(0, outcomes.Length, i => outcomes[i] = group.Join("m" + i, T0.AddHours(1)));
            Assert.Equal(2, outcomes.Count(o => o is JoinOutcome.Joined or JoinOutcome.JoinedAndCompleted));
            Assert.Equal(1, outcomes.Count(o => o == JoinOutcome.JoinedAndCompleted));
            Assert.Equal(62, outcomes.Count(o => o == JoinOutcome.Closed));
            Assert.Equal(GroupBuyStatus.Succeeded, group.Status);
            Assert.Equal(5, group.Members.Count);
            Assert.Equal(GroupBuyStatus.Succeeded, group.Settle(T0.AddDays(2))); // the deadline never undoes a success
        }
    }

    [Fact]
    public void GroupBuy_FailsAtDeadline_EveryoneReleased()
    {
        var group = new GroupBuy("g", "sku", 3, 49m, T0.AddDays(1));
        group.Join("a", T0);
        group.Join("b", T0);
        Assert.Equal(JoinOutcome.AlreadyMember, group.Join("a", T0));
        Assert.Equal(GroupBuyStatus.Open, group.Settle(T0.AddHours(23)));
        Assert.Equal(JoinOutcome.DeadlinePassed, group.Join("c", T0.AddDays(1)));
        Assert.Equal(GroupBuyStatus.Failed, group.Status);
        Assert.Equal(T0.AddDays(1), group.DecidedAt);
        Assert.Equal(JoinOutcome.DeadlinePassed, group.Join("d", T0.AddDays(2)));
    }

    [Fact]
    public void CutPrice_SequenceDeterministic_SumsToDiscount_NeverBelowFloor()
    {
        var s1 = CutPriceCampaign.Sequence("seed-42", 70.00m, 7);
        Assert.Equal(s1, CutPriceCampaign.Sequence("seed-42", 70.00m, 7));
        Assert.NotEqual(s1, CutPriceCampaign.Sequence("seed-43", 70.00m, 7));
        Assert.Equal(70.00m, s1.Sum());
        Assert.All(s1, a => Assert.True(a >= 0.01m));
        var c = new CutPriceCampaign("c", 99.00m, 29.00m, 7, T0.AddDays(1), "seed-42");
        for (var i = 0; i < 10; i++)
        {
            c.Cut("f" + i, T0.AddMinutes(i));
        }

        Assert.Null(c.Cut("f0", T0)); // once per friend
        Assert.Equal(7, c.Cuts.Count);
        Assert.Equal(29.00m, c.CurrentPrice);
        Assert.Equal(s1, c.Cuts.Select(x => x.Amount));
        var late = new CutPriceCampaign("c2", 99.00m, 29.00m, 7, T0, "s");
        Assert.Null(late.Cut("f", T0));
    }

    [Fact]
    public void Challenge_ThreePurchasesIn30Days_BonusOnce()
    {
        var ch = new PointsChallenge("spring", 3, 30, 200);
        Assert.Null(ch.RecordPurchase("m", "o1", T0));
        Assert.Null(ch.RecordPurchase("m", "o1", T0.AddDays(1))); // same order counts once
        Assert.Null(ch.RecordPurchase("m", "o2", T0.AddDays(10)));
        Assert.Null(ch.RecordPurchase("m", "o3", T0.AddDays(31))); // o1 fell out of the window
        var bonus = ch.RecordPurchase("m", "o4", T0.AddDays(35));
        Assert.NotNull(bonus);
        Assert.Equal(("challenge:spring:m", 200L), (bonus.Key, bonus.Points));
        Assert.Null(ch.RecordPurchase("m", "o5", T0.AddDays(36)));
    }

    [Fact]
    public void LuckyDraw_CommitReveal_Recomputable_BudgetNeverOverspent()
    {
        const string seed = "7f1c9a1e2b3d4c5e6f708192a3b4c5d6";
        var prizes = new[] { new DrawPrize("phone", 3000m, 1), new DrawPrize("voucher", 100m, 30) };
        var draw = new LuckyDraw("d1", LuckyDraw.Commit(seed), prizes, budget: 5000m);
        for (var i = 0; i < 100; i++)
        {
            draw.Enter("m" + i);
        }

        Assert.False(draw.Enter("m1"));
        Assert.Throws<InvalidOperationException>(() => draw.Reveal(seed));
        draw.Close();
        Assert.False(draw.Enter("late"));
        Assert.Throws<ArgumentException>(() => draw.Reveal("not-the-seed"));
        var winners = draw.Reveal(seed);
        Assert.Equal(21, winners.Count); // 3000 + 20 × 100 = 5000: the 21st voucher would overspend
        Assert.True(winners.Sum(w => w.Cost) <= 5000m);
        Assert.Equal(winners.Count, winners.Select(w => w.MemberId).Distinct().Count());
        var shuffledEntries = Enumerable.Range(0, 100).Select(i => "m" + i).Reverse().Concat(["m5"]);
        Assert.Equal(winners, LuckyDraw.ComputeWinners("d1", seed, shuffledEntries, prizes, 5000m));
        Assert.NotEqual(winners, LuckyDraw.ComputeWinners("d1", seed + "x", shuffledEntries, prizes, 5000m));
        Assert.Equal("A665A45920422F9D417E4867EFDC4FB8A04A1F3FFF1FA07E998E86F7F7A27AE3", LuckyDraw.Commit("123")); // SHA-256("123"), published test vector
    }

    [Fact]
    public void Pledge_CappedPerCampaign_IdempotentPerOrder()
    {
        var c = new CausePledgeCampaign("trees", 1m, 2.5m);
        var pledged = new decimal[4];
        Parallel.For(0, 4, i => pledged[i] = c.RecordPurchase("o" + i));
        Assert.Equal(2.5m, pledged.Sum());
        Assert.Equal(0m, c.RecordPurchase("o1"));
        var r = c.Report();
        Assert.Equal((4, 2.5m, true, 1), (r.Purchases, r.Pledged, r.CapReached, r.UnpledgedPurchases));
    }
}
