namespace CemCore.Experiments.Statistics;

/// <summary>
/// The outcome of a hypothesis test: a statistic, its p-value and (for t and chi-square tests) the degrees of freedom.
/// </summary>
/// <remarks>
/// When the test is undefined for the data (for example no conversions in either arm, or zero variance), <see cref="IsDefined"/>
/// is <see langword="false"/>, <see cref="UndefinedReason"/> says why in plain language and the numbers are <see cref="double.NaN"/>.
/// Check <see cref="IsDefined"/> before using the numbers. Immutable and thread-safe; value equality.
/// </remarks>
public sealed record TestResult
{
    private TestResult(double statistic, double pValue, double degreesOfFreedom, Alternative alternative, string? undefinedReason)
    {
        Statistic = statistic;
        PValue = pValue;
        DegreesOfFreedom = degreesOfFreedom;
        Alternative = alternative;
        UndefinedReason = undefinedReason;
    }

    /// <summary>Gets the test statistic (z, t or chi-square), oriented as treatment − control; NaN when undefined.</summary>
    public double Statistic { get; }

    /// <summary>Gets the p-value in [0, 1] for <see cref="Alternative"/>; NaN when undefined.</summary>
    public double PValue { get; }

    /// <summary>Gets the degrees of freedom (t and chi-square tests); <see cref="double.PositiveInfinity"/> for normal (z) tests; NaN when undefined.</summary>
    public double DegreesOfFreedom { get; }

    /// <summary>Gets the alternative hypothesis the p-value refers to.</summary>
    public Alternative Alternative { get; }

    /// <summary>Gets why the test is undefined, or <see langword="null"/> when it is defined.</summary>
    public string? UndefinedReason { get; }

    /// <summary>Gets a value indicating whether the statistic and p-value are defined.</summary>
    public bool IsDefined => UndefinedReason is null;

    /// <summary>Creates a defined result.</summary>
    /// <param name="statistic">The statistic.</param>
    /// <param name="pValue">The p-value.</param>
    /// <param name="degreesOfFreedom">The degrees of freedom (∞ for z tests).</param>
    /// <param name="alternative">The alternative.</param>
    /// <returns>The result.</returns>
    public static TestResult Defined(double statistic, double pValue, double degreesOfFreedom, Alternative alternative) =>
        new(statistic, Math.Clamp(pValue, 0.0, 1.0), degreesOfFreedom, alternative, null);

    /// <summary>Creates an undefined result with a reason.</summary>
    /// <param name="reason">Why the test is undefined (plain language, no personal data).</param>
    /// <param name="alternative">The alternative that was asked for.</param>
    /// <returns>The result.</returns>
    public static TestResult Undefined(string reason, Alternative alternative = Alternative.TwoSided) =>
        new(double.NaN, double.NaN, double.NaN, alternative, reason);

    /// <summary>Gets whether the test is defined and significant: <c>IsDefined &amp;&amp; PValue &lt;= alpha</c>.</summary>
    /// <param name="alpha">The significance level in (0, 1).</param>
    /// <returns><see langword="true"/> when significant.</returns>
    public bool IsSignificant(double alpha) => IsDefined && PValue <= Guard.Alpha(alpha);
}
