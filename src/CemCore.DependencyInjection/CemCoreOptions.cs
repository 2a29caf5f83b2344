using System.ComponentModel.DataAnnotations;
using CemCore.Clv;
using CemCore.Dispatch;
using CemCore.Features;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Segmentation.Rfm;

namespace CemCore.DependencyInjection;

/// <summary>
/// Bindable options of CemCore (for example from configuration section <c>CemCore</c>). Validated when the host starts;
/// one <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> names every bad field. Every option is used by the pipeline
/// that <c>AddCemCore</c> wires (see <c>docs/hosting.md</c> for which part reads which option).
/// </summary>
/// <remarks>Mutable and not thread-safe, like every options class; CemCore maps it once to immutable settings.</remarks>
public sealed class CemCoreOptions : IValidatableObject
{
    /// <summary>The longest look-back in days (<see cref="ChurnLabelWindowDays"/>, <see cref="LifecycleComparisonDays"/>), 10 years.</summary>
    public const int MaxLookbackDays = PipelineSettings.MaxLookbackDays;

    /// <summary>The longest CLV horizon in days (100 years).</summary>
    public const int MaxClvHorizonDays = 36_500;

    /// <summary>Gets or sets the time unit of BTYD summaries and CLV periods (<c>Day</c> or <c>Week</c>; there is no month).</summary>
    /// <value>The default is <see cref="TimeUnit.Day"/>.</value>
    [EnumDataType(typeof(TimeUnit))]
    public TimeUnit TimeUnit { get; set; } = TimeUnit.Day;

    /// <summary>Gets or sets the IANA or Windows id of the time zone in which calendar days are counted (features, run keys, quiet hours of
    /// customers without a zone).</summary>
    /// <value>The default is <c>"UTC"</c>.</value>
    [Required]
    public string TimeZoneId { get; set; } = "UTC";

    /// <summary>Gets or sets the number of RFM bins per measure.</summary>
    /// <value>The default is 5.</value>
    [Range(RfmSettings.MinBins, RfmSettings.MaxBins)]
    public int RfmBins { get; set; } = RfmSettings.DefaultBins;

    /// <summary>Gets or sets how many days back the lifecycle stages are compared with to find transitions.</summary>
    /// <value>The default is 30.</value>
    [Range(1, MaxLookbackDays)]
    public int LifecycleComparisonDays { get; set; } = 30;

    /// <summary>Gets or sets the churn label window: a customer churned when they bought nothing within this many days.</summary>
    /// <value>The default is 90.</value>
    [Range(1, MaxLookbackDays)]
    public int ChurnLabelWindowDays { get; set; } = 90;

    /// <summary>Gets or sets a churn model file written by <c>LogisticRegressionModel.ToJson</c> (over <c>ChurnFeatureMap.Default</c>); empty to
    /// train a model in every run. A host-registered <c>IChurnModel</c> takes precedence.</summary>
    /// <value>The default is empty.</value>
    public string ChurnModelPath { get; set; } = string.Empty;

    /// <summary>Gets or sets the CLV horizon in days (rounded up to whole weeks when <see cref="TimeUnit"/> is week); 0 fits no CLV model.</summary>
    /// <value>The default is 365.</value>
    [Range(0, MaxClvHorizonDays)]
    public int ClvHorizonDays { get; set; } = 365;

    /// <summary>Gets or sets the annual discount rate of CLV, converted to a rate per period: <c>(1 + r)^(days per period / 365.25) − 1</c>.</summary>
    /// <value>The default is 0.10.</value>
    [Range(0.0, 1.0)]
    public double ClvAnnualDiscountRate { get; set; } = 0.10;

    /// <summary>Gets or sets the margin applied to CLV spend, in (0, 1].</summary>
    /// <value>The default is 1 (revenue).</value>
    [Range(double.Epsilon, 1.0)]
    public double ClvMargin { get; set; } = 1.0;

    /// <summary>Gets or sets a personalization rules file (JSON, <c>PersonalizationRuleJson</c>); empty for the standard campaigns.</summary>
    /// <value>The default is empty.</value>
    public string PersonalizationRulesPath { get; set; } = string.Empty;

