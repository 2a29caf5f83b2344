using CemCore.Customers;
using CemCore.Lifecycle;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Transactions;
using static CemCore.Tests.Personalization.OfferTestData;
using CemCore.Tests.Shared;

namespace CemCore.Tests.Personalization;

public sealed class OfferDecisionEngineTests
{
    private static readonly PersonalizationRuleSet Standard = StandardCampaigns.Create();

    // A host that classes compensation coupons as service messages (the standard default is marketing).
    private static readonly PersonalizationRuleSet ServiceCompensation = StandardCampaigns.Create(compensationPurpose: ConsentPurpose.Service);

    public static TheoryData<string> SourceCaseRules() => [.. SourceCases().Select(c => c.ExpectedRule)];

    [Theory]
    [MemberData(nameof(SourceCaseRules))]
    public void StandardCampaigns_EverySourceCase_SelectsExpectedRule(string expected)
    {
        var context = SourceCases().Single(c => c.ExpectedRule == expected).Context;
        var trace = new DecisionTrace();
        var decision = new OfferDecisionEngine(Standard).Decide(context, trace);
        Assert.True(decision.Status == DecisionStatus.Offer, trace.ToString());
        Assert.Equal(expected, decision.Rule!.Id);
        Assert.Equal(RuleOutcome.Selected, trace[expected].Outcome);
    }

    [Fact]
    public void AfterSales_ByReturnReason_GivesDocumentedOffers()
    {
        var engine = new OfferDecisionEngine(Standard);
        var size = engine.Decide(Context("A").SetLastReturn(new ReturnFact(ReturnReason.Size, AsOf.AddDays(-1), "apparel"))).Rule!.Offer;
        Assert.Equal((OfferKind.PercentageDiscount, 15m), (size.Kind, size.Value));
        Assert.True(size.AppliesTo("any", "apparel"));
        Assert.False(size.AppliesTo("any", "shoes"));
        var quality = engine.Decide(Context("B").SetLastReturn(new ReturnFact(ReturnReason.Quality, AsOf.AddDays(-1)))).Rule!.Offer;
        Assert.Equal((20m, OfferPerks.FreeExchange), (quality.Value, quality.Perks));
        var other = engine.Decide(Context("C").SetLastReturn(new ReturnFact(ReturnReason.Other, AsOf.AddDays(-1)))).Rule!.Offer;
        Assert.Equal(10m, other.Value);
        Assert.Equal(ConsentPurpose.Marketing, Standard.Rules.Single(r => r.Id == "aftersales-size").Purpose); // a coupon is marketing by default

        // A return older than 30 days no longer triggers compensation.
        Assert.Equal(DecisionStatus.NoOffer, engine.Decide(Context("D").SetLastReturn(new ReturnFact(ReturnReason.Size, AsOf.AddDays(-31)))).Status);
    }

    [Fact]
    public void WinBack_OnlyWhenChurnRiskHigh_AndCouponIsOmnichannel()
    {
        var engine = new OfferDecisionEngine(Standard);
        Assert.Equal(DecisionStatus.NoOffer, engine.Decide(Context("X").SetChurnProbability(0.59)).Status);
        var d = engine.Decide(Context("Y").SetChurnProbability(0.6));
        Assert.Equal("winback", d.Rule!.Id);
        Assert.True(d.Rule.Offer.IsRedeemableOn(SalesChannel.Online));
        Assert.True(d.Rule.Offer.IsRedeemableOn(SalesChannel.Store));
        Assert.NotNull(d.Rule.Offer.Coupon);
    }

