using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Experiments;
using CemCore.Experiments.Statistics;

namespace CemCore.Cli.Demo;

/// <summary>
/// Demo section: the source documents' example (personalized vs generic discount) run end to end: assign the demo customers with the
/// XXH64 scheme, simulate outcomes deterministically, accumulate in two partitions, merge and read out.
/// </summary>
internal static class AbDemo
{
    public static void Run(DemoContext context)
    {
        var experiment = new Experiment("discount-personalization",
            [new Variant("generic discount", 0.5, isControl: true), new Variant("personalized discount", 0.5)], salt: "demo");
        var conversion = new[] { new MetricAccumulator(2), new MetricAccumulator(2) }; // two partitions, merged below
        var revenue = new[] { new MetricAccumulator(2), new MetricAccumulator(2) };
        var exposures = new long[2];
        var random = new Random(context.Seed + 5); // deterministic outcome simulation
        var i = 0;
        foreach (var customer in context.Customers)
        {
            var a = experiment.Assign(customer.Id);
            if (!a.IsAssigned)
            {
                continue;
            }

            exposures[a.VariantIndex]++;
            var rate = a.VariantIndex == 0 ? 0.050 : 0.075; // simulated true conversion rates: 5.0% generic, 7.5% personalized
            var converted = random.NextDouble() < rate;
            var part = i++ % 2;
            conversion[part].AddConversion(a.VariantIndex, converted);
            var spend = converted ? Math.Round(20 + (random.NextDouble() * 60), 2) : 0.0;
            revenue[part].Add(a.VariantIndex, spend);
        }

        conversion[0].Merge(conversion[1]);
        revenue[0].Merge(revenue[1]);
        var report = ExperimentReadout.Create(experiment, exposures,
        [
            new MetricData("Conversion", MetricKind.Binary, conversion[0].GetSummaries()),
            new MetricData("Revenue per customer", MetricKind.Continuous, revenue[0].GetSummaries()),
        ]);

        // The source documents' worked example: 1,000 exposures per arm, 50 vs 75 conversions.
        var z = Proportions.ZTest(50, 1000, 75, 1000);
        var ci = Proportions.DifferenceInterval(50, 1000, 75, 1000);

        context.Heading("A/B test: personalized vs generic discount");
        context.Line(F($"Textbook example (1,000 exposures each, 50 vs 75 conversions): z = {z.Statistic:0.000}, p = {z.PValue:0.0000}, difference +2.50 pts, 95% CI [{ci.Lower * 100:0.00}, {ci.Upper * 100:0.00}] pts"));
        context.Line(F($"Demo customers: {exposures[0]:N0} generic / {exposures[1]:N0} personalized (SRM p = {report.SampleRatioMismatch.PValue:0.000})"));
        foreach (var m in report.Metrics)
        {
            foreach (var v in m.Variants.Where(v => !v.IsControl))
            {
                context.Line(v.Summary);
            }
        }

        var metrics = new JsonArray();
        foreach (var m in report.Metrics)
        {
            var rows = new JsonArray();
            foreach (var v in m.Variants)
            {
                rows.Add((JsonNode)new JsonObject
                {
                    ["variant"] = v.Variant,
                    ["units"] = v.Units,
                    ["estimate"] = Num(v.Estimate.Estimate),
                    ["absoluteLift"] = Num(v.AbsoluteLift.Estimate),
                    ["relativeLift"] = Num(v.RelativeLift.Estimate),
                    ["pValue"] = Num(v.Test.PValue),
                    ["adjustedPValue"] = Num(v.AdjustedPValue),
                    ["probabilityBetter"] = Num(v.ProbabilityBetter),
                    ["conclusive"] = v.IsConclusive,
                });
            }

            metrics.Add((JsonNode)new JsonObject { ["name"] = m.Name, ["variants"] = rows });
        }

        context.Json["ab"] = new JsonObject
        {
            ["experiment"] = experiment.Key,
            ["exposures"] = new JsonArray(exposures[0], exposures[1]),
            ["srmPValue"] = Num(report.SampleRatioMismatch.PValue),
            ["sampleRatioMismatch"] = report.HasSampleRatioMismatch,
            ["metrics"] = metrics,
            ["summary"] = report.Summary,
            ["textbookExample"] = new JsonObject { ["z"] = z.Statistic, ["pValue"] = z.PValue, ["differenceCi"] = new JsonArray(ci.Lower, ci.Upper) },
        };
    }

    private static JsonValue? Num(double d) => double.IsFinite(d) ? JsonValue.Create(d) : null;

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
