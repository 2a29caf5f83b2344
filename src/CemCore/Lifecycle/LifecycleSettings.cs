using System.Globalization;

namespace CemCore.Lifecycle;

/// <summary>
/// Thresholds of <see cref="LifecycleClassifier"/>. Immutable; every value is checked in the constructor against the public limits.
/// </summary>
/// <remarks>
/// <para><b>Expected interval.</b> A customer with <c>n</c> intervals between purchase days and mean interval <c>m̄</c> has the expected
/// interval <c>E = max(1, (n·m̄ + w·P) / (n + w))</c> days, where <c>P</c> = <see cref="PopulationIntervalDays"/> (the population prior)
/// and <c>w</c> = <see cref="PriorWeight"/> (pseudo-intervals). One-time buyers (<c>n = 0</c>) get <c>E = P</c>; frequent buyers get
/// their own rhythm. This is the posterior mean of the interval under a conjugate-style shrinkage toward the population, a standard
/// credibility estimate (Bühlmann 1967).</para>
/// <para><b>Decline / dormant.</b> With <c>t</c> = days since the last purchase: dormant when <c>t &gt; min(DormantRatio·E, DormantMaxDays)</c>,
/// otherwise decline when <c>t &gt; DeclineRatio·E</c>. When a P(alive) is supplied, P &lt; <see cref="DormantAliveProbabilityBelow"/> means
/// dormant and P &lt; <see cref="DeclineAliveProbabilityBelow"/> means decline; the more severe of the rhythm and P(alive) verdicts wins,
/// unless <see cref="AliveProbabilityOverridesRhythm"/> is set, in which case the P(alive) verdict alone decides.</para>
/// <para><b>Active stages</b> (neither decline nor dormant): new when purchase days ≤ <see cref="NewMaxPurchaseDays"/>; revived when the
/// interval ending at the last purchase exceeded the dormant threshold computed from the intervals before it; maturity when purchase days ≥
/// <see cref="MaturityMinPurchaseDays"/> and tenure ≥ <see cref="MaturityMinTenureDays"/>; growth otherwise.</para>
/// <para>The defaults are heuristics for non-subscription retail; calibrate them on your own data (e.g. the share of customers who return after
/// <c>DormantRatio·E</c> days).</para>
/// </remarks>
public sealed record LifecycleSettings
{
    /// <summary>The smallest population prior interval, in days.</summary>
    public const double MinPopulationIntervalDays = 1.0;

    /// <summary>The largest population prior interval, in days (10 years).</summary>
    public const double MaxPopulationIntervalDays = 3650.0;

    /// <summary>The largest prior weight, in pseudo-intervals.</summary>
    public const double MaxPriorWeight = 1000.0;

    /// <summary>The decline ratio must exceed this value.</summary>
    public const double MinDeclineRatio = 1.0;

    /// <summary>The largest decline or dormant ratio.</summary>
    public const double MaxRatio = 100.0;

    /// <summary>The smallest absolute dormant limit, in days.</summary>
    public const double MinDormantMaxDays = 1.0;

    /// <summary>The largest absolute dormant limit, in days (100 years).</summary>
    public const double MaxDormantMaxDays = 36500.0;

    /// <summary>The largest <see cref="NewMaxPurchaseDays"/>.</summary>
    public const int MaxNewMaxPurchaseDays = 1000;

    /// <summary>The largest <see cref="MaturityMinPurchaseDays"/>.</summary>
    public const int MaxMaturityMinPurchaseDays = 100_000;

    /// <summary>The largest <see cref="MaturityMinTenureDays"/> (100 years).</summary>
    public const double MaxMaturityMinTenureDays = 36500.0;

    /// <summary>The floor of the expected interval, in days (purchases are merged per calendar day).</summary>
    public const double ExpectedIntervalFloorDays = 1.0;

