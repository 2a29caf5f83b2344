using System.ComponentModel.DataAnnotations;
using CemCore.Features;
using CemCore.Primitives;

namespace CemCore.DependencyInjection;

/// <summary>
/// Bindable options of CemCore (for example from configuration section <c>CemCore</c>). Validated when the host starts;
/// one <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> names every bad field.
/// </summary>
/// <remarks>Mutable and not thread-safe, like every options class; CemCore maps it once to immutable settings.</remarks>
public sealed class CemCoreOptions : IValidatableObject
{
    /// <summary>The smallest accepted <see cref="BatchSize"/>.</summary>
    public const int MinBatchSize = 1;

    /// <summary>The largest accepted <see cref="BatchSize"/>.</summary>
    public const int MaxBatchSize = 10_000_000;

    /// <summary>Gets or sets the time unit of BTYD summaries and CLV horizons.</summary>
    /// <value>The default is <see cref="TimeUnit.Day"/>.</value>
    [EnumDataType(typeof(TimeUnit))]
    public TimeUnit TimeUnit { get; set; } = TimeUnit.Day;

    /// <summary>Gets or sets the IANA or Windows id of the time zone in which calendar days are counted.</summary>
    /// <value>The default is <c>"UTC"</c>.</value>
    [Required]
    public string TimeZoneId { get; set; } = "UTC";

    /// <summary>Gets or sets the ISO 4217 code of the currency amounts are in, or empty when the host uses one currency and does not say.</summary>
    /// <value>The default is empty.</value>
    [RegularExpression("^([A-Z]{3})?$", ErrorMessage = "The field CemCoreOptions.Currency must be empty or a three-letter upper-case ISO 4217 code.")]
    public string Currency { get; set; } = string.Empty;

    /// <summary>Gets or sets how many customers a batch job processes between progress reports and cancellation checks.</summary>
    /// <value>The default is 4,096.</value>
    [Range(MinBatchSize, MaxBatchSize)]
    public int BatchSize { get; set; } = 4096;

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(TimeZoneId) && !TryFindZone(TimeZoneId, out _))
        {
            yield return new ValidationResult(
                $"The field CemCoreOptions.TimeZoneId names no time zone known to this machine: '{TimeZoneId}'.",
                [nameof(TimeZoneId)]);
        }
    }

    /// <summary>Maps the options to the immutable feature settings used by the domain.</summary>
    /// <returns>The settings.</returns>
    internal FeatureSettings ToFeatureSettings()
    {
        _ = TryFindZone(TimeZoneId, out var zone);
        return new FeatureSettings(TimeUnit, zone);
    }

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
