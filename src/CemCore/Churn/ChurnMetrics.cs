using System.Globalization;

namespace CemCore.Churn;

/// <summary>Counts and rates of a binary classification at one threshold (a row is predicted positive when its score is ≥ the threshold).</summary>
/// <param name="Threshold">The threshold.</param>
/// <param name="TruePositives">Churners predicted positive.</param>
/// <param name="FalsePositives">Non-churners predicted positive (wasted offers).</param>
/// <param name="TrueNegatives">Non-churners predicted negative.</param>
/// <param name="FalseNegatives">Churners predicted negative (missed churners).</param>
public readonly record struct ClassificationCounts(double Threshold, int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives)
{
    /// <summary>Gets TP / (TP + FP); 0 when nothing is predicted positive (scikit-learn <c>precision_score(zero_division=0)</c>).</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 0.0 : (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>Gets TP / (TP + FN); 0 when there are no positives (scikit-learn <c>recall_score(zero_division=0)</c>).</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 0.0 : (double)TruePositives / (TruePositives + FalseNegatives);

    /// <summary>Gets 2 · TP / (2 · TP + FP + FN), the harmonic mean of precision and recall; 0 when the denominator is 0 (scikit-learn <c>f1_score(zero_division=0)</c>).</summary>
    public double F1 => (2 * TruePositives) + FalsePositives + FalseNegatives == 0 ? 0.0 : 2.0 * TruePositives / ((2.0 * TruePositives) + FalsePositives + FalseNegatives);

    /// <summary>Gets (TP + TN) / total; NaN for no rows.</summary>
    public double Accuracy => (double)(TruePositives + TrueNegatives) / (TruePositives + FalsePositives + TrueNegatives + FalseNegatives);
}

/// <summary>One bin of a calibration table (reliability diagram).</summary>
/// <param name="Lower">Lower edge of the bin (exclusive, except 0 for the first bin).</param>
/// <param name="Upper">Upper edge of the bin (inclusive).</param>
/// <param name="Count">Rows whose predicted probability falls in the bin.</param>
/// <param name="MeanPredicted">Mean predicted probability in the bin; NaN when <paramref name="Count"/> is 0.</param>
/// <param name="ObservedRate">Fraction of churners in the bin; NaN when <paramref name="Count"/> is 0.</param>
public readonly record struct CalibrationBin(double Lower, double Upper, int Count, double MeanPredicted, double ObservedRate);

/// <summary>The threshold that minimizes the misclassification cost on a labelled set.</summary>
/// <param name="Threshold">Score threshold (predict churn when score ≥ threshold); <see cref="double.PositiveInfinity"/> means "target nobody".</param>
/// <param name="TotalCost">cost of a missed churner × FN + cost of a wasted offer × FP at the threshold.</param>
/// <param name="Counts">The classification counts at the threshold.</param>
public readonly record struct CostThreshold(double Threshold, double TotalCost, ClassificationCounts Counts);

/// <summary>
/// Evaluation metrics for churn scores against 0/1 labels, defined as in scikit-learn 1.2 (<c>sklearn.metrics</c>).
/// </summary>
/// <remarks>
/// <para>Every method takes the scores and labels as parallel spans and throws <see cref="ArgumentException"/> when their lengths differ or
/// a score is NaN. An undefined statistic (for example ROC AUC with a single class) is returned as <see cref="double.NaN"/>, not thrown.</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
public static class ChurnMetrics
{
    /// <summary>The clipping epsilon of <see cref="LogLoss"/>: probabilities are clipped to [1e-15, 1 − 1e-15].</summary>
    public const double LogLossEpsilon = 1e-15;

    /// <summary>
    /// Exact ROC AUC: the Mann-Whitney U statistic divided by <c>n₊ · n₋</c>, ties given midranks (a tied positive-negative pair counts ½).
    /// Equals scikit-learn <c>roc_auc_score(y, score)</c> (trapezoidal area under the ROC curve).
    /// </summary>
    /// <param name="scores">Scores (higher = more likely to churn).</param>
    /// <param name="labels">Labels (<see langword="true"/> = churned).</param>
    /// <returns>The AUC in [0, 1]; NaN when either class is absent.</returns>
    /// <exception cref="ArgumentException">Lengths differ or a score is NaN.</exception>
    /// <remarks>Hanley &amp; McNeil (1982), "The meaning and use of the area under a ROC curve", Radiology 143(1). O(n log n); allocates a sort index.</remarks>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        var order = SortedOrder(scores, labels, descending: false);
        var n = scores.Length;
        long positives = 0;
        var rankSum = 0.0;
        var i = 0;
        while (i < n)
        {
            var j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var midrank = ((i + 1) + (j + 1)) / 2.0;
            for (var m = i; m <= j; m++)
            {
                if (labels[order[m]])
                {
                    positives++;
                    rankSum += midrank;
                }
            }

            i = j + 1;
        }

        var negatives = n - positives;

        // Stryker disable once Logical,Block : equivalent: with no positives rankSum is 0, with no negatives it is n(n+1)/2 exactly
        // (half-integer midranks), so the formula below gives 0 / 0 = NaN in both cases, as this early return does.
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        return (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }

