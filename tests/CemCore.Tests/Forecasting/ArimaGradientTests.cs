using CemCore.Forecasting;

namespace CemCore.Tests.Forecasting;

/// <summary>
/// The exact likelihood gradient (tangent-linear Kalman recursion) against central differences of the likelihood itself, and the
/// allocation-free workspace likelihood against a fresh filter, on every R reference case.
/// </summary>
public sealed class ArimaGradientTests
{
    public static TheoryData<string> CaseNames() => ArimaReferenceTests.CaseNames();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Gradient_MatchesCentralDifferences(string name)
    {
        var (fit, point) = AwayFromOptimum(name);
        var problem = fit.Problem;
        var k = point.Length;

        // Tolerances: the filter carries the differencing states at variance κ = 10⁶, so its value is reproducible only to ~1e-10
        // between summation orders and a central difference has rounding noise ~ε·κ/h; the tangent recursion has neither.
        var gradient = new double[k];
        var f = problem.Likelihood(point, gradient, out _, out _);
        Assert.True(double.IsFinite(f));
        Assert.Equal(f, problem.Likelihood(point, [], out _, out _), 1e-9);
        for (var j = 0; j < k; j++)
        {
            var h = 1e-5 * Math.Max(1.0, Math.Abs(point[j]));
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[j] += h;
            minus[j] -= h;
            var numeric = (problem.Likelihood(plus, [], out _, out _) - problem.Likelihood(minus, [], out _, out _)) / (2.0 * h);
            Assert.True(
                Math.Abs(gradient[j] - numeric) <= 2e-5 * Math.Max(1.0, Math.Abs(numeric)),
                $"{name} d/d{fit.Coefficients[j].Name}: exact {gradient[j]} vs central difference {numeric}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void WorkspaceLikelihood_EqualsFilter(string name)
    {
        // The allocation-free path (per-thread workspace, reused filters) gives the same objective as a fresh filter.
        var c = ForecastingReference.Cases().Single(x => x.Name == name);
        var fit = ArimaReferenceTests.FitCase(c);
        var fast = fit.Problem.EvaluateFast(fit.Values);
        var fresh = fit.Problem.Evaluate(fit.Values, fit.Problem.NewKalman());
        Assert.True(fast.Ok && fresh.Ok);
        Assert.Equal(fresh.Used, fast.Used);
        Assert.Equal(fresh.Objective, fast.Objective, 1e-9);
        Assert.Equal(fresh.Ssq, fast.Ssq, 1e-9 * fresh.Ssq);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void CssGradient_MatchesCentralDifferences(string name)
    {
        // The CSS objective (R's ARIMA_CSS) is a plain recursion: its exact gradient must match central differences closely.
        var (fit, point) = AwayFromOptimum(name);
        var problem = fit.Problem;
        var k = point.Length;
        var gradient = new double[k];
        var f = problem.Css(point, gradient);
        Assert.True(double.IsFinite(f));
        Assert.Equal(f, problem.CssObjective(point), 1e-12);
        for (var j = 0; j < k; j++)
        {
            var h = 1e-6 * Math.Max(1.0, Math.Abs(point[j]));
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[j] += h;
            minus[j] -= h;
            var numeric = (problem.CssObjective(plus) - problem.CssObjective(minus)) / (2.0 * h);
            Assert.True(
                Math.Abs(gradient[j] - numeric) <= 1e-6 * Math.Max(1.0, Math.Abs(numeric)),
                $"{name} CSS d/d{fit.Coefficients[j].Name}: exact {gradient[j]} vs central difference {numeric}");
        }
    }

    /// <summary>The reference fit and a point away from its optimum (where the gradient is ~0): the ARMA part shrunk, the regression coefficients moved.</summary>
    private static (ArimaFit Fit, double[] Point) AwayFromOptimum(string name)
    {
        var fit = ArimaReferenceTests.FitCase(ForecastingReference.Cases().Single(x => x.Name == name));
        var point = fit.Values.ToArray();
        for (var j = 0; j < point.Length; j++)
        {
            point[j] = j < fit.Problem.Narma ? 0.8 * point[j] : point[j] + (0.3 * Math.Max(1.0, Math.Abs(point[j])));
        }

        return (fit, point);
    }
}
