using CemCore.Personalization;
using CemCore.Rules;
using CemCore.Uplift;
using static CemCore.Tests.Personalization.OfferTestData;

namespace CemCore.Tests.Uplift;

/// <summary>Uplift deciles and the "top deciles only" rule, evaluated by the offer engine over scored customers.</summary>
public sealed class UpliftTargetingTests
{
    [Fact]
    public void Deciles_TwentyDistinctScores_TwoPerDecile()
    {
        var scores = Enumerable.Range(0, 20).Select(i => i / 100.0).ToArray(); // 0.19 is the highest
        var deciles = UpliftTargeting.AssignDeciles(scores);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(10 - (i / 2), deciles[i]); // rank r = 19 − i, decile ⌊10 r / 20⌋ + 1
        }
    }

    [Fact]
    public void Deciles_TiesShareTheDecileOfTheirFirstPosition()
    {
        // Ranked: 0.5 (r 0), 0.4 ×3 (r 1-3, all take r 1), 0.1 (r 4), 0 (r 5) ... n = 7.
        double[] scores = [0.4, 0.5, 0.4, -0.2, 0.4, 0.1, 0.0];
        var deciles = UpliftTargeting.AssignDeciles(scores);
        // ⌊10·r/7⌋ + 1: r 0 → 1, r 1 → 2, r 4 → 6, r 5 → 8, r 6 → 9.
        int[] expected = [2, 1, 2, 9, 2, 6, 8];
        int[] tied = [1, 1];
        Assert.Equal(expected, deciles);
        Assert.Empty(UpliftTargeting.AssignDeciles([]));
        Assert.Equal(tied, UpliftTargeting.AssignDeciles([0.3, 0.3]));
    }

    [Fact]
    public void Fields_AreRegistered_AndContextValidatesRanges()
    {
        Assert.True(FieldRegistry.Default.TryDescribe(UpliftTargeting.ScoreField, out var score));
        Assert.Equal(FieldType.Number, score.Type);
        Assert.True(FieldRegistry.Default.TryDescribe(UpliftTargeting.DecileField, out var decile));
        Assert.Equal(FieldType.Number, decile.Type);
        var c = new CustomerContext();
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetUplift(1.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetUplift(double.NaN, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetUplift(0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetUplift(0.1, 11));
        c.SetUplift(-0.25, 10);
        Assert.Equal(-0.25, c.UpliftScore);
        Assert.Equal(10, c.UpliftDecile);
        c.Reset(null, null, AsOf);
        Assert.Null(c.UpliftScore);
        Assert.Null(c.UpliftDecile);
        Assert.Throws<ArgumentOutOfRangeException>(() => UpliftTargeting.TopDeciles(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => UpliftTargeting.TopDeciles(11));
        Assert.Throws<ArgumentOutOfRangeException>(() => UpliftTargeting.TopDeciles(3, 2.0));
    }

    [Fact]
    public void CouponRule_GoesOnlyToTheTopThreeDeciles_WithPositiveUplift()
    {
        // Forty scored customers: uplift from +0.30 down to −0.09 in steps of 0.01 (the last ten are "sleeping dogs").
        var uplift = Enumerable.Range(0, 40).Select(i => Math.Round(0.30 - (i * 0.01), 2)).ToArray();
        var deciles = UpliftTargeting.AssignDeciles(uplift);
        var rules = new PersonalizationRuleSetBuilder()
            .AddOffer(new Offer("coupon10", OfferKind.PercentageDiscount, 10m))
            .AddRule("uplift-coupon", r => r.When(UpliftTargeting.TopDeciles(3)).Grant("coupon10").Describe("10% coupon for persuadable customers"))
            .Build();
        var engine = new OfferDecisionEngine(rules);
        var granted = new List<int>();
        for (var i = 0; i < uplift.Length; i++)
        {
            var context = Context(Profile("U" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).SetUplift(uplift[i], deciles[i]);
            if (engine.Decide(context).Status == DecisionStatus.Offer)
            {
                granted.Add(i);
            }
        }

        Assert.Equal(Enumerable.Range(0, 12), granted); // deciles 1-3 = the 12 highest of 40

        // A customer never scored has no uplift fields: the condition is false, no coupon.
        Assert.Equal(DecisionStatus.NoOffer, engine.Decide(Context(Profile("UNSCORED"))).Status);

        // With a minimum uplift of 0, a top-decile customer with a negative uplift (everyone is a sleeping dog) gets nothing.
        var strict = new OfferDecisionEngine(new PersonalizationRuleSetBuilder()
            .AddOffer(new Offer("coupon10", OfferKind.PercentageDiscount, 10m))
            .AddRule("uplift-coupon", r => r.When(UpliftTargeting.TopDeciles(3, minimumUplift: 0.0)).Grant("coupon10"))
            .Build());
        Assert.Equal(DecisionStatus.NoOffer, strict.Decide(Context(Profile("DOG")).SetUplift(-0.05, 1)).Status);
        Assert.Equal(DecisionStatus.Offer, strict.Decide(Context(Profile("CAT")).SetUplift(0.05, 1)).Status);
    }

    [Fact]
    public void RuleJson_CanReferToTheUpliftFields()
    {
        const string json = """
            {
              "offers": [ { "id": "coupon10", "kind": "percentageDiscount", "value": 10 } ],
              "rules": [ { "id": "uplift-coupon", "when": { "field": "uplift.decile", "op": "le", "value": 3 }, "offer": "coupon10" } ]
            }
            """;
        var engine = new OfferDecisionEngine(PersonalizationRuleJson.Load(json));
        Assert.Equal(DecisionStatus.Offer, engine.Decide(Context(Profile("A")).SetUplift(0.2, 3)).Status);
        Assert.Equal(DecisionStatus.NoOffer, engine.Decide(Context(Profile("B")).SetUplift(0.2, 4)).Status);
    }
}
