using System.Globalization;

namespace CemCore.Cli;

/// <summary>A usage or input error: printed on stderr, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Parsed command line: positional words, then <c>--name value</c> options and <c>--flag</c> switches.
/// Every option read must be declared through one of the getters; <see cref="EnsureAllUsed"/> rejects unknown ones.
/// </summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public CliArgs(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var name = a[2..];
                string? value = null;
                var eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                else if (i + 1 < args.Count && !(args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                {
                    value = args[++i];
                }

                if (!_options.TryAdd(name, value))
                {
                    throw new UsageException($"Option --{name} is given more than once.");
                }
            }
            else
            {
                positional.Add(a);
            }
        }

        Positional = positional;
    }

    public IReadOnlyList<string> Positional { get; }

    /// <summary>Gets whether <c>--format json</c> was given (default: text).</summary>
    public bool Json
    {
        get
        {
            var f = Get("format") ?? "text";
            return f switch
            {
                "json" => true,
                "text" => false,
                _ => throw new UsageException($"--format must be 'json' or 'text', not '{f}'."),
            };
        }
    }

    public string? Get(string name)
    {
        _used.Add(name);
        if (_options.TryGetValue(name, out var v))
        {
            return v ?? throw new UsageException($"Option --{name} needs a value.");
        }

        return null;
    }

    public string Require(string name) => Get(name) ?? throw new UsageException($"Missing required option --{name}.");

    public bool Flag(string name)
    {
        _used.Add(name);
        if (_options.TryGetValue(name, out var v))
        {
            if (v is not null)
            {
                throw new UsageException($"Option --{name} takes no value.");
            }

            return true;
        }

        return false;
    }

    public double GetDouble(string name, double fallback)
    {
        var s = Get(name);
        if (s is null)
        {
            return fallback;
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : throw new UsageException($"--{name} must be a finite number, not '{s}'.");
    }

    public int GetInt(string name, int fallback)
    {
        var s = Get(name);
        if (s is null)
        {
            return fallback;
        }

        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new UsageException($"--{name} must be a whole number, not '{s}'.");
    }

    public DateOnly? GetDate(string name)
    {
        var s = Get(name);
        if (s is null)
        {
            return null;
        }

        return DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new UsageException($"--{name} must be a date in the form yyyy-MM-dd, not '{s}'.");
    }

    /// <summary>Throws when an option was given that no getter asked for.</summary>
    public void EnsureAllUsed()
    {
        foreach (var k in _options.Keys)
        {
            if (!_used.Contains(k))
            {
                throw new UsageException($"Unknown option --{k}.");
            }
        }
    }
}
