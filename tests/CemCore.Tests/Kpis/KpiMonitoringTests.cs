using CemCore.Kpis;

namespace CemCore.Tests.Kpis;

/// <summary>Issue 10 monitoring: weekly/monthly KPI series (ISO weeks, UTC) and the tabular CUSUM, against hand-computed values.</summary>
public sealed class KpiMonitoringTests
{
    [Fact]
    public void Cusum_HandComputed_UpwardShift()
    {
        // Baseline 1, 2, 3: μ₀ = 2, σ = 1; k = 0.5 → K = 0.5, h = 5 → H = 5.
        // C⁺: max(0, 1 − 2.5) = 0; max(0, 2 − 2.5) = 0; 3 − 2.5 = 0.5; 10 − 2.5 + 0.5 = 8 > 5 → flagged.
        // C⁻: 1.5 − 1 = 0.5; max(0, 1.5 − 2 + 0.5) = 0; max(0, 1.5 − 3) = 0; 0.
        var c = ControlChart.Cusum([1, 2, 3, 10], baseline: 3);
        Assert.Equal([0, 0, 0.5, 8], c.Select(p => p.Upper));
        Assert.Equal([0.5, 0, 0, 0], c.Select(p => p.Lower));
        Assert.All(c, p => Assert.Equal(5, p.Threshold));
        Assert.Equal([false, false, false, true], c.Select(p => p.OutOfControl));
    }

    [Fact]
    public void Cusum_HandComputed_DownwardShift_FlagsOnlyWhenTheSumCrossesH()
    {
        // Baseline 4, 6, 4, 6: μ₀ = 5, σ = √(4/3) = 1.1547005; K = 0.5σ = 0.5773503, H = 5σ = 5.7735027.
        // C⁻: 5 − K − 4 = 0.4226497; 0.4226 + 4.4226 − 6 < 0 → 0; 0.4226497; 0; then x = 0: 4.4226497, 8.8452995 (> H), 13.2679492.
        var c = ControlChart.Cusum([4, 6, 4, 6, 0, 0, 0], baseline: 4);
        var sigma = Math.Sqrt(4.0 / 3);
        Assert.Equal(5 * sigma, c[0].Threshold, 12);
        Assert.Equal(0.4226497308103742, c[0].Lower, 12);
        Assert.Equal(0, c[1].Lower);
        Assert.Equal(4.4226497308103742, c[4].Lower, 12);
        Assert.Equal(8.8452994616207484, c[5].Lower, 12);
        Assert.Equal([false, false, false, false, false, true, true], c.Select(p => p.OutOfControl));
        // C⁺ = max(0, x − 5.5773503 + C⁺): 0, 0.4226497, 0, 0.4226497, then 0.
        Assert.Equal(0.4226497308103742, c[1].Upper, 12);
        Assert.Equal(0, c[2].Upper);
        Assert.All(c.Skip(4), p => Assert.Equal(0, p.Upper));
    }

    [Fact]
    public void Cusum_BadInput()
    {
        Assert.Empty(ControlChart.Cusum([1.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ControlChart.Cusum([1, double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ControlChart.Cusum([1, 2], k: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ControlChart.Cusum([1, 2], h: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ControlChart.Cusum([1, 2, 3], baseline: 1));
    }

    [Fact]
    public void Periods_AreIsoWeeksAndMonthsInUtc()
    {
        // Sunday 3 Jan 2021 is in ISO week 2020-W53; 23:00 at −02:00 is Monday 01:00 UTC, week 2021-W01 starting 4 Jan.
        var sunday = new DateTimeOffset(2021, 1, 3, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal("2020-W53", KpiSeries.Label(sunday, KpiPeriod.IsoWeek));
        Assert.Equal(new DateTimeOffset(2020, 12, 28, 0, 0, 0, TimeSpan.Zero), KpiSeries.PeriodStart(sunday, KpiPeriod.IsoWeek));
        var late = new DateTimeOffset(2021, 1, 3, 23, 0, 0, TimeSpan.FromHours(-2));
        Assert.Equal("2021-W01", KpiSeries.Label(late, KpiPeriod.IsoWeek));
        Assert.Equal(new DateTimeOffset(2021, 1, 4, 0, 0, 0, TimeSpan.Zero), KpiSeries.PeriodStart(late, KpiPeriod.IsoWeek));

        // 31 Jan 23:30 at −01:00 is 1 Feb UTC.
        var m = new DateTimeOffset(2024, 1, 31, 23, 30, 0, TimeSpan.FromHours(-1));
        Assert.Equal("2024-02", KpiSeries.Label(m, KpiPeriod.Month));
        Assert.Equal(new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.Zero), KpiSeries.PeriodStart(m, KpiPeriod.Month));
        Assert.Equal("2024-12-30", KpiSeries.PeriodStart(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), KpiPeriod.IsoWeek).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("2025-W01", KpiSeries.Label(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), KpiPeriod.IsoWeek));
    }

    [Fact]
    public void Series_MonthlyNps_GapsAreNull_AndMonitorSkipsThem()
    {
        // Jan: 9, 10, 3 → (2 − 1)/3 = 33.33; Feb: none; Mar: 9 → 100; Apr: 0 → −100.
        var t = new DateTimeOffset(2024, 1, 5, 0, 0, 0, TimeSpan.Zero);
        SurveyScore[] scores =
        [
            new("a", t, SurveyKind.Nps, 9), new("b", t, SurveyKind.Nps, 10), new("c", t.AddDays(20), SurveyKind.Nps, 3),
            new("d", t.AddMonths(2), SurveyKind.Nps, 9), new("e", t.AddMonths(3), SurveyKind.Nps, 0),
        ];
        var series = KpiSeries.Compute(scores, s => s.Timestamp, KpiPeriod.Month, () => new SurveyAccumulator(), (a, s) => a.Add(s), a => a.Finish().Nps.Score);
        Assert.Equal(["2024-01", "2024-02", "2024-03", "2024-04"], series.Select(p => p.Period));
        Assert.Equal(100.0 / 3, series[0].Value!.Value, 12);
        Assert.Null(series[1].Value);
        Assert.Equal([100.0, -100.0], series.Skip(2).Select(p => p.Value!.Value));

        var monitored = KpiSeries.Monitor(series);
        Assert.Null(monitored[1].Ewma);
        Assert.Null(monitored[1].Cusum);

        // EWMA over the 3 values (33.33, 100, −100) with all of them as baseline: μ₀ = 11.11.
        var ewma = ControlChart.Ewma([100.0 / 3, 100, -100]);
        Assert.Equal(ewma[2], monitored[3].Ewma);
        Assert.Equal(ControlChart.Cusum([100.0 / 3, 100, -100])[1], monitored[2].Cusum);

        var weekly = KpiSeries.Compute(scores, s => s.Timestamp, KpiPeriod.IsoWeek, () => new SurveyAccumulator(), (a, s) => a.Add(s), a => a.Finish().Nps.Responses);
        Assert.Equal("2024-W01", weekly[0].Period);
        Assert.Equal(2.0, weekly[0].Value);
        Assert.Equal(1.0, weekly.Single(p => p.Period == "2024-W04").Value);
        Assert.Null(weekly[1].Value);
        Assert.Throws<ArgumentException>(() => KpiSeries.FromPeriods(new Dictionary<DateTimeOffset, int> { [t] = 1 }, KpiPeriod.Month, x => x));
    }
}
