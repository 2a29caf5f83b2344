using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Churn;
using CemCore.Features;

namespace CemCore.Cli.Demo;

/// <summary>
/// Churn section: features as of 90 days before the demo's as-of date, label = no purchase in the following 90 days; a stratified seeded
/// train/holdout split; logistic regression (training-mean imputation); holdout AUC; then today's features scored and win-back triggers
/// emitted above the policy threshold.
/// </summary>
internal static class ChurnDemo
{
    private const int WindowDays = 90;

    public static void Run(DemoContext context)
    {
        context.Heading("Churn model");
        var cutoff = context.AsOf.AddDays(-WindowDays);
        var before = FeatureExtractor.Compute(context.Transactions, cutoff);
        var buyers = new List<CustomerFeatures>();
        var labels = new List<bool>();
        foreach (var f in before)
        {
            if (!f.HasPurchased || !context.Features.TryGet(f.CustomerId, out var now))
            {
                continue;
            }

            buyers.Add(f);
            labels.Add(now.OrderCount == f.OrderCount); // churned: no purchase in [cutoff, asOf)
        }

        var churners = labels.Count(x => x);
        if (buyers.Count < 20 || churners == 0 || churners == buyers.Count)
        {
            context.Line("not enough labelled customers for a churn model");
            context.Json["churn"] = new JsonObject { ["trained"] = false, ["customers"] = buyers.Count };
            return;
        }

        var map = ChurnFeatureMap.Default;
        var matrix = map.ToMatrix(buyers);
        var y = labels.ToArray();
        var split = ChurnValidation.StratifiedTrainTestSplit(y, 0.25, context.Seed);
        var settings = new LogisticRegressionSettings(missingValues: MissingValuePolicy.ImputeTrainingMean);
        var train = split.Train.ToArray();
        var test = split.Test.ToArray();
        var model = LogisticRegression.Fit(matrix.SelectRows(train), train.Select(i => y[i]).ToArray(), settings);
        var testLabels = test.Select(i => y[i]).ToArray();
        var p = model.Score(matrix.SelectRows(test));
        var auc = ChurnMetrics.RocAuc(p, testLabels);
        var logLoss = ChurnMetrics.LogLoss(p, testLabels);
        var cost = ChurnMetrics.ChooseThresholdByCost(p, testLabels, costOfMissedChurner: 40, costOfWastedOffer: 5);

        // Score every current buyer with the model and apply the win-back policy.
        var current = context.Features.Where(f => f.HasPurchased).ToList();
        var probabilities = model.Score(map.ToMatrix(current));
        var policy = new WinBackPolicy(0.5);
        var triggers = policy.Evaluate(current.Select(f => f.CustomerId).ToArray(), probabilities, context.AsOf);

        context.Line(string.Create(CultureInfo.InvariantCulture,
            $"label: no purchase in the {WindowDays} days after {cutoff:yyyy-MM-dd}; {buyers.Count} customers, {churners} churned ({100.0 * churners / buyers.Count:F1}%)"));
        context.Line(string.Create(CultureInfo.InvariantCulture,
            $"logistic regression on {train.Length} rows ({model.Diagnostics.Status}, {model.Diagnostics.Iterations} iterations); holdout {test.Length} rows: AUC {auc:F3}, log loss {logLoss:F3}"));
        context.Line(string.Create(CultureInfo.InvariantCulture,
            $"cost-based threshold on the holdout (missed churner 40, wasted offer 5): {cost.Threshold:F3}, cost {cost.TotalCost:F0}, precision {cost.Counts.Precision:F3}, recall {cost.Counts.Recall:F3}"));
        context.Line(string.Create(CultureInfo.InvariantCulture,
            $"win-back triggers (p > {policy.Threshold:F2}) among {current.Count} current buyers: {triggers.Count}"));

        var coefficients = new JsonObject();
        for (var j = 0; j < model.FeatureCount; j++)
        {
            coefficients[model.FeatureNames[j]] = model.Coefficients[j];
        }

        context.Json["churn"] = new JsonObject
        {
            ["trained"] = true,
            ["windowDays"] = WindowDays,
            ["customers"] = buyers.Count,
            ["churned"] = churners,
            ["trainRows"] = train.Length,
            ["holdoutRows"] = test.Length,
            ["holdoutAuc"] = double.IsNaN(auc) ? null : auc,
            ["holdoutLogLoss"] = logLoss,
            ["converged"] = model.Diagnostics.Converged,
            ["intercept"] = model.Intercept,
            ["coefficients"] = coefficients,
            ["costThreshold"] = double.IsFinite(cost.Threshold) ? cost.Threshold : null,
            ["winBackThreshold"] = policy.Threshold,
            ["winBackTriggers"] = triggers.Count,
        };
    }
}
