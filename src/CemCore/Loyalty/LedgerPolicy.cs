namespace CemCore.Loyalty;

/// <summary>How earned points expire.</summary>
public enum ExpiryRule
{
    /// <summary>Points never expire.</summary>
    Never = 0,

    /// <summary>A lot expires <see cref="LedgerPolicy.ExpiryDays"/> days after it was earned.</summary>
    AfterDays = 1,

    /// <summary>A lot expires at 00:00 UTC of the first day of the month after the month it was earned, <see cref="LedgerPolicy.ExpiryMonths"/> months later (0: end of the earning month).</summary>
    EndOfMonth = 2,

    /// <summary>A lot expires at 00:00 UTC of 1 January after the year it was earned, <see cref="LedgerPolicy.ExpiryMonths"/>/12 years later.</summary>
    EndOfYear = 3,
}

/// <summary>
/// The ledger's maturity and expiry policy: earned points are pending for <see cref="PendingDays"/> days, then available until their
/// lot expires. Fixed for a store (changing it changes how stored postings replay).
/// </summary>
public sealed record LedgerPolicy
{
    /// <summary>Gets the default policy: no pending period, points never expire.</summary>
    public static LedgerPolicy Default { get; } = new();

    /// <summary>Gets the days an earn stays pending before it can be spent (0: at once).</summary>
    public int PendingDays
    {
        get;
        init => field = value is >= 0 and <= 3650 ? value : throw new ArgumentOutOfRangeException(nameof(PendingDays), value, "PendingDays must be in [0, 3650].");
    }

    /// <summary>Gets the expiry rule.</summary>
    public ExpiryRule Expiry { get; init; } = ExpiryRule.Never;

    /// <summary>Gets the lifetime in days for <see cref="ExpiryRule.AfterDays"/>.</summary>
    public int ExpiryDays
    {
        get;
        init => field = value is >= 1 and <= 36500 ? value : throw new ArgumentOutOfRangeException(nameof(ExpiryDays), value, "ExpiryDays must be in [1, 36500].");
    }

    = 365;

    /// <summary>Gets the extra months for <see cref="ExpiryRule.EndOfMonth"/> (0: end of the earning month) and <see cref="ExpiryRule.EndOfYear"/> (0, 12, 24, ...).</summary>
    public int ExpiryMonths
    {
        get;
        init => field = value is >= 0 and <= 1200 ? value : throw new ArgumentOutOfRangeException(nameof(ExpiryMonths), value, "ExpiryMonths must be in [0, 1200].");
    }

    /// <summary>Returns when a lot earned at <paramref name="earnedAt"/> matures.</summary>
    /// <param name="earnedAt">The earn's timestamp.</param>
    public DateTimeOffset MaturesAt(DateTimeOffset earnedAt) => earnedAt.AddDays(PendingDays);

    /// <summary>Returns when a lot earned at <paramref name="earnedAt"/> expires (<see cref="DateTimeOffset.MaxValue"/> for never).</summary>
    /// <param name="earnedAt">The earn's timestamp.</param>
    public DateTimeOffset ExpiresAt(DateTimeOffset earnedAt)
    {
        var utc = earnedAt.ToUniversalTime();
        return Expiry switch
        {
            ExpiryRule.AfterDays => utc.AddDays(ExpiryDays),
            ExpiryRule.EndOfMonth => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1 + ExpiryMonths),
            ExpiryRule.EndOfYear => new DateTimeOffset(utc.Year + 1, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(ExpiryMonths),
            _ => DateTimeOffset.MaxValue,
        };
    }
}
