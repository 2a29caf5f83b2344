using CemCore.Kpis;
using CemCore.Sources;

namespace CemCore.Tests.Kpis;

/// <summary>Issue 10 metrics against hand-computed values (each computation is in the comments).</summary>
public sealed class KpiTests
{
    [Fact]
    public void Nps_FromCounts_MatchesTheWaldFormula()
    {
        // 30 promoters, 50 passives, 20 detractors: score 10; var = (0.3 + 0.2 - 0.01)/100 = 0.0049; half = 1.959964·100·0.07 = 13.71974789.
        var r = NpsResult.FromCounts(30, 50, 20);
        Assert.Equal(10.0, r.Score!.Value, 12);
        Assert.Equal(10 - 13.719747891780378, r.CiLow!.Value, 9);
        Assert.Equal(10 + 13.719747891780378, r.CiHigh!.Value, 9);
        Assert.Null(NpsResult.FromCounts(0, 0, 0).Score);
    }

    [Fact]
    public void Survey_OutOfScale_Throws_AndCsvNamesTheLine()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SurveyScore("a", default, SurveyKind.Csat, 0));
        var acc = new SurveyAccumulator();
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.Add(SurveyKind.Ces, 8));
        using var s = new MemoryStream("customer_id,timestamp,kind,score\na,2024-01-01,nps,7\nb,2024-01-01,nps,-1\n"u8.ToArray());
        var e = Assert.Throws<DataFormatException>(() => KpiCsvReaders.ReadSurvey(s, "s.csv"));
        Assert.Equal(3, e.Line);
        Assert.Equal("score", e.Field);
    }

    [Fact]
    public void Survey_PerGroup()
    {
        var t = DateTimeOffset.UnixEpoch;
        SurveyScore[] scores =
        [
            new("a", t, SurveyKind.Csat, 5, touchpoint: "delivery"),
            new("b", t, SurveyKind.Csat, 1, touchpoint: "delivery"),
            new("c", t, SurveyKind.Csat, 4, touchpoint: "checkout"),
            new("d", t, SurveyKind.Csat, 4),
        ];
        var groups = SurveyAccumulator.ComputeBy(scores, s => s.Touchpoint);
        Assert.Equal(["checkout", "delivery"], groups.Select(g => g.Key));
        Assert.Equal(1.0, groups[0].Value.Csat.Score);
        Assert.Equal(0.5, groups[1].Value.Csat.Score);
        Assert.Equal(3.0, groups[1].Value.Csat.Mean);
    }

    [Fact]
    public void Ewma_HandComputed()
    {
        // Baseline 3 points 1, 2, 3: mean 2, sd 1. λ = 0.5, L = 3.
        // z1 = 1.5, half1 = 3·sqrt(0.5/1.5·(1 - 0.25)) = 1.5; z2 = 1.75, half2 = 3·sqrt(1/3·(1 - 0.0625)) = 1.6770509831;
        // z3 = 2.375; z4 = 0.5·10 + 0.5·2.375 = 6.1875 > 2 + 3·sqrt(1/3·(1 - 0.5^8)) = 3.7286… → out of control.
        var chart = ControlChart.Ewma([1, 2, 3, 10], baseline: 3, lambda: 0.5, width: 3);
        Assert.Equal(1.5, chart[0].Ewma, 12);
        Assert.Equal(0.5, chart[0].Lower, 12);
        Assert.Equal(3.5, chart[0].Upper, 12);
        Assert.Equal(2 + 1.6770509831248424, chart[1].Upper, 9);
        Assert.Equal(2.375, chart[2].Ewma, 12);
        Assert.False(chart[2].OutOfControl);
        Assert.Equal(6.1875, chart[3].Ewma, 12);
        Assert.Equal(2 + (3 * Math.Sqrt(1.0 / 3 * (1 - Math.Pow(0.5, 8)))), chart[3].Upper, 12);
        Assert.True(chart[3].OutOfControl);
        Assert.Empty(ControlChart.Ewma([1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ControlChart.Ewma([1, double.NaN]));
    }

    [Fact]
    public void PositionWeights_SumToOne()
    {
        for (var n = 1; n < 10; n++)
        {
            Assert.Equal(1.0, Enumerable.Range(0, n).Sum(i => AttributionAccumulator.PositionWeight(i, n)), 12);
        }

        Assert.Equal(0.1, AttributionAccumulator.PositionWeight(1, 4), 12);
    }

    [Fact]
    public void Events_NegativeValue_And_MissingTouchpoint_AreDataErrors()
    {
        using var s1 = new MemoryStream("customer_id,timestamp,touchpoint,type,value\na,2024-01-01,,conversion,-1\n"u8.ToArray());
        Assert.Equal("value", Assert.Throws<DataFormatException>(() => KpiCsvReaders.ReadEvents(s1, "e.csv")).Field);
        using var s2 = new MemoryStream("customer_id,timestamp,touchpoint,type,value\na,2024-01-01,,touch,\n"u8.ToArray());
        Assert.Equal("touchpoint", Assert.Throws<DataFormatException>(() => KpiCsvReaders.ReadEvents(s2, "e.csv")).Field);
        Assert.ThrowsAny<ArgumentException>(() => JourneyEvent.Conversion("a", default, -1m));
    }
    [Fact]
    public void PromotionRoi_DeltaMethod_HandComputed_AndMergeable()
    {
        // Treated margins 10, 20, 30 with costs 2, 4, 6 (revenues ×10); holdout margins 5, 15. a = 20, b = 10, c = 4: ROI = 10/4 − 1 = 1.5.
        // s²_m = 100, s²_h = 50, s²_c = 4, s_mc = 20: Var = (100/3 + 25)/16 + 100·(4/3)/256 − 2·10·(20/3)/64 = 2.0833333;
        // CI = 1.5 ± 1.959964·1.4433757 = [−1.3289643351904297, 4.328964335190429].
        var one = new PromotionRoiAccumulator();
        var p1 = new PromotionRoiAccumulator();
        var p2 = new PromotionRoiAccumulator();
        (double M, double C, bool R)[] treated = [(10, 2, false), (20, 4, true), (30, 6, true)];
        foreach (var (t, i) in treated.Select((t, i) => (t, i)))
        {
            one.AddTreated(t.M * 10, t.M, t.C, t.R);
            (i == 1 ? p1 : p2).AddTreated(t.M * 10, t.M, t.C, t.R);
        }

        foreach (var h in new[] { 5.0, 15.0 })
        {
            one.AddHoldout(h * 10, h);
            (h < 10 ? p1 : p2).AddHoldout(h * 10, h);
        }

        var r = one.Finish();
        Assert.Equal(1.5, r.Roi!.Value, 12);
        Assert.Equal(-1.3289643351904297, r.RoiCiLow!.Value, 9);
        Assert.Equal(4.328964335190429, r.RoiCiHigh!.Value, 9);
        Assert.Equal(300, r.IncrementalRevenue, 9);
        Assert.Equal(30, r.IncrementalMargin, 9);
        Assert.Equal(12, r.Cost, 12);
        Assert.Equal(2.0 / 3, r.RedemptionRate!.Value, 12);
        p1.Merge(p2);
        var m = p1.Finish();
        Assert.Equal(r.Roi.Value, m.Roi!.Value, 9);
        Assert.Equal(r.RoiCiHigh.Value, m.RoiCiHigh!.Value, 9);
        Assert.Null(new PromotionRoiAccumulator().Finish().Roi);
    }
}