    [Fact]
    public void HigherPriorityWins_LowerOneIsTracedAsLostOnPriority()
    {
        var context = Context("Z").SetChurnProbability(0.9).SetLastReturn(new ReturnFact(ReturnReason.Quality, AsOf.AddDays(-2)));
        var trace = new DecisionTrace();
        var d = new OfferDecisionEngine(Standard).Decide(context, trace);
        Assert.Equal("aftersales-quality", d.Rule!.Id);
        Assert.Equal(RuleOutcome.LostOnPriority, trace["winback"].Outcome);
        Assert.Equal(RuleOutcome.Ineligible, trace["birthday"].Outcome);
        Assert.Contains("churn.probability", trace["winback"].Conditions!.ToString(), StringComparison.Ordinal);
        Assert.Contains("0.9", trace["winback"].Conditions!.ToString(), StringComparison.Ordinal);
        Assert.Equal(Standard.Rules.Count, trace.Entries.Count);
    }

    [Fact]
    public void TieBreak_IsPriorityThenOrdinalId_RegardlessOfInsertionOrder()
    {
        var offer = new Offer("o", OfferKind.FreeShipping, 0m);
        PersonalizationRuleSet Build(IEnumerable<string> ids)
        {
            var b = new PersonalizationRuleSetBuilder().AddOffer(offer);
            foreach (var id in ids)
            {
                b.AddRule(id, r => r.When(Condition.Field("churn.probability").AtLeast(0)).Grant("o").WithPriority(id == "low" ? 1 : 5));
            }

            return b.Build();
        }

        var ids = new[] { "low", "b", "B", "a", "a2" };
        for (var seed = 0; seed < 20; seed++)
        {
            var shuffled = ids.OrderBy(_ => new Random(seed).Next()).ToArray();
            new Random(seed).Shuffle(shuffled);
            var set = Build(shuffled);
            Assert.Equal(["B", "a", "a2", "b", "low"], set.Rules.Select(r => r.Id));
            Assert.Equal("B", new OfferDecisionEngine(set).Decide(Context("T").SetChurnProbability(0.5)).Rule!.Id);
        }
    }

    [Fact]
    public void NoConsent_NeverContacts()
    {
        var denied = Profile("N1", consents: [new ConsentRecord(ContactChannel.Sms, ConsentPurpose.Marketing, ConsentStatus.Denied, AsOf.AddDays(-9))]);
        var trace = new DecisionTrace();
        var d = new OfferDecisionEngine(Standard).Decide(Context(denied).SetChurnProbability(0.9), trace);
        Assert.Equal(DecisionStatus.NoOffer, d.Status);
        Assert.Equal(RuleOutcome.NoConsent, d.Reason);
        Assert.Equal(RuleOutcome.NoConsent, trace["winback"].Outcome);

        var revoked = Profile("N2", consents:
        [
            new ConsentRecord(ContactChannel.WeChat, ConsentPurpose.Marketing, ConsentStatus.Granted, AsOf.AddDays(-90)),
            new ConsentRecord(ContactChannel.WeChat, ConsentPurpose.Marketing, ConsentStatus.Revoked, AsOf.AddDays(-1)),
        ]);
        Assert.Equal(RuleOutcome.NoConsent, new OfferDecisionEngine(Standard).Decide(Context(revoked).SetChurnProbability(0.9)).Reason);

        // Consent recorded after as-of is not yet in force.
        var future = Profile("N3", consents: [new ConsentRecord(ContactChannel.WeChat, ConsentPurpose.Marketing, ConsentStatus.Granted, AsOf.AddDays(1))]);
        Assert.Equal(DecisionStatus.NoOffer, new OfferDecisionEngine(Standard).Decide(Context(future).SetChurnProbability(0.9)).Status);

        // Unknown profile: never contacted.
        Assert.Equal(RuleOutcome.NoConsent, new OfferDecisionEngine(Standard).Decide(new CustomerContext(null, null, AsOf).SetChurnProbability(0.9)).Reason);
    }

