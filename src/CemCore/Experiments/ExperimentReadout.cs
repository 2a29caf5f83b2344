using System.Globalization;
using CemCore.Experiments.Statistics;

namespace CemCore.Experiments;

/// <summary>How a metric is measured per unit.</summary>
public enum MetricKind
{
    /// <summary>0/1 outcome per unit (conversion); analyzed with proportions (pooled z, Newcombe, beta-binomial).</summary>
    Binary = 0,

    /// <summary>Real value per unit (revenue per customer); Welch t-test, optionally CUPED with the covariate sums.</summary>
    Continuous = 1,

    /// <summary>Ratio Σy/Σx of two per-unit sums (revenue per order); delta method.</summary>
    Ratio = 2,
}

/// <summary>Accumulated data of one metric: one summary per variant, in the experiment's variant order.</summary>
/// <remarks>Immutable; equality by reference of the list.</remarks>
public sealed record MetricData
{
    /// <summary>Creates metric data.</summary>
    /// <param name="name">Display name (e.g. "Conversion").</param>
    /// <param name="kind">The kind.</param>
    /// <param name="variants">One summary per variant.</param>
    /// <param name="useCuped">For continuous metrics: adjust with the covariate (pre-period) sums.</param>
    /// <exception cref="ArgumentException">Empty name or no summaries.</exception>
    public MetricData(string name, MetricKind kind, IReadOnlyList<MetricSummary> variants, bool useCuped = false)
    {
        Name = Primitives.Check.NotBlank(name);
        ArgumentNullException.ThrowIfNull(variants);
        Variants = [.. variants];
        Kind = kind;
        UseCuped = useCuped;
    }

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the kind.</summary>
    public MetricKind Kind { get; }

    /// <summary>Gets the summaries per variant.</summary>
    public IReadOnlyList<MetricSummary> Variants { get; }

    /// <summary>Gets a value indicating whether CUPED is applied (continuous metrics).</summary>
    public bool UseCuped { get; }
}

/// <summary>Settings of a read-out. Immutable and validated.</summary>
public sealed record ReadoutSettings
{
    /// <summary>Creates settings.</summary>
    /// <param name="alpha">Significance level in (0, 1); default 0.05 (95% intervals).</param>
    /// <param name="srmThreshold">SRM p-value threshold in (0, 1); default 0.001.</param>
    /// <param name="correction">Multiple-testing correction over all (metric, variant) comparisons; default Holm. Null = none.</param>
    /// <param name="prior">Beta prior for binary metrics; default uniform.</param>
    /// <exception cref="ArgumentOutOfRangeException">A level outside (0, 1).</exception>
    public ReadoutSettings(double alpha = 0.05, double srmThreshold = ChiSquareTests.DefaultSrmThreshold, MultipleTestingMethod? correction = MultipleTestingMethod.Holm, BetaPrior? prior = null)
    {
        Alpha = Guard.Alpha(alpha);
        SrmThreshold = Guard.Alpha(srmThreshold);
        Correction = correction;
        Prior = prior ?? BetaPrior.Uniform;
    }

    /// <summary>Gets the default settings.</summary>
    public static ReadoutSettings Default { get; } = new();

    /// <summary>Gets the significance level. <value>The default is 0.05.</value></summary>
    public double Alpha { get; }

    /// <summary>Gets the SRM threshold. <value>The default is 0.001.</value></summary>
    public double SrmThreshold { get; }

    /// <summary>Gets the correction. <value>The default is Holm.</value></summary>
    public MultipleTestingMethod? Correction { get; }

    /// <summary>Gets the prior. <value>The default is Beta(1, 1).</value></summary>
    public BetaPrior Prior { get; }
}

