using System.Globalization;

namespace CemCore.Churn;

/// <summary>Row indexes of a train/test split (each list sorted ascending; together they cover every row once).</summary>
/// <param name="Train">Training row indexes.</param>
/// <param name="Test">Test row indexes.</param>
public sealed record TrainTestSplit(IReadOnlyList<int> Train, IReadOnlyList<int> Test);

/// <summary>Metrics of one cross-validation fold (the model trained on the other folds, scored on this one).</summary>
/// <param name="Fold">0-based fold number.</param>
/// <param name="TrainRows">Training rows.</param>
/// <param name="TestRows">Test rows.</param>
/// <param name="RocAuc">Test ROC AUC (NaN when the fold has a single class).</param>
/// <param name="LogLoss">Test mean log loss.</param>
/// <param name="BrierScore">Test Brier score.</param>
/// <param name="Converged">Whether the fold's fit converged.</param>
public readonly record struct FoldMetrics(int Fold, int TrainRows, int TestRows, double RocAuc, double LogLoss, double BrierScore, bool Converged);

/// <summary>The result of a stratified k-fold cross-validation.</summary>
/// <param name="Folds">Per-fold metrics, by fold number.</param>
public sealed record CrossValidationResult(IReadOnlyList<FoldMetrics> Folds)
{
    /// <summary>Gets the mean test ROC AUC over folds with a defined AUC (NaN when none).</summary>
    public double MeanRocAuc => Mean(static f => f.RocAuc);

    /// <summary>Gets the mean test log loss over folds.</summary>
    public double MeanLogLoss => Mean(static f => f.LogLoss);

    private double Mean(Func<FoldMetrics, double> select)
    {
        var sum = 0.0;
        var count = 0;
        foreach (var f in Folds)
        {
            var v = select(f);
            if (!double.IsNaN(v))
            {
                sum += v;
                count++;
            }
        }

        // Stryker disable once Conditional : equivalent: with count 0 the sum is 0 too, and 0.0 / 0 is NaN as well.
        return count == 0 ? double.NaN : sum / count;
    }
}

/// <summary>
/// Seeded stratified splitting and cross-validation. Deterministic for a given seed and label sequence (the shuffles use
/// <c>new Random(seed)</c>, whose sequence is stable across .NET versions for a given seed); not the same permutation as scikit-learn.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class ChurnValidation
{
    /// <summary>
    /// Splits rows into train and test so that each class keeps its share: for each class with <c>n_c</c> rows,
    /// <c>round(n_c · testFraction)</c> randomly chosen rows (midpoint away from zero) go to the test set.
    /// </summary>
    /// <param name="labels">One label per row.</param>
    /// <param name="testFraction">Test share, in (0, 1).</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <returns>The split.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is outside (0, 1).</exception>
    /// <exception cref="ArgumentException">No rows.</exception>
    public static TrainTestSplit StratifiedTrainTestSplit(ReadOnlySpan<bool> labels, double testFraction, int seed)
    {
        if (testFraction is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in (0, 1).");
        }

        if (labels.IsEmpty)
        {
            throw new ArgumentException("There are no rows to split.", nameof(labels));
        }

        var random = new Random(seed);
        var isTest = new bool[labels.Length];
        foreach (var cls in (ReadOnlySpan<bool>)[false, true])
        {
            var members = Members(labels, cls);
            Shuffle(members, random);
            var take = (int)Math.Round(members.Length * testFraction, MidpointRounding.AwayFromZero);
            for (var i = 0; i < take; i++)
            {
                isTest[members[i]] = true;
            }
        }

        var train = new List<int>();
        var test = new List<int>();
        for (var i = 0; i < isTest.Length; i++)
        {
            (isTest[i] ? test : train).Add(i);
        }

        return new TrainTestSplit(train.AsReadOnly(), test.AsReadOnly());
    }

    /// <summary>
    /// Assigns each row to one of <paramref name="folds"/> folds so that each class is spread evenly: the rows of each class are shuffled
    /// and dealt round-robin (fold sizes per class differ by at most one).
    /// </summary>
    /// <param name="labels">One label per row.</param>
    /// <param name="folds">Number of folds, in [2, row count].</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <returns>The 0-based fold of each row.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="folds"/> is outside [2, row count].</exception>
    public static int[] StratifiedKFold(ReadOnlySpan<bool> labels, int folds, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(folds, labels.Length);
        var random = new Random(seed);
        var fold = new int[labels.Length];
        var next = 0;
        foreach (var cls in (ReadOnlySpan<bool>)[false, true])
        {
            var members = Members(labels, cls);
            Shuffle(members, random);
            foreach (var m in members)
            {
                fold[m] = next;
                next = (next + 1) % folds;
            }
        }

        return fold;
    }

    /// <summary>Stratified k-fold cross-validation of logistic regression: each fold is scored by a model trained on the others.</summary>
    /// <param name="features">The features.</param>
    /// <param name="labels">One label per row.</param>
    /// <param name="settings">Training settings; <see langword="null"/> for the default.</param>
    /// <param name="folds">Number of folds, in [2, row count]. The default is 5.</param>
    /// <param name="seed">The shuffle seed. The default is 0.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Per-fold metrics.</returns>
    /// <exception cref="ArgumentException">As <see cref="LogisticRegression.Fit"/>; also when a training fold has a single class.</exception>
    public static CrossValidationResult CrossValidate(
        FeatureMatrix features,
        ReadOnlySpan<bool> labels,
        LogisticRegressionSettings? settings = null,
        int folds = 5,
        int seed = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (labels.Length != features.RowCount)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {features.RowCount} labels (one per row) but got {labels.Length}."), nameof(labels));
        }

        var assignment = StratifiedKFold(labels, folds, seed);
        var results = new FoldMetrics[folds];
        for (var f = 0; f < folds; f++)
        {
            var train = new List<int>();
            var test = new List<int>();
            for (var i = 0; i < assignment.Length; i++)
            {
                (assignment[i] == f ? test : train).Add(i);
            }

            var trainLabels = Pick(labels, train);
            var testLabels = Pick(labels, test);
            var model = LogisticRegression.Fit(features.SelectRows(train.ToArray()), trainLabels, settings, cancellationToken);
            var p = model.Score(features.SelectRows(test.ToArray()));
            results[f] = new FoldMetrics(
                f, train.Count, test.Count, ChurnMetrics.RocAuc(p, testLabels), ChurnMetrics.LogLoss(p, testLabels), ChurnMetrics.BrierScore(p, testLabels),
                model.Diagnostics.Converged);
        }

        return new CrossValidationResult(results);
    }

    private static bool[] Pick(ReadOnlySpan<bool> labels, List<int> rows)
    {
        var result = new bool[rows.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = labels[rows[i]];
        }

        return result;
    }

    private static int[] Members(ReadOnlySpan<bool> labels, bool cls)
    {
        var list = new List<int>();
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] == cls)
            {
                list.Add(i);
            }
        }

        return list.ToArray();
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Seeded, reproducible data splitting; not a security use.")]
    private static void Shuffle(int[] items, Random random)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