    /// <summary>Creates settings; every argument has a documented default.</summary>
    /// <param name="populationIntervalDays">Population prior of the interval between purchase days, in [<see cref="MinPopulationIntervalDays"/>, <see cref="MaxPopulationIntervalDays"/>].
    /// Default 30. Estimate it from data with <see cref="LifecycleClassifier.EstimatePopulationIntervalDays"/>.</param>
    /// <param name="priorWeight">Weight of the prior in pseudo-intervals, in [0, <see cref="MaxPriorWeight"/>]. Default 2.</param>
    /// <param name="declineRatio">Decline when days since the last purchase exceed this multiple of the expected interval; in (<see cref="MinDeclineRatio"/>, <see cref="MaxRatio"/>]. Default 2.</param>
    /// <param name="dormantRatio">Dormant beyond this multiple; in (<paramref name="declineRatio"/>, <see cref="MaxRatio"/>]. Default 4.</param>
    /// <param name="dormantMaxDays">Dormant beyond this many days whatever the rhythm; in [<see cref="MinDormantMaxDays"/>, <see cref="MaxDormantMaxDays"/>]. Default 365.</param>
    /// <param name="newMaxPurchaseDays">New while the customer has at most this many purchase days; in [1, <see cref="MaxNewMaxPurchaseDays"/>]. Default 1.</param>
    /// <param name="maturityMinPurchaseDays">Maturity needs at least this many purchase days; in (<paramref name="newMaxPurchaseDays"/>, <see cref="MaxMaturityMinPurchaseDays"/>]. Default 5.</param>
    /// <param name="maturityMinTenureDays">Maturity needs at least this many days since the first purchase; in [0, <see cref="MaxMaturityMinTenureDays"/>]. Default 180.</param>
    /// <param name="declineAliveProbabilityBelow">Decline when P(alive) is below this; in [0, 1]. Default 0.7.</param>
    /// <param name="dormantAliveProbabilityBelow">Dormant when P(alive) is below this; in [0, <paramref name="declineAliveProbabilityBelow"/>]. Default 0.3.</param>
    /// <param name="aliveProbabilityOverridesRhythm">When a P(alive) is given, let it alone decide decline/dormant. Default <see langword="false"/> (the more severe verdict wins).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is NaN or outside its range (the message gives the range and the value).</exception>
    public LifecycleSettings(
        double populationIntervalDays = 30.0,
        double priorWeight = 2.0,
        double declineRatio = 2.0,
        double dormantRatio = 4.0,
        double dormantMaxDays = 365.0,
        int newMaxPurchaseDays = 1,
        int maturityMinPurchaseDays = 5,
        double maturityMinTenureDays = 180.0,
        double declineAliveProbabilityBelow = 0.7,
        double dormantAliveProbabilityBelow = 0.3,
        bool aliveProbabilityOverridesRhythm = false)
    {
        PopulationIntervalDays = Closed(populationIntervalDays, MinPopulationIntervalDays, MaxPopulationIntervalDays, nameof(populationIntervalDays));
        PriorWeight = Closed(priorWeight, 0.0, MaxPriorWeight, nameof(priorWeight));
        DeclineRatio = declineRatio is > MinDeclineRatio and <= MaxRatio
            ? declineRatio
            : throw OutOfRange(declineRatio, $"({MinDeclineRatio}, {MaxRatio}]", nameof(declineRatio));
        DormantRatio = dormantRatio > declineRatio && dormantRatio <= MaxRatio
            ? dormantRatio
            : throw OutOfRange(dormantRatio, $"(declineRatio = {declineRatio}, {MaxRatio}]", nameof(dormantRatio));
        DormantMaxDays = Closed(dormantMaxDays, MinDormantMaxDays, MaxDormantMaxDays, nameof(dormantMaxDays));
        NewMaxPurchaseDays = newMaxPurchaseDays is >= 1 and <= MaxNewMaxPurchaseDays
            ? newMaxPurchaseDays
            : throw OutOfRange(newMaxPurchaseDays, $"[1, {MaxNewMaxPurchaseDays}]", nameof(newMaxPurchaseDays));
        MaturityMinPurchaseDays = maturityMinPurchaseDays > newMaxPurchaseDays && maturityMinPurchaseDays <= MaxMaturityMinPurchaseDays
            ? maturityMinPurchaseDays
            : throw OutOfRange(maturityMinPurchaseDays, $"(newMaxPurchaseDays = {newMaxPurchaseDays}, {MaxMaturityMinPurchaseDays}]", nameof(maturityMinPurchaseDays));
        MaturityMinTenureDays = Closed(maturityMinTenureDays, 0.0, MaxMaturityMinTenureDays, nameof(maturityMinTenureDays));
        DeclineAliveProbabilityBelow = Closed(declineAliveProbabilityBelow, 0.0, 1.0, nameof(declineAliveProbabilityBelow));
        DormantAliveProbabilityBelow = Closed(dormantAliveProbabilityBelow, 0.0, declineAliveProbabilityBelow, nameof(dormantAliveProbabilityBelow));
        AliveProbabilityOverridesRhythm = aliveProbabilityOverridesRhythm;
    }

