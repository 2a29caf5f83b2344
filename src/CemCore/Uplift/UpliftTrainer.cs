using System.Globalization;
using CemCore.Churn;
using CemCore.Synthetic;

namespace CemCore.Uplift;

/// <summary>A training/holdout partition of the rows of a randomized trial (0-based row indexes, ascending).</summary>
/// <param name="Training">The training rows.</param>
/// <param name="Holdout">The holdout rows.</param>
public sealed record UpliftSplit(IReadOnlyList<int> Training, IReadOnlyList<int> Holdout);

/// <summary>
/// Trains <see cref="UpliftModel"/>s on the data of a randomized trial (features, 0/1 treatment, 0/1 outcome) with the library's L2 logistic
/// regression (<see cref="LogisticRegression"/>), and splits trials into training and holdout rows reproducibly.
/// </summary>
/// <remarks>
/// <para>Fitting is deterministic (Newton's method, no randomness): the same data and settings give the same model bit for bit.
/// The only randomness is the holdout split of <see cref="Split"/>, which is seeded.</para>
/// <para>Both groups must be present and each must contain at least one positive (<c>Y = 1</c>) and one negative outcome; otherwise the
/// uplift is not identifiable from the data and <see cref="Fit"/> throws.</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
public static class UpliftTrainer
{
    private const int SplitStream = 0x5A17;

    /// <summary>Fits an uplift model.</summary>
    /// <param name="features">The features of every row (NaN = missing, handled by the logistic settings' missing-value policy).</param>
    /// <param name="treatment">One flag per row: <see langword="true"/> = treated (received the promotion), <see langword="false"/> = control.</param>
    /// <param name="outcome">One flag per row: <see langword="true"/> = responded (bought, converted).</param>
    /// <param name="settings">The settings; <see langword="null"/> means <see cref="UpliftSettings.Default"/>.</param>
    /// <param name="cancellationToken">Checked during every logistic regression pass.</param>
    /// <returns>The model; check <see cref="UpliftModel.Converged"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">Lengths differ from the row count (parameter named), no treated or no control row
    /// (<c>treatment</c>), or a group without a positive or without a negative outcome (<c>outcome</c>).</exception>
    /// <exception cref="Sources.DataFormatException">A feature value is infinite, or missing under the reject policy.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static UpliftModel Fit(
        FeatureMatrix features,
        ReadOnlySpan<bool> treatment,
        ReadOnlySpan<bool> outcome,
        UpliftSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        settings ??= UpliftSettings.Default;
        var n = features.RowCount;
        var counts = Validate(n, treatment, outcome);
        var treatedWeight = n / (2.0 * counts.Treated);
        var controlWeight = n / (2.0 * counts.Control);
        if (settings.Method == UpliftMethod.TwoModel)
        {
            var treatedRows = new int[counts.Treated];
            var controlRows = new int[counts.Control];
            var treatedY = new bool[counts.Treated];
            var controlY = new bool[counts.Control];
            int a = 0, b = 0;
            for (var i = 0; i < n; i++)
            {
                if (treatment[i])
                {
                    treatedY[a] = outcome[i];
                    treatedRows[a++] = i;
                }
                else
                {
                    controlY[b] = outcome[i];
                    controlRows[b++] = i;
                }
            }

            var treated = LogisticRegression.Fit(features.SelectRows(treatedRows), treatedY, settings.Logistic, cancellationToken);
            var control = LogisticRegression.Fit(features.SelectRows(controlRows), controlY, settings.Logistic, cancellationToken);
            return new UpliftModel(UpliftMethod.TwoModel, treated, control, null, counts.Treated, counts.Control, treatedWeight, controlWeight);
        }

        var z = new bool[n];
        var weights = new double[n];
        for (var i = 0; i < n; i++)
        {
            z[i] = treatment[i] == outcome[i];
            weights[i] = treatment[i] ? treatedWeight : controlWeight;
        }

