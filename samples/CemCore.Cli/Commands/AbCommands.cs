using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Experiments.Statistics;
using Statistics = CemCore.Experiments.Statistics;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore ab proportions|means|sample-size|bayes|srm ... [--format json]</c>: A/B statistics from the command line.
/// Every difference and statistic is treatment − control.
/// </summary>
internal static class AbCommands
{
    public static Command Create()
    {
        var ab = new Command("ab", "A/B statistics (proportions|means|sample-size|sample-size-means|bayes|bayes-means|srm|chi-square|gof|metrics). Every difference is treatment - control.");
        ab.Add(Proportions());
        ab.Add(MeansCommand());
        ab.Add(SampleSize());
        ab.Add(Bayes());
        ab.Add(Srm());
        AbStatisticsCommands.AddTo(ab);
        ab.Add(AbMetricsCommand.Create());
        return ab;
    }

    private static Option<string> CountsOption(string name, string arm) =>
        CliOptions.RequiredText(name, $"Conversions and users of the {arm} arm as SUCCESSES/TRIALS, e.g. 50/1000.", "S/N");

    internal static Option<string> AlternativeOption() =>
        CliOptions.Choice("--alternative", "Alternative hypothesis on treatment - control.", "two-sided", "two-sided", "greater", "less");

    private static Command Proportions()
    {
        var control = CountsOption("--control", "control");
        var treatment = CountsOption("--treatment", "treatment");
        var alternative = AlternativeOption();
        var readout = CliOptions.Flag("--readout", "Add per-arm rates, the relative lift with its 95% interval and a plain-language verdict to the JSON (always in the text).");
        var format = CliOptions.Format();
        var command = new Command("proportions", "Pooled two-proportion z-test with the Newcombe (Wilson) 95% interval of the difference, per-arm rates, relative lift and a verdict.") { control, treatment, alternative, readout, format };
        CliHelp.Examples(
            command,
            "cemcore ab proportions --control 50/1000 --treatment 75/1000",
            "cemcore ab proportions --control 50/1000 --treatment 75/1000 --alternative greater --format json",
            "cemcore ab proportions --control 50/1000 --treatment 75/1000 --readout --format json");
        command.SetAction(parse =>
        {
            var (cs, cn) = Counts(parse.GetValue(control)!, "control");
            var (ts, tn) = Counts(parse.GetValue(treatment)!, "treatment");
            var alt = ParseAlternative(parse.GetValue(alternative));
            var z = Statistics.Proportions.ZTest(cs, cn, ts, tn, alt);
            var ci = Statistics.Proportions.DifferenceInterval(cs, cn, ts, tn);
            var diff = cn > 0 && tn > 0 ? ((double)ts / tn) - ((double)cs / cn) : double.NaN;
            var result = new JsonObject
            {
                ["z"] = Num(z.Statistic),
                ["pValue"] = Num(z.PValue),
                ["difference"] = Num(diff),
                ["differenceCi"] = new JsonArray(Num(ci.Lower), Num(ci.Upper)),
            };
            AddReason(result, z.UndefinedReason ?? ci.UndefinedReason);
            var details = new JsonObject();
            var verdict = AddReadout(details, cs, cn, ts, tn, z, ci);
            if (parse.GetValue(readout))
            {
                foreach (var key in details.Select(kv => kv.Key).ToArray())
                {
                    var value = details[key];
                    details.Remove(key);
                    result[key] = value;
                }
            }

            var text = z.IsDefined
                ? F($"control {Rate(cs, cn)}, treatment {Rate(ts, tn)}\npooled two-proportion z-test ({Name(alt)}): z = {z.Statistic:G6}, p = {z.PValue:G4}\ndifference (treatment - control) = {diff:G6}, 95% Newcombe CI [{ci.Lower:G6}, {ci.Upper:G6}]\n{RelativeText(details)}verdict: {verdict}")
                : "z-test undefined: " + z.UndefinedReason;
            return Output(parse.IsJson(format), result, text);
        });
        return command;
    }

