using CemCore.Rules;

namespace CemCore.Loyalty;

/// <summary>
/// Exposes a member's tier and its benefits to the personalization rules as custom facts: <c>custom.loyalty_tier</c> (text, the tier
/// id), <c>custom.loyalty_discount_percent</c>, <c>custom.loyalty_points_multiplier</c>, and 1/0 numbers
/// <c>custom.loyalty_free_shipping</c>, <c>custom.loyalty_birthday_gift</c>, <c>custom.loyalty_priority_service</c>.
/// A rule can then say <c>custom.loyalty_tier == "gold" and custom.loyalty_birthday_gift == 1</c>.
/// </summary>
public static class LoyaltyFields
{
    /// <summary>Returns <paramref name="registry"/> with the loyalty facts declared.</summary>
    /// <param name="registry">The registry (usually <see cref="FieldRegistry.Default"/>).</param>
    public static FieldRegistry Register(FieldRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .WithCustomText("loyalty_tier")
            .WithCustomNumber("loyalty_discount_percent")
            .WithCustomNumber("loyalty_points_multiplier")
            .WithCustomNumber("loyalty_free_shipping")
            .WithCustomNumber("loyalty_birthday_gift")
            .WithCustomNumber("loyalty_priority_service");
    }

    /// <summary>Sets the loyalty facts of <paramref name="context"/> from <paramref name="tier"/>.</summary>
    /// <param name="context">The customer's context.</param>
    /// <param name="tier">The member's tier.</param>
    /// <returns>The context.</returns>
    public static CustomerContext Apply(CustomerContext context, TierDefinition tier)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tier);
        var b = tier.Benefits;
        return context
            .SetText("loyalty_tier", tier.Id)
            .SetNumber("loyalty_discount_percent", (double)b.DiscountPercent)
            .SetNumber("loyalty_points_multiplier", (double)b.PointsMultiplier)
            .SetNumber("loyalty_free_shipping", b.FreeShipping ? 1 : 0)
            .SetNumber("loyalty_birthday_gift", b.BirthdayGift ? 1 : 0)
            .SetNumber("loyalty_priority_service", b.PriorityService ? 1 : 0);
    }
}