/// <summary>One variant's numbers for one metric. Lifts and tests are against the control; the control row has undefined lifts/tests.</summary>
/// <param name="Variant">The variant name.</param>
/// <param name="IsControl">Whether this is the control.</param>
/// <param name="Units">Units measured.</param>
/// <param name="Estimate">The metric estimate (rate, mean or ratio) with its confidence interval.</param>
/// <param name="AbsoluteLift">Treatment − control with CI.</param>
/// <param name="RelativeLift">Treatment/control − 1 with delta-method CI.</param>
/// <param name="Test">The test against the control.</param>
/// <param name="AdjustedPValue">p-value after the multiple-testing correction (NaN when the test is undefined or for the control).</param>
/// <param name="ProbabilityBetter">P(variant &gt; control) for binary metrics (beta-binomial); NaN otherwise.</param>
/// <param name="IsConclusive">Significant after correction and no SRM warning.</param>
/// <param name="Summary">Plain-language en-US summary.</param>
public sealed record VariantReport(string Variant, bool IsControl, long Units, LiftEstimate Estimate, LiftEstimate AbsoluteLift, LiftEstimate RelativeLift,
    TestResult Test, double AdjustedPValue, double ProbabilityBetter, bool IsConclusive, string Summary);

/// <summary>The read-out of one metric.</summary>
/// <param name="Name">Metric name.</param>
/// <param name="Kind">Metric kind.</param>
/// <param name="Variants">One row per variant (control first in variant order).</param>
public sealed record MetricReport(string Name, MetricKind Kind, IReadOnlyList<VariantReport> Variants);

/// <summary>The read-out of an experiment.</summary>
/// <param name="ExperimentKey">The experiment key.</param>
/// <param name="Exposures">Exposed units per variant.</param>
/// <param name="SampleRatioMismatch">The SRM chi-square test against the planned weights.</param>
/// <param name="HasSampleRatioMismatch">Whether the SRM p-value is below the threshold.</param>
/// <param name="Metrics">Per-metric reports.</param>
/// <param name="Summary">Plain-language overall summary (en-US).</param>
public sealed record ExperimentReport(string ExperimentKey, IReadOnlyList<long> Exposures, TestResult SampleRatioMismatch, bool HasSampleRatioMismatch,
    IReadOnlyList<MetricReport> Metrics, string Summary);

/// <summary>Turns accumulated data into a report per metric and variant.</summary>
/// <remarks>Binary: Wilson interval, Newcombe difference, delta-method relative lift, pooled z-test, beta-binomial P(better).
/// Continuous: normal interval of the mean, Welch t-test (or CUPED z-test). Ratio: delta method. Pure and thread-safe.</remarks>
public static class ExperimentReadout
{
    /// <summary>Creates the report.</summary>
    /// <param name="experiment">The experiment (variants, control, planned weights).</param>
    /// <param name="exposures">Exposed units per variant (for the SRM check).</param>
    /// <param name="metrics">The metrics.</param>
    /// <param name="settings">Settings (default <see cref="ReadoutSettings.Default"/>).</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">Counts do not match the number of variants, or a binary summary is not 0/1 data.</exception>
    public static ExperimentReport Create(Experiment experiment, IReadOnlyList<long> exposures, IReadOnlyList<MetricData> metrics, ReadoutSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(exposures);
        ArgumentNullException.ThrowIfNull(metrics);
        settings ??= ReadoutSettings.Default;
        var k = experiment.Variants.Count;
        if (exposures.Count != k)
        {
            throw new ArgumentException($"exposures must have {k} entries (one per variant) but has {exposures.Count}.", nameof(exposures));
        }

        var srm = ChiSquareTests.SampleRatioMismatch(exposures.ToArray(), experiment.GetWeights());
        var hasSrm = srm.IsDefined && srm.PValue < settings.SrmThreshold;
        var control = experiment.ControlIndex;
        var confidence = 1 - settings.Alpha;

        // First pass: raw rows.
        var rows = new List<(int Metric, int Variant, Row Row)>();
        foreach (var (metric, mi) in metrics.Select((m, i) => (m, i)))
        {
            if (metric.Variants.Count != k)
            {
                throw new ArgumentException($"Metric '{metric.Name}' has {metric.Variants.Count} summaries but the experiment has {k} variants.", nameof(metrics));
            }

            for (var v = 0; v < k; v++)
            {
                rows.Add((mi, v, Analyze(metric, metric.Variants[control], metric.Variants[v], v == control, settings, confidence)));
            }
        }

        // Multiple-testing correction over the defined non-control tests.
        var tested = rows.Where(r => r.Variant != control && r.Row.Test.IsDefined).ToArray();
        var adjusted = new Dictionary<(int, int), double>();
        if (tested.Length > 0)
        {
            var p = tested.Select(r => r.Row.Test.PValue).ToArray();
            var adj = settings.Correction is { } method ? MultipleTesting.Adjust(p, method) : p;
            for (var i = 0; i < tested.Length; i++)
            {
                adjusted[(tested[i].Metric, tested[i].Variant)] = adj[i];
            }
        }

        var reports = new List<MetricReport>();
        var highlights = new List<string>();
        for (var mi = 0; mi < metrics.Count; mi++)
        {
            var metric = metrics[mi];
            var list = new List<VariantReport>();
            foreach (var r in rows.Where(r => r.Metric == mi))
            {
                var name = experiment.Variants[r.Variant].Name;
                var adjP = adjusted.TryGetValue((mi, r.Variant), out var a) ? a : double.NaN;
                var conclusive = !hasSrm && adjP <= settings.Alpha;
                var summary = r.Variant == control
                    ? Fmt($"{name} is the control: {Value(metric.Kind, r.Row.Estimate.Estimate)} over {r.Row.Units:N0} units.")
                    : Describe(metric, name, experiment.Variants[control].Name, r.Row, adjP, conclusive, hasSrm, settings);
                if (r.Variant != control)
                {
                    highlights.Add(summary);
                }

                list.Add(new VariantReport(name, r.Variant == control, r.Row.Units, r.Row.Estimate, r.Row.Absolute, r.Row.Relative, r.Row.Test, adjP, r.Row.ProbabilityBetter, conclusive, summary));
            }

            reports.Add(new MetricReport(metric.Name, metric.Kind, list));
        }

        var overall = hasSrm
            ? Fmt($"Warning: the traffic split does not match the plan (sample ratio mismatch, p = {P(srm.PValue)}). Fix the assignment or logging before trusting any result. ")
            : string.Empty;
        overall += string.Join(" ", highlights);
        return new ExperimentReport(experiment.Key, [.. exposures], srm, hasSrm, reports, overall.Trim());
    }