    private static Command MeansCommand()
    {
        var control = CliOptions.RequiredText("--control", "Control arm summary MEAN,SD,N (SD >= 0), e.g. 52.3,20.1,1000.", "MEAN,SD,N");
        var treatment = CliOptions.RequiredText("--treatment", "Treatment arm summary MEAN,SD,N.", "MEAN,SD,N");
        var alternative = AlternativeOption();
        var equalVar = CliOptions.Flag("--equal-var", "Student's pooled-variance t-test (assumes equal variances) instead of Welch's.");
        var format = CliOptions.Format();
        var command = new Command("means", "Welch t-test (or Student's pooled t-test with --equal-var) on two arms' mean, standard deviation and size.") { control, treatment, alternative, equalVar, format };
        CliHelp.Examples(
            command,
            "cemcore ab means --control 10,2,120 --treatment 11,2.5,80 --format json",
            "cemcore ab means --control 10,2,120 --treatment 11,2.5,80 --equal-var");
        command.SetAction(parse =>
        {
            var (mc, sc, nc) = MeanSdN(parse.GetValue(control)!, "control");
            var (mt, st, nt) = MeanSdN(parse.GetValue(treatment)!, "treatment");
            var alt = ParseAlternative(parse.GetValue(alternative));
            var pooled = parse.GetValue(equalVar);
            var r = pooled ? Means.StudentTTest(mc, sc, nc, mt, st, nt, alt) : Means.WelchTTest(mc, sc, nc, mt, st, nt, alt);
            var test = pooled ? "Student pooled t-test" : "Welch t-test";
            var result = new JsonObject { ["t"] = Num(r.Statistic), ["df"] = Num(r.DegreesOfFreedom), ["pValue"] = Num(r.PValue) };
            if (pooled)
            {
                result["test"] = "student";
            }

            AddReason(result, r.UndefinedReason);
            var text = r.IsDefined ? F($"{test} ({Name(alt)}): t = {r.Statistic:G6}, df = {r.DegreesOfFreedom:G6}, p = {r.PValue:G4}") : test + " undefined: " + r.UndefinedReason;
            return Output(parse.IsJson(format), result, text);
        });
        return command;
    }

    private static Command SampleSize()
    {
        var baseline = CliOptions.RequiredNumber("--baseline", "Baseline conversion rate P of the control arm, in (0, 1).");
        var mde = CliOptions.RequiredNumber("--mde", "Minimum detectable effect M: absolute difference in rate (or relative with --relative).");
        var relative = CliOptions.Flag("--relative", "--mde is relative to the baseline (0.1 = +10%).");
        var alpha = CliOptions.Number("--alpha", "Two-sided significance level.", 0.05);
        var power = CliOptions.Number("--power", "Power 1 - beta.", 0.8);
        var method = CliOptions.Choice("--method", "Variance under the null and the alternative.", "pooled-unpooled", "pooled-unpooled", "unpooled", "cohens-h");
        var ratio = CliOptions.Number("--ratio", "Allocation ratio R = treatment users per control user (2 = twice as many in treatment).", 1.0);
        var alternative = AlternativeOption();
        var format = CliOptions.Format();
        var command = new Command("sample-size", "Users per group for a two-proportion z-test (unequal groups with --ratio, one-sided with --alternative).") { baseline, mde, relative, alpha, power, method, ratio, alternative, format };
        CliHelp.Examples(
            command,
            "cemcore ab sample-size --baseline 0.05 --mde 0.01",
            "cemcore ab sample-size --baseline 0.05 --mde 0.1 --relative --power 0.9 --format json",
            "cemcore ab sample-size --baseline 0.05 --mde 0.01 --ratio 2 --alternative greater --format json");
        command.SetAction(parse =>
        {
            var b = parse.GetValue(baseline);
            var a = parse.GetValue(alpha);
            var pw = parse.GetValue(power);
            var m = parse.GetValue(method) switch
            {
                "unpooled" => ProportionSampleSizeMethod.Unpooled,
                "cohens-h" => ProportionSampleSizeMethod.CohensH,
                _ => ProportionSampleSizeMethod.PooledNullUnpooledAlternative,
            };
            var effect = parse.GetValue(relative) ? b * parse.GetValue(mde) : parse.GetValue(mde);
            var r = parse.GetValue(ratio);
            var alt = ParseAlternative(parse.GetValue(alternative));
            if (r != 1.0 || alt != Alternative.TwoSided)
            {
                if (m != ProportionSampleSizeMethod.PooledNullUnpooledAlternative)
                {
                    throw new UsageException("--ratio and --alternative work with the default --method pooled-unpooled only.");
                }

                var arms = AbStatisticsCommands.TooSmall(() => TwoArmPower.SampleSizeForProportions(b, effect, new PowerDesign(a, pw, r, alt)), parse.GetValue(mde));
                return Output(parse.IsJson(format), AbStatisticsCommands.ArmsJson(arms, r), AbStatisticsCommands.ArmsText(arms, F($"to detect {b * 100:0.###}% -> {(b + effect) * 100:0.###}% with alpha {a} ({Name(alt)}) and power {pw}")));
            }

            SampleSize n;
            try
            {
                n = PowerAnalysis.SampleSizeForProportions(b, effect, a, pw, m);
            }
            catch (ArgumentOutOfRangeException ex) when (ex.ParamName == "minimumDetectableEffect" && ex.ActualValue is double x && Math.Abs(x) > 0 && ex.Message.Contains("too small", StringComparison.Ordinal))
            {
                throw new UsageException(F($"--mde {parse.GetValue(mde)} is too small to detect: more than 1e12 users per group would be needed."));
            }

            var result = new JsonObject { ["perGroup"] = n.PerGroup };
            var text = F($"{n.PerGroup:N0} per group (exact {n.ExactPerGroup:F2}, rounded up) to detect {b * 100:0.###}% -> {(b + effect) * 100:0.###}% with alpha {a} (two-sided) and power {pw}");
            return Output(parse.IsJson(format), result, text);
        });
        return command;
    }

