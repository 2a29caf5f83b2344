using CemCore.Personalization;
using CemCore.Rules;

namespace CemCore;

/// <summary>
/// Chooses the next offer for one customer from personalization rules, with an optional explanation. Implemented by <see cref="OfferDecider"/>
/// over an <see cref="OfferDecisionEngine"/>; a host may replace or decorate it (for example with a recommender in front).
/// </summary>
/// <remarks>Implementations must be safe for concurrent use with one <see cref="CustomerContext"/> per thread.</remarks>
public interface IOfferDecider
{
    /// <summary>Decides the offer for one customer. Should allocate nothing when <paramref name="trace"/> is <see langword="null"/>.</summary>
    /// <param name="context">The customer (profile, features, model outputs) and the as-of instant.</param>
    /// <param name="trace">Receives the explanation (every rule and why it won or lost), or <see langword="null"/>.</param>
    /// <returns>The decision.</returns>
    OfferDecision Decide(CustomerContext context, DecisionTrace? trace = null);
}

/// <summary>The library's <see cref="IOfferDecider"/>: an <see cref="OfferDecisionEngine"/> (allocation-free without a trace).</summary>
/// <remarks>Decisions of a scorer are previews: create the engine with <see cref="DecisionSettings.ReserveBudget"/> off so that scoring does not
/// consume campaign budgets (the dispatch run reserves them with its own engine).</remarks>
/// <param name="engine">The engine.</param>
public sealed class OfferDecider(OfferDecisionEngine engine) : IOfferDecider
{
    /// <summary>Gets the engine.</summary>
    public OfferDecisionEngine Engine { get; } = engine ?? throw new ArgumentNullException(nameof(engine));

    /// <inheritdoc/>
    public OfferDecision Decide(CustomerContext context, DecisionTrace? trace = null) => Engine.Decide(context, trace);
}
