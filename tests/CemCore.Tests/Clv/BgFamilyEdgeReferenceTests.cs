using System.Globalization;
using CemCore.Clv;
using CemCore.Primitives;
using static CemCore.Tests.Clv.ClvReferenceRows;

namespace CemCore.Tests.Clv;

/// <summary>
/// Issue #16, numerical defects of BG/NBD and MBG/NBD: long horizons (t up to 100,000 weeks, z → 1), tiny horizons (t down to
/// 1e-8), a = 1 exactly and a within 1e-12..1e-2 of 1, a + b − 1 &lt; 0, and CDNOW parameters, against
/// ReferenceData/Clv/bg_family_edge_reference.py (mpmath 1.2.1 at 40 digits or more; a = 1 by mpmath.quad of the integral
/// representation, checked in the script against the closed form at a = 1 + 1e-30). Tolerance per row in the CSV:
/// 1e-11 relative for expectations, 1e-14 for P(alive); 1e-10 for the 100,000-day discounted sum.
/// </summary>
public sealed class BgFamilyEdgeReferenceTests
{
    private const string R = "0.24259452545594704";
    private const string Alpha = "4.413602050784783";
    private const string A = "0.7929219509068006";
    private const string B = "2.4259064733174958";

    public static TheoryData<string, string, string, string, int, string, string, string, string, string> Rows()
    {
        var data = new TheoryData<string, string, string, string, int, string, string, string, string, string>();
        foreach (var f in Csv("bg_family_edge.csv"))
        {
            data.Add(f[0], f[1], f[2], f[3], f[4].Length == 0 ? -1 : int.Parse(f[4], CultureInfo.InvariantCulture), f[5], f[6], f[7], f[8], f[9]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Prediction_MatchesMpmath(string model, string set, string a, string kind, int x, string tx, string age, string t, string value, string tolerance)
    {
        var m = Model(model, set, D(a));
        var expected = D(value);
        var tol = D(tolerance);
        switch (kind)
        {
            case "expected":
                AssertRelative(expected, m.ExpectedPurchases(D(t)), tol, $"{model} {set} E[X({t})]");
                break;
            case "palive":
                AssertRelative(expected, m.ProbabilityAlive(x, D(tx), D(age)), tol, $"{model} {set} P(alive | {x}, {tx}, {age})");
                Span<double> alive = stackalloc double[4];
                m.ProbabilityAlive([x, x, x, x], [D(tx), D(tx), D(tx), D(tx)], [D(age), D(age), D(age), D(age)], alive);
                foreach (var v in alive)
                {
                    AssertRelative(expected, v, tol, "batch P(alive)");
                }

                break;
            default:
                AssertRelative(expected, m.ConditionalExpectedPurchases(D(t), x, D(tx), D(age)), tol, $"{model} {set} E[Y({t}) | {x}, {tx}, {age}]");

                // The batch path (vector kernel for whole blocks of four, scalar for the rest) meets the same tolerance.
                Span<double> batch = stackalloc double[5];
                m.ConditionalExpectedPurchases(D(t), [x, x, x, x, x], [D(tx), D(tx), D(tx), D(tx), D(tx)], [D(age), D(age), D(age), D(age), D(age)], batch);
                foreach (var v in batch)
                {
                    AssertRelative(expected, v, tol, "batch E[Y(t)]");
                }

                break;
        }
    }

    [Fact]
    public void EveryRegimeOfTheKernel_IsCoveredByTheReferenceRows()
    {
        // Which method answers each reference row: all four must occur, so the CSV tests every branch.
        var seen = new HashSet<BgExpectation.Method>();
        foreach (var f in Csv("bg_family_edge.csv").Where(f => f[3] == "conditional"))
        {
            var o = f[0] == "mbgnbd" ? 1 : 0;
            var (r, alpha, b) = Shapes(f[1]);
            var x = int.Parse(f[4], CultureInfo.InvariantCulture);
            _ = BgExpectation.Evaluate(r + x, b + x + o, D(f[2]), D(f[7]) / (alpha + D(f[6])), out var method);
            seen.Add(method);
        }

        Assert.Equal(Enum.GetValues<BgExpectation.Method>().Length - 1, seen.Count(s => s != BgExpectation.Method.Zero));
    }

    [Fact]
    public void LongHorizonOfTheIssue_IsFinite_AndAExactlyOne_IsTheLimit()
    {
        // x = 200, t_x = T = 1, t = 10,000 weeks (the audit's case; its 3,635.93 is for its own CDNOW fit, ours gives 3,635.89,
        // see the reference row "cdnow ... 200,1,1,10000").
        var m = new BgNbdModel(D(R), D(Alpha), D(A), D(B));
        var e = m.ConditionalExpectedPurchases(10_000, 200, 1, 1);
        Assert.InRange(e, 3635.0, 3637.0);

        // Continuity through a = 1: the limit lies between its neighbours at ±1e-9 (the old kernel gave NaN/∞ at a = 1).
        var below = new BgNbdModel(D(R), D(Alpha), 1 - 1e-9, D(B)).ConditionalExpectedPurchases(52, 2, 30, 38.86);
        var at = new BgNbdModel(D(R), D(Alpha), 1.0, D(B)).ConditionalExpectedPurchases(52, 2, 30, 38.86);
        var above = new BgNbdModel(D(R), D(Alpha), 1 + 1e-9, D(B)).ConditionalExpectedPurchases(52, 2, 30, 38.86);
        Assert.True(below >= at && at >= above, $"{below:R} ≥ {at:R} ≥ {above:R}");
        Assert.True(above - below < 1e-8 * at);
    }

    [Fact]
    public void ClvOver100000Days_MatchesMpmath()
    {
        var f = Csv("bg_family_clv.csv").Single();
        var model = new BgNbdModel(D(f[1]), D(f[2]), D(f[3]), D(f[4]));
        var settings = new ClvSettings(TimeUnit.Day, int.Parse(f[8], CultureInfo.InvariantCulture), D(f[9]));
        var x = int.Parse(f[5], CultureInfo.InvariantCulture);
        var discounted = CustomerLifetimeValue.DiscountedPurchases(model, settings, x, D(f[6]), D(f[7]));
        AssertRelative(D(f[10]), discounted, D(f[12]), "discounted purchases over 100,000 days");
        AssertRelative(D(f[11]), model.ConditionalExpectedPurchases(settings.HorizonPeriods / 7.0, x, D(f[6]), D(f[7])), 1e-11, "E[Y] at the horizon");

        // The public entry point: finite, and spend × margin × the same sum (Gamma-Gamma at the CDNOW values).
        var spend = new GammaGammaModel(6.25, 3.74, 15.44);
        var clv = CustomerLifetimeValue.Compute(model, spend, settings, x, D(f[6]), D(f[7]), 30.0);
        Assert.True(double.IsFinite(clv));
        AssertRelative(spend.ConditionalExpectedAverageSpend(x, 30.0) * D(f[10]), clv, 1e-10, "CLV");
    }

    private static (double R, double Alpha, double B) Shapes(string set) => set switch
    {
        "grocery" => (1.2569, 6.0391, 0.7158),
        "small_c" => (0.5, 3.0, 0.4),
        _ => (D(R), D(Alpha), D(B)),
    };

    private static IBtydModel Model(string model, string set, double a)
    {
        var (r, alpha, b) = Shapes(set);
        return model == "mbgnbd" ? new MbgNbdModel(r, alpha, a, b) : new BgNbdModel(r, alpha, a, b);
    }
}
