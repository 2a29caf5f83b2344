namespace CemCore.Recommendations;

/// <summary>Why an item was recommended; its <c>ToString()</c> gives the customer-facing explanation.</summary>
public enum RecommendationReasonKind
{
    /// <summary>Among the most popular items (cold-start fallback or the popularity baseline).</summary>
    Popular = 0,

    /// <summary>Often bought by the customers who bought <see cref="RecommendationReason.RelatedItem"/> (item-to-item CF).</summary>
    BoughtTogether = 1,

    /// <summary>Shares attributes (category, brand, price band) with <see cref="RecommendationReason.RelatedItem"/> that the customer bought.</summary>
    SimilarAttributes = 2,

    /// <summary>Scored by a latent-factor or external model; <see cref="RecommendationReason.RelatedItem"/> is the purchase closest in the model, if any.</summary>
    Model = 3,

    /// <summary>An association rule with <see cref="RecommendationReason.RelatedItem"/> in its antecedent.</summary>
    Rule = 4,
}

/// <summary>The explanation of one recommendation: its kind and the purchased item it relates to (if any).</summary>
/// <param name="Kind">The kind of reason.</param>
/// <param name="RelatedItem">The purchased item that contributed most, or <see langword="null"/>.</param>
public readonly record struct RecommendationReason(RecommendationReasonKind Kind, string? RelatedItem)
{
    /// <summary>Returns the explanation, e.g. <c>because you bought running-shoes</c> or <c>popular with other customers</c>.</summary>
    /// <returns>The explanation.</returns>
    public override string ToString() => (Kind, RelatedItem) switch
    {
        (RecommendationReasonKind.Popular, _) or (_, null) => Kind == RecommendationReasonKind.Model ? "recommended for you" : "popular with other customers",
        (RecommendationReasonKind.BoughtTogether, _) => "because you bought " + RelatedItem,
        (RecommendationReasonKind.SimilarAttributes, _) => "similar to " + RelatedItem + " that you bought",
        (RecommendationReasonKind.Rule, _) => "often bought together with " + RelatedItem,
        _ => "because you bought " + RelatedItem,
    };
}

/// <summary>One recommended item.</summary>
/// <param name="Item">The item id (SKU, category...).</param>
/// <param name="Score">The recommender's score; higher is better; comparable only within one recommender.</param>
/// <param name="Reason">Why.</param>
public sealed record ItemRecommendation(string Item, double Score, RecommendationReason Reason);

/// <summary>
/// The recommender port: top-K items for a customer with scores and reasons. Hosts plug in their own model (for example an ONNX
/// two-tower model, see <c>CemCore.Onnx</c>) or use the built-in ones (<see cref="ItemCfRecommender"/>, <see cref="ContentRecommender"/>,
/// <see cref="ImplicitAlsModel"/>, <see cref="PopularityRecommender"/>).
/// </summary>
/// <remarks>Implementations are thread-safe. An unknown customer is a cold start (popular items, never an exception).</remarks>
public interface IRecommender
{
    /// <summary>Returns up to <paramref name="count"/> items the customer has not bought, best first (ties by item id, ordinal).</summary>
    /// <param name="customerId">The customer's id; unknown ids are cold starts.</param>
    /// <param name="count">K, at least 1.</param>
    /// <returns>The recommendations; fewer than K when the catalogue is exhausted.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    IReadOnlyList<ItemRecommendation> Recommend(string customerId, int count);
}
