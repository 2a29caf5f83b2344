using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Transactions;

namespace CemCore;

/// <summary>
/// Places customers in lifecycle stages (prospect, new, growth, maturity, decline, dormant, revived). Implemented by
/// <see cref="LifecycleClassifier"/>; a host may replace or decorate it (for example to add its own stage rules).
/// </summary>
/// <remarks>Implementations must be immutable and safe for concurrent use; <see cref="Classify"/> should not allocate (it is on the scoring hot path).</remarks>
public interface ILifecycleStageClassifier
{
    /// <summary>Classifies one customer.</summary>
    /// <param name="input">What is known about the customer as of an instant.</param>
    /// <returns>The stage, the rule that decided it and the numbers it used.</returns>
    LifecycleAssessment Classify(in LifecycleInput input);

    /// <summary>Classifies every customer of a feature set.</summary>
    /// <param name="features">The features as of one instant.</param>
    /// <param name="transactions">The table the features were computed from (for revival), or <see langword="null"/>.</param>
    /// <param name="aliveProbabilities">Empty, or one P(alive) per customer (NaN = unknown).</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The snapshot.</returns>
    LifecycleSnapshot ClassifyAll(CustomerFeatureSet features, TransactionTable? transactions = null, ReadOnlySpan<double> aliveProbabilities = default, CancellationToken cancellationToken = default);
}
