using CemCore.Loyalty;
using CemCore.Personalization;
using CemCore.Rules;

namespace CemCore.Tests.Loyalty;

/// <summary>
/// Member recruitment (issue 9, docs/loyalty.md "Member recruitment"): the funnel and the conversion offer against hand-computed values.
/// Fixture (as-of 2025-03-01, UTC):
/// a: visit 01-01 store, visit 01-03, sign-up 01-05, purchase 01-07 (4 days to sign up, 2 to buy);
/// b: visit 01-10 wechat, sign-up 01-20 (10 days, no purchase);
/// c: guest purchase 01-15 store, sign-up 02-01 12:00, purchase 02-02 00:00 (17.5 days, 0.5 days);
/// d: visits 02-03 wechat, 02-10, 02-20 (non-member); e: sign-up 02-05 app, purchase 02-06 (0 days, 1 day);
/// f: visit 02-25 without channel, sign-up 03-02 (after as-of: non-member); g: visit 03-05 (after as-of: absent);
/// h: guest purchase 02-14 store (non-member).
/// </summary>
public sealed class MemberFunnelTests
{
    private static readonly DateTimeOffset AsOf = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static MemberEvent E(string id, string at, MemberEventKind kind, string? channel = null) =>
        new(id, DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), kind, channel);

    private static List<MemberEvent> Fixture() =>
    [
        E("a", "2025-01-01T00:00:00Z", MemberEventKind.Visit, "store"),
        E("a", "2025-01-03T00:00:00Z", MemberEventKind.Visit, "wechat"),
        E("a", "2025-01-05T00:00:00Z", MemberEventKind.SignUp, "store"),
        E("a", "2025-01-07T00:00:00Z", MemberEventKind.Purchase, "store"),
        E("b", "2025-01-20T00:00:00Z", MemberEventKind.SignUp, "wechat"), // out of order on purpose
        E("b", "2025-01-10T00:00:00Z", MemberEventKind.Visit, "wechat"),
        E("c", "2025-01-15T00:00:00Z", MemberEventKind.Purchase, "store"),
        E("c", "2025-02-01T12:00:00Z", MemberEventKind.SignUp, "app"),
        E("c", "2025-02-02T00:00:00Z", MemberEventKind.Purchase, "app"),
        E("d", "2025-02-03T00:00:00Z", MemberEventKind.Visit, "wechat"),
        E("d", "2025-02-10T00:00:00Z", MemberEventKind.Visit, "wechat"),
        E("d", "2025-02-20T00:00:00Z", MemberEventKind.Visit, "wechat"),
        E("e", "2025-02-05T00:00:00Z", MemberEventKind.SignUp, "app"),
        E("e", "2025-02-06T00:00:00Z", MemberEventKind.Purchase, "app"),
        E("f", "2025-02-25T00:00:00Z", MemberEventKind.Visit),
        E("f", "2025-03-02T00:00:00Z", MemberEventKind.SignUp, "app"),
        E("g", "2025-03-05T00:00:00Z", MemberEventKind.Visit, "store"),
        E("h", "2025-02-14T00:00:00Z", MemberEventKind.Purchase, "store"),
    ];

    private static void AssertRow(MemberFunnelRow row, string group, int visitors, int members, int purchasers, double? toSignUp, double? toPurchase)
    {
        Assert.Equal((group, visitors, members, purchasers), (row.Group, row.Visitors, row.Members, row.MemberPurchasers));
        Assert.Equal(visitors == 0 ? null : (double)members / visitors, row.SignUpRate);
        Assert.Equal(members == 0 ? null : (double)purchasers / members, row.FirstPurchaseRate);
        Assert.Equal(visitors == 0 ? null : (double)purchasers / visitors, row.OverallRate);
        Assert.Equal(toSignUp, row.MedianDaysToSignUp);
        Assert.Equal(toPurchase, row.MedianDaysToFirstPurchase);
    }

    [Fact]
    public void Funnel_Total_HandComputed()
    {
        var r = MemberFunnel.Compute(Fixture(), AsOf);

        // Visitors a..f, h (7); members a, b, c, e (4); member purchasers a, c, e (3).
        // Days to sign up {4, 10, 17.5, 0}: median (4 + 10) / 2 = 7; days to first member purchase {2, 0.5, 1}: median 1.
        AssertRow(r.Total, "all", 7, 4, 3, 7, 1);
        Assert.Equal(4.0 / 7, r.Total.SignUpRate);
        Assert.Equal(0.75, r.Total.FirstPurchaseRate);
    }

    [Fact]
    public void Funnel_PerChannelAndCohort_HandComputed()
    {
        var r = MemberFunnel.Compute(Fixture(), AsOf);
        Assert.Equal(["app", "store", "unknown", "wechat"], r.ByChannel.Select(x => x.Group));
        AssertRow(r.ByChannel[0], "app", 1, 1, 1, 0, 1);                 // e
        AssertRow(r.ByChannel[1], "store", 3, 2, 2, 10.75, 1.25);        // a, c, h: (4 + 17.5) / 2, (2 + 0.5) / 2
        AssertRow(r.ByChannel[2], "unknown", 1, 0, 0, null, null);       // f
        AssertRow(r.ByChannel[3], "wechat", 2, 1, 0, 10, null);          // b, d

        Assert.Equal(["2025-01", "2025-02"], r.ByCohort.Select(x => x.Group));
        AssertRow(r.ByCohort[0], "2025-01", 3, 3, 2, 10, 1.25);          // a, b, c
        AssertRow(r.ByCohort[1], "2025-02", 4, 1, 1, 0, 1);              // d, e, f, h
    }

    [Fact]
    public void Funnel_Empty_RatesUndefined()
    {
        var r = MemberFunnel.Compute([], AsOf);
        AssertRow(r.Total, "all", 0, 0, 0, null, null);
        Assert.Empty(r.ByChannel);
        Assert.Empty(r.ByCohort);
    }

    [Fact]
    public void BadInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => MemberFunnel.Compute([new MemberEvent(" ", AsOf.AddDays(-1), MemberEventKind.Visit)], AsOf));
        Assert.Throws<ArgumentException>(() => MemberFunnel.Compute([new MemberEvent("a", AsOf.AddDays(-1), (MemberEventKind)7)], AsOf));
        Assert.Throws<ArgumentOutOfRangeException>(() => MemberFunnel.Statuses([], AsOf, recentDays: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MemberRecruitment.EngagedNonMember(0));
    }

    [Fact]
    public void Statuses_HandComputed()
    {
        var s = MemberFunnel.Statuses(Fixture(), AsOf, recentDays: 30); // recent window [2025-01-30, 2025-03-01)
        Assert.Equal(["a", "b", "c", "d", "e", "f", "h"], s.Keys);
        Assert.Equal(new MemberStatus("c", true, new DateTimeOffset(2025, 2, 1, 12, 0, 0, TimeSpan.Zero), 27.5, 0, 1, 1), s["c"]);
        Assert.Equal(new MemberStatus("a", true, new DateTimeOffset(2025, 1, 5, 0, 0, 0, TimeSpan.Zero), 55, 0, 0, 1), s["a"]);
        Assert.Equal(new MemberStatus("d", false, null, null, 3, 0, 0), s["d"]);
        Assert.Equal(new MemberStatus("f", false, null, null, 1, 0, 0), s["f"]); // its sign-up is after as-of
        Assert.Equal(new MemberStatus("h", false, null, null, 0, 1, 0), s["h"]);
    }

    [Fact]
    public void JoinOffer_GoesToEngagedNonMembersOnly()
    {
        var registry = MemberFields.Register(LoyaltyFields.Register(FieldRegistry.Default));
        var rules = new PersonalizationRuleSetBuilder(new ConditionSetBuilder(registry).Build()).AddJoinOffer(minRecentVisits: 3).Build();
        var rule = Assert.Single(rules.Rules);
        Assert.Equal((MemberRecruitment.JoinRuleId, "join20"), (rule.Id, rule.Offer.Id));
        var statuses = MemberFunnel.Statuses(Fixture(), AsOf);
        var eligible = statuses.Values.Where(st => rule.Eligibility.Evaluate(MemberFields.Apply(new CustomerContext(), st))).Select(st => st.CustomerId);

        // d: 3 recent visits; h: a guest purchase. f has 1 visit; a, b, c, e are members.
        Assert.Equal(["d", "h"], eligible);
    }

    [Fact]
    public void Fields_DaysSinceSignUpOnlyForMembers()
    {
        var s = MemberFunnel.Statuses(Fixture(), AsOf);
        var set = new ConditionSetBuilder(MemberFields.Register(FieldRegistry.Default))
            .Add("recentMember", Condition.All(Condition.Field("custom.member_is_member").Equal(1), Condition.Field("custom.member_days_since_sign_up").AtMost(30)))
            .Build();
        var recent = s.Values.Where(st => set["recentMember"].Evaluate(MemberFields.Apply(new CustomerContext(), st))).Select(st => st.CustomerId);
        Assert.Equal(["c", "e"], recent); // c 27.5 days, e 24 days; a 55, b 40
        Assert.False(MemberFields.Apply(new CustomerContext(), s["d"]).TryGetNumber("member_days_since_sign_up", out _));
    }
}
