using CemCore.Customers;
using CemCore.Messaging;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Personalization;

/// <summary>
/// A ready-made rule set covering the retail cases of the CEM source documents: new-customer welcome, tiered loyalty rewards, "we miss you"
/// win-back when churn risk is high, after-sales compensation by return reason, cross-category (sneakers → sportswear), low-CSAT make-good,
/// birthday, cart abandonment, lifecycle-stage strategies, with omnichannel coupons redeemable online and in store. A starting point:
/// copy and adapt the thresholds.
/// </summary>
/// <remarks>
/// <para>Rules (priority; group): <c>aftersales-quality</c> 20% + free exchange (100), <c>aftersales-size</c> 15% on apparel (99),
/// <c>aftersales-other</c> 10% (98) — all within 30 days of a return (group aftersales; marketing purpose unless the host passes another); <c>csat-makegood</c> 30 off after a CSAT
/// ≤ 2 within 14 days (90; service group, same purpose); <c>cart-abandon</c> free shipping within 2 days of an abandoned cart (80; engagement); <c>winback</c>
/// 20% coupon when churn probability ≥ 0.6 (70; retention); <c>reactivation</c> 25% for dormant customers (65; retention); <c>welcome-back</c>
/// free shipping for revived customers (60; retention); <c>birthday</c> 20 off within 7 days of the birthday (55; celebration);
/// <c>welcome</c> 10% for new customers (50; onboarding); <c>cross-sportswear</c> 15% on sportswear for sneaker buyers without sportswear
/// orders (40; growth); <c>loyalty-gold</c> 3× points + free shipping at ≥ 2,000 net spend and <c>loyalty-silver</c> 2× points at ≥ 500
/// (30 and 20; loyalty); <c>vip-care</c> 2× points for the mature stage (15; loyalty); <c>decline-nudge</c> 10% for the decline stage (10; retention).</para>
/// <para>Coupon offers are valid 30 days from issue and redeemable online and in store. Message keys equal rule ids; see
/// <see cref="StandardTemplates"/>.</para>
/// </remarks>
public static class StandardCampaigns
{
    /// <summary>The campaign id of the win-back budget.</summary>
    public const string WinBackCampaign = "winback";

    /// <summary>Builds the standard offer catalogue.</summary>
    /// <returns>The offers.</returns>
    public static IReadOnlyList<Offer> Offers()
    {
        SalesChannel[] omni = [SalesChannel.Online, SalesChannel.Store];
        return
        [
            new Offer("welcome10", OfferKind.PercentageDiscount, 10m, redeemableChannels: omni, coupon: Coupon("WLC")),
            new Offer("loyalty-gold-3x", OfferKind.PointsMultiplier, 3m, perks: OfferPerks.FreeShipping),
            new Offer("loyalty-silver-2x", OfferKind.PointsMultiplier, 2m),
            new Offer("vip-2x", OfferKind.PointsMultiplier, 2m),
            new Offer("winback20", OfferKind.PercentageDiscount, 20m, redeemableChannels: omni, budgetCost: 8m, coupon: Coupon("WB")),
            new Offer("reactivation25", OfferKind.PercentageDiscount, 25m, redeemableChannels: omni, budgetCost: 10m, coupon: Coupon("RA")),
            new Offer("welcome-back-ship", OfferKind.FreeShipping, 0m, redeemableChannels: omni),
            new Offer("decline10", OfferKind.PercentageDiscount, 10m, redeemableChannels: omni, coupon: Coupon("DN")),
            new Offer("aftersales-size15", OfferKind.PercentageDiscount, 15m, applicableCategories: ["apparel"], redeemableChannels: omni, coupon: Coupon("AS")),
            new Offer("aftersales-quality20", OfferKind.PercentageDiscount, 20m, perks: OfferPerks.FreeExchange, redeemableChannels: omni, coupon: Coupon("AQ")),
            new Offer("aftersales-other10", OfferKind.PercentageDiscount, 10m, redeemableChannels: omni, coupon: Coupon("AO")),
            new Offer("csat-makegood30", OfferKind.FixedDiscount, 30m, redeemableChannels: omni, coupon: Coupon("MG")),
            new Offer("cart-freeship", OfferKind.FreeShipping, 0m, redeemableChannels: [SalesChannel.Online, SalesChannel.App]),
            new Offer("birthday20", OfferKind.FixedDiscount, 20m, redeemableChannels: omni, coupon: Coupon("BD")),
            new Offer("sportswear15", OfferKind.PercentageDiscount, 15m, applicableCategories: ["sportswear"], redeemableChannels: omni, coupon: Coupon("XS")),
        ];
    }

    private static CouponPolicy Coupon(string prefix) => new(Prefix: prefix, ValidFor: TimeSpan.FromDays(30));

