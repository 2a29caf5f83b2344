using CemCore.Features;

namespace CemCore.Lifecycle;

/// <summary>
/// What <see cref="LifecycleClassifier"/> needs to know about one customer as of an instant. A small value: build it from
/// <see cref="CustomerFeatures"/> with <see cref="FromFeatures"/> or fill it from your own store.
/// </summary>
/// <remarks>The default value is a prospect (no purchase). Days are fractional elapsed days; intervals are between calendar purchase days
/// (the conventions of <see cref="CustomerFeatures"/>).</remarks>
/// <param name="PurchaseDays">Distinct calendar days with a purchase (at least 0); 0 means prospect.</param>
/// <param name="DaysSinceLastPurchase">Days from the last purchase to the as-of instant (finite, at least 0).</param>
/// <param name="TenureDays">Days from the first purchase to the as-of instant (finite, at least 0).</param>
/// <param name="IntervalMeanDays">Mean days between consecutive purchase days, or <see langword="null"/> with fewer than two purchase days.</param>
/// <param name="LastIntervalDays">Days between the last two purchase days, or <see langword="null"/> when unknown or fewer than two purchase days;
/// without it <see cref="LifecycleStage.Revived"/> is never assigned.</param>
/// <param name="AliveProbability">P(alive) in [0, 1] from a CLV model (e.g. BG/NBD), or <see langword="null"/> when the host has none.</param>
public readonly record struct LifecycleInput(
    int PurchaseDays,
    double DaysSinceLastPurchase,
    double TenureDays,
    double? IntervalMeanDays = null,
    double? LastIntervalDays = null,
    double? AliveProbability = null)
{
    /// <summary>Builds the input from computed features. Allocates nothing.</summary>
    /// <param name="features">The customer's features.</param>
    /// <param name="lastIntervalDays">Days between the last two purchase days (see <see cref="LifecycleClassifier.ClassifyAll"/>, which computes
    /// it from the transactions), or <see langword="null"/>.</param>
    /// <param name="aliveProbability">P(alive), or <see langword="null"/>.</param>
    /// <returns>The input.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is <see langword="null"/>.</exception>
    public static LifecycleInput FromFeatures(CustomerFeatures features, double? lastIntervalDays = null, double? aliveProbability = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        return features.LastPurchase is { } last && features.FirstPurchase is { } first
            ? new LifecycleInput(
                features.PurchaseDays,
                (features.AsOf - last).TotalDays,
                (features.AsOf - first).TotalDays,
                features.IntervalMeanDays,
                lastIntervalDays,
                aliveProbability)
            : new LifecycleInput(0, 0, 0, null, null, aliveProbability);
    }
}

/// <summary>The stage of one customer with the rule that decided it and the numbers it used.</summary>
/// <remarks>The default value is a prospect decided by <see cref="LifecycleRule.NoPurchase"/> with zero days.</remarks>
/// <param name="Stage">The stage.</param>
/// <param name="Rule">The rule that fired.</param>
/// <param name="DaysSinceLastPurchase">Days since the last purchase (NaN for prospects).</param>
/// <param name="ExpectedIntervalDays">The expected interval <c>E</c> in days (NaN for prospects).</param>
/// <param name="DeclineAfterDays">The decline threshold <c>DeclineRatio × E</c> in days (NaN for prospects).</param>
/// <param name="DormantAfterDays">The dormant threshold <c>min(DormantRatio × E, DormantMaxDays)</c> in days (NaN for prospects).</param>
public readonly record struct LifecycleAssessment(
    LifecycleStage Stage,
    LifecycleRule Rule,
    double DaysSinceLastPurchase,
    double ExpectedIntervalDays,
    double DeclineAfterDays,
    double DormantAfterDays)
{
    /// <summary>Gets the reason text of <see cref="Rule"/> (cached; no personal data).</summary>
    public string Reason => LifecycleRules.Describe(Rule);
}
