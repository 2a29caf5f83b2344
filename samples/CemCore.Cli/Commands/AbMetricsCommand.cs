using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Experiments;
using CemCore.Experiments.Statistics;
using CemCore.Sources;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore ab metrics --metrics F [--control NAME] [--treatment NAME] [--tau X] [--alpha 0.05] [--format json]</c>: the read-out of a
/// per-user metrics file <c>customer_id,arm,metric[,pre_metric]</c>: per-arm means, the absolute and relative lift with 95% intervals
/// and a Welch test, CUPED (θ = cov(y, x)/var(x) on both arms pooled, Deng et al. 2013) when <c>pre_metric</c> is present, the
/// always-valid mSPRT (normal mixture, Johari et al. 2017/2022) and a plain-language verdict. Every difference is treatment − control.
/// </summary>
internal static class AbMetricsCommand
{
    public static Command Create()
    {
        var metrics = CliOptions.RequiredPath("--metrics", "Per-user metrics CSV: customer_id,arm,metric[,pre_metric] (pre_metric: the same metric before the test, for CUPED).");
        var control = CliOptions.Text("--control", "Name of the control arm in the arm column (default: control).", "NAME");
        var treatment = CliOptions.Text("--treatment", "Name of the treatment arm (default: treatment).", "NAME");
        var tau = CliOptions.Number("--tau", "mSPRT mixing standard deviation: the effect size of interest in metric units (default: 0.1 x the pooled standard deviation of the metric).", 0, min: 0);
        var alpha = CliOptions.Number("--alpha", "Significance level of the tests and of the always-valid interval.", 0.05, min: 1e-10, max: 0.5);
        var format = CliOptions.Format();
        var command = new Command("metrics", "Read-out of a per-user metrics file: per-arm means, lift with intervals, CUPED, sequential mSPRT and a verdict.") { metrics, control, treatment, tau, alpha, format };
        CliHelp.Examples(
            command,
            "cemcore ab metrics --metrics metrics.csv",
            "cemcore ab metrics --metrics metrics.csv --control A --treatment B --tau 0.5 --format json");
        command.SetAction(parse => Run(
            parse.GetValue(metrics)!, parse.GetValue(control) ?? "control", parse.GetValue(treatment) ?? "treatment", parse.GetValue(tau), parse.GetValue(alpha), parse.IsJson(format)));
        return command;
    }

    private sealed class Arm
    {
        public List<double> Y { get; } = [];

        public List<double> X { get; } = [];
    }

