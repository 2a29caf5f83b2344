using System.ComponentModel.DataAnnotations;
using CemCore.DependencyInjection;
using Microsoft.Extensions.Configuration;

namespace CemCore.Samples.Worker;

/// <summary>Settings of the sample worker (section <c>Worker</c>).</summary>
public sealed class WorkerOptions
{
    /// <summary>Gets or sets the SQLite database file. Default: <c>cemcore-crm.db</c> in the temp folder.</summary>
    [Required]
    public string Database { get; set; } = Path.Combine(Path.GetTempPath(), "cemcore-crm.db");

    /// <summary>Gets or sets how many synthetic customers to seed an empty database with (0: do not seed). Default 2,000.</summary>
    [Range(0, 1_000_000)]
    public int SeedCustomers { get; set; } = 2_000;

    /// <summary>Gets or sets the as-of date: the run is as of the start of that day in <c>CemCore:TimeZoneId</c> (exclusive), so its results are
    /// keyed by the day before, the last complete day. Empty for the end of the seeded period.</summary>
    public DateOnly? AsOf { get; set; }

    /// <summary>Gets or sets the campaign sent by the nightly run. Default <c>nightly</c>.</summary>
    [Required]
    public string Campaign { get; set; } = "nightly";

    /// <summary>Gets or sets the HTML KPI report (CemCore.Reporting) written after every successful run, replacing the previous one; empty to
    /// write none. Default: <c>cemcore-report.html</c> in the temp folder.</summary>
    public string? ReportPath { get; set; } = Path.Combine(Path.GetTempPath(), "cemcore-report.html");

    /// <summary>Gets or sets whether to run the job once and stop the host (default), or every <see cref="IntervalHours"/>.</summary>
    public bool RunOnce { get; set; } = true;

    /// <summary>Gets or sets the interval between runs when <see cref="RunOnce"/> is false, in (0, 8760]. Default 24.</summary>
    [Range(0.01, 8760)]
    public double IntervalHours { get; set; } = 24;
}

/// <summary>Checks the configuration before the host starts, so that a bad setting is one clear line (exit code 2), not a stack trace.</summary>
public static class WorkerConfiguration
{
    /// <summary>Binds and validates the <c>Worker</c> and <c>CemCore</c> sections.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>One message per problem; empty when the configuration is valid.</returns>
    public static IReadOnlyList<string> Validate(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        Check<WorkerOptions>(configuration, "Worker", problems);
        Check<CemCoreOptions>(configuration, "CemCore", problems);
        return problems;
    }

    private static void Check<T>(IConfiguration configuration, string section, List<string> problems)
        where T : class, new()
    {
        T options;
        try
        {
            options = configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            // "Failed to convert configuration value 'Month' at 'CemCore:TimeUnit' to type 'CemCore.Primitives.TimeUnit'."
            problems.Add(ex.Message + (ex.Message.Contains("TimeUnit", StringComparison.Ordinal) ? " TimeUnit must be Day or Week." : string.Empty));
            return;
        }

        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            problems.AddRange(results.Select(r => $"{section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        }
    }
}
