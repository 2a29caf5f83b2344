using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Churn;
using CemCore.Cli.CommandLine;
using CemCore.Uplift;

namespace CemCore.Cli.Demo;

/// <summary>
/// Uplift section: a SIMULATED randomized coupon trial on the demo's buyers (seeded 50/50 assignment; lapsed customers are persuadable,
/// frequent buyers buy anyway), a two-model uplift fit on 70% of it, the holdout Qini coefficient and uplift AUC, and the coupon rule
/// "uplift deciles 1-3 only" applied to every buyer.
/// </summary>
internal static class UpliftDemo
{
    public static void Run(DemoContext context)
    {
        context.Heading("Uplift targeting (simulated coupon trial)");
        var buyers = context.Features.Where(f => f.HasPurchased).ToList();
        var random = new Random(context.Seed);
        var treatment = new bool[buyers.Count];
        var outcome = new bool[buyers.Count];
        for (var i = 0; i < buyers.Count; i++)
        {
            var f = buyers[i];
            treatment[i] = random.NextDouble() < 0.5;
            var lapsed = (f.RecencyDays ?? 0) > 90 ? 1.0 : 0.0;
            var logit = -1.5 + (0.15 * Math.Min(f.OrderCount, 10)) + (treatment[i] ? (1.2 * lapsed) - 0.2 : 0);
            outcome[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        }

        var matrix = ChurnFeatureMap.Default.ToMatrix(buyers);
        var settings = new UpliftSettings(UpliftMethod.TwoModel, new LogisticRegressionSettings(missingValues: MissingValuePolicy.ImputeTrainingMean));
        var split = UpliftTrainer.Split(treatment, 0.3, context.Seed);
        var train = split.Training.ToArray();
        var hold = split.Holdout.ToArray();
        UpliftModel model;
        try
        {
            model = UpliftTrainer.Fit(matrix.SelectRows(train), train.Select(i => treatment[i]).ToArray(), train.Select(i => outcome[i]).ToArray(), settings);
        }
        catch (ArgumentException ex)
        {
            context.Line("not enough trial data for an uplift model: " + ex.Message);
            context.Json["uplift"] = new JsonObject { ["trained"] = false, ["customers"] = buyers.Count };
            return;
        }

        var e = UpliftMetrics.Evaluate(model.Score(matrix.SelectRows(hold)), hold.Select(i => treatment[i]).ToArray(), hold.Select(i => outcome[i]).ToArray());
        var uplift = model.Score(matrix);
        var deciles = UpliftTargeting.AssignDeciles(uplift);
        var coupons = deciles.Count(d => d <= 3);
        var top = Mean(uplift, deciles, d => d <= 3);
        var rest = Mean(uplift, deciles, d => d > 3);
        context.Line(string.Create(CultureInfo.InvariantCulture,
            $"{buyers.Count} buyers, {treatment.Count(t => t)} got the coupon at random; two-model fit on {train.Length} rows, holdout {hold.Length} rows"));
        context.Line(string.Create(CultureInfo.InvariantCulture,
            $"holdout Qini coefficient {Show(e.QiniCoefficient)}, uplift AUC {Show(e.UpliftAuc)} (random targeting {Show(e.UpliftAucRandom)})"));
        context.Line(string.Create(CultureInfo.InvariantCulture,
            $"rule uplift.decile <= 3: {coupons} coupons; mean predicted uplift {Show(top)} in deciles 1-3 vs {Show(rest)} in the rest"));
        context.Json["uplift"] = new JsonObject
        {
            ["trained"] = true,
            ["customers"] = buyers.Count,
            ["method"] = "two-model",
            ["holdoutRows"] = hold.Length,
            ["qiniCoefficient"] = CliJson.Number(e.QiniCoefficient),
            ["upliftAuc"] = CliJson.Number(e.UpliftAuc),
            ["upliftAucRandom"] = CliJson.Number(e.UpliftAucRandom),
            ["coupons"] = coupons,
        };
    }

    private static double Mean(double[] uplift, int[] deciles, Func<int, bool> keep)
    {
        var selected = uplift.Where((_, i) => keep(deciles[i])).ToArray();
        return selected.Length == 0 ? double.NaN : selected.Average();
    }

    private static string Show(double value) => double.IsNaN(value) ? "undefined" : value.ToString("F4", CultureInfo.InvariantCulture);
}
