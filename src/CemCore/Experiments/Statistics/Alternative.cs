namespace CemCore.Experiments.Statistics;

/// <summary>
/// The alternative hypothesis of a test. Every statistic in CemCore is oriented as <b>treatment − control</b>,
/// so <see cref="Greater"/> means "the treatment is larger than the control".
/// </summary>
/// <remarks>The default value is <see cref="TwoSided"/>. Matches statsmodels' <c>'two-sided'</c>, <c>'larger'</c>, <c>'smaller'</c>
/// and scipy's <c>'two-sided'</c>, <c>'greater'</c>, <c>'less'</c> when the treatment is passed as the first sample.</remarks>
public enum Alternative
{
    /// <summary>H1: treatment ≠ control (difference ≠ 0).</summary>
    TwoSided = 0,

    /// <summary>H1: treatment &gt; control (difference &gt; 0).</summary>
    Greater = 1,

    /// <summary>H1: treatment &lt; control (difference &lt; 0).</summary>
    Less = 2,
}
