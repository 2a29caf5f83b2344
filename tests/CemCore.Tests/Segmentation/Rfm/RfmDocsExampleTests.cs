using CemCore.Segmentation.Rfm;
using CemCore.Segmentation.TargetGroups;

namespace CemCore.Tests.Segmentation.Rfm;

/// <summary>The C# example of docs/rfm.md; keep the two in sync.</summary>
public sealed class RfmDocsExampleTests
{
    [Fact]
    public void DocsExample_Runs()
    {
        // --- docs/rfm.md example: begin
        // One entry per customer: days since the last purchase, purchases, monetary value.
        var values = RfmValues.Create(
            customerIds: ["C1", "C2", "C3", "C4", "C5", "C6"],
            recencyDays: [3, 40, 200, 9, 365, double.NaN],
            frequency: [12, 4, 1, 2, 7, 0],        // C6 has no purchase: a prospect
            monetary: [980m, 210m, 35m, 60m, 400m, 0m]);

        var result = RfmScorer.Score(values);     // 5 rank-quantile bins, 10-segment R×F map
        var champion = result.SegmentOf(0);       // "Champions"
        var prospect = result.SegmentOf(5);       // "Prospects"

        // Score one more customer later, in a request path, without the population (allocation-free).
        RfmScore score = result.CutPoints.Score(recencyDays: 2, frequency: 10, monetary: 700, customerId: "C7");
        string segment = result.Settings.SegmentMap.SegmentOf(score);

        // Target groups: core, potential, long-tail, high-value (a customer may be in several).
        var groups = TargetGroupSet.CreateDefault();
        TargetGroupMembership membership = groups.Evaluate(result.Scores[0]);
        bool isCore = membership.Contains(0);
        // --- docs/rfm.md example: end

        Assert.Equal("Champions", champion);
        Assert.Equal(RfmSegmentMap.Prospects, prospect);
        Assert.Equal("Champions", segment);
        Assert.True(isCore);
    }
}
