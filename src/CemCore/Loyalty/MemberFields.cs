using CemCore.Personalization;
using CemCore.Rules;

namespace CemCore.Loyalty;

/// <summary>
/// Exposes a customer's <see cref="MemberStatus"/> to the personalization rules as custom facts (numbers):
/// <c>custom.member_is_member</c> (1/0), <c>custom.member_days_since_sign_up</c> (missing for a non-member),
/// <c>custom.member_recent_visits</c>, <c>custom.member_guest_purchases</c> and <c>custom.member_member_purchases</c>.
/// A conversion rule can then say <c>custom.member_is_member == 0 and custom.member_recent_visits &gt;= 3</c>.
/// </summary>
public static class MemberFields
{
    /// <summary>Returns <paramref name="registry"/> with the membership facts declared.</summary>
    /// <param name="registry">The registry (usually <see cref="FieldRegistry.Default"/>, or one with <see cref="LoyaltyFields"/> too).</param>
    public static FieldRegistry Register(FieldRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .WithCustomNumber("member_is_member")
            .WithCustomNumber("member_days_since_sign_up")
            .WithCustomNumber("member_recent_visits")
            .WithCustomNumber("member_guest_purchases")
            .WithCustomNumber("member_member_purchases");
    }

    /// <summary>Sets the membership facts of <paramref name="context"/> from <paramref name="status"/>.</summary>
    /// <param name="context">The customer's context.</param>
    /// <param name="status">The customer's status (<see cref="MemberFunnel.Statuses"/>).</param>
    /// <returns>The context.</returns>
    public static CustomerContext Apply(CustomerContext context, MemberStatus status)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(status);
        context
            .SetNumber("member_is_member", status.IsMember ? 1 : 0)
            .SetNumber("member_recent_visits", status.RecentVisits)
            .SetNumber("member_guest_purchases", status.GuestPurchases)
            .SetNumber("member_member_purchases", status.MemberPurchases);
        return status.DaysSinceSignUp is { } days ? context.SetNumber("member_days_since_sign_up", days) : context;
    }
}

/// <summary>
/// The conversion offer of member recruitment: "join and get X" for engaged non-members (at least N visits in the recent window,
/// or at least one guest purchase). Build the rule set on a registry with <see cref="MemberFields.Register"/>.
/// </summary>
public static class MemberRecruitment
{
    /// <summary>The id of the rule added by <see cref="AddJoinOffer"/>.</summary>
    public const string JoinRuleId = "member-join";

    /// <summary>Gets the default join offer: 20 off the first member order, a coupon valid 30 days (prefix <c>JN</c>).</summary>
    public static Offer DefaultJoinOffer { get; } = new("join20", OfferKind.FixedDiscount, 20m, coupon: new CouponPolicy(Prefix: "JN", ValidFor: TimeSpan.FromDays(30)));

    /// <summary>The condition "engaged non-member": not a member, and at least <paramref name="minRecentVisits"/> recent visits or a guest purchase.</summary>
    /// <param name="minRecentVisits">Visits in the recent window (&gt;= 1).</param>
    public static Condition EngagedNonMember(int minRecentVisits = 3)
    {
        if (minRecentVisits < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(minRecentVisits), minRecentVisits, "minRecentVisits must be at least 1.");
        }

        return Condition.All(
            Condition.Field("custom.member_is_member").Equal(0),
            Condition.Any(Condition.Field("custom.member_recent_visits").AtLeast(minRecentVisits), Condition.Field("custom.member_guest_purchases").AtLeast(1)));
    }

    /// <summary>Adds the join offer and its rule (<see cref="JoinRuleId"/>, group <c>recruitment</c>, marketing purpose).</summary>
    /// <param name="builder">The builder (its conditions' registry must declare <see cref="MemberFields"/>).</param>
    /// <param name="offer">The offer; null for <see cref="DefaultJoinOffer"/>.</param>
    /// <param name="minRecentVisits">Visits in the recent window that make a non-member "engaged".</param>
    /// <param name="priority">The rule's priority.</param>
    /// <returns>The builder.</returns>
    public static PersonalizationRuleSetBuilder AddJoinOffer(this PersonalizationRuleSetBuilder builder, Offer? offer = null, int minRecentVisits = 3, int priority = 45)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var o = offer ?? DefaultJoinOffer;
        var when = EngagedNonMember(minRecentVisits);
        return builder
            .AddOffer(o)
            .AddRule(JoinRuleId, r => r.When(when).Grant(o.Id).WithPriority(priority).InGroup("recruitment").Describe("Join the membership and get the welcome offer"));
    }
}
