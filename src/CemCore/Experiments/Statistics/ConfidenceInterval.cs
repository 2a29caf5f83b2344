using System.Globalization;

namespace CemCore.Experiments.Statistics;

/// <summary>A two-sided confidence (or credible) interval [Lower, Upper], or an undefined interval with a reason.</summary>
/// <remarks>The default value is the defined, degenerate interval [0, 0]. Immutable; value equality.</remarks>
public readonly record struct ConfidenceInterval
{
    /// <summary>Creates a defined interval.</summary>
    /// <param name="lower">The lower bound.</param>
    /// <param name="upper">The upper bound.</param>
    public ConfidenceInterval(double lower, double upper)
    {
        Lower = lower;
        Upper = upper;
        UndefinedReason = null;
    }

    private ConfidenceInterval(string reason)
    {
        Lower = double.NaN;
        Upper = double.NaN;
        UndefinedReason = reason;
    }

    /// <summary>Gets the lower bound (NaN when undefined).</summary>
    public double Lower { get; }

    /// <summary>Gets the upper bound (NaN when undefined).</summary>
    public double Upper { get; }

    /// <summary>Gets why the interval is undefined, or <see langword="null"/>.</summary>
    public string? UndefinedReason { get; }

    /// <summary>Gets a value indicating whether the bounds are defined.</summary>
    public bool IsDefined => UndefinedReason is null;

    /// <summary>Creates an undefined interval.</summary>
    /// <param name="reason">Why it is undefined.</param>
    /// <returns>The interval.</returns>
    public static ConfidenceInterval Undefined(string reason) => new(reason);

    /// <summary>Gets whether <paramref name="value"/> lies in the closed interval (false when undefined).</summary>
    /// <param name="value">The value.</param>
    /// <returns><see langword="true"/> when Lower ≤ value ≤ Upper.</returns>
    public bool Contains(double value) => IsDefined && value >= Lower && value <= Upper;

    /// <summary>Gets whether the interval is defined and excludes <paramref name="value"/>.</summary>
    /// <param name="value">The value (usually 0).</param>
    /// <returns><see langword="true"/> when the interval lies entirely above or below the value.</returns>
    public bool Excludes(double value) => IsDefined && (value < Lower || value > Upper);

    /// <inheritdoc />
    public override string ToString() =>
        IsDefined ? string.Create(CultureInfo.InvariantCulture, $"[{Lower:G6}, {Upper:G6}]") : "undefined: " + UndefinedReason;
}
