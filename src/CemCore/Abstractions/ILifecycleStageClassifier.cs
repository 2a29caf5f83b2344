using CemCore.Lifecycle;

namespace CemCore;

/// <summary>
/// Places customers in lifecycle stages (prospect, new, growth, maturity, decline, dormant, revived). Implemented by
/// <see cref="LifecycleClassifier"/>; a host may replace or decorate it (for example to add its own stage rules).
/// </summary>
/// <remarks>Implementations must be immutable and safe for concurrent use; <see cref="Classify"/> should not allocate (it is on the scoring hot path).
/// The pipeline classifies a population by calling <see cref="Classify"/> per customer with the inputs <see cref="LifecycleClassifier.ClassifyAll"/> uses
/// (last purchase interval from the transactions, P(alive) from the CLV model).</remarks>
public interface ILifecycleStageClassifier
{
    /// <summary>Classifies one customer.</summary>
    /// <param name="input">What is known about the customer as of an instant.</param>
    /// <returns>The stage, the rule that decided it and the numbers it used.</returns>
    LifecycleAssessment Classify(in LifecycleInput input);
}
