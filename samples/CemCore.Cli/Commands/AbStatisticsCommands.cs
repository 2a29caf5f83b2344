using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Experiments.Statistics;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore ab sample-size-means|bayes-means|chi-square|gof</c> (issue #16): t-based power for means with unequal allocation,
/// the normal–normal Bayesian comparison of means, r × c contingency tables and goodness of fit. Every difference is treatment − control.
/// </summary>
internal static class AbStatisticsCommands
{
    public static void AddTo(Command ab)
    {
        ab.Add(SampleSizeMeans());
        ab.Add(BayesMeans());
        ab.Add(ChiSquare());
        ab.Add(GoodnessOfFit());
    }

    /// <summary>JSON of two arms' sizes: control, treatment, total, the exact sizes and (equal groups) perGroup.</summary>
    internal static JsonObject ArmsJson(ArmSampleSizes arms, double ratio)
    {
        var o = new JsonObject
        {
            ["control"] = arms.Control,
            ["treatment"] = arms.Treatment,
            ["total"] = arms.Total,
            ["exactControl"] = AbCommands.Num(arms.ExactControl),
            ["exactTreatment"] = AbCommands.Num(arms.ExactTreatment),
            ["ratio"] = ratio,
        };
        if (ratio == 1.0)
        {
            o["perGroup"] = arms.Control;
        }

        return o;
    }

    internal static string ArmsText(ArmSampleSizes arms, string purpose) =>
        AbCommands.F($"{arms.Control:N0} control + {arms.Treatment:N0} treatment = {arms.Total:N0} users (rounded up; exact {arms.ExactControl:F2} + {arms.ExactTreatment:F2}) {purpose}");

    /// <summary>Runs a sample-size computation, turning "too small to detect" into a usage error naming --mde.</summary>
    internal static ArmSampleSizes TooSmall(Func<ArmSampleSizes> compute, double mde)
    {
        try
        {
            return compute();
        }
        catch (ArgumentOutOfRangeException ex) when (ex.ParamName == "minimumDetectableEffect" && ex.Message.Contains("too small", StringComparison.Ordinal))
        {
            throw new UsageException(AbCommands.F($"--mde {mde} is too small to detect: more than 1e12 users per group would be needed."));
        }
    }

    private static Command SampleSizeMeans()
    {
        var sd = CliOptions.RequiredNumber("--sd", "Standard deviation SD of the metric per user (both arms), > 0.");
        var mde = CliOptions.RequiredNumber("--mde", "Minimum detectable difference M in the metric's units (treatment - control).");
        var test = CliOptions.Choice("--test", "Power of the z-test (normal approximation) or of the pooled t-test (noncentral t).", "t", "t", "z");
        var ratio = CliOptions.Number("--ratio", "Allocation ratio R = treatment users per control user.", 1.0);
        var alpha = CliOptions.Number("--alpha", "Significance level (split over both tails when two-sided).", 0.05);
        var power = CliOptions.Number("--power", "Power 1 - beta.", 0.8);
        var alternative = AbCommands.AlternativeOption();
        var format = CliOptions.Format();
        var command = new Command("sample-size-means", "Users per arm to detect a difference in means (revenue per user), with t or z power, unequal groups and one-sided tests.") { sd, mde, test, ratio, alpha, power, alternative, format };
        CliHelp.Examples(
            command,
            "cemcore ab sample-size-means --sd 20 --mde 2",
            "cemcore ab sample-size-means --sd 20 --mde 2 --ratio 2 --alternative greater --test z --format json");
        command.SetAction(parse =>
        {
            var method = parse.GetValue(test) == "z" ? MeansPowerMethod.Normal : MeansPowerMethod.StudentT;
            var r = parse.GetValue(ratio);
            var alt = AbCommands.ParseAlternative(parse.GetValue(alternative));
            var design = new PowerDesign(parse.GetValue(alpha), parse.GetValue(power), r, alt);
            var arms = TooSmall(() => TwoArmPower.SampleSizeForMeans(parse.GetValue(sd), parse.GetValue(mde), design, method), parse.GetValue(mde));
            var json = ArmsJson(arms, r);
            json["test"] = method == MeansPowerMethod.Normal ? "z" : "t";
            var text = ArmsText(arms, AbCommands.F($"to detect a difference of {parse.GetValue(mde)} with SD {parse.GetValue(sd)}, alpha {design.Alpha} ({AbCommands.Name(alt)}), power {design.Power}, {(method == MeansPowerMethod.Normal ? "z" : "t")} power"));
            return AbCommands.Output(parse.IsJson(format), json, text);
        });
        return command;
    }

    private static Command BayesMeans()
    {
        var control = CliOptions.RequiredText("--control", "Control arm summary MEAN,SD,N (SD > 0, N >= 2), e.g. 52.3,20.1,1000.", "MEAN,SD,N");
        var treatment = CliOptions.RequiredText("--treatment", "Treatment arm summary MEAN,SD,N.", "MEAN,SD,N");
        var priorMean = CliOptions.Number("--prior-mean", "Mean of the normal prior of each arm's mean (with --prior-sd).", 0.0);
        var priorSd = CliOptions.Number("--prior-sd", "Standard deviation of the prior; omit for a flat prior.", double.PositiveInfinity);
        var format = CliOptions.Format();
        var command = new Command("bayes-means", "Normal-normal Bayesian comparison of means (revenue per user): P(treatment > control), expected losses and the 95% credible interval of the difference.") { control, treatment, priorMean, priorSd, format };
        CliHelp.Examples(
            command,
            "cemcore ab bayes-means --control 52.3,20.1,1000 --treatment 53.9,22.4,1000",
            "cemcore ab bayes-means --control 10,30,50 --treatment 12,35,40 --prior-mean 10 --prior-sd 2 --format json");
        command.SetAction(parse =>
        {
            var (mc, sc, nc) = AbCommands.MeanSdN(parse.GetValue(control)!, "control");
            var (mt, st, nt) = AbCommands.MeanSdN(parse.GetValue(treatment)!, "treatment");
            var prior = double.IsPositiveInfinity(parse.GetValue(priorSd)) ? NormalPrior.Flat : new NormalPrior(parse.GetValue(priorMean), parse.GetValue(priorSd));
            var c = NormalMeans.Compare(mc, sc, nc, mt, st, nt, prior);
            var result = new JsonObject
            {
                ["probabilityTreatmentBetter"] = AbCommands.Num(c.ProbabilityTreatmentBetter),
                ["expectedLossTreatment"] = AbCommands.Num(c.ExpectedLossTreatment),
                ["expectedLossControl"] = AbCommands.Num(c.ExpectedLossControl),
                ["difference"] = AbCommands.Num(c.DifferenceMean),
                ["differenceCi"] = new JsonArray(AbCommands.Num(c.DifferenceCredibleInterval.Lower), AbCommands.Num(c.DifferenceCredibleInterval.Upper)),
                ["controlPosterior"] = new JsonArray(AbCommands.Num(c.ControlPosteriorMean), AbCommands.Num(c.ControlPosteriorStandardDeviation)),
                ["treatmentPosterior"] = new JsonArray(AbCommands.Num(c.TreatmentPosteriorMean), AbCommands.Num(c.TreatmentPosteriorStandardDeviation)),
            };
            var text = AbCommands.F($"P(treatment > control) = {c.ProbabilityTreatmentBetter:G4}; difference {c.DifferenceMean:G6}, 95% credible interval [{c.DifferenceCredibleInterval.Lower:G6}, {c.DifferenceCredibleInterval.Upper:G6}]\nexpected loss if shipping treatment {c.ExpectedLossTreatment:G4}, if keeping control {c.ExpectedLossControl:G4}");
            return AbCommands.Output(parse.IsJson(format), result, text);
        });
        return command;
    }

    private static Command ChiSquare()
    {
        var table = CliOptions.RequiredText("--table", "Counts row by row: rows separated by ';', cells by ',', e.g. \"10,20,30;20,20,20\" (at least 2 x 2).", "R1C1,R1C2;R2C1,R2C2");
        var yates = CliOptions.Flag("--yates", "Yates' continuity correction (2 x 2 tables only).");
        var format = CliOptions.Format();
        var command = new Command("chi-square", "Pearson chi-square test of independence on an r x c table, with expected counts and Cochran-rule warnings.") { table, yates, format };
        CliHelp.Examples(
            command,
            "cemcore ab chi-square --table \"120,90,40;110,95,45\"",
            "cemcore ab chi-square --table \"5,15;25,5\" --yates --format json");
        command.SetAction(parse =>
        {
            var rows = parse.GetValue(table)!.Split(';').Select(row => AbCommands.List(row, "table", Count)).ToArray();
            if (rows.Length < 2 || rows.Any(r => r.Length != rows[0].Length) || rows[0].Length < 2)
            {
                throw new UsageException("--table needs at least 2 rows of the same length (at least 2 cells each), e.g. \"10,20;30,40\".");
            }

            var r = ChiSquareTests.Contingency(rows.SelectMany(x => x).ToArray(), rows[0].Length, parse.GetValue(yates));
            return Output(parse.IsJson(format), r, "chi-square test of independence");
        });
        return command;
    }

    private static Command GoodnessOfFit()
    {
        var observed = CliOptions.RequiredText("--observed", "Counts per category, comma-separated.", "C1,C2[,..]");
        var probabilities = CliOptions.RequiredText("--probabilities", "Expected share of each category under the null, comma-separated, summing to 1.", "P1,P2[,..]");
        var ddof = CliOptions.Integer("--ddof", "Parameters estimated from the data (each reduces the degrees of freedom by one).", 0, 0);
        var format = CliOptions.Format();
        var command = new Command("gof", "Pearson chi-square goodness-of-fit test of category counts against given probabilities.") { observed, probabilities, ddof, format };
        CliHelp.Examples(
            command,
            "cemcore ab gof --observed 18,22,20,40 --probabilities 0.2,0.2,0.2,0.4",
            "cemcore ab gof --observed 130,270,600 --probabilities 0.1,0.3,0.6 --format json");
        command.SetAction(parse =>
        {
            var counts = AbCommands.List(parse.GetValue(observed)!, "observed", Count);
            var p = AbCommands.List(parse.GetValue(probabilities)!, "probabilities", s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
            var r = ChiSquareTests.GoodnessOfFit(counts, p, parse.GetValue(ddof));
            return Output(parse.IsJson(format), r, "chi-square goodness of fit");
        });
        return command;
    }

    private static long Count(string s) => long.Parse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture);

    private static int Output(bool json, ChiSquareResult r, string name)
    {
        // A table's expected counts row by row; goodness of fit (one row) as a flat list.
        var expected = new JsonArray();
        for (var i = 0; i < r.Expected.Count; i += r.Columns)
        {
            var row = r.Expected.Skip(i).Take(r.Columns).Select(v => (JsonNode?)AbCommands.Num(v));
            if (r.Rows == 1)
            {
                foreach (var v in row)
                {
                    expected.Add(v);
                }
            }
            else
            {
                expected.Add((JsonNode)new JsonArray([.. row]));
            }
        }

        var result = new JsonObject
        {
            ["chiSquare"] = AbCommands.Num(r.Test.Statistic),
            ["df"] = AbCommands.Num(r.Test.DegreesOfFreedom),
            ["pValue"] = AbCommands.Num(r.Test.PValue),
            ["expected"] = expected,
            ["warnings"] = new JsonArray([.. r.Warnings.Select(w => (JsonNode?)w)]),
        };
        AbCommands.AddReason(result, r.Test.UndefinedReason);
        var text = r.Test.IsDefined
            ? AbCommands.F($"{name}: chi-square = {r.Test.Statistic:G6} (df {r.Test.DegreesOfFreedom}), p = {r.Test.PValue:G4}") + string.Concat(r.Warnings.Select(w => "\nwarning: " + w))
            : name + " undefined: " + r.Test.UndefinedReason;
        return AbCommands.Output(json, result, text);
    }
}
