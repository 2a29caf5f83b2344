using System.Globalization;

namespace CemCore.Churn;

/// <summary>What a missing feature value (<see cref="double.NaN"/>) does.</summary>
public enum MissingValueStrategy
{
    /// <summary>A missing value is an error naming the column and the row (the default).</summary>
    Reject = 0,

    /// <summary>A missing value is replaced by the mean of the column's non-missing training values (recorded in the model).</summary>
    ImputeTrainingMean = 1,

    /// <summary>A missing value is replaced by <see cref="MissingValuePolicy.Constant"/> (recorded in the model).</summary>
    ImputeConstant = 2,
}

/// <summary>The missing-value policy of a churn model: reject, or impute with the training mean or a constant.</summary>
/// <remarks>
/// <para>Only <see cref="double.NaN"/> counts as missing. Positive or negative infinity is always rejected. The fill values are computed
/// on the training rows and stored in the model, so scoring applies exactly what training did.</para>
/// <para>Immutable; value equality.</para>
/// </remarks>
public sealed record MissingValuePolicy
{
    private MissingValuePolicy(MissingValueStrategy strategy, double constant)
    {
        Strategy = strategy;
        Constant = constant;
    }

    /// <summary>Gets the policy that rejects missing values (the default).</summary>
    public static MissingValuePolicy Reject { get; } = new(MissingValueStrategy.Reject, 0.0);

    /// <summary>Gets the policy that imputes each column's training mean.</summary>
    public static MissingValuePolicy ImputeTrainingMean { get; } = new(MissingValueStrategy.ImputeTrainingMean, 0.0);

    /// <summary>Gets the strategy.</summary>
    public MissingValueStrategy Strategy { get; }

    /// <summary>Gets the fill value for <see cref="MissingValueStrategy.ImputeConstant"/> (0 otherwise).</summary>
    public double Constant { get; }

    /// <summary>Creates the policy that imputes a constant.</summary>
    /// <param name="constant">A finite fill value.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="constant"/> is NaN or infinite.</exception>
    public static MissingValuePolicy ImputeConstant(double constant)
    {
        if (!double.IsFinite(constant))
        {
            throw new ArgumentOutOfRangeException(nameof(constant), constant, "The fill value must be a finite number.");
        }

        return new(MissingValueStrategy.ImputeConstant, constant);
    }

    /// <inheritdoc/>
    public override string ToString() => Strategy == MissingValueStrategy.ImputeConstant
        ? string.Create(CultureInfo.InvariantCulture, $"ImputeConstant({Constant:R})")
        : Strategy.ToString();
}
