using CemCore.Recommendations;
using CemCore.Rules;

namespace CemCore.Tests.Recommendations;

/// <summary>Recommendations as rule fields and template variables.</summary>
public sealed class RecommendationFieldsTests
{
    [Fact]
    public void Facts_FeedRules_AndTemplates()
    {
        ItemRecommendation[] recs = [new("running-tee", 0.9, new(RecommendationReasonKind.BoughtTogether, "running-shoes")), new("socks", 0.5, new(RecommendationReasonKind.Popular, null))];
        var registry = RecommendationFields.Declare(FieldRegistry.Default);
        var context = RecommendationFields.Apply(new CustomerContext(), recs);
        Assert.True(context.TryGetText(RecommendationFields.Top, out var top));
        Assert.Equal("running-tee", top);
        Assert.True(context.TryGetNumber(RecommendationFields.Count, out var count));
        Assert.Equal(2, count);
        Assert.Contains(registry.Fields, f => f.Name.Equals("custom.recommendation_list", StringComparison.OrdinalIgnoreCase));

        var vars = RecommendationFields.TemplateVariables(recs, 1);
        Assert.Equal("running-tee", vars["recommendations"]);
        Assert.Equal("running-tee", vars["recommendation1"]);
        Assert.False(vars.ContainsKey("recommendation2"));
        Assert.Equal("because you bought running-shoes", vars["recommendation_reason"]);
        Assert.Equal(string.Empty, RecommendationFields.TemplateVariables([], 3)["recommendations"]);
    }
}
