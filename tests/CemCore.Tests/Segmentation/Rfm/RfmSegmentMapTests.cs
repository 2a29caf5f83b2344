using CemCore.Segmentation.Rfm;
using CemCore.Sources;

namespace CemCore.Tests.Segmentation.Rfm;

public sealed class RfmSegmentMapTests
{
    [Theory]
    [InlineData(5, 5, "Champions")]
    [InlineData(5, 4, "Champions")]
    [InlineData(4, 5, "Loyal Customers")]
    [InlineData(3, 4, "Loyal Customers")]
    [InlineData(5, 2, "Potential Loyalists")]
    [InlineData(4, 3, "Potential Loyalists")]
    [InlineData(5, 1, "New Customers")]
    [InlineData(4, 1, "Promising")]
    [InlineData(3, 3, "Need Attention")]
    [InlineData(3, 2, "About to Sleep")]
    [InlineData(2, 4, "At Risk")]
    [InlineData(1, 5, "Can't Lose Them")]
    [InlineData(2, 2, "Hibernating")]
    [InlineData(1, 1, "Hibernating")]
    public void RecencyFrequency10_Cells_MatchThePublishedGrid(int r, int f, string segment)
    {
        // The regex grid circulated with Putler's "RFM segmentation" guide: [1-2][1-2] Hibernating, [1-2][3-4] At Risk, [1-2]5 Can't Lose,
        // 3[1-2] About to Sleep, 33 Need Attention, [3-4][4-5] Loyal, 41 Promising, 51 New, [4-5][2-3] Potential Loyalists, 5[4-5] Champions.
        Assert.Equal(segment, RfmSegmentMap.RecencyFrequency10.CellSegment(r, f));
    }

    [Fact]
    public void RecencyFrequencyMonetary11_IsTheRfGridWithLostInTheLowestCell()
    {
        var rf = RfmSegmentMap.RecencyFrequency10;
        var rfm = RfmSegmentMap.RecencyFrequencyMonetary11;
        Assert.Equal(10, rf.Segments.Count);
        Assert.Equal(11, rfm.Segments.Count);
        Assert.Equal(RfmSegmentAxes.RecencyFrequencyMonetary, rfm.Axes);
        for (var r = 1; r <= 5; r++)
        {
            for (var x = 1; x <= 5; x++)
            {
                Assert.Equal(r == 1 && x == 1 ? "Lost" : rf.CellSegment(r, x), rfm.CellSegment(r, x));
            }
        }

        // FM = (F + M + 1) / 2: only F = M = 1 reaches FM = 1.
        Assert.Equal("Lost", rfm.SegmentOf(new RfmScore(1, 1, 1)));
        Assert.Equal("Hibernating", rfm.SegmentOf(new RfmScore(1, 1, 2)));
        Assert.Equal("Champions", rfm.SegmentOf(new RfmScore(5, 4, 5)));
        Assert.Equal("Potential Loyalists", rfm.SegmentOf(new RfmScore(5, 5, 1)));
        Assert.Equal(RfmSegmentMap.Prospects, rfm.SegmentOf(default));
    }

