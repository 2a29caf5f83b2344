namespace CemCore.Churn;

/// <summary>A request to start a win-back action for a customer whose churn probability exceeded the policy threshold.</summary>
/// <param name="CustomerId">The customer's CRM id.</param>
/// <param name="Probability">The churn probability that triggered it.</param>
/// <param name="Threshold">The policy threshold it exceeded.</param>
/// <param name="AsOf">The instant the features (and so the probability) refer to.</param>
/// <remarks>Immutable; value equality. Consumed by personalization (offers) later.</remarks>
public sealed record WinBackTrigger(string CustomerId, double Probability, double Threshold, DateTimeOffset AsOf);

/// <summary>The win-back policy hook: emit a <see cref="WinBackTrigger"/> when a churn probability is strictly greater than <see cref="Threshold"/>.</summary>
/// <remarks>Immutable, validated on construction, thread-safe; value equality.</remarks>
public sealed record WinBackPolicy
{
    /// <summary>The default threshold (0.5).</summary>
    public const double DefaultThreshold = 0.5;

    /// <summary>Creates the policy.</summary>
    /// <param name="threshold">Probability threshold in [0, 1). The default is 0.5.</param>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is NaN or outside [0, 1).</exception>
    public WinBackPolicy(double threshold = DefaultThreshold)
    {
        if (threshold is not (>= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The win-back threshold must be in [0, 1).");
        }

        Threshold = threshold;
    }

    /// <summary>Gets the threshold. <value>The default is 0.5.</value></summary>
    public double Threshold { get; }

    /// <summary>Returns a trigger when <paramref name="probability"/> &gt; <see cref="Threshold"/>.</summary>
    /// <param name="customerId">The customer's CRM id.</param>
    /// <param name="probability">The churn probability in [0, 1].</param>
    /// <param name="asOf">The as-of instant of the features.</param>
    /// <param name="trigger">The trigger when one is due.</param>
    /// <returns>Whether a trigger is due.</returns>
    /// <exception cref="ArgumentException"><paramref name="customerId"/> is null or blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is NaN or outside [0, 1].</exception>
    public bool TryTrigger(string customerId, double probability, DateTimeOffset asOf, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WinBackTrigger? trigger)
    {
        Primitives.Check.NotBlank(customerId);
        Primitives.Check.Probability(probability);
        trigger = probability > Threshold ? new WinBackTrigger(customerId, probability, Threshold, asOf) : null;
        return trigger is not null;
    }

    /// <summary>Returns the triggers for a scored batch, in input order.</summary>
    /// <param name="customerIds">One id per probability.</param>
    /// <param name="probabilities">Churn probabilities in [0, 1].</param>
    /// <param name="asOf">The as-of instant of the features.</param>
    /// <returns>The triggers of the customers above the threshold.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="customerIds"/> is null.</exception>
    /// <exception cref="ArgumentException">Lengths differ or an id is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A probability is NaN or outside [0, 1].</exception>
    public IReadOnlyList<WinBackTrigger> Evaluate(IReadOnlyList<string> customerIds, ReadOnlySpan<double> probabilities, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(customerIds);
        if (customerIds.Count != probabilities.Length)
        {
            throw new ArgumentException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Expected {probabilities.Length} customer ids (one per probability) but got {customerIds.Count}."),
                nameof(customerIds));
        }

        var result = new List<WinBackTrigger>();
        for (var i = 0; i < probabilities.Length; i++)
        {
            if (TryTrigger(customerIds[i], probabilities[i], asOf, out var t))
            {
                result.Add(t);
            }
        }

        return result.AsReadOnly();
    }
}
