using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Transactions;

namespace CemCore.Tests.Personalization;

/// <summary>Customers and contexts for the personalization tests (all with consents granted unless said otherwise).</summary>
internal static class OfferTestData
{
    public static readonly DateTimeOffset AsOf = new(2026, 3, 10, 2, 0, 0, TimeSpan.Zero); // 10:00 in Shanghai

    private static readonly Lazy<CustomerFeatureSet> s_features = new(BuildFeatures);

    public static CustomerFeatureSet Features => s_features.Value;

    public static ConsentRecord[] AllConsents(params ConsentPurpose[] purposes) =>
    [
        .. from ch in DecisionSettingsChannels()
           from p in purposes.Length == 0 ? [ConsentPurpose.Marketing, ConsentPurpose.Service] : purposes
           select new ConsentRecord(ch, p, ConsentStatus.Granted, AsOf.AddYears(-1)),
    ];

    public static CustomerProfile Profile(string id, ContactChannel preferred = default, string? language = "zh-CN", string timeZone = "Asia/Shanghai", DateOnly? birthDate = null, IEnumerable<ConsentRecord>? consents = null) =>
        new(id, AsOf.AddDays(-500), new Demographics(BirthDate: birthDate), preferredChannel: preferred, language: language, timeZoneId: timeZone, consents: consents ?? AllConsents());

    public static CustomerContext Context(CustomerProfile profile, DateTimeOffset? asOf = null)
    {
        Features.TryGet(profile.Id, out var f);
        return new CustomerContext(profile, f, asOf ?? AsOf);
    }

    public static CustomerContext Context(string id) => Context(Profile(id));

    /// <summary>Contexts for each source-document case, keyed by the rule expected to win.</summary>
    public static IEnumerable<(string ExpectedRule, CustomerContext Context)> SourceCases()
    {
        yield return ("aftersales-quality", Context("R-Q").SetLastReturn(new ReturnFact(ReturnReason.Quality, AsOf.AddDays(-3), "shoes")));
        yield return ("aftersales-size", Context("R-S").SetLastReturn(new ReturnFact(ReturnReason.Size, AsOf.AddDays(-3), "apparel")));
        yield return ("aftersales-other", Context("R-O").SetLastReturn(new ReturnFact(ReturnReason.ChangedMind, AsOf.AddDays(-3))));
        yield return ("csat-makegood", Context("CSAT").SetLastSurvey(new SurveyFact(null, 1, AsOf.AddDays(-2))));
        yield return ("cart-abandon", Context("CART").SetCartAbandonedAt(AsOf.AddHours(-20)));
        yield return ("winback", Context("CHURN").SetChurnProbability(0.82));
        yield return ("reactivation", Context("DORM").SetLifecycleStage(LifecycleStage.Dormant));
        yield return ("welcome-back", Context("REV").SetLifecycleStage(LifecycleStage.Revived));
        yield return ("birthday", Context(Profile("BDAY", birthDate: new DateOnly(1990, 3, 14))));
        yield return ("welcome", Context("NEW1").SetLifecycleStage(LifecycleStage.New));
        yield return ("cross-sportswear", Context("SNKR"));
        yield return ("loyalty-gold", Context("GOLD"));
        yield return ("loyalty-silver", Context("SILV"));
        yield return ("vip-care", Context("MAT").SetLifecycleStage(LifecycleStage.Maturity));
        yield return ("decline-nudge", Context("DECL").SetLifecycleStage(LifecycleStage.Decline));
    }

    private static IEnumerable<ContactChannel> DecisionSettingsChannels() => [ContactChannel.WeChat, ContactChannel.AppPush, ContactChannel.Sms, ContactChannel.Email];

    private static CustomerFeatureSet BuildFeatures()
    {
        var b = new TransactionTableBuilder();
        b.AddPurchase("SNKR", AsOf.AddDays(-20), 120m, "s1", SalesChannel.Online, "sneakers");
        b.AddPurchase("SNKR", AsOf.AddDays(-80), 60m, "s2", SalesChannel.Store, "socks");
        b.AddPurchase("GOLD", AsOf.AddDays(-20), 1500m, "g1", SalesChannel.Store, "watches");
        b.AddPurchase("GOLD", AsOf.AddDays(-60), 900m, "g2", SalesChannel.Online, "watches");
        b.AddPurchase("SILV", AsOf.AddDays(-20), 300m, "v1", SalesChannel.Store, "bags");
        b.AddPurchase("SILV", AsOf.AddDays(-90), 400m, "v2", SalesChannel.Store, "bags");
        return FeatureExtractor.Compute(b.Build(), AsOf);
    }
}