    private static Command Bayes()
    {
        var control = CountsOption("--control", "control");
        var treatment = CountsOption("--treatment", "treatment");
        var format = CliOptions.Format();
        var command = new Command("bayes", "Beta-binomial comparison with a uniform Beta(1,1) prior: P(treatment > control) and the expected loss; exact (Miller's sum) up to 1e7 terms, a normal approximation when every posterior parameter is at least 1e7 (the method is printed).") { control, treatment, format };
        CliHelp.Examples(
            command,
            "cemcore ab bayes --control 50/1000 --treatment 75/1000 --format json");
        command.SetAction(parse =>
        {
            var (cs, cn) = Counts(parse.GetValue(control)!, "control");
            var (ts, tn) = Counts(parse.GetValue(treatment)!, "treatment");
            var b = BetaBinomial.Compare(cs, cn, ts, tn);
            var result = new JsonObject { ["probabilityTreatmentBetter"] = CliJson.Number(b.ProbabilityTreatmentBetter) };
            if (b.Method != BetaBinomial.ExactMethod)
            {
                // The documented contract is {"probabilityTreatmentBetter": p} for the exact method; other methods are labelled.
                result["method"] = b.Method;
            }

            var text = F($"P(treatment > control) = {b.ProbabilityTreatmentBetter:0.0000} (Beta(1,1) prior, {b.Method}); expected loss if shipping treatment = {b.ExpectedLossTreatment:G4}");
            return Output(parse.IsJson(format), result, text);
        });
        return command;
    }

    private static Command Srm()
    {
        var observed = CliOptions.RequiredText("--observed", "Users observed per arm, comma-separated.", "C1,C2[,..]");
        var weights = CliOptions.Text("--weights", "Planned share of each arm, comma-separated, summing to 1 (default: equal).", "W1,W2[,..]");
        var format = CliOptions.Format();
        var command = new Command("srm", "Sample-ratio-mismatch chi-square test of the observed split against the planned one.") { observed, weights, format };
        CliHelp.Examples(
            command,
            "cemcore ab srm --observed 1000,1100",
            "cemcore ab srm --observed 520,280,200 --weights 0.5,0.3,0.2 --format json");
        command.SetAction(parse =>
        {
            var counts = List(parse.GetValue(observed)!, "observed", s => long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture));
            var w = parse.GetValue(weights);
            var shares = w is null ? Enumerable.Repeat(1.0 / counts.Length, counts.Length).ToArray()
                : List(w, "weights", s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
            var r = ChiSquareTests.SampleRatioMismatch(counts, shares);
            var result = new JsonObject { ["chiSquare"] = Num(r.Statistic), ["pValue"] = Num(r.PValue) };
            AddReason(result, r.UndefinedReason);
            var text = r.IsDefined
                ? F($"SRM chi-square = {r.Statistic:G6} (df {r.DegreesOfFreedom}), p = {r.PValue:G4}: {(r.PValue < ChiSquareTests.DefaultSrmThreshold ? "MISMATCH - the split does not match the plan" : "no mismatch detected")}")
                : "SRM undefined: " + r.UndefinedReason;
            return Output(parse.IsJson(format), result, text);
        });
        return command;
    }

