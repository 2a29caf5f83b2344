using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using CemCore.Features;
using CemCore.Transactions;

namespace CemCore.Lifecycle;

/// <summary>
/// Assigns <see cref="LifecycleStage"/>s from purchase history as of an instant, with thresholds that adapt to each customer's own purchase
/// rhythm (see <see cref="LifecycleSettings"/> for the rules and formulas).
/// </summary>
/// <remarks>
/// <para>Rule order: prospect → dormant/decline (rhythm and optional P(alive)) → new → revived → maturity → growth. The first rule that holds
/// decides, and <see cref="LifecycleAssessment.Rule"/> names it.</para>
/// <para>Single-customer classification (<see cref="Classify(in LifecycleInput)"/>) allocates nothing. Immutable and thread-safe.</para>
/// </remarks>
public sealed class LifecycleClassifier : ILifecycleStageClassifier
{
    /// <summary>Creates a classifier.</summary>
    /// <param name="settings">The thresholds; <see langword="null"/> for <see cref="LifecycleSettings.Default"/>.</param>
    public LifecycleClassifier(LifecycleSettings? settings = null) => Settings = settings ?? LifecycleSettings.Default;

    /// <summary>Gets the thresholds.</summary>
    public LifecycleSettings Settings { get; }

    /// <summary>Returns the expected interval <c>E = max(1, (n·m̄ + w·P) / (n + w))</c> in days.</summary>
    /// <param name="intervalCount">n, the number of intervals (at least 0).</param>
    /// <param name="intervalMeanDays">m̄, their mean in days (ignored when n = 0).</param>
    /// <returns>E in days.</returns>
    public double ExpectedIntervalDays(int intervalCount, double intervalMeanDays)
    {
        var s = Settings;
        var weight = intervalCount + s.PriorWeight;
        var e = weight <= 0.0 ? s.PopulationIntervalDays : ((intervalCount * (intervalCount > 0 ? intervalMeanDays : 0.0)) + (s.PriorWeight * s.PopulationIntervalDays)) / weight;
        return e < LifecycleSettings.ExpectedIntervalFloorDays ? LifecycleSettings.ExpectedIntervalFloorDays : e;
    }