    private sealed record Row(long Units, LiftEstimate Estimate, LiftEstimate Absolute, LiftEstimate Relative, TestResult Test, double ProbabilityBetter);

    private static Row Analyze(MetricData metric, MetricSummary c, MetricSummary t, bool isControl, ReadoutSettings settings, double confidence)
    {
        var none = LiftEstimate.Undefined("The control is the baseline.");
        var noTest = TestResult.Undefined("The control is the baseline.");
        switch (metric.Kind)
        {
            case MetricKind.Binary:
            {
                var xt = t.Successes;
                var xc = c.Successes;
                if (xt > t.Count || xc > c.Count || xt < 0 || xc < 0)
                {
                    throw new ArgumentException($"Metric '{metric.Name}' is binary but its sums are not 0/1 data (successes outside [0, n]).", nameof(metric));
                }

                var est = t.Count == 0 ? LiftEstimate.Undefined("No units.") : new LiftEstimate((double)xt / t.Count, Proportions.Interval(xt, t.Count, confidence));
                if (isControl)
                {
                    return new Row(t.Count, est, none, none, noTest, double.NaN);
                }

                var d = Proportions.DifferenceInterval(xc, c.Count, xt, t.Count, confidence);
                var abs = d.IsDefined ? new LiftEstimate(((double)xt / t.Count) - ((double)xc / c.Count), d) : LiftEstimate.Undefined(d.UndefinedReason!);
                var rel = Proportions.RelativeLift(xc, c.Count, xt, t.Count, confidence);
                var test = Proportions.ZTest(xc, c.Count, xt, t.Count);
                var prob = BetaBinomial.Compare(xc, c.Count, xt, t.Count, settings.Prior).ProbabilityTreatmentBetter;
                return new Row(t.Count, est, abs, rel, test, prob);
            }

            case MetricKind.Ratio:
            {
                var r = RatioMetric.Estimate(t);
                var z = StatMath.NormalUpperQuantile(settings.Alpha / 2);
                var est = r.IsDefined ? new LiftEstimate(r.Ratio, new ConfidenceInterval(r.Ratio - (z * Math.Sqrt(r.VarianceOfRatio)), r.Ratio + (z * Math.Sqrt(r.VarianceOfRatio)))) : LiftEstimate.Undefined(r.UndefinedReason!);
                if (isControl)
                {
                    return new Row(t.Count, est, none, none, noTest, double.NaN);
                }

                var (test, abs, rel) = RatioMetric.Compare(c, t, Alternative.TwoSided, confidence);
                return new Row(t.Count, est, abs, rel, test, double.NaN);
            }

            default:
            {
                var z = StatMath.NormalUpperQuantile(settings.Alpha / 2);
                var se = t.Count > 0 ? Math.Sqrt(t.Variance / t.Count) : double.NaN;
                var est = t.Count == 0 ? LiftEstimate.Undefined("No units.") : new LiftEstimate(t.Mean, new ConfidenceInterval(t.Mean - (z * se), t.Mean + (z * se)));
                if (isControl)
                {
                    return new Row(t.Count, est, none, none, noTest, double.NaN);
                }

                if (metric.UseCuped)
                {
                    var cu = Cuped.Compare(c, t, Alternative.TwoSided, confidence);
                    var relC = cu.Test.IsDefined ? Lift.Relative(cu.ControlAdjustedMean, cu.ControlVarianceOfMean, cu.TreatmentAdjustedMean, cu.TreatmentVarianceOfMean, confidence) : LiftEstimate.Undefined(cu.Test.UndefinedReason!);
                    return new Row(t.Count, est, cu.Difference, relC, cu.Test, double.NaN);
                }

                if (c.Count < 2 || t.Count < 2)
                {
                    var reason = "Each arm needs at least 2 units.";
                    return new Row(t.Count, est, LiftEstimate.Undefined(reason), LiftEstimate.Undefined(reason), TestResult.Undefined(reason), double.NaN);
                }

                var test = Means.WelchTTest(c.Mean, c.StandardDeviation, c.Count, t.Mean, t.StandardDeviation, t.Count);
                var vc = c.Variance / c.Count;
                var vt = t.Variance / t.Count;
                return new Row(t.Count, est, Lift.Absolute(c.Mean, vc, t.Mean, vt, confidence), Lift.Relative(c.Mean, vc, t.Mean, vt, confidence), test, double.NaN);
            }
        }
    }