    /// <summary>Gets the default settings.</summary>
    public static LifecycleSettings Default { get; } = new();

    /// <summary>Gets the population prior interval in days. <value>The default is 30.</value></summary>
    public double PopulationIntervalDays { get; }

    /// <summary>Gets the prior weight in pseudo-intervals. <value>The default is 2.</value></summary>
    public double PriorWeight { get; }

    /// <summary>Gets the decline ratio. <value>The default is 2.</value></summary>
    public double DeclineRatio { get; }

    /// <summary>Gets the dormant ratio. <value>The default is 4.</value></summary>
    public double DormantRatio { get; }

    /// <summary>Gets the absolute dormant limit in days. <value>The default is 365.</value></summary>
    public double DormantMaxDays { get; }

    /// <summary>Gets the largest number of purchase days of a new customer. <value>The default is 1.</value></summary>
    public int NewMaxPurchaseDays { get; }

    /// <summary>Gets the smallest number of purchase days of a mature customer. <value>The default is 5.</value></summary>
    public int MaturityMinPurchaseDays { get; }

    /// <summary>Gets the smallest tenure in days of a mature customer. <value>The default is 180.</value></summary>
    public double MaturityMinTenureDays { get; }

    /// <summary>Gets the P(alive) below which a customer declines. <value>The default is 0.7.</value></summary>
    public double DeclineAliveProbabilityBelow { get; }

    /// <summary>Gets the P(alive) below which a customer is dormant. <value>The default is 0.3.</value></summary>
    public double DormantAliveProbabilityBelow { get; }

    /// <summary>Gets whether a supplied P(alive) alone decides decline/dormant. <value>The default is <see langword="false"/>.</value></summary>
    public bool AliveProbabilityOverridesRhythm { get; }

    /// <summary>Returns a copy with another population prior (e.g. estimated from the data).</summary>
    /// <param name="populationIntervalDays">The prior, in [<see cref="MinPopulationIntervalDays"/>, <see cref="MaxPopulationIntervalDays"/>].</param>
    /// <returns>The new settings.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is out of range.</exception>
    public LifecycleSettings WithPopulationIntervalDays(double populationIntervalDays) => new(
        populationIntervalDays,
        PriorWeight,
        DeclineRatio,
        DormantRatio,
        DormantMaxDays,
        NewMaxPurchaseDays,
        MaturityMinPurchaseDays,
        MaturityMinTenureDays,
        DeclineAliveProbabilityBelow,
        DormantAliveProbabilityBelow,
        AliveProbabilityOverridesRhythm);

    private static double Closed(double value, double min, double max, string name) =>
        value >= min && value <= max ? value : throw OutOfRange(value, $"[{min}, {max}]", name);

    private static ArgumentOutOfRangeException OutOfRange(object value, FormattableString range, string name) =>
        new(name, value, "The value must be in " + range.ToString(CultureInfo.InvariantCulture) + ".");
}