    [Fact]
    public void Build_GapInGrid_NamesTheCell()
    {
        var b = new RfmSegmentMapBuilder(bins: 2).AddSegment("Low").AddSegment("High")
            .Assign("Low", 1, 1, 1, 2).Assign("High", 2, 2, 2, 2);
        var ex = Assert.Throws<InvalidOperationException>(b.Build);
        Assert.Contains("cell R=2,F=1 has no segment", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_OverlappingAssignments_NameTheCellAndBothSegments()
    {
        var b = new RfmSegmentMapBuilder(bins: 2).AddSegment("Low").AddSegment("High")
            .Assign("Low", 1, 2, 1, 1).Assign("High", 2, 2, 1, 2).Assign("Low", 1, 1, 2, 2);
        var ex = Assert.Throws<InvalidOperationException>(b.Build);
        Assert.Contains("cell R=2,F=1 is assigned to both 'Low' and 'High'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownSegment_NamesTheCell()
    {
        var b = new RfmSegmentMapBuilder(bins: 2).AddSegment("Low").Assign("Low", 1, 2, 1, 2).Override("Hgih", 2, 2, 2, 2);
        var ex = Assert.Throws<InvalidOperationException>(b.Build);
        Assert.Contains("cell R=2,F=2 names the unknown segment 'Hgih'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnreachableSegment_IsRejected()
    {
        var b = new RfmSegmentMapBuilder(bins: 2).AddSegment("Low").AddSegment("Never").Assign("Low", 1, 2, 1, 2);
        var ex = Assert.Throws<InvalidOperationException>(b.Build);
        Assert.Contains("'Never' is declared but no cell maps to it", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new RfmSegmentMapBuilder().AddSegment(RfmSegmentMap.Prospects));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RfmSegmentMapBuilder().Assign("x", 0, 1, 1, 1));
    }

    [Fact]
    public void ToBuilder_TenantOverride_ReplacesCells()
    {
        var map = RfmSegmentMap.RecencyFrequency10.ToBuilder().WithName("tenant-a")
            .AddSegment("VIP").Override("VIP", 5, 5, 5, 5).Build();
        Assert.Equal("VIP", map.SegmentOf(new RfmScore(5, 5, 1)));
        Assert.Equal("Champions", map.SegmentOf(new RfmScore(5, 4, 1)));
        Assert.Equal("Champions", RfmSegmentMap.RecencyFrequency10.SegmentOf(new RfmScore(5, 5, 1)));
    }

    [Fact]
    public void Json_RoundTrip_GivesTheSameGrid()
    {
        foreach (var map in new[] { RfmSegmentMap.RecencyFrequency10, RfmSegmentMap.RecencyFrequencyMonetary11, RfmSegmentMap.RecencyFrequency10.Rescale(3) })
        {
            var loaded = RfmSegmentMap.LoadJson(map.ToJson());
            Assert.Equal(map.Name, loaded.Name);
            Assert.Equal(map.Axes, loaded.Axes);
            Assert.Equal(map.Segments, loaded.Segments);
            for (var r = 1; r <= map.Bins; r++)
            {
                for (var x = 1; x <= map.Bins; x++)
                {
                    Assert.Equal(map.CellSegment(r, x), loaded.CellSegment(r, x));
                }
            }
        }
    }

    [Fact]
    public void LoadJson_RangeRules_Build()
    {
        const string json = """
            {"name":"two","axes":"RxF","bins":2,"segments":["Low","High"],
             "cells":[{"segment":"Low","r":"1","f":"1-2"},{"segment":"High","r":2,"f":"1-2"}]}
            """;
        var map = RfmSegmentMap.LoadJson(json);
        Assert.Equal("High", map.SegmentOf(new RfmScore(2, 1, 1)));
    }

    [Theory]
    [InlineData("""{"segments":["A"],"cells":[{"segment":"B","r":"1-5","f":"1-5"}]}""", "cells[0].segment", "unknown segment 'B'")]
    [InlineData("""{"segments":["A"],"cells":[{"segment":"A","r":"1-5","f":"1-4"}]}""", "cells", "cell R=1,F=5 has no segment")]
    [InlineData("""{"segments":["A","B"],"cells":[{"segment":"A","r":"1-5","f":"1-5"},{"segment":"B","r":"1","f":"1"}]}""", "cells", "cell R=1,F=1 is assigned to both 'A' and 'B'")]
    [InlineData("""{"segments":["A"],"cells":[{"segment":"A","r":"0-5","f":"1-5"}]}""", "cells[0].r", "within [1, 5]")]
    [InlineData("""{"segments":["A"],"cells":[{"segment":"A","r":"1-5","f":"1-5","m":"1"}]}""", "cells[0].m", "Unknown property")]
    [InlineData("""{"axes":"FxR","segments":["A"],"cells":[]}""", "axes", "RxF")]
    [InlineData("""{"segments":["A"],"cells":[{"segment":"A","r":"1-5","f":"1-5"}],"code":"x"}""", "code", "Unknown property")]
    public void LoadJson_Invalid_NamesTheField(string json, string field, string reason)
    {
        var ex = Assert.Throws<DataFormatException>(() => RfmSegmentMap.LoadJson(json, "tenant.json"));
        Assert.Equal(field, ex.Field);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Contains("tenant.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadJson_NotJson_Throws()
    {
        Assert.Throws<DataFormatException>(() => RfmSegmentMap.LoadJson("{not json", "t.json"));
    }

    [Fact]
    public void Rescale_KeepsEveryCellMappedAndDropsUnreachedSegments()
    {
        var map = RfmSegmentMap.RecencyFrequency10.Rescale(3);
        Assert.Equal(3, map.Bins);
        Assert.Equal("Champions", map.CellSegment(3, 3));
        Assert.Equal("Hibernating", map.CellSegment(1, 1));
        Assert.True(map.Segments.Count < 10);
        Assert.Equal(10, RfmSegmentMap.RecencyFrequency10.Rescale(10).Segments.Count);
    }
}