    /// <summary>Adds the standard offers, the win-back budget and the standard rules to a builder.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="winBackBudget">The win-back campaign budget; <see langword="null"/> for 100,000 offers and 500,000 in money.</param>
    /// <param name="compensationPurpose">The consent purpose of the after-sales and CSAT make-good coupons. A coupon is marketing (the default):
    /// it needs marketing consent and counts against marketing caps. A host whose legal review classes compensation for a failed order as
    /// a service message passes <see cref="ConsentPurpose.Service"/>.</param>
    /// <returns>The builder.</returns>
    public static PersonalizationRuleSetBuilder AddStandardCampaigns(this PersonalizationRuleSetBuilder builder, BudgetLimits? winBackBudget = null, ConsentPurpose compensationPurpose = ConsentPurpose.Marketing)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var o in Offers())
        {
            builder.AddOffer(o);
        }

        builder.AddBudget(WinBackCampaign, winBackBudget ?? new BudgetLimits(100_000, 500_000m));
        var recentReturn = Condition.Field("event.lastReturn.at").WithinLastDays(30);
        return builder
            .AddRule("aftersales-quality", r => r.When(Condition.All(recentReturn, Condition.Field("event.lastReturn.reason").Equal("Quality")))
                .Grant("aftersales-quality20").WithPriority(100).InGroup("aftersales").ForPurpose(compensationPurpose).Describe("Quality return: 20% plus free exchange"))
            .AddRule("aftersales-size", r => r.When(Condition.All(recentReturn, Condition.Field("event.lastReturn.reason").Equal("Size")))
                .Grant("aftersales-size15").WithPriority(99).InGroup("aftersales").ForPurpose(compensationPurpose).Describe("Size return: 15% on apparel"))
            .AddRule("aftersales-other", r => r.When(Condition.All(recentReturn, Condition.Field("event.lastReturn.reason").NotIn("Quality", "Size")))
                .Grant("aftersales-other10").WithPriority(98).InGroup("aftersales").ForPurpose(compensationPurpose).Describe("Other return reasons: 10%"))
            .AddRule("csat-makegood", r => r.When(Condition.All(Condition.Field("survey.lastCsat").AtMost(2), Condition.Field("survey.lastAt").WithinLastDays(14)))
                .Grant("csat-makegood30").WithPriority(90).InGroup("service").ForPurpose(compensationPurpose).Describe("Low CSAT make-good"))
            .AddRule("cart-abandon", r => r.When(Condition.Field("event.cartAbandonedAt").WithinLastDays(2))
                .Grant("cart-freeship").WithPriority(80).InGroup("engagement").Describe("Cart abandonment: free shipping"))
            .AddRule("winback", r => r.When(Condition.Field("churn.probability").AtLeast(0.6))
                .Grant("winback20").WithPriority(70).InGroup("retention").InCampaign(WinBackCampaign).Describe("We miss you: 20% when churn risk is high"))
            .AddRule("reactivation", r => r.When(Condition.Field("lifecycle.stage").Equal("Dormant"))
                .Grant("reactivation25").WithPriority(65).InGroup("retention").InCampaign(WinBackCampaign).Describe("Dormant: reactivation 25%"))
            .AddRule("welcome-back", r => r.When(Condition.Field("lifecycle.stage").Equal("Revived"))
                .Grant("welcome-back-ship").WithPriority(60).InGroup("retention").Describe("Revived: welcome back with free shipping"))
            .AddRule("birthday", r => r.When(Condition.Field("profile.daysToBirthday").AtMost(7))
                .Grant("birthday20").WithPriority(55).InGroup("celebration").Describe("Birthday week: 20 off"))
            .AddRule("welcome", r => r.When(Condition.Any(Condition.Field("lifecycle.stage").Equal("New"), Condition.Field("features.orderCount").Equal(1)))
                .Grant("welcome10").WithPriority(50).InGroup("onboarding").Describe("New customer welcome: 10%"))
            .AddRule("cross-sportswear", r => r.When(Condition.All(Condition.Field("features.category.sneakers.orders").AtLeast(1), Condition.Field("features.category.sportswear.orders").Equal(0)))
                .Grant("sportswear15").WithPriority(40).InGroup("growth").Describe("Sneaker buyers: 15% on sportswear"))
            .AddRule("loyalty-gold", r => r.When(Condition.Field("features.monetaryTotal").AtLeast(2000))
                .Grant("loyalty-gold-3x").WithPriority(30).InGroup("loyalty").Describe("Gold tier: triple points and free shipping"))
            .AddRule("loyalty-silver", r => r.When(Condition.Field("features.monetaryTotal").Between(500, 1999.99))
                .Grant("loyalty-silver-2x").WithPriority(20).InGroup("loyalty").Describe("Silver tier: double points"))
            .AddRule("vip-care", r => r.When(Condition.Field("lifecycle.stage").Equal("Maturity"))
                .Grant("vip-2x").WithPriority(15).InGroup("loyalty-stage").Describe("Mature stage: VIP double points"))
            .AddRule("decline-nudge", r => r.When(Condition.Field("lifecycle.stage").Equal("Decline"))
                .Grant("decline10").WithPriority(10).InGroup("retention").Describe("Decline stage: 10% nudge"));
    }

    /// <summary>Builds the standard rule set, checked against <see cref="StandardTemplates.Create"/>.</summary>
    /// <param name="winBackBudget">The win-back budget, or <see langword="null"/> for the default.</param>
    /// <param name="compensationPurpose">The consent purpose of the after-sales and make-good coupons (marketing unless the host says otherwise).</param>
    /// <returns>The rule set.</returns>
    public static PersonalizationRuleSet Create(BudgetLimits? winBackBudget = null, ConsentPurpose compensationPurpose = ConsentPurpose.Marketing) =>
        new PersonalizationRuleSetBuilder().AddStandardCampaigns(winBackBudget, compensationPurpose).WithTemplates(StandardTemplates.Create()).Build();
}