    private static string Describe(MetricData metric, string name, string controlName, Row row, double adjustedP, bool conclusive, bool srm, ReadoutSettings settings)
    {
        if (!row.Test.IsDefined)
        {
            return Fmt($"{metric.Name}, {name} vs {controlName}: no comparison possible yet ({row.Test.UndefinedReason})");
        }

        var kind = metric.Kind;
        var level = (1 - settings.Alpha) * 100;
        var text = Fmt($"{metric.Name}: {name} {Value(kind, row.Estimate.Estimate)} vs {controlName} {Value(kind, row.Estimate.Estimate - row.Absolute.Estimate)} ");
        text += Fmt($"({Delta(kind, row.Absolute.Estimate)}");
        if (row.Relative.IsDefined)
        {
            text += Fmt($", {row.Relative.Estimate * 100:+0.0;-0.0;0.0}% relative");
        }

        text += Fmt($"; {level:0}% CI {Delta(kind, row.Absolute.Interval.Lower)} to {Delta(kind, row.Absolute.Interval.Upper)}). ");
        if (!double.IsNaN(row.ProbabilityBetter))
        {
            text += Fmt($"Chance that {name} is better: {row.ProbabilityBetter * 100:0.0}%. ");
        }

        if (srm)
        {
            return text + "Not conclusive: the traffic split is broken (see the warning).";
        }

        return conclusive
            ? text + Fmt($"The difference is statistically significant (adjusted p = {P(adjustedP)}): {name} is {(row.Absolute.Estimate > 0 ? "higher" : "lower")}.")
            : text + Fmt($"Not conclusive yet (adjusted p = {P(adjustedP)}): the difference may be chance. Keep collecting data or treat the effect as smaller than the interval's width.");
    }

    private static string Value(MetricKind kind, double v) => kind == MetricKind.Binary ? Fmt($"{v * 100:0.00}%") : Fmt($"{v:N2}");

    private static string Delta(MetricKind kind, double v) => kind == MetricKind.Binary ? Fmt($"{v * 100:+0.00;-0.00;0.00} pts") : Fmt($"{v:+#,0.00;-#,0.00;0.00}");

    private static string P(double p) => p < 0.0001 ? "< 0.0001" : Fmt($"{p:0.0000}");

    private static string Fmt(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