    private static int Run(string path, string controlName, string treatmentName, double tau, double alpha, bool json)
    {
        var (arms, hasPre) = Read(path);
        if (!arms.TryGetValue(controlName, out var c) || !arms.TryGetValue(treatmentName, out var t))
        {
            throw new UsageException(
                $"{Path.GetFileName(path)} must hold the arms '{controlName}' and '{treatmentName}' (--control, --treatment); it holds {string.Join(", ", arms.Keys.Order(StringComparer.Ordinal).Select(a => "'" + a + "'"))}.");
        }

        if (c.Y.Count < 2 || t.Y.Count < 2)
        {
            throw new UsageException("Each arm needs at least 2 users.");
        }

        var sc = MetricSummary.FromValues(c.Y.ToArray(), hasPre ? c.X.ToArray() : default);
        var st = MetricSummary.FromValues(t.Y.ToArray(), hasPre ? t.X.ToArray() : default);
        var confidence = 1 - alpha;
        var vc = sc.Variance / sc.Count;
        var vt = st.Variance / st.Count;
        var absolute = Lift.Absolute(sc.Mean, vc, st.Mean, vt, confidence);
        var relative = Lift.Relative(sc.Mean, vc, st.Mean, vt, confidence);
        var welch = Means.WelchTTest(sc.Mean, sc.StandardDeviation, sc.Count, st.Mean, st.StandardDeviation, st.Count, Alternative.TwoSided);
        var pooled = sc + st;
        var tauUsed = tau > 0 ? tau : 0.1 * pooled.StandardDeviation;
        var sequential = tauUsed > 0 ? SequentialTest.Evaluate(st.Mean - sc.Mean, sc.Variance, sc.Count, st.Variance, st.Count, tauUsed, alpha) : null;

        var root = new JsonObject
        {
            ["arms"] = new JsonObject { [controlName] = ArmJson(sc, hasPre), [treatmentName] = ArmJson(st, hasPre) },
            ["difference"] = LiftJson(absolute),
            ["relativeLift"] = LiftJson(relative),
            ["welch"] = new JsonObject { ["t"] = CliJson.Number(welch.Statistic), ["df"] = CliJson.Number(welch.DegreesOfFreedom), ["pValue"] = CliJson.Number(welch.PValue) },
            ["alpha"] = alpha,
        };
        CupedResult? cuped = null;
        if (hasPre)
        {
            cuped = Cuped.Compare(sc, st, Alternative.TwoSided, confidence);
            root["cuped"] = cuped.Test.IsDefined
                ? new JsonObject
                {
                    ["theta"] = cuped.Theta,
                    ["controlMean"] = cuped.ControlAdjustedMean,
                    ["treatmentMean"] = cuped.TreatmentAdjustedMean,
                    ["difference"] = LiftJson(cuped.Difference),
                    ["z"] = CliJson.Number(cuped.Test.Statistic),
                    ["pValue"] = CliJson.Number(cuped.Test.PValue),
                    ["varianceReduction"] = CliJson.Number(cuped.VarianceReduction),
                }
                : new JsonObject { ["undefinedReason"] = cuped.Test.UndefinedReason };
        }

        root["sequential"] = sequential is { IsDefined: true } s
            ? new JsonObject
            {
                ["method"] = "mSPRT (normal mixture)",
                ["tau"] = tauUsed,
                ["logLikelihoodRatio"] = CliJson.Number(s.LogLikelihoodRatio),
                ["pValue"] = CliJson.Number(s.PValue),
                ["confidenceSequence"] = new JsonArray(CliJson.Number(s.ConfidenceSequence.Lower), CliJson.Number(s.ConfidenceSequence.Upper)),
                ["rejectNull"] = s.PValue <= alpha,
            }
            : new JsonObject { ["undefinedReason"] = "the metric has no variance." };
        var verdict = Verdict(absolute, welch, cuped, sequential, alpha);
        root["verdict"] = verdict;

        if (json)
        {
            CliJson.Write(root);
            return 0;
        }

        var o = Console.Out;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(inv, $"{"arm",-12} {"users",8} {"mean",12} {"sd",12}"));
        o.WriteLine(string.Create(inv, $"{controlName,-12} {sc.Count,8} {sc.Mean,12:G6} {sc.StandardDeviation,12:G6}"));
        o.WriteLine(string.Create(inv, $"{treatmentName,-12} {st.Count,8} {st.Mean,12:G6} {st.StandardDeviation,12:G6}"));
        o.WriteLine(string.Create(inv, $"difference {absolute.Estimate:G6} [{absolute.Interval.Lower:G6}, {absolute.Interval.Upper:G6}] ({confidence:0%}); Welch p = {welch.PValue:G4}"));
        if (relative.IsDefined)
        {
            o.WriteLine(string.Create(inv, $"relative lift {relative.Estimate:0.00%} [{relative.Interval.Lower:0.00%}, {relative.Interval.Upper:0.00%}]"));
        }

        if (cuped is { Test.IsDefined: true })
        {
            o.WriteLine(string.Create(inv, $"CUPED (theta {cuped.Theta:G6}, variance -{cuped.VarianceReduction:0.0%}): difference {cuped.Difference.Estimate:G6} [{cuped.Difference.Interval.Lower:G6}, {cuped.Difference.Interval.Upper:G6}], p = {cuped.Test.PValue:G4}"));
        }

        if (sequential is { IsDefined: true } q)
        {
            o.WriteLine(string.Create(inv, $"mSPRT (tau {tauUsed:G4}): always-valid p = {q.PValue:G4}, interval [{q.ConfidenceSequence.Lower:G6}, {q.ConfidenceSequence.Upper:G6}]"));
        }

