using System.Globalization;

namespace CemCore.Personalization;

/// <summary>Limits of a campaign budget: how many offers and how much money may be committed.</summary>
/// <param name="MaxCount">Most offers that may be issued, or <see langword="null"/> for no count limit.</param>
/// <param name="MaxAmount">Most money (sum of <see cref="Offer.BudgetCost"/>) that may be committed, or <see langword="null"/>.</param>
public sealed record BudgetLimits(long? MaxCount = null, decimal? MaxAmount = null)
{
    /// <summary>The largest money limit (in currency units; amounts are kept as whole cents in a 64-bit counter).</summary>
    public const decimal MaxAllowedAmount = 10_000_000_000_000m;

    /// <summary>Gets the count limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public long? MaxCount { get; } = MaxCount is null or >= 0 ? MaxCount : throw new ArgumentOutOfRangeException(nameof(MaxCount), MaxCount, "Must be zero or positive.");

    /// <summary>Gets the money limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative or above <see cref="MaxAllowedAmount"/>.</exception>
    public decimal? MaxAmount { get; } = MaxAmount is null or (>= 0m and <= MaxAllowedAmount)
        ? MaxAmount
        : throw new ArgumentOutOfRangeException(nameof(MaxAmount), MaxAmount, string.Create(CultureInfo.InvariantCulture, $"Must be in [0, {MaxAllowedAmount}]."));
}

/// <summary>
/// A campaign budget that is never exceeded, also under concurrent decisions: a reservation succeeds only when both the count
/// and the money limit still hold, and is atomic with respect to other reservations.
/// </summary>
/// <remarks>
/// <para>Money is kept in whole cents (costs are rounded up to the cent, so rounding never lets spending exceed the limit) in a
/// 64-bit counter updated lock-free with <see cref="Interlocked.CompareExchange(ref long, long, long)"/>. A reservation first takes
/// one count, then the money; when the money does not fit the count is given back. Under contention a reservation can fail while
/// another one is being rolled back (conservative: never over-spends).</para>
/// <para>Thread-safe. Allocation-free.</para>
/// </remarks>
public sealed class CampaignBudget
{
    private readonly long _maxCount;
    private readonly long _maxCents;
    private long _count;
    private long _cents;

    /// <summary>Creates a budget.</summary>
    /// <param name="campaignId">The campaign id.</param>
    /// <param name="limits">The limits.</param>
    public CampaignBudget(string campaignId, BudgetLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        CampaignId = Identifiers.Require(campaignId, nameof(campaignId));
        Limits = limits;
        _maxCount = limits.MaxCount ?? long.MaxValue;
        _maxCents = limits.MaxAmount is { } m ? ToCents(m) : long.MaxValue;
    }

    /// <summary>Gets the campaign id.</summary>
    public string CampaignId { get; }

    /// <summary>Gets the limits.</summary>
    public BudgetLimits Limits { get; }

    /// <summary>Gets the number of offers reserved.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Gets the money reserved, in currency units.</summary>
    public decimal Amount => Interlocked.Read(ref _cents) / 100m;

    /// <summary>Tries to reserve one offer costing <paramref name="cost"/>.</summary>
    /// <param name="cost">The money to reserve (non-negative; rounded up to whole cents).</param>
    /// <returns><see langword="true"/> when reserved; <see langword="false"/> when either limit would be exceeded.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The cost is negative or above <see cref="BudgetLimits.MaxAllowedAmount"/>.</exception>
    public bool TryReserve(decimal cost)
    {
        var cents = ToCents(cost);
        if (!TryAdd(ref _count, 1, _maxCount))
        {
            return false;
        }

        if (cents == 0 || TryAdd(ref _cents, cents, _maxCents))
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    /// <summary>Gives back a reservation that was not used (for example a message that was suppressed after the decision).</summary>
    /// <param name="cost">The cost that was reserved.</param>
    public void Release(decimal cost)
    {
        var cents = ToCents(cost);
        Interlocked.Decrement(ref _count);
        if (cents != 0)
        {
            Interlocked.Add(ref _cents, -cents);
        }
    }

    internal static long ToCents(decimal amount)
    {
        if (amount is < 0m or > BudgetLimits.MaxAllowedAmount)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, string.Create(CultureInfo.InvariantCulture, $"Must be in [0, {BudgetLimits.MaxAllowedAmount}]."));
        }

        return (long)decimal.Ceiling(amount * 100m);
    }

    private static bool TryAdd(ref long counter, long delta, long max)
    {
        while (true)
        {
            var current = Interlocked.Read(ref counter);
            if (current > max - delta)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, current + delta, current) == current)
            {
                return true;
            }
        }
    }
}
