using System.Globalization;
using CemCore.Rules;

namespace CemCore.Recommendations;

/// <summary>
/// Recommendations as personalization-rule fields and message-template variables: a rule can test
/// <c>custom.recommendation_top</c> / <c>custom.recommendation_count</c>, and a template can say "Sportswear you may like: {recommendations}".
/// </summary>
public static class RecommendationFields
{
    /// <summary>The text fact holding the best recommended item (<c>custom.recommendation_top</c>).</summary>
    public const string Top = "recommendation_top";

    /// <summary>The text fact holding the recommended items joined by ", " (<c>custom.recommendation_list</c>).</summary>
    public const string List = "recommendation_list";

    /// <summary>The numeric fact holding the number of recommendations (<c>custom.recommendation_count</c>).</summary>
    public const string Count = "recommendation_count";

    /// <summary>Returns a registry that also declares the three recommendation facts.</summary>
    /// <param name="registry">The registry.</param>
    /// <returns>A new registry.</returns>
    public static FieldRegistry Declare(FieldRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.WithCustomText(Top).WithCustomText(List).WithCustomNumber(Count);
    }

    /// <summary>Sets the recommendation facts of a customer context.</summary>
    /// <param name="context">The context.</param>
    /// <param name="recommendations">The customer's recommendations, best first.</param>
    /// <returns>The context.</returns>
    public static CustomerContext Apply(CustomerContext context, IReadOnlyList<ItemRecommendation> recommendations)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(recommendations);
        return context.SetText(Top, recommendations.Count > 0 ? recommendations[0].Item : null)
            .SetText(List, string.Join(", ", recommendations.Select(r => r.Item)))
            .SetNumber(Count, recommendations.Count);
    }

    /// <summary>
    /// Returns template variables: <c>recommendations</c> (the first <paramref name="max"/> items joined by ", "),
    /// <c>recommendation1</c>…<c>recommendationN</c>, and <c>recommendation_reason</c> (the best item's reason).
    /// </summary>
    /// <param name="recommendations">The recommendations, best first.</param>
    /// <param name="max">How many to name, at least 1.</param>
    /// <returns>The variables (empty values when there is no recommendation).</returns>
    public static IReadOnlyDictionary<string, string> TemplateVariables(IReadOnlyList<ItemRecommendation> recommendations, int max)
    {
        ArgumentNullException.ThrowIfNull(recommendations);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var top = recommendations.Take(max).ToArray();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["recommendations"] = string.Join(", ", top.Select(r => r.Item)),
            ["recommendation_reason"] = top.Length > 0 ? top[0].Reason.ToString() : string.Empty,
        };
        for (var k = 0; k < top.Length; k++)
        {
            fields["recommendation" + (k + 1).ToString(CultureInfo.InvariantCulture)] = top[k].Item;
        }

        return fields;
    }
}
