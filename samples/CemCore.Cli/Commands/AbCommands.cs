using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CemCore.Experiments.Statistics;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore ab proportions|means|sample-size|bayes|srm ... [--format json]</c>: A/B statistics from the command line.
/// Every difference and statistic is treatment − control.
/// </summary>
internal static class AbCommands
{
    private const string Usage = "usage: cemcore ab proportions --control S/N --treatment S/N [--alternative two-sided|greater|less]\n" +
        "       cemcore ab means --control MEAN,SD,N --treatment MEAN,SD,N [--alternative ...]\n" +
        "       cemcore ab sample-size --baseline P --mde M [--relative] [--alpha 0.05] [--power 0.8] [--method pooled-unpooled|unpooled|cohens-h]\n" +
        "       cemcore ab bayes --control S/N --treatment S/N\n" +
        "       cemcore ab srm --observed C1,C2[,..] [--weights w1,w2,..]\n" +
        "       (all accept --format json)";

    public static Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        if (args.Positional.Count != 1)
        {
            throw new UsageException(Usage);
        }

        var json = args.Json;
        JsonObject result;
        string text;
        switch (args.Positional[0])
        {
            case "proportions":
            {
                var (cs, cn) = Counts(args.Require("control"), "control");
                var (ts, tn) = Counts(args.Require("treatment"), "treatment");
                var alt = ParseAlternative(args.Get("alternative"));
                args.EnsureAllUsed();
                var z = Proportions.ZTest(cs, cn, ts, tn, alt);
                var ci = Proportions.DifferenceInterval(cs, cn, ts, tn);
                var diff = cn > 0 && tn > 0 ? ((double)ts / tn) - ((double)cs / cn) : double.NaN;
                result = new JsonObject
                {
                    ["z"] = Num(z.Statistic),
                    ["pValue"] = Num(z.PValue),
                    ["difference"] = Num(diff),
                    ["differenceCi"] = new JsonArray(Num(ci.Lower), Num(ci.Upper)),
                };
                AddReason(result, z.UndefinedReason ?? ci.UndefinedReason);
                text = z.IsDefined
                    ? F($"pooled two-proportion z-test ({Name(alt)}): z = {z.Statistic:G6}, p = {z.PValue:G4}\ndifference (treatment - control) = {diff:G6}, 95% Newcombe CI [{ci.Lower:G6}, {ci.Upper:G6}]")
                    : "z-test undefined: " + z.UndefinedReason;
                break;
            }

            case "means":
            {
                var (mc, sc, nc) = MeanSdN(args.Require("control"), "control");
                var (mt, st, nt) = MeanSdN(args.Require("treatment"), "treatment");
                var alt = ParseAlternative(args.Get("alternative"));
                args.EnsureAllUsed();
                var r = Means.WelchTTest(mc, sc, nc, mt, st, nt, alt);
                result = new JsonObject { ["t"] = Num(r.Statistic), ["df"] = Num(r.DegreesOfFreedom), ["pValue"] = Num(r.PValue) };
                AddReason(result, r.UndefinedReason);
                text = r.IsDefined ? F($"Welch t-test ({Name(alt)}): t = {r.Statistic:G6}, df = {r.DegreesOfFreedom:G6}, p = {r.PValue:G4}") : "Welch t-test undefined: " + r.UndefinedReason;
                break;
            }

            case "sample-size":
            {
                var baseline = args.GetDouble("baseline", double.NaN);
                var mde = args.GetDouble("mde", double.NaN);
                if (double.IsNaN(baseline) || double.IsNaN(mde))
                {
                    throw new UsageException("sample-size needs --baseline P and --mde M.");
                }

                var relative = args.Flag("relative");
                var alpha = args.GetDouble("alpha", 0.05);
                var power = args.GetDouble("power", 0.8);
                var method = (args.Get("method") ?? "pooled-unpooled") switch
                {
                    "pooled-unpooled" => ProportionSampleSizeMethod.PooledNullUnpooledAlternative,
                    "unpooled" => ProportionSampleSizeMethod.Unpooled,
                    "cohens-h" => ProportionSampleSizeMethod.CohensH,
                    var m => throw new UsageException($"--method must be pooled-unpooled, unpooled or cohens-h, not '{m}'."),
                };
                args.EnsureAllUsed();
                var effect = relative ? baseline * mde : mde;
                var n = PowerAnalysis.SampleSizeForProportions(baseline, effect, alpha, power, method);
                result = new JsonObject { ["perGroup"] = n.PerGroup };
                text = F($"{n.PerGroup:N0} per group (exact {n.ExactPerGroup:F2}, rounded up) to detect {baseline * 100:0.###}% -> {(baseline + effect) * 100:0.###}% with alpha {alpha} (two-sided) and power {power}");
                break;
            }

            case "bayes":
            {
                var (cs, cn) = Counts(args.Require("control"), "control");
                var (ts, tn) = Counts(args.Require("treatment"), "treatment");
                args.EnsureAllUsed();
                var b = BetaBinomial.Compare(cs, cn, ts, tn);
                result = new JsonObject { ["probabilityTreatmentBetter"] = b.ProbabilityTreatmentBetter };
                text = F($"P(treatment > control) = {b.ProbabilityTreatmentBetter:0.0000} (Beta(1,1) prior, exact); expected loss if shipping treatment = {b.ExpectedLossTreatment:G4}");
                break;
            }

            case "srm":
            {
                var observed = List(args.Require("observed"), "observed", s => long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture));
                var w = args.Get("weights");
                args.EnsureAllUsed();
                var weights = w is null ? Enumerable.Repeat(1.0 / observed.Length, observed.Length).ToArray()
                    : List(w, "weights", s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
                var r = ChiSquareTests.SampleRatioMismatch(observed, weights);
                result = new JsonObject { ["chiSquare"] = Num(r.Statistic), ["pValue"] = Num(r.PValue) };
                AddReason(result, r.UndefinedReason);
                text = r.IsDefined
                    ? F($"SRM chi-square = {r.Statistic:G6} (df {r.DegreesOfFreedom}), p = {r.PValue:G4}: {(r.PValue < ChiSquareTests.DefaultSrmThreshold ? "MISMATCH - the split does not match the plan" : "no mismatch detected")}")
                    : "SRM undefined: " + r.UndefinedReason;
                break;
            }

            default:
                throw new UsageException(Usage);
        }

        Console.Out.WriteLine(json ? result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) : text);
        return Task.FromResult(0);
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

    private static (double Mean, double Sd, long N) MeanSdN(string s, string name)
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

    private static T[] List<T>(string s, string name, Func<string, T> parse)
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

    private static Alternative ParseAlternative(string? s) => s switch
    {
        null or "two-sided" => Alternative.TwoSided,
        "greater" => Alternative.Greater,
        "less" => Alternative.Less,
        _ => throw new UsageException($"--alternative must be two-sided, greater or less, not '{s}'."),
    };

    private static string Name(Alternative a) => a switch
    {
        Alternative.Greater => "greater",
        Alternative.Less => "less",
        _ => "two-sided",
    };

    private static JsonValue? Num(double d) => double.IsFinite(d) ? JsonValue.Create(d) : null;

    private static void AddReason(JsonObject o, string? reason)
    {
        if (reason is not null)
        {
            o["undefinedReason"] = reason;
        }
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
