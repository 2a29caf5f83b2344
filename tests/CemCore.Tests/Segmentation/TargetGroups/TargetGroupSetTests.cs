using CemCore.Segmentation.Rfm;
using CemCore.Segmentation.TargetGroups;
using CemCore.Sources;
using CemCore.Sources.Csv;
using CemCore.Tests.Segmentation.Rfm;

namespace CemCore.Tests.Segmentation.TargetGroups;

public sealed class TargetGroupSetTests
{
    [Fact]
    public void Default_OnReferenceData_PartitionsBuyersAndOverlapsHighValue()
    {
        using var stream = RfmTestData.Open("transactions.csv");
        var table = CsvTransactionReader.ReadStream(stream, "transactions.csv");
        var result = RfmScorer.Score(RfmValues.FromTransactions(table, RfmValues.DefaultAsOf(table)));
        var groups = TargetGroupSet.CreateDefault();
        Assert.Equal(["core", "potential", "long-tail", "high-value"], groups.Groups.Select(g => g.Name));

        var counts = groups.CountMembers(result).ToDictionary(x => x.Key, x => x.Value);
        Assert.Equal(2000, counts["core"] + counts["potential"] + counts["long-tail"]);
        Assert.Equal(400, counts["high-value"]); // top monetary quintile of 2,000 ranked customers

        var segments = result.CountBySegment().ToDictionary(x => x.Key, x => x.Value);
        Assert.Equal(segments["Champions"] + segments["Loyal Customers"], counts["core"]);
        Assert.Equal(segments["Potential Loyalists"] + segments["Promising"] + segments["New Customers"], counts["potential"]);

        var champion = groups.Evaluate(new RfmScore(5, 5, 5));
        Assert.True(champion.Contains(0) && champion.Contains(3) && !champion.Contains(2));
        Assert.Equal(2, champion.Count);
        Assert.Equal(0, groups.Evaluate(default).Count); // prospects are in no default group
    }

    [Fact]
    public void Create_UnknownSegment_NamesGroupAndSegment()
    {
        var ex = Assert.Throws<ArgumentException>(() => TargetGroupSet.Create([new TargetGroupDefinition("core", ["Champs"])], RfmSegmentMap.RecencyFrequency10));
        Assert.Contains("'core' names the unknown segment 'Champs'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ForwardOrSelfExclusion_IsRejected()
    {
        var map = RfmSegmentMap.RecencyFrequency10;
        Assert.Contains(
            "excludes 'b', which is not defined before it",
            Assert.Throws<ArgumentException>(() => TargetGroupSet.Create([new TargetGroupDefinition("a", excludedGroups: ["b"]), new TargetGroupDefinition("b", excludedGroups: ["a"])], map)).Message,
            StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => TargetGroupSet.Create([new TargetGroupDefinition("a", excludedGroups: ["a"])], map));
        Assert.Throws<ArgumentException>(() => TargetGroupSet.Create([new TargetGroupDefinition("a"), new TargetGroupDefinition("a")], map));
        Assert.Throws<ArgumentException>(() => TargetGroupSet.Create([new TargetGroupDefinition("a", minMonetaryScore: 6)], map));
        Assert.Throws<ArgumentException>(() => TargetGroupSet.Create([], map));
    }

    [Fact]
    public void LoadJson_OverridesDefinitions()
    {
        const string json = """
            {"groups":[{"name":"vip","segments":["Champions"],"minMonetaryScore":4},
                       {"name":"new","segments":["New Customers","Prospects"]},
                       {"name":"rest","exclude":["vip","new"]}]}
            """;
        var set = TargetGroupSet.LoadJson(json, RfmSegmentMap.RecencyFrequency10);
        Assert.Equal(1u, set.Evaluate(new RfmScore(5, 5, 4)).Mask);
        Assert.Equal(4u, set.Evaluate(new RfmScore(5, 5, 3)).Mask);
        Assert.Equal(2u, set.Evaluate(default).Mask);
    }

    [Theory]
    [InlineData("""{"groups":[{"name":"x","segments":["Nope"]}]}""", "groups", "unknown segment 'Nope'")]
    [InlineData("""{"groups":[{"segments":["Champions"]}]}""", "groups[0].name", "Missing")]
    [InlineData("""{"groups":[{"name":"x","script":"rm -rf"}]}""", "groups[0].script", "Unknown property")]
    [InlineData("""{"groups":[{"name":"x","minMonetaryScore":"5"}]}""", "groups[0].minMonetaryScore", "Wrong type")]
    [InlineData("""{"nope":[]}""", "groups", "groups")]
    public void LoadJson_Invalid_NamesTheField(string json, string field, string reason)
    {
        var ex = Assert.Throws<DataFormatException>(() => TargetGroupSet.LoadJson(json, RfmSegmentMap.RecencyFrequency10, "groups.json"));
        Assert.Equal(field, ex.Field);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }
}