    /// <summary>
    /// Area under the precision-recall curve as average precision: <c>AP = Σₙ (Rₙ − Rₙ₋₁) · Pₙ</c> over distinct score thresholds in
    /// decreasing order (no interpolation); scikit-learn <c>average_precision_score(y, score)</c>.
    /// </summary>
    /// <param name="scores">Scores.</param>
    /// <param name="labels">Labels.</param>
    /// <returns>AP in [0, 1]; NaN when there is no churner.</returns>
    /// <exception cref="ArgumentException">Lengths differ or a score is NaN.</exception>
    public static double AveragePrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        var order = SortedOrder(scores, labels, descending: true);
        var n = scores.Length;
        var totalPositives = 0;
        foreach (var l in labels)
        {
            totalPositives += l ? 1 : 0;
        }

        if (totalPositives == 0)
        {
            return double.NaN;
        }

        var tp = 0;
        var fp = 0;
        var ap = 0.0;
        var previousRecall = 0.0;
        var i = 0;
        while (i < n)
        {
            var threshold = scores[order[i]];
            while (i < n && scores[order[i]] == threshold)
            {
                if (labels[order[i]])
                {
                    tp++;
                }
                else
                {
                    fp++;
                }

                i++;
            }

            var recall = (double)tp / totalPositives;
            var precision = (double)tp / (tp + fp);
            ap += (recall - previousRecall) * precision;
            previousRecall = recall;
        }