    /// <summary>Classifies one customer. Allocates nothing.</summary>
    /// <param name="input">The customer's history summary.</param>
    /// <returns>The stage, the rule that decided it and the numbers used.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A field of <paramref name="input"/> is negative, NaN or infinite, or P(alive) is outside [0, 1].</exception>
    public LifecycleAssessment Classify(in LifecycleInput input)
    {
        var s = Settings;
        var pd = input.PurchaseDays;
        if (pd <= 0)
        {
            if (pd < 0)
            {
                ThrowInput(nameof(LifecycleInput.PurchaseDays), pd, "[0, int.MaxValue]");
            }

            return new LifecycleAssessment(LifecycleStage.Prospect, LifecycleRule.NoPurchase, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var t = input.DaysSinceLastPurchase;
        if (!(t >= 0.0 && t <= double.MaxValue))
        {
            ThrowInput(nameof(LifecycleInput.DaysSinceLastPurchase), t, "[0, finite]");
        }

        var tenure = input.TenureDays;
        if (!(tenure >= 0.0 && tenure <= double.MaxValue))
        {
            ThrowInput(nameof(LifecycleInput.TenureDays), tenure, "[0, finite]");
        }

        var n = pd - 1;
        var mean = 0.0;
        if (n > 0)
        {
            mean = input.IntervalMeanDays ?? 0.0;
            if (!(mean >= 0.0 && mean <= double.MaxValue))
            {
                ThrowInput(nameof(LifecycleInput.IntervalMeanDays), mean, "[0, finite]");
            }
        }

        var e = ExpectedIntervalDays(n, mean);
        var declineDays = s.DeclineRatio * e;
        var rhythmDormant = s.DormantRatio * e;
        var dormantDays = Math.Min(rhythmDormant, s.DormantMaxDays);

        // Severity: 0 active, 1 decline, 2 dormant.
        var severity = 0;
        var rule = LifecycleRule.Growing;
        if (t > dormantDays)
        {
            severity = 2;
            rule = rhythmDormant <= s.DormantMaxDays ? LifecycleRule.DormantByRhythm : LifecycleRule.DormantByMaxDays;
        }
        else if (t > declineDays)
        {
            severity = 1;
            rule = LifecycleRule.DeclineByRhythm;
        }

        if (input.AliveProbability is { } p)
        {
            if (!(p is >= 0.0 and <= 1.0))
            {
                ThrowInput(nameof(LifecycleInput.AliveProbability), p, "[0, 1]");
            }

            var pSeverity = p < s.DormantAliveProbabilityBelow ? 2 : p < s.DeclineAliveProbabilityBelow ? 1 : 0;
            if (s.AliveProbabilityOverridesRhythm || pSeverity > severity)
            {
                severity = pSeverity;
                rule = pSeverity == 2 ? LifecycleRule.DormantByAliveProbability : pSeverity == 1 ? LifecycleRule.DeclineByAliveProbability : LifecycleRule.Growing;
            }
        }

        if (severity == 0)
        {
            rule = ActiveRule(input, pd, n, mean, tenure);
        }

        return new LifecycleAssessment(LifecycleRules.StageOf(rule), rule, t, e, declineDays, dormantDays);
    }

    /// <summary>Classifies one customer from its features. Allocates nothing.</summary>
    /// <param name="features">The features.</param>
    /// <param name="lastIntervalDays">Days between the last two purchase days, or <see langword="null"/> (then revival is not detected).</param>
    /// <param name="aliveProbability">P(alive) in [0, 1], or <see langword="null"/>.</param>
    /// <returns>The assessment.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public LifecycleAssessment Classify(CustomerFeatures features, double? lastIntervalDays = null, double? aliveProbability = null) =>
        Classify(LifecycleInput.FromFeatures(features, lastIntervalDays, aliveProbability));

    /// <summary>Classifies every customer of a feature set.</summary>
    /// <param name="features">The features as of one instant.</param>
    /// <param name="transactions">The table the features were computed from, used to find each customer's last interval (revival); or
    /// <see langword="null"/>, in which case no customer is revived.</param>
    /// <param name="aliveProbabilities">Empty, or one P(alive) per customer in the order of <paramref name="features"/>; NaN means "unknown" for that customer.</param>
    /// <param name="cancellationToken">Checked every 4,096 customers.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="transactions"/> has other customers than <paramref name="features"/>, or
    /// <paramref name="aliveProbabilities"/> has the wrong length or a value outside [0, 1].</exception>
    public LifecycleSnapshot ClassifyAll(
        CustomerFeatureSet features,
        TransactionTable? transactions = null,
        ReadOnlySpan<double> aliveProbabilities = default,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        var count = features.Count;
        if (!aliveProbabilities.IsEmpty && aliveProbabilities.Length != count)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Expected {count} alive probabilities (one per customer) but got {aliveProbabilities.Length}."),
                nameof(aliveProbabilities));
        }

        int[]? lastIntervals = null;
        if (transactions is not null)
        {
            CheckSameCustomers(features, transactions);
            lastIntervals = LastIntervals.Compute(transactions, features.AsOf, features.Settings);
        }

        var ids = new string[count];
        var assessments = new LifecycleAssessment[count];
        for (var i = 0; i < count; i++)
        {
            if ((i & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            double? p = null;
            if (!aliveProbabilities.IsEmpty && !double.IsNaN(aliveProbabilities[i]))
            {
                p = aliveProbabilities[i];
                if (p is not (>= 0.0 and <= 1.0))
                {
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"aliveProbabilities[{i}] is {aliveProbabilities[i]}; every value must be in [0, 1] or NaN (unknown)."),
                        nameof(aliveProbabilities));
                }
            }

            var f = features[i];
            ids[i] = f.CustomerId;
            double? last = lastIntervals is not null && lastIntervals[i] >= 0 ? lastIntervals[i] : null;
            assessments[i] = Classify(LifecycleInput.FromFeatures(f, last, p));
        }

        return new LifecycleSnapshot(features.AsOf, Settings, ids, assessments);
    }

