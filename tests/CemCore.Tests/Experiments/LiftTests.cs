using System.Text.Json;
using CemCore.Experiments.Statistics;
using static CemCore.Tests.Experiments.ReferenceVectorTests;

namespace CemCore.Tests.Experiments;

/// <summary>
/// <see cref="Lift"/> and <see cref="ConfidenceInterval"/> directly: absolute and delta-method relative lift of two independent means against
/// ReferenceData/Experiments/lift_vectors.json (generate_lift_vectors.py, scipy.stats.norm.ppf; the relative variance cross-checked there by a
/// numerical delta method), every argument guard, and the interval's containment and exclusion at its bounds.
/// </summary>
public sealed class LiftTests
{
    private static readonly Lazy<JsonDocument> Vectors = new(() =>
    {
        var asm = typeof(LiftTests).Assembly;
        var res = asm.GetManifestResourceNames().Single(n => n.EndsWith("lift_vectors.json", StringComparison.Ordinal));
        using var s = asm.GetManifestResourceStream(res)!;
        return JsonDocument.Parse(s);
    });

    public static TheoryData<int> Cases => [.. Enumerable.Range(0, Vectors.Value.RootElement.GetProperty("cases").GetArrayLength())];

    private static double D(JsonElement c, string name) => c.GetProperty(name).GetDouble();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Absolute_and_relative_lift_match_scipy(int index)
    {
        var c = Vectors.Value.RootElement.GetProperty("cases")[index];
        var a = Lift.Absolute(D(c, "mc"), D(c, "vc"), D(c, "mt"), D(c, "vt"), D(c, "confidence"));
        Assert.True(a.IsDefined);
        Close(D(c, "absolute"), a.Estimate, "absolute");
        Close(D(c, "absoluteLower"), a.Interval.Lower, "absolute lower");
        Close(D(c, "absoluteUpper"), a.Interval.Upper, "absolute upper");

        var r = Lift.Relative(D(c, "mc"), D(c, "vc"), D(c, "mt"), D(c, "vt"), D(c, "confidence"));
        Assert.True(r.IsDefined);
        Assert.Null(r.UndefinedReason);
        Close(D(c, "relative"), r.Estimate, "relative");
        Close(D(c, "relativeLower"), r.Interval.Lower, "relative lower");
        Close(D(c, "relativeUpper"), r.Interval.Upper, "relative upper");
    }

    [Fact]
    public void Default_confidence_is_95_percent()
    {
        Assert.Equal(Lift.Absolute(1, 0.1, 2, 0.2, 0.95), Lift.Absolute(1, 0.1, 2, 0.2));
        Assert.Equal(Lift.Relative(1, 0.1, 2, 0.2, 0.95), Lift.Relative(1, 0.1, 2, 0.2));
    }

    [Fact]
    public void Relative_lift_over_a_zero_control_mean_is_undefined_with_a_reason()
    {
        var r = Lift.Relative(0, 0.1, 2, 0.2);
        Assert.False(r.IsDefined);
        Assert.True(double.IsNaN(r.Estimate));
        Assert.False(r.Interval.IsDefined);
        Assert.Contains("control mean is zero", r.UndefinedReason, StringComparison.Ordinal);
        Assert.Equal(r.UndefinedReason, r.Interval.UndefinedReason);
    }

    public static TheoryData<double, double, double, double, double> BadArguments => new()
    {
        { double.NaN, 0.1, 1, 0.1, 0.95 },
        { double.PositiveInfinity, 0.1, 1, 0.1, 0.95 },
        { 1, 0.1, double.NaN, 0.1, 0.95 },
        { 1, 0.1, double.NegativeInfinity, 0.1, 0.95 },
        { 1, -1e-12, 1, 0.1, 0.95 },
        { 1, 0.1, 1, -0.5, 0.95 },
        { 1, double.NaN, 1, 0.1, 0.95 },
        { 1, 0.1, 1, double.NaN, 0.95 },
        { 1, 0.1, 1, 0.1, 0 },
        { 1, 0.1, 1, 0.1, 1 },
        { 1, 0.1, 1, 0.1, 1.5 },
        { 1, 0.1, 1, 0.1, double.NaN },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_rejected_by_both_estimates(double mc, double vc, double mt, double vt, double confidence)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Lift.Absolute(mc, vc, mt, vt, confidence));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lift.Relative(mc == 0 ? 1 : mc, vc, mt, vt, confidence));
    }

    [Fact]
    public void Undefined_lift_estimate_keeps_its_reason()
    {
        var u = LiftEstimate.Undefined("why");
        Assert.False(u.IsDefined);
        Assert.Equal("why", u.UndefinedReason);
        Assert.True(double.IsNaN(u.Estimate));
        Assert.Equal("undefined: why", u.Interval.ToString());
        var d = new LiftEstimate(0.5, new ConfidenceInterval(0.1, 0.9));
        Assert.True(d.IsDefined);
        Assert.Equal(0.5, d.Estimate);
        Assert.Equal(new ConfidenceInterval(0.1, 0.9), d.Interval);
    }

    [Fact]
    public void Interval_contains_its_closed_bounds_and_excludes_only_outside()
    {
        var i = new ConfidenceInterval(-1, 2);
        Assert.True(i.IsDefined);
        Assert.Null(i.UndefinedReason);
        Assert.True(i.Contains(-1));
        Assert.True(i.Contains(2));
        Assert.True(i.Contains(0.5));
        Assert.False(i.Contains(-1.0000001));
        Assert.False(i.Contains(2.0000001));
        Assert.False(i.Excludes(-1));
        Assert.False(i.Excludes(2));
        Assert.False(i.Excludes(0));
        Assert.True(i.Excludes(-1.5));
        Assert.True(i.Excludes(2.5));
        Assert.Equal("[-1, 2]", i.ToString());
        Assert.Equal("[0.123457, 1234.5]", new ConfidenceInterval(0.1234567, 1234.5).ToString());

        var u = ConfidenceInterval.Undefined("no data");
        Assert.False(u.IsDefined);
        Assert.True(double.IsNaN(u.Lower));
        Assert.True(double.IsNaN(u.Upper));
        Assert.False(u.Contains(0));
        Assert.False(u.Excludes(0));
        Assert.Equal("undefined: no data", u.ToString());

        var zero = default(ConfidenceInterval);
        Assert.True(zero.IsDefined);
        Assert.True(zero.Contains(0));
    }
}