        return ap;
    }

    /// <summary>
    /// Mean log loss (natural logarithm): <c>−(1/n) Σ [yᵢ ln pᵢ + (1 − yᵢ) ln(1 − pᵢ)]</c>, with <c>pᵢ</c> clipped to
    /// [<see cref="LogLossEpsilon"/>, 1 − <see cref="LogLossEpsilon"/>]; scikit-learn 1.2 <c>log_loss(y, p, eps=1e-15)</c>.
    /// </summary>
    /// <param name="probabilities">Predicted churn probabilities in [0, 1].</param>
    /// <param name="labels">Labels.</param>
    /// <returns>The mean loss (≥ 0); NaN for no rows.</returns>
    /// <exception cref="ArgumentException">Lengths differ, or a probability is NaN or outside [0, 1].</exception>
    public static double LogLoss(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        CheckProbabilities(probabilities, labels);
        var sum = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = Math.Clamp(probabilities[i], LogLossEpsilon, 1 - LogLossEpsilon);
            sum -= labels[i] ? Math.Log(p) : Math.Log(1 - p);
        }

        return sum / probabilities.Length;
    }

    /// <summary>Brier score: <c>(1/n) Σ (pᵢ − yᵢ)²</c>; scikit-learn <c>brier_score_loss(y, p)</c> (Brier 1950, Monthly Weather Review 78(1)).</summary>
    /// <param name="probabilities">Predicted churn probabilities in [0, 1].</param>
    /// <param name="labels">Labels.</param>
    /// <returns>The score in [0, 1]; NaN for no rows.</returns>
    /// <exception cref="ArgumentException">Lengths differ, or a probability is NaN or outside [0, 1].</exception>
    public static double BrierScore(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        CheckProbabilities(probabilities, labels);
        var sum = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var d = probabilities[i] - (labels[i] ? 1.0 : 0.0);
            sum += d * d;
        }

        return sum / probabilities.Length;
    }

    /// <summary>Counts TP/FP/TN/FN when churn is predicted for scores ≥ <paramref name="threshold"/>.</summary>
    /// <param name="scores">Scores.</param>
    /// <param name="labels">Labels.</param>
    /// <param name="threshold">The threshold (not NaN).</param>
    /// <returns>The counts, with precision, recall and F1.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN, or the threshold is NaN.</exception>
    public static ClassificationCounts AtThreshold(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double threshold)
    {
        CheckScores(scores, labels);
        if (double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must not be NaN.");
        }

        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var predicted = scores[i] >= threshold;
            if (labels[i])
            {
                if (predicted)
                {
                    tp++;
                }
                else
                {
                    fn++;
                }
            }
            else if (predicted)
            {
                fp++;
            }
            else
            {
                tn++;
            }
        }

        return new ClassificationCounts(threshold, tp, fp, tn, fn);
    }

    /// <summary>
    /// Calibration table with <paramref name="binCount"/> equal-width bins on [0, 1]: bin <c>b</c> holds probabilities in
    /// <c>(b/B, (b+1)/B]</c> (the first bin also holds 0). Bins are assigned as scikit-learn <c>calibration_curve(strategy="uniform")</c> does;
    /// empty bins are kept, with NaN means (scikit-learn drops them).
    /// </summary>
    /// <param name="probabilities">Predicted probabilities in [0, 1].</param>
    /// <param name="labels">Labels.</param>
    /// <param name="binCount">Number of bins, in [1, 1000]. The default is 10.</param>
    /// <returns>The bins in increasing order.</returns>
    /// <exception cref="ArgumentException">Lengths differ, or a probability is NaN or outside [0, 1].</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="binCount"/> is outside [1, 1000].</exception>
    public static IReadOnlyList<CalibrationBin> CalibrationTable(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels, int binCount = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(binCount, 1000);
        CheckProbabilities(probabilities, labels);

        // Edges as numpy.linspace(0, 1, B + 1): i * (1 / B), last edge exactly 1.
        var step = 1.0 / binCount;
        var counts = new int[binCount];
        var sumP = new double[binCount];
        var sumY = new double[binCount];
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = probabilities[i];

            // numpy.searchsorted(inner_edges, p, side="left") = number of inner edges strictly below p.
            var b = 0;
            while (b < binCount - 1 && (b + 1) * step < p)
            {
                b++;
            }

            counts[b]++;
            sumP[b] += p;
            sumY[b] += labels[i] ? 1 : 0;
        }

        var bins = new CalibrationBin[binCount];
        for (var b = 0; b < binCount; b++)
        {
            var upper = b == binCount - 1 ? 1.0 : (b + 1) * step;
            // Stryker disable once Conditional : equivalent: for an empty bin the second branch gives Count 0 and 0.0 / 0 = NaN means,
            // the same bin as the first branch.
            bins[b] = counts[b] == 0
                ? new CalibrationBin(b * step, upper, 0, double.NaN, double.NaN)
                : new CalibrationBin(b * step, upper, counts[b], sumP[b] / counts[b], sumY[b] / counts[b]);
        }

        return bins;
    }

    /// <summary>
    /// Chooses the score threshold that minimizes <c>costOfMissedChurner · FN + costOfWastedOffer · FP</c> on a labelled set, among every
    /// distinct score (predict churn when score ≥ threshold) and "nobody" (<see cref="double.PositiveInfinity"/>). Ties in cost go to the
    /// higher threshold (fewer offers).
    /// </summary>
    /// <param name="scores">Scores (for calibrated probabilities the Bayes-optimal threshold is <c>costOfWastedOffer / (costOfWastedOffer + costOfMissedChurner)</c>, Elkan 2001).</param>
    /// <param name="labels">Labels.</param>
    /// <param name="costOfMissedChurner">Cost of a churner who gets no offer (a false negative); finite and ≥ 0.</param>
    /// <param name="costOfWastedOffer">Cost of an offer sent to a customer who would have stayed (a false positive); finite and ≥ 0.</param>
    /// <returns>The best threshold with its cost and counts.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a score is NaN, or a cost is negative or not finite.</exception>
    /// <remarks>Elkan (2001), "The foundations of cost-sensitive learning", IJCAI. O(n log n).</remarks>
    public static CostThreshold ChooseThresholdByCost(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double costOfMissedChurner, double costOfWastedOffer)
    {
        if (!(double.IsFinite(costOfMissedChurner) && costOfMissedChurner >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(costOfMissedChurner), costOfMissedChurner, "The cost must be finite and ≥ 0.");
        }

        if (!(double.IsFinite(costOfWastedOffer) && costOfWastedOffer >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(costOfWastedOffer), costOfWastedOffer, "The cost must be finite and ≥ 0.");
        }

        var order = SortedOrder(scores, labels, descending: true);
        var n = scores.Length;
        var positives = 0;
        foreach (var l in labels)
        {
            positives += l ? 1 : 0;
        }

        // Threshold +∞: everybody predicted negative.
        int tp = 0, fp = 0;
        var bestCost = costOfMissedChurner * positives;
        var best = new ClassificationCounts(double.PositiveInfinity, 0, 0, n - positives, positives);
        var i = 0;
        while (i < n)
        {
            var threshold = scores[order[i]];
            while (i < n && scores[order[i]] == threshold)
            {
                if (labels[order[i]])
                {
                    tp++;
                }
                else
                {
                    fp++;
                }

                i++;
            }

            var cost = (costOfMissedChurner * (positives - tp)) + (costOfWastedOffer * fp);
            if (cost < bestCost)
            {
                bestCost = cost;
                best = new ClassificationCounts(threshold, tp, fp, n - positives - fp, positives - tp);
            }
        }

        return new CostThreshold(best.Threshold, bestCost, best);
    }

    private static int[] SortedOrder(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, bool descending)
    {
        CheckScores(scores, labels);
        var keys = scores.ToArray();
        var order = new int[keys.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        if (descending)
        {
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = -keys[i];
            }
        }

        Array.Sort(keys, order);
        return order;
    }

    private static void CheckScores(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {scores.Length} labels (one per score) but got {labels.Length}."), nameof(labels));
        }

        for (var i = 0; i < scores.Length; i++)
        {
            if (double.IsNaN(scores[i]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Score at index {i} is NaN."), nameof(scores));
            }
        }
    }

    private static void CheckProbabilities(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        if (probabilities.Length != labels.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {probabilities.Length} labels (one per probability) but got {labels.Length}."), nameof(labels));
        }

        for (var i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] is not (>= 0.0 and <= 1.0))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Probability at index {i} is {probabilities[i]:R}; it must be in [0, 1]."), nameof(probabilities));
            }
        }
    }
}