    /// <summary>
    /// Adds the per-arm rates, the relative lift (treatment/control − 1, delta-method 95% interval) and a plain-language verdict to
    /// <c>ab proportions</c> JSON; returns the verdict.
    /// </summary>
    private static string AddReadout(JsonObject result, long cs, long cn, long ts, long tn, TestResult z, ConfidenceInterval ci)
    {
        double? rc = cn > 0 ? (double)cs / cn : null;
        double? rt = tn > 0 ? (double)ts / tn : null;
        result["control"] = new JsonObject { ["conversions"] = cs, ["users"] = cn, ["rate"] = rc };
        result["treatment"] = new JsonObject { ["conversions"] = ts, ["users"] = tn, ["rate"] = rt };
        if (rc is { } c && rt is { } t)
        {
            var relative = Lift.Relative(c, c * (1 - c) / cn, t, t * (1 - t) / tn);
            result["relativeLift"] = relative.IsDefined
                ? new JsonObject { ["estimate"] = Num(relative.Estimate), ["ci"] = new JsonArray(Num(relative.Interval.Lower), Num(relative.Interval.Upper)) }
                : new JsonObject { ["estimate"] = null, ["undefinedReason"] = relative.UndefinedReason };
        }

        var verdict = !z.IsDefined
            ? "undefined: " + z.UndefinedReason
            : z.PValue <= 0.05
                ? F($"treatment converts {(rt > rc ? "better" : "worse")} than control ({rt:0.00%} vs {rc:0.00%}; p = {z.PValue:G3} < 0.05; the difference is {ci.Lower:G3} to {ci.Upper:G3} with 95% confidence).")
                : F($"no significant difference at the 5% level ({rt:0.00%} vs {rc:0.00%}; p = {z.PValue:G3}); the difference could be anywhere from {ci.Lower:G3} to {ci.Upper:G3}.");
        result["verdict"] = verdict;
        return verdict;
    }

    private static string Rate(long s, long n) => n > 0 ? F($"{s}/{n} = {(double)s / n:0.00%}") : F($"{s}/{n}");

    private static string RelativeText(JsonObject result) =>
        result["relativeLift"] is JsonObject { } r && r["estimate"] is { } e
            ? F($"relative lift {(double)e:0.00%}, 95% CI [{(double)r["ci"]![0]!:0.00%}, {(double)r["ci"]![1]!:0.00%}]\n")
            : string.Empty;

    internal static int Output(bool json, JsonObject result, string text)
    {
        if (json)
        {
            CliJson.Write(result);
        }
        else
        {
            Console.Out.WriteLine(text);
        }

        return 0;
    }

    private static (long Successes, long Trials) Counts(string s, string name)
    {
        var parts = s.Split('/');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var x) || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw new UsageException($"--{name} must be SUCCESSES/TRIALS with whole numbers, e.g. 50/1000, not '{s}'.");
        }

        if (x > n)
        {
            throw new UsageException($"--{name}: successes ({x}) must not exceed trials ({n}).");
        }

        return (x, n);
    }

    internal static (double Mean, double Sd, long N) MeanSdN(string s, string name)
    {
        var parts = s.Split(',');
        if (parts.Length != 3
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var m) || !double.IsFinite(m)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var sd) || !(sd >= 0) || double.IsInfinity(sd)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw new UsageException($"--{name} must be MEAN,SD,N (finite mean, SD >= 0, whole N), e.g. 52.3,20.1,1000, not '{s}'.");
        }

        return (m, sd, n);
    }

    internal static T[] List<T>(string s, string name, Func<string, T> parse)
    {
        try
        {
            return [.. s.Split(',').Select(parse)];
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new UsageException($"--{name} must be a comma-separated list of numbers, not '{s}'.");
        }
    }

    internal static Alternative ParseAlternative(string? s) => s switch
    {
        "greater" => Alternative.Greater,
        "less" => Alternative.Less,
        _ => Alternative.TwoSided,
    };

    internal static string Name(Alternative a) => a switch
    {
        Alternative.Greater => "greater",
        Alternative.Less => "less",
        _ => "two-sided",
    };

    internal static JsonValue? Num(double d) => double.IsFinite(d) ? JsonValue.Create(d) : null;

    internal static void AddReason(JsonObject o, string? reason)
    {
        if (reason is not null)
        {
            o["undefinedReason"] = reason;
        }
    }

    internal static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