        o.WriteLine("verdict: " + verdict);
        return 0;
    }

    /// <summary>
    /// The plain-language verdict: the variance-reduced (CUPED) test when available, else Welch; "better"/"worse" when p ≤ α, with the
    /// interval; otherwise "no significant difference". A note is added when the fixed-horizon and always-valid (peeking-safe) tests disagree.
    /// </summary>
    internal static string Verdict(LiftEstimate absolute, TestResult welch, CupedResult? cuped, SequentialTestResult? sequential, double alpha)
    {
        var useCuped = cuped is { Test.IsDefined: true };
        var p = useCuped ? cuped!.Test.PValue : welch.PValue;
        var d = useCuped ? cuped!.Difference : absolute;
        var test = useCuped ? "CUPED-adjusted z-test" : "Welch t-test";
        var inv = CultureInfo.InvariantCulture;
        string verdict;
        if (!double.IsFinite(p))
        {
            return "undefined: the metric has no variance in either arm.";
        }

        verdict = p <= alpha
            ? string.Create(inv, $"treatment is {(d.Estimate > 0 ? "better" : "worse")} than control: difference {d.Estimate:G4} (interval {d.Interval.Lower:G4} to {d.Interval.Upper:G4}), p = {p:G3} by the {test} at alpha {alpha}.")
            : string.Create(inv, $"no significant difference at alpha {alpha} (p = {p:G3} by the {test}); the interval {d.Interval.Lower:G4} to {d.Interval.Upper:G4} still includes 0.");
        if (sequential is { IsDefined: true } s && (s.PValue <= alpha) != (p <= alpha))
        {
            verdict += s.PValue <= alpha
                ? " The always-valid mSPRT also rejects."
                : " The always-valid mSPRT does not reject yet: if you looked at the results before the planned end, keep the test running.";
        }

        return verdict;
    }

    private static JsonObject ArmJson(MetricSummary s, bool hasPre)
    {
        var o = new JsonObject { ["users"] = s.Count, ["mean"] = s.Mean, ["sd"] = s.StandardDeviation };
        if (hasPre)
        {
            o["preMean"] = s.CovariateMean;
        }

        return o;
    }

    private static JsonObject LiftJson(LiftEstimate e) => e.IsDefined
        ? new JsonObject { ["estimate"] = CliJson.Number(e.Estimate), ["ci"] = new JsonArray(CliJson.Number(e.Interval.Lower), CliJson.Number(e.Interval.Upper)) }
        : new JsonObject { ["estimate"] = null, ["undefinedReason"] = e.UndefinedReason };

    private static (Dictionary<string, Arm> Arms, bool HasPre) Read(string path)
    {
        var file = Path.GetFileName(path);
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()?.TrimStart('\uFEFF').Split(',').Select(h => h.Trim()).ToArray()
            ?? throw new DataFormatException("the file is empty; a header customer_id,arm,metric[,pre_metric] is required.", file, 1, null);
        var armIndex = Array.IndexOf(header, "arm");
        var metricIndex = Array.IndexOf(header, "metric");
        var preIndex = Array.IndexOf(header, "pre_metric");
        if (armIndex < 0 || metricIndex < 0)
        {
            throw new DataFormatException("the header must name the columns arm and metric (customer_id,arm,metric[,pre_metric]).", file, 1, null);
        }

        var arms = new Dictionary<string, Arm>(StringComparer.Ordinal);
        long line = 1;
        for (var text = reader.ReadLine(); text is not null; text = reader.ReadLine())
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            var cells = text.Split(',');
            if (cells.Length != header.Length)
            {
                throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"expected {header.Length} cells (as in the header) but found {cells.Length}."), file, line, null);
            }

            var name = cells[armIndex].Trim();
            if (!arms.TryGetValue(name, out var arm))
            {
                arms[name] = arm = new Arm();
            }

            arm.Y.Add(Number(cells[metricIndex], file, line, "metric"));
            if (preIndex >= 0)
            {
                arm.X.Add(Number(cells[preIndex], file, line, "pre_metric"));
            }
        }

        return (arms, preIndex >= 0);
    }

    private static double Number(string cell, string file, long line, string field) =>
        double.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new DataFormatException("expected a finite number.", file, line, field);
}