    /// <summary>Gets or sets the fraction of customers held out of every campaign, in [0, 0.5].</summary>
    /// <value>The default is 0.</value>
    [Range(0.0, HoldoutGroup.MaxFraction)]
    public double HoldoutFraction { get; set; }

    /// <summary>Gets or sets whether customers of the customer sources without any transaction (prospects) are scored by the pipeline
    /// (lifecycle stage <c>Prospect</c>, an offer decision such as a first-purchase incentive; no churn probability and no CLV).</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool IncludeProspects { get; set; } = true;

    /// <summary>Gets or sets the attempts per message on transient channel failures (retry with backoff), in [1, 20].</summary>
    /// <value>The default is 4.</value>
    [Range(1, 20)]
    public int MaxSendAttempts { get; set; } = 4;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(TimeZoneId) && !TryFindZone(TimeZoneId, out _))
        {
            yield return new ValidationResult(
                $"The field CemCoreOptions.TimeZoneId names no time zone known to this machine: '{TimeZoneId}'.",
                [nameof(TimeZoneId)]);
        }

        if (!string.IsNullOrWhiteSpace(ChurnModelPath) && !File.Exists(ChurnModelPath))
        {
            yield return new ValidationResult($"The field CemCoreOptions.ChurnModelPath names no file: '{Path.GetFullPath(ChurnModelPath)}'.", [nameof(ChurnModelPath)]);
        }

        if (!string.IsNullOrWhiteSpace(PersonalizationRulesPath) && !File.Exists(PersonalizationRulesPath))
        {
            yield return new ValidationResult($"The field CemCoreOptions.PersonalizationRulesPath names no file: '{Path.GetFullPath(PersonalizationRulesPath)}'.", [nameof(PersonalizationRulesPath)]);
        }
    }

    /// <summary>Maps the options to the immutable feature settings used by the domain.</summary>
    /// <returns>The settings.</returns>
    internal FeatureSettings ToFeatureSettings()
    {
        _ = TryFindZone(TimeZoneId, out var zone);
        return new FeatureSettings(TimeUnit, zone);
    }

    /// <summary>Maps the options to the pipeline settings.</summary>
    /// <param name="features">The feature settings.</param>
    /// <returns>The settings.</returns>
    internal PipelineSettings ToPipelineSettings(FeatureSettings features)
    {
        ClvSettings? clv = null;
        if (ClvHorizonDays > 0)
        {
            var daysPerPeriod = TimeUnits.DaysPerUnit(features.TimeUnit);
            var periods = (ClvHorizonDays + daysPerPeriod - 1) / daysPerPeriod;
            var rate = Math.Pow(1 + ClvAnnualDiscountRate, daysPerPeriod / 365.25) - 1;
            clv = new ClvSettings(features.TimeUnit, periods, rate, ClvMargin);
        }

        return new PipelineSettings(features, new RfmSettings(RfmBins), clv, ChurnLabelWindowDays, LifecycleComparisonDays, trainChurnModel: true, includeProspects: IncludeProspects);
    }

    /// <summary>Maps the options to decision settings.</summary>
    /// <param name="features">The feature settings (default time zone).</param>
    /// <param name="reserveBudget">Whether decisions reserve campaign budget (dispatch) or not (previews).</param>
    /// <returns>The settings.</returns>
    internal DecisionSettings ToDecisionSettings(FeatureSettings features, bool reserveBudget) =>
        new(holdout: HoldoutFraction > 0 ? new HoldoutGroup(HoldoutFraction, "cemcore-holdout") : null, defaultTimeZone: features.TimeZone, reserveBudget: reserveBudget);

    /// <summary>Maps the options to dispatch settings.</summary>
    /// <returns>The settings.</returns>
    internal DispatchSettings ToDispatchSettings() =>
        new(Retry: new RetryPolicy(MaxSendAttempts, RetryPolicy.Default.BaseDelay, RetryPolicy.Default.MaxDelay));

    private static bool TryFindZone(string id, out TimeZoneInfo zone)
    {
        if (string.Equals(id, "UTC", StringComparison.OrdinalIgnoreCase))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone!);
    }
}
