using System.Globalization;
using System.Text.Json;
using CemCore.Recommendations;

namespace CemCore.Tests.Recommendations;

/// <summary>
/// FP-growth against an independent brute-force enumeration (ReferenceData/Recommendations/generate_assoc_reference.py: every subset of
/// the item universe counted with itertools against every basket) and against a naive Apriori on seeded random data.
/// </summary>
public sealed class AssociationRuleTests
{
    private static List<List<string>> Baskets()
    {
        var baskets = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in RecommendationTestData.Lines("assoc_baskets.csv").Skip(1))
        {
            var parts = line.Split(',');
            var list = baskets.TryGetValue(parts[0], out var l) ? l : baskets[parts[0]] = [];
            if (parts[1].Length > 0)
            {
                list.Add(parts[1]);
            }
        }

        return [.. baskets.Values];
    }

    public static TheoryData<int> Cases() => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(Cases))]
    public void ItemsetsAndRules_MatchBruteForceReference(int caseIndex)
    {
        using var doc = RecommendationTestData.Json("assoc_expected.json");
        var c = doc.RootElement[caseIndex];
        var set = AssociationRules.Mine(Baskets(), c.GetProperty("minSupport").GetDouble(), c.GetProperty("minConfidence").GetDouble(), 16);
        Assert.Equal(c.GetProperty("baskets").GetInt64(), set.Baskets);

        var expectedSets = c.GetProperty("itemsets").EnumerateArray().ToDictionary(e => Key(e.GetProperty("items")), e => e);
        Assert.Equal(expectedSets.Keys.Order(StringComparer.Ordinal), set.Itemsets.Select(s => string.Join('|', s.Items)).Order(StringComparer.Ordinal));
        foreach (var s in set.Itemsets)
        {
            var e = expectedSets[string.Join('|', s.Items)];
            Assert.Equal(e.GetProperty("count").GetInt64(), s.Count);
            RecommendationTestData.Close(e.GetProperty("support").GetDouble(), s.Support, "support");
        }

        var expectedRules = c.GetProperty("rules").EnumerateArray().ToDictionary(e => Key(e.GetProperty("antecedent")) + "=>" + Key(e.GetProperty("consequent")), e => e);
        Assert.Equal(expectedRules.Count, set.Rules.Count);
        foreach (var r in set.Rules)
        {
            var e = expectedRules[string.Join('|', r.Antecedent) + "=>" + string.Join('|', r.Consequent)];
            RecommendationTestData.Close(e.GetProperty("support").GetDouble(), r.Support, "rule support");
            RecommendationTestData.Close(e.GetProperty("confidence").GetDouble(), r.Confidence, "confidence");
            RecommendationTestData.Close(e.GetProperty("lift").GetDouble(), r.Lift, "lift");
            RecommendationTestData.Close(e.GetProperty("leverage").GetDouble(), r.Leverage, "leverage", 1e-9);
            if (e.GetProperty("conviction").ValueKind == JsonValueKind.Null)
            {
                Assert.Equal(double.PositiveInfinity, r.Conviction);
            }
            else
            {
                RecommendationTestData.Close(e.GetProperty("conviction").GetDouble(), r.Conviction, "conviction", 1e-9);
            }
        }

        // Ordering contract: itemsets by size then items; rules by antecedent then consequent.
        Assert.Equal(set.Itemsets.OrderBy(s => s.Items.Count).ThenBy(s => string.Join('\u0001', s.Items), StringComparer.Ordinal).ToArray(), set.Itemsets);
    }

    [Theory]
    [InlineData(1, 0.02)]
    [InlineData(2, 0.05)]
    [InlineData(3, 0.01)]
    public void FpGrowth_EqualsNaiveApriori(int seed, double minSupport)
    {
        var history = PurchaseHistory.Create(RecommendationTestData.RandomEvents(seed, 200, 30, 3000));
        var baskets = Enumerable.Range(0, history.Baskets.Count).Select(b => history.BasketItems[history.BasketStart[b]..history.BasketStart[b + 1]]).ToArray();
        var min = AssociationRules.MinCount(minSupport, baskets.Length);
        var fp = AssociationRules.FpGrowth(baskets, history.Items.Count, min, 16);
        var apriori = NaiveApriori.Frequent(baskets, history.Items.Count, min, 16);
        Assert.True(fp.Count > history.Items.Count / 2);
        Assert.Equal(apriori.Count, fp.Count);
        foreach (var (set, count) in apriori)
        {
            Assert.Equal(count, fp[set]);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void MinSupport_OutsideZeroOne_Throws(double minSupport)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => AssociationRules.Mine([["a"]], minSupport, 0.5, 4));
        Assert.Equal("minSupport", ex.ParamName);
    }

    [Fact]
    public void SupportThreshold_IsTheQuotientTest()
    {
        // 3 / 10 == 0.3 as doubles, although 0.3 * 10 > 3 in floating point.
        Assert.Equal(3, AssociationRules.MinCount(0.3, 10));
        Assert.Equal(1, AssociationRules.MinCount(1e-9, 10));
        Assert.Equal(10, AssociationRules.MinCount(1, 10));
    }

    [Fact]
    public void EmptyBaskets_CountInTheDenominator()
    {
        var set = AssociationRules.Mine([["a", "b"], ["a"], [], []], 0.25, 0, 4);
        Assert.Equal(4, set.Baskets);
        Assert.Equal(0.5, set.Itemsets.Single(s => s.Items.SequenceEqual(["a"])).Support);
        var rule = set.Rules.Single(r => r.Antecedent.SequenceEqual(["b"]));
        Assert.Equal(1.0, rule.Confidence);
        Assert.Equal(2.0, rule.Lift); // 1 / supp(a) = 1 / 0.5
    }

    private static string Key(JsonElement array) => string.Join('|', array.EnumerateArray().Select(x => x.GetString()));
}
