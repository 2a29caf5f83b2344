using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace CemCore.Cli.CommandLine;

/// <summary>
/// Factories for the options every command shares, so the whole CLI has one argument grammar (System.CommandLine):
/// <c>--name value</c> or <c>--name=value</c>, dates as <c>yyyy-MM-dd</c>, numbers in the invariant culture, <c>--format json|text</c>.
/// A value that does not parse is a parse error: the program prints one line naming the option and exits with code 2.
/// </summary>
/// <remarks>Create a new option per command (an option instance belongs to one command).</remarks>
internal static class CliOptions
{
    /// <summary><c>--format json|text</c> (default text).</summary>
    public static Option<string> Format() =>
        Choice("--format", "Output format: text (default) or json (one JSON object on stdout).", "text", "json", "text");

    /// <summary>Returns whether the command's <c>--format</c> is json.</summary>
    public static bool IsJson(this ParseResult result, Option<string> format) =>
        string.Equals(result.GetValue(format), "json", StringComparison.Ordinal);

    /// <summary>A required path option (the file's existence is checked when it is opened, so the message names the file).</summary>
    public static Option<string> RequiredPath(string name, string description) => new(name)
    {
        Description = description,
        Required = true,
        HelpName = "FILE",
    };

    /// <summary>An optional path option.</summary>
    public static Option<string?> OptionalPath(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "FILE",
    };

    /// <summary>An output file option: a folder, or a file in a missing folder, is a usage error before any work is done.</summary>
    public static Option<string?> OutputFile(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = "FILE" };
        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>();
            if (value is null)
            {
                return;
            }

            var full = Path.GetFullPath(value);
            if (Directory.Exists(full))
            {
                r.AddError($"{name} '{value}' is a folder; give a file path.");
            }
            else if (Path.GetDirectoryName(full) is { } folder && !Directory.Exists(folder))
            {
                r.AddError($"{name} '{value}': the folder does not exist.");
            }
        });
        return option;
    }

    /// <summary>A calendar date <c>yyyy-MM-dd</c>; for an as-of date it means 00:00 UTC of that day (exclusive).</summary>
    public static Option<DateOnly?> Date(string name, string description, bool required = false) => new(name)
    {
        Description = description,
        Required = required,
        HelpName = "yyyy-MM-dd",
        CustomParser = r => ParseDate(r, name),
    };

    /// <summary>A finite number in the invariant culture, optionally limited to [min, max].</summary>
    public static Option<double> Number(string name, string description, double defaultValue, double min = double.MinValue, double max = double.MaxValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        HelpName = "X",
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? string.Empty : r.Tokens[^1].Value;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
            {
                r.AddError($"{name} must be a finite number, not '{text}'.");
                return default;
            }

            if (d < min || d > max)
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be in [{min}, {max}], not {text}."));
            }

            return d;
        },
    };

    /// <summary>A whole number, optionally limited to [min, max].</summary>
    public static Option<int> Integer(string name, string description, int defaultValue, int min = int.MinValue, int max = int.MaxValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        HelpName = "N",
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? string.Empty : r.Tokens[^1].Value;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                r.AddError($"{name} must be a whole number, not '{text}'.");
                return default;
            }

            if (n < min || n > max)
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be in [{min}, {max}], not {n}."));
            }

            return n;
        },
    };

    /// <summary>A required finite number in the invariant culture (no default), optionally limited to [min, max].</summary>
    public static Option<double> RequiredNumber(string name, string description, double min = double.MinValue, double max = double.MaxValue)
    {
        var option = Number(name, description, 0, min, max);
        option.DefaultValueFactory = null;
        option.Required = true;
        return option;
    }

    /// <summary>A required text option (parsed by the command, e.g. <c>S/N</c> counts), shown as <paramref name="helpName"/>.</summary>
    public static Option<string> RequiredText(string name, string description, string helpName) => new(name)
    {
        Description = description,
        Required = true,
        HelpName = helpName,
    };

    /// <summary>An optional text option (parsed by the command), shown as <paramref name="helpName"/>.</summary>
    public static Option<string?> Text(string name, string description, string helpName) => new(name)
    {
        Description = description,
        HelpName = helpName,
    };

    /// <summary>One of a fixed set of words (the first is the default unless <paramref name="defaultValue"/> is given).</summary>
    public static Option<string> Choice(string name, string description, string? defaultValue, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var option = new Option<string>(name)
        {
            Description = description,
            HelpName = string.Join('|', values),
        };
        option.CompletionSources.Add(values);
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }

        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>();
            if (value is not null && !values.Contains(value, StringComparer.Ordinal))
            {
                r.AddError($"{name} must be {Words(values)}, not '{value}'.");
            }
        });
        return option;
    }

    /// <summary>A switch without a value (<c>--relative</c>).</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };

    private static string Words(string[] values) =>
        values.Length == 1 ? values[0] : string.Join(", ", values[..^1]) + " or " + values[^1];

    /// <summary>The first year a date option accepts (as the CSV readers' timestamps).</summary>
    public const int MinYear = 1900;

    /// <summary>The last year a date option accepts.</summary>
    public const int MaxYear = 2199;

    /// <summary>00:00 UTC at the start of <paramref name="date"/>: the CLI's as-of instant (exclusive).</summary>
    public static DateTimeOffset StartOfDayUtc(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static DateOnly? ParseDate(ArgumentResult r, string name)
    {
        var text = r.Tokens.Count == 0 ? string.Empty : r.Tokens[^1].Value;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            if (d.Year is < MinYear or > MaxYear)
            {
                // Year 0001 or 9999 is a typo or a placeholder, and date arithmetic near the ends of DateTime overflows.
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {MinYear}-01-01 and {MaxYear}-12-31, not '{text}'."));
            }

            return d;
        }

        r.AddError($"{name} must be a date in the form yyyy-MM-dd, not '{text}'.");
        return null;
    }
}
