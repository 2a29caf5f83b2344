using System.Globalization;
using CemCore.Rules;

namespace CemCore.Uplift;

/// <summary>
/// Uplift deciles and the targeting rule "promote only the top uplift deciles", exposed to personalization rules through the
/// <c>uplift.score</c> and <c>uplift.decile</c> fields of a <see cref="CustomerContext"/> (<see cref="CustomerContext.SetUplift"/>).
/// </summary>
/// <remarks>
/// <para><b>Deciles.</b> Customers are ranked by uplift, highest first; a customer at 0-based position <c>r</c> of <c>n</c> is in decile
/// <c>⌊10 r / n⌋ + 1</c>, where tied scores all take the position of the first of their group (competition ranking), so equal uplift always
/// means an equal decile and the result does not depend on input order. Decile 1 holds the ≈10% with the highest uplift; a group of ties
/// can make a decile larger than 10% (and leave a later one smaller or empty).</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
public static class UpliftTargeting
{
    /// <summary>The rule field holding a customer's uplift score in [−1, 1].</summary>
    public const string ScoreField = "uplift.score";

    /// <summary>The rule field holding a customer's uplift decile, 1 (highest uplift) to 10.</summary>
    public const string DecileField = "uplift.decile";

    /// <summary>The number of deciles.</summary>
    public const int Deciles = 10;

    /// <summary>Assigns every customer its uplift decile (1 = highest uplift).</summary>
    /// <param name="scores">Uplift scores; finite.</param>
    /// <returns>One decile in [1, 10] per score.</returns>
    /// <exception cref="ArgumentException">A score is not finite.</exception>
    public static int[] AssignDeciles(ReadOnlySpan<double> scores)
    {
        var n = scores.Length;
        var order = UpliftMetrics.RankDescending(scores);
        var deciles = new int[n];
        var groupStart = 0;
        for (var pos = 0; pos < n; pos++)
        {
            if (pos > 0 && scores[order[pos]] != scores[order[pos - 1]])
            {
                groupStart = pos;
            }

            deciles[order[pos]] = (int)((long)Deciles * groupStart / n) + 1;
        }

        return deciles;
    }

    /// <summary>The condition "the customer is in uplift decile 1 to <paramref name="topDeciles"/>", optionally also requiring a predicted
    /// uplift greater than <paramref name="minimumUplift"/> (with 0, a promotion never goes to a customer it is predicted to put off).</summary>
    /// <param name="topDeciles">How many top deciles to promote, in [1, 10].</param>
    /// <param name="minimumUplift">An optional strict lower bound on <c>uplift.score</c> (for example 0.0), or <see langword="null"/>.</param>
    /// <returns>A condition on <see cref="DecileField"/> (and <see cref="ScoreField"/>); false for a customer without an uplift.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topDeciles"/> is outside [1, 10] or <paramref name="minimumUplift"/> is outside [−1, 1].</exception>
    public static Condition TopDeciles(int topDeciles, double? minimumUplift = null)
    {
        if (topDeciles is < 1 or > Deciles)
        {
            throw new ArgumentOutOfRangeException(nameof(topDeciles), topDeciles, string.Create(CultureInfo.InvariantCulture, $"Expected a number of deciles in [1, {Deciles}]."));
        }

        var decile = Condition.Field(DecileField).AtMost(topDeciles);
        if (minimumUplift is not { } min)
        {
            return decile;
        }

        if (min is not (>= -1 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumUplift), min, "The minimum uplift must be in [-1, 1].");
        }

        return Condition.All(decile, Condition.Field(ScoreField).GreaterThan(min));
    }
}