    /// <summary>
    /// Estimates the population prior interval: the median over repeat buyers (two or more purchase days) of their mean interval between
    /// purchase days, clamped to the limits of <see cref="LifecycleSettings.PopulationIntervalDays"/>.
    /// </summary>
    /// <param name="features">The features.</param>
    /// <returns>The estimate in days, or <see langword="null"/> when nobody bought on two different days (keep the configured prior).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is <see langword="null"/>.</exception>
    public static double? EstimatePopulationIntervalDays(CustomerFeatureSet features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var values = new List<double>();
        foreach (var f in features)
        {
            if (f.IntervalMeanDays is { } m)
            {
                values.Add(m);
            }
        }

        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var mid = values.Count / 2;
        var median = values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
        return Math.Clamp(median, LifecycleSettings.MinPopulationIntervalDays, LifecycleSettings.MaxPopulationIntervalDays);
    }

    private LifecycleRule ActiveRule(in LifecycleInput input, int pd, int n, double mean, double tenure)
    {
        var s = Settings;
        if (pd <= s.NewMaxPurchaseDays)
        {
            return LifecycleRule.NewCustomer;
        }

        if (input.LastIntervalDays is { } gap && n >= 1)
        {
            if (!(gap >= 0.0 && gap <= double.MaxValue))
            {
                ThrowInput(nameof(LifecycleInput.LastIntervalDays), gap, "[0, finite]");
            }

            // The rhythm before the gap: the other n − 1 intervals, shrunk toward the prior.
            var before = n - 1;
            var beforeMean = before > 0 ? Math.Max(0.0, ((n * mean) - gap) / before) : 0.0;
            var e = ExpectedIntervalDays(before, beforeMean);
            if (gap > Math.Min(s.DormantRatio * e, s.DormantMaxDays))
            {
                return LifecycleRule.RevivedAfterLapse;
            }
        }

        return pd >= s.MaturityMinPurchaseDays && tenure >= s.MaturityMinTenureDays ? LifecycleRule.Mature : LifecycleRule.Growing;
    }

    private static void CheckSameCustomers(CustomerFeatureSet features, TransactionTable transactions)
    {
        var ids = transactions.CustomerIds;
        var same = ids.Count == features.Count;
        for (var i = 0; same && i < ids.Count; i++)
        {
            same = string.Equals(ids[i], features[i].CustomerId, StringComparison.Ordinal);
        }

        if (!same)
        {
            throw new ArgumentException(
                "The transactions are not the table the features were computed from (customer lists differ); pass the same TransactionTable as to FeatureExtractor.Compute.",
                nameof(transactions));
        }
    }

    [DoesNotReturn, StackTraceHidden]
    private static void ThrowInput(string field, double value, string range, string paramName = "input") =>
        throw new ArgumentOutOfRangeException(
            paramName,
            value,
            string.Create(CultureInfo.InvariantCulture, $"LifecycleInput.{field} must be in {range}."));
}

/// <summary>Finds each customer's last interval between purchase days from a transaction table.</summary>
internal static class LastIntervals
{
    /// <summary>Returns, per customer index of <paramref name="table"/>, the days between the last two distinct purchase days before
    /// <paramref name="asOf"/> (calendar days of <paramref name="settings"/>), or -1 with fewer than two purchase days.</summary>
    public static int[] Compute(TransactionTable table, DateTimeOffset asOf, FeatureSettings settings)
    {
        var customers = table.CustomerIds.Count;
        var last = new long[customers];
        var previous = new long[customers];
        Array.Fill(last, long.MinValue);
        Array.Fill(previous, long.MinValue);
        var asOfTicks = asOf.UtcTicks;
        var ticks = table.UtcTicks;
        var kinds = table.Kinds;
        var cust = table.CustomerIndex;
        for (var i = 0; i < table.Count; i++)
        {
            if (ticks[i] >= asOfTicks || kinds[i] != TransactionKind.Purchase)
            {
                continue;
            }

            var c = cust[i];
            var day = settings.DayOf(ticks[i]);
            if (day > last[c])
            {
                previous[c] = last[c];
                last[c] = day;
            }
            else if (day < last[c] && day > previous[c])
            {
                previous[c] = day;
            }
        }

        var result = new int[customers];
        for (var c = 0; c < customers; c++)
        {
            result[c] = previous[c] == long.MinValue ? -1 : checked((int)(last[c] - previous[c]));
        }

        return result;
    }
}
