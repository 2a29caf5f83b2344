using CemCore.Forecasting;

namespace CemCore.Tests.Forecasting;

/// <summary><see cref="AutoArima"/> against R forecast 8.20 <c>auto.arima</c> with its defaults (ReferenceData/Forecasting/auto_reference.csv).</summary>
public sealed class AutoArimaReferenceTests
{
    public static TheoryData<string> Rows() => [.. ForecastingReference.Lines("auto_reference.csv").Skip(1)];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Select_MatchesRAutoArima(string row)
    {
        var f = row.Split(',');
        var (_, values) = ForecastingReference.Series(f[0]);
        var period = int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture);
        var result = AutoArima.Select(values, period);
        var s = result.Fit.Specification;
        Assert.True(
            string.Join(",", f[2..9]) == string.Join(",", s.Ar, s.Differences, s.Ma, s.SeasonalAr, s.SeasonalDifferences, s.SeasonalMa, s.IncludeDrift ? 1 : 0),
            string.Join("\n", result.Trace));
        Assert.Equal(
            string.Join(",", f[2..9]),
            string.Join(",", s.Ar, s.Differences, s.Ma, s.SeasonalAr, s.SeasonalDifferences, s.SeasonalMa, s.IncludeDrift ? 1 : 0));
        Assert.Equal(ForecastingReference.D(f[9]), result.Fit.Aicc!.Value, 1e-2);
    }

    [Fact]
    public void Kpss_PValue_ClampsAndInterpolates()
    {
        // White noise is level-stationary (p = 0.10 clamp); a random walk is not (p = 0.01 clamp).
        var rng = new Random(7);
        var noise = Enumerable.Range(0, 200).Select(_ => rng.NextDouble() - 0.5).ToArray();
        Assert.Equal(0.10, AutoArima.KpssPValue(noise));
        var walk = new double[200];
        for (var i = 1; i < walk.Length; i++)
        {
            walk[i] = walk[i - 1] + 1.0 + (rng.NextDouble() - 0.5);
        }

        Assert.Equal(0.01, AutoArima.KpssPValue(walk));
        Assert.Equal(1, AutoArima.Ndiffs(walk));
    }
}
