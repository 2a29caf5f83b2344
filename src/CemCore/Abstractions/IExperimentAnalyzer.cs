using CemCore.Experiments;

namespace CemCore;

/// <summary>
/// Turns an experiment's accumulated metrics into a read-out (lifts with intervals, tests, sample-ratio check, multiple-testing correction).
/// Implemented by <see cref="ExperimentAnalyzer"/>; a host may replace or decorate it (for example to add its own guardrails).
/// </summary>
/// <remarks>Implementations must be stateless or immutable and safe for concurrent use.</remarks>
public interface IExperimentAnalyzer
{
    /// <summary>Analyzes an experiment.</summary>
    /// <param name="experiment">The experiment (its variants; the first is the control).</param>
    /// <param name="exposures">Units exposed per variant, in variant order.</param>
    /// <param name="metrics">Per metric, the accumulated summaries per variant (see <see cref="MetricAccumulator.GetSummaries"/>).</param>
    /// <returns>The read-out.</returns>
    ExperimentReport Analyze(Experiment experiment, IReadOnlyList<long> exposures, IReadOnlyList<MetricData> metrics);
}

/// <summary>The library's <see cref="IExperimentAnalyzer"/>: <see cref="ExperimentReadout.Create"/> with fixed settings.</summary>
/// <param name="settings">Read-out settings; <see langword="null"/> for <see cref="ReadoutSettings.Default"/>.</param>
public sealed class ExperimentAnalyzer(ReadoutSettings? settings = null) : IExperimentAnalyzer
{
    /// <summary>Gets the settings.</summary>
    public ReadoutSettings Settings { get; } = settings ?? ReadoutSettings.Default;

    /// <inheritdoc/>
    public ExperimentReport Analyze(Experiment experiment, IReadOnlyList<long> exposures, IReadOnlyList<MetricData> metrics) =>
        ExperimentReadout.Create(experiment, exposures, metrics, Settings);
}