        var transformed = LogisticRegression.FitWeighted(features, z, weights, settings.Logistic, cancellationToken);
        return new UpliftModel(UpliftMethod.ClassTransformation, null, null, transformed, counts.Treated, counts.Control, treatedWeight, controlWeight);
    }

    /// <summary>
    /// Splits the rows of a trial into training and holdout rows, stratified by treatment: within each group, the
    /// <c>round(n_g · holdoutFraction)</c> rows (half away from zero) with the smallest keys go to the holdout, where the key of row <c>i</c> is the
    /// first output of xoshiro256** seeded by SplitMix64 from (<paramref name="seed"/>, <c>i</c>) (ties by row index).
    /// </summary>
    /// <param name="treatment">The treatment flag of every row.</param>
    /// <param name="holdoutFraction">The share of each group held out, in [0, 1).</param>
    /// <param name="seed">The seed; the same seed and row count always give the same split, on every platform.</param>
    /// <returns>The split; both lists ascending.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="holdoutFraction"/> is outside [0, 1).</exception>
    public static UpliftSplit Split(ReadOnlySpan<bool> treatment, double holdoutFraction, int seed)
    {
        if (holdoutFraction is not (>= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), holdoutFraction, "The holdout fraction must be in [0, 1).");
        }

        var n = treatment.Length;
        var holdout = new bool[n];
        foreach (var group in (ReadOnlySpan<bool>)[true, false])
        {
            var rows = new List<int>();
            var keys = new List<ulong>();
            for (var i = 0; i < n; i++)
            {
                if (treatment[i] == group)
                {
                    rows.Add(i);
                    keys.Add(new SyntheticRandom(seed, i, SplitStream).NextULong());
                }
            }

            var order = rows.ToArray();
            var k = keys.ToArray();
            Array.Sort(k, order); // keys of distinct rows collide with probability ~n²/2⁶⁵; ties are resolved below
            var take = (int)Math.Round(order.Length * holdoutFraction, MidpointRounding.AwayFromZero);
            SortTies(k, order);
            for (var j = 0; j < take; j++)
            {
                holdout[order[j]] = true;
            }
        }

        var train = new List<int>(n);
        var hold = new List<int>();
        for (var i = 0; i < n; i++)
        {
            (holdout[i] ? hold : train).Add(i);
        }

        return new UpliftSplit(train.AsReadOnly(), hold.AsReadOnly());
    }

    internal readonly record struct GroupCounts(int Treated, int Control);

    internal static GroupCounts Validate(int n, ReadOnlySpan<bool> treatment, ReadOnlySpan<bool> outcome)
    {
        if (treatment.Length != n)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {n} treatment flags (one per row) but got {treatment.Length}."), nameof(treatment));
        }

        if (outcome.Length != n)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {n} outcomes (one per row) but got {outcome.Length}."), nameof(outcome));
        }

        int treated = 0, treatedPositive = 0, controlPositive = 0;
        for (var i = 0; i < n; i++)
        {
            if (treatment[i])
            {
                treated++;
                treatedPositive += outcome[i] ? 1 : 0;
            }
            else
            {
                controlPositive += outcome[i] ? 1 : 0;
            }
        }

        var control = n - treated;
        foreach (var (name, rows, positives) in (ReadOnlySpan<(string, int, int)>)[("treated group (treatment = 1)", treated, treatedPositive), ("control group (treatment = 0)", control, controlPositive)])
        {
            if (rows == 0)
            {
                throw new ArgumentException($"The {name} has no rows; uplift needs both groups.", nameof(treatment));
            }

            if (positives == 0 || positives == rows)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"The {name} has {rows} rows and {(positives == 0 ? "no positive outcome (outcome = 1)" : "no negative outcome (outcome = 0)")}; uplift needs both outcomes in both groups."),
                    nameof(outcome));
            }
        }

        return new GroupCounts(treated, control);
    }

    private static void SortTies(ulong[] keys, int[] rows)
    {
        var start = 0;
        for (var j = 1; j <= keys.Length; j++)
        {
            if (j == keys.Length || keys[j] != keys[start])
            {
                Array.Sort(rows, start, j - start);
                start = j;
            }
        }
    }
}