    [Fact]
    public void ConsentIsPerPurpose_ServiceMessagesNeedServiceConsent()
    {
        var marketingOnly = Profile("P1", consents: AllConsents(ConsentPurpose.Marketing));
        var trace = new DecisionTrace();
        var d = new OfferDecisionEngine(ServiceCompensation).Decide(Context(marketingOnly).SetLastReturn(new ReturnFact(ReturnReason.Size, AsOf.AddDays(-1))).SetChurnProbability(0.9), trace);
        Assert.Equal(RuleOutcome.NoConsent, trace["aftersales-size"].Outcome);
        Assert.Equal("winback", d.Rule!.Id);

        // By default the after-sales coupon is marketing: marketing consent is what it needs.
        Assert.Equal("aftersales-size", new OfferDecisionEngine(Standard).Decide(Context(marketingOnly).SetLastReturn(new ReturnFact(ReturnReason.Size, AsOf.AddDays(-1))).SetChurnProbability(0.9)).Rule!.Id);
    }

    [Fact]
    public void PreferredChannel_FirstWhenConsented_OtherwiseRuleOrder()
    {
        var engine = new OfferDecisionEngine(Standard);
        Assert.Equal(ContactChannel.Sms, engine.Decide(Context(Profile("C1", ContactChannel.Sms)).SetChurnProbability(0.9)).Channel);
        Assert.Equal(ContactChannel.WeChat, engine.Decide(Context(Profile("C2")).SetChurnProbability(0.9)).Channel);
        var smsOnly = Profile("C3", ContactChannel.Email, consents: [new ConsentRecord(ContactChannel.Sms, ConsentPurpose.Marketing, ConsentStatus.Granted, AsOf.AddDays(-5))]);
        Assert.Equal(ContactChannel.Sms, engine.Decide(Context(smsOnly).SetChurnProbability(0.9)).Channel);
    }

    [Fact]
    public void FrequencyCap_TwoPromotionsPerWeek_ThirdIsCapped_ServiceUnaffected()
    {
        var history = new InMemoryContactHistory();
        history.Record(new ContactRecord("F1", ContactChannel.Sms, ConsentPurpose.Marketing, AsOf.AddDays(-6)));
        history.Record(new ContactRecord("F1", ContactChannel.Email, ConsentPurpose.Marketing, AsOf.AddDays(-1)));
        history.Record(new ContactRecord("F1", ContactChannel.Email, ConsentPurpose.Marketing, AsOf.AddDays(-8))); // outside the week
        var engine = new OfferDecisionEngine(ServiceCompensation, new DecisionSettings(caps: [new FrequencyCap(2, TimeSpan.FromDays(7))]), history);
        var d = engine.Decide(Context("F1").SetChurnProbability(0.9));
        Assert.Equal((DecisionStatus.NoOffer, RuleOutcome.Capped), (d.Status, d.Reason));
        Assert.Equal("aftersales-other", engine.Decide(Context("F1").SetChurnProbability(0.9).SetLastReturn(new ReturnFact(ReturnReason.Other, AsOf.AddDays(-1)))).Rule!.Id);

        // With the default (marketing) purpose, the after-sales coupon counts against the marketing cap like any promotion.
        var marketing = new OfferDecisionEngine(Standard, new DecisionSettings(caps: [new FrequencyCap(2, TimeSpan.FromDays(7))]), history);
        Assert.Equal(DecisionStatus.NoOffer, marketing.Decide(Context("F1").SetChurnProbability(0.9).SetLastReturn(new ReturnFact(ReturnReason.Other, AsOf.AddDays(-1)))).Status);
        Assert.Equal(DecisionStatus.Offer, engine.Decide(Context("F2").SetChurnProbability(0.9)).Status);
    }

    [Fact]
    public void PerChannelCap_FallsBackToNextChannel()
    {
        var history = new InMemoryContactHistory();
        history.Record(new ContactRecord("F3", ContactChannel.WeChat, ConsentPurpose.Marketing, AsOf.AddDays(-1)));
        var engine = new OfferDecisionEngine(Standard, new DecisionSettings(caps: [new FrequencyCap(1, TimeSpan.FromDays(7), ContactChannel.WeChat)]), history);
        Assert.Equal(ContactChannel.AppPush, engine.Decide(Context("F3").SetChurnProbability(0.9)).Channel);
        Assert.Throws<ArgumentException>(() => new OfferDecisionEngine(Standard, new DecisionSettings(caps: [new FrequencyCap(1, TimeSpan.FromDays(7))])));
    }

    [Fact]
    public void QuietHours_DeferInCustomerTimeZone_NeverDrop()
    {
        var settings = new DecisionSettings(quietHours: new QuietHours(new TimeOnly(21, 0), new TimeOnly(9, 0)));
        var engine = new OfferDecisionEngine(Standard, settings);
        var lateShanghai = new DateTimeOffset(2026, 3, 10, 15, 0, 0, TimeSpan.Zero); // 23:00 in Shanghai, 11:00 in New York
        var sh = engine.Decide(Context(Profile("Q1"), lateShanghai).SetChurnProbability(0.9));
        Assert.Equal(DecisionStatus.Offer, sh.Status);
        Assert.True(sh.IsDeferred(lateShanghai));
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 1, 0, 0, TimeSpan.Zero), sh.SendAt.ToUniversalTime());
        var ny = engine.Decide(Context(Profile("Q2", timeZone: "America/New_York"), lateShanghai).SetChurnProbability(0.9));
        Assert.False(ny.IsDeferred(lateShanghai));
    }

    [Fact]
    public void Holdout_NeverContacted_ReportsWouldBeRule_ReservesNoBudget()
    {
        var holdout = new HoldoutGroup(0.5, "test-salt");
        var ids = Enumerable.Range(0, 200).Select(i => "H" + i).ToList();
        var engine = new OfferDecisionEngine(StandardCampaigns.Create(new BudgetLimits(MaxCount: 1_000)), new DecisionSettings(holdout: holdout));
        var held = 0;
        foreach (var id in ids)
        {
            var d = engine.Decide(Context(id).SetChurnProbability(0.9));
            Assert.Equal(holdout.Contains(id) ? DecisionStatus.Holdout : DecisionStatus.Offer, d.Status);
            Assert.Equal("winback", d.Rule!.Id);
            held += d.Status == DecisionStatus.Holdout ? 1 : 0;
        }

        Assert.True(engine.TryGetBudget(StandardCampaigns.WinBackCampaign, out var budget));
        Assert.Equal(ids.Count - held, budget.Count);
        Assert.InRange(held, 70, 130);
    }

    [Fact]
    public void BudgetExhausted_FallsToNextRule_OrReportsReason()
    {
        var engine = new OfferDecisionEngine(StandardCampaigns.Create(new BudgetLimits(MaxCount: 2)));
        Assert.Equal("winback", engine.Decide(Context("B1").SetChurnProbability(0.9)).Rule!.Id);
        Assert.Equal("winback", engine.Decide(Context("B2").SetChurnProbability(0.9)).Rule!.Id);
        var trace = new DecisionTrace();
        var third = engine.Decide(Context("B3").SetChurnProbability(0.9), trace);
        Assert.Equal((DecisionStatus.NoOffer, RuleOutcome.BudgetExhausted), (third.Status, third.Reason));
        Assert.Equal(RuleOutcome.BudgetExhausted, trace["winback"].Outcome);
        engine.Release(engine.RuleSet.Rules.Single(r => r.Id == "winback"));
        Assert.Equal(DecisionStatus.Offer, engine.Decide(Context("B4").SetChurnProbability(0.9)).Status);
    }

    [Fact]
    public void Budget_ParallelDecisions_NeverExceeded()
    {
        var engine = new OfferDecisionEngine(StandardCampaigns.Create(new BudgetLimits(MaxCount: 500, MaxAmount: 3_000m)));
        var granted = 0;
        Parallel.For(0, 5_000, i =>
        {
            if (engine.Decide(Context("PB" + i).SetChurnProbability(0.9)).Status == DecisionStatus.Offer)
            {
                Interlocked.Increment(ref granted);
            }
        });
        Assert.True(engine.TryGetBudget(StandardCampaigns.WinBackCampaign, out var budget));
        Assert.Equal(375, granted); // 3,000 / 8 per win-back offer: the money limit binds before the count
        Assert.Equal(3_000m, budget.Amount);
    }

    [Fact]
    public void ExpiredOffer_IsOutsideValidityWindow()
    {
        var set = new PersonalizationRuleSetBuilder()
            .AddOffer(new Offer("spring", OfferKind.PercentageDiscount, 5m, AsOf.AddDays(-30), AsOf.AddDays(-1)))
            .AddRule("spring", r => r.When(Condition.Field("churn.probability").AtLeast(0)).Grant("spring"))
            .Build();
        var trace = new DecisionTrace();
        var d = new OfferDecisionEngine(set).Decide(Context("E").SetChurnProbability(0.1), trace);
        Assert.Equal((DecisionStatus.NoOffer, RuleOutcome.OutsideValidityWindow), (d.Status, d.Reason));
        Assert.Equal(RuleOutcome.OutsideValidityWindow, trace["spring"].Outcome);
    }

    [Fact]
    public void ValidityWindows_InMixedOffsets_MatchIsValidAtAtEveryBoundary()
    {
        // The engine compares precomputed UTC ticks of the rule ∩ offer window; the reference is PersonalizationRule.IsValidAt.
        var ruleFrom = new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.FromHours(8));    // 01:00 UTC
        var ruleUntil = new DateTimeOffset(2026, 3, 10, 20, 0, 0, TimeSpan.FromHours(8));  // 12:00 UTC
        var offerFrom = new DateTimeOffset(2026, 3, 9, 21, 30, 0, TimeSpan.FromHours(-5)); // 02:30 UTC
        var offerUntil = new DateTimeOffset(2026, 3, 10, 5, 0, 0, TimeSpan.FromHours(-5)); // 10:00 UTC
        var set = new PersonalizationRuleSetBuilder()
            .AddOffer(new Offer("o", OfferKind.PercentageDiscount, 5m, offerFrom, offerUntil))
            .AddRule("r", r => r.When(Condition.Field("churn.probability").AtLeast(0)).Grant("o").ValidBetween(ruleFrom, ruleUntil))
            .Build();
        var engine = new OfferDecisionEngine(set);
        var rule = set.Rules[0];
        DateTimeOffset[] edges = [ruleFrom, ruleUntil, offerFrom, offerUntil];
        var checkedInside = 0;
        foreach (var edge in edges)
        {
            foreach (var delta in new long[] { -1, 0, 1 })
            {
                foreach (var offset in new[] { TimeSpan.Zero, TimeSpan.FromHours(8), TimeSpan.FromHours(-5) })
                {
                    var asOf = edge.AddTicks(delta).ToOffset(offset);
                    var d = engine.Decide(Context(Profile("W"), asOf).SetChurnProbability(0.1));
                    Assert.Equal(!rule.IsValidAt(asOf), d.Reason == RuleOutcome.OutsideValidityWindow);
                    checkedInside += rule.IsValidAt(asOf) ? 1 : 0;
                }
            }
        }

        Assert.True(checkedInside > 0);
    }

    [Fact]
    public void Stacking_GroupsAndExclusivity()
    {
        var b = new PersonalizationRuleSetBuilder()
            .AddOffer(new Offer("d10", OfferKind.PercentageDiscount, 10m))
            .AddOffer(new Offer("d15", OfferKind.PercentageDiscount, 15m))
            .AddOffer(new Offer("pts", OfferKind.PointsMultiplier, 2m))
            .AddOffer(new Offer("excl", OfferKind.FixedDiscount, 50m));
        var all = Condition.Field("churn.probability").AtLeast(0);
        var set = b
            .AddRule("disc-15", r => r.When(all).Grant("d15").WithPriority(9).InGroup("discount"))
            .AddRule("disc-10", r => r.When(all).Grant("d10").WithPriority(8).InGroup("discount"))
            .AddRule("points", r => r.When(all).Grant("pts").WithPriority(7).InGroup("points"))
            .AddRule("exclusive", r => r.When(all).Grant("excl").WithPriority(6).Exclusive())
            .Build();
        var engine = new OfferDecisionEngine(set, new DecisionSettings(maxOffersPerDecision: 3));
        var selected = new PersonalizationRule?[3];
        var trace = new DecisionTrace();
        var d = engine.DecideStacked(Context("S").SetChurnProbability(0.5), selected, trace);
        Assert.Equal(2, d.StackedCount);
        Assert.Equal(["disc-15", "points"], selected.Take(2).Select(r => r!.Id));
        Assert.Equal(RuleOutcome.LostOnPriority, trace["disc-10"].Outcome);
        Assert.Equal(RuleOutcome.LostOnPriority, trace["exclusive"].Outcome);
        Assert.Contains("exclusive", trace["exclusive"].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_WithoutTrace_AllocatesNothing()
    {
        var engine = new OfferDecisionEngine(Standard, new DecisionSettings(
            caps: [new FrequencyCap(2, TimeSpan.FromDays(7))],
            quietHours: new QuietHours(new TimeOnly(21, 0), new TimeOnly(9, 0)),
            holdout: new HoldoutGroup(0.05, "h")), new InMemoryContactHistory());
        var contexts = SourceCases().Select(c => c.Context).ToArray();
        var late = Context(Profile("LATE"), new DateTimeOffset(2026, 3, 10, 15, 0, 0, TimeSpan.Zero)).SetChurnProbability(0.3);
        contexts = [.. contexts, late];
        foreach (var c in contexts)
        {
            engine.Decide(c);
        }

        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                foreach (var c in contexts)
                {
                    engine.Decide(c);
                }
            }
        });

        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
    }

    [Fact]
    public void DecideBatch_MatchesSingleDecisions()
    {
        var engine = new OfferDecisionEngine(Standard, new DecisionSettings(reserveBudget: false));
        var contexts = SourceCases().Select(c => c.Context).ToArray();
        var results = new OfferDecision[contexts.Length];
        engine.DecideBatch(contexts, results);
        for (var i = 0; i < contexts.Length; i++)
        {
            Assert.Equal(engine.Decide(contexts[i]), results[i]);
        }

        Assert.Throws<ArgumentException>(() => engine.DecideBatch(contexts, new OfferDecision[1]));
    }

    /// <summary>
    /// DecideBatch asks for the contexts, profiles and features a few customers ahead (issue 17: a cache hint): over contexts without a
    /// profile, without features or empty, in a list or an array and of every length around the look-ahead distances, its decisions are
    /// still exactly the single decisions, and it allocates nothing.
    /// </summary>
    [Fact]
    public void DecideBatch_SparseContextsOfEveryLength_MatchesSingleDecisionsWithoutAllocating()
    {
        var engine = new OfferDecisionEngine(Standard, new DecisionSettings(reserveBudget: false));
        var someFeatures = Context("F").Features;
        var pool = SourceCases().Select(c => c.Context)
            .Concat([new CustomerContext(null, someFeatures, AsOf).SetChurnProbability(0.9), new CustomerContext(Profile("NOFEAT"), null, AsOf).SetChurnProbability(0.9), new CustomerContext()])
            .ToArray();
        for (var n = 0; n <= pool.Length; n++)
        {
            var array = pool.Take(n).Reverse().ToArray();
            var list = new List<CustomerContext>(array);
            var fromArray = new OfferDecision[n];
            var fromList = new OfferDecision[n];
            engine.DecideBatch(array, fromArray);
            engine.DecideBatch(list, fromList);
            for (var i = 0; i < n; i++)
            {
                var single = engine.Decide(array[i]);
                Assert.Equal(single, fromArray[i]);
                Assert.Equal(single, fromList[i]);
            }
        }

        var all = new OfferDecision[pool.Length];
        var (least, attempts) = AllocationProbe.Least(() => engine.DecideBatch(pool, all));
        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
    }

    /// <summary>
    /// A single decision asks for the customer's features, id and demographics before it reads them (issue 17: a cache hint). With a
    /// holdout (so the id is hashed) and over contexts without a profile, without features, empty, or with a profile whose id is the
    /// features' customer, every decision is still the one the traced path makes, the holdout is the group's, and nothing is allocated.
    /// </summary>
    [Fact]
    public void Decide_WithHoldoutOverSparseContexts_MatchesTracedDecisionsWithoutAllocating()
    {
        var holdout = new HoldoutGroup(0.5, "prefetch-salt");
        var engine = new OfferDecisionEngine(Standard, new DecisionSettings(holdout: holdout, reserveBudget: false));
        var someFeatures = Context("F").Features;
        var contexts = SourceCases().Select(c => c.Context)
            .Concat(Enumerable.Range(0, 40).Select(i => Context(Profile("H" + i, birthDate: i % 2 == 0 ? new DateOnly(1990, 1 + (i % 12), 1) : null)).SetChurnProbability(0.9)))
            .Concat([new CustomerContext(null, someFeatures, AsOf).SetChurnProbability(0.9), new CustomerContext(Profile("NOFEAT"), null, AsOf).SetChurnProbability(0.9), new CustomerContext()])
            .ToArray();
        var trace = new DecisionTrace();
        foreach (var c in contexts)
        {
            var decided = engine.Decide(c);
            Assert.Equal(engine.Decide(c, trace), decided);
            if (decided.Status is DecisionStatus.Offer or DecisionStatus.Holdout && (c.Profile?.Id ?? c.Features?.CustomerId) is { } id)
            {
                Assert.Equal(holdout.Contains(id), decided.Status == DecisionStatus.Holdout);
            }
        }

        Assert.Contains(contexts, c => engine.Decide(c).Status == DecisionStatus.Holdout);
        Assert.Contains(contexts, c => engine.Decide(c).Status == DecisionStatus.Offer);
        var (least, attempts) = AllocationProbe.Least(() =>
        {
            foreach (var c in contexts)
            {
                engine.Decide(c);
            }
        });
        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
    }

    /// <summary>The look-ahead reads only inside the list: every index of lists of 0 to 7 contexts (nulls among them), and the last indexes
    /// of a list as long as an int can count (no overflow of index + distance).</summary>
    [Fact]
    public void PrefetchAhead_EveryIndex_StaysInsideTheListAndChangesNothing()
    {
        var profile = Profile("P");
        for (var n = 0; n <= 7; n++)
        {
            var contexts = Enumerable.Range(0, n).Select(i => i % 3 == 1 ? null : new CustomerContext(i % 3 == 2 ? null : profile, null, AsOf.AddDays(i))).ToArray();
            for (var i = 0; i < n; i++)
            {
                CustomerContext.PrefetchAhead(contexts, i);
            }

            Assert.All(contexts.Select((c, i) => (c, i)).Where(x => x.c is not null), x => Assert.Equal(AsOf.AddDays(x.i), x.c!.AsOf));
        }

        var huge = new CountOnlyList();
        CustomerContext.PrefetchAhead(huge, int.MaxValue - 1);
        CustomerContext.PrefetchAhead(huge, int.MaxValue - 3);
        Assert.Equal([int.MaxValue - 1], huge.Read); // from int.MaxValue - 3 only the context two ahead is read; nothing past the end
    }

    /// <summary>A list that claims <see cref="int.MaxValue"/> elements, all null, and records which indexes were read.</summary>
    private sealed class CountOnlyList : IReadOnlyList<CustomerContext?>
    {
        public List<int> Read { get; } = [];

        public int Count => int.MaxValue;

        public CustomerContext? this[int index]
        {
            get
            {
                Read.Add(index);
                return null;
            }
        }

        public IEnumerator<CustomerContext?> GetEnumerator() => throw new NotSupportedException();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
