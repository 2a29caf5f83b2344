using System.Globalization;
using System.Text.Json.Nodes;

namespace CemCore.Cli.Tests.TestSupport;

/// <summary>A temporary folder for input and output files of one test, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cemcore-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes the lines (LF-terminated) to a file in the folder and returns its full path.</summary>
    public string Write(string name, params string[] lines)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Assertions on the CLI's output contract.</summary>
internal static class CliAssert
{
    /// <summary>Asserts exit code 0 and that stdout is exactly one JSON object (one line), and returns it.</summary>
    public static JsonObject JsonOk(CliRunner.Result result)
    {
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}; stderr: {result.StdErr}");
        var text = result.StdOut.Trim();
        Assert.DoesNotContain('\n', text);
        var node = JsonNode.Parse(text);
        return Assert.IsType<JsonObject>(node);
    }

    /// <summary>Asserts exit code 2 with a one-message stderr (no stack trace) and an empty stdout; returns stderr.</summary>
    public static string UsageError(CliRunner.Result result)
    {
        Assert.True(result.ExitCode == 2, $"expected exit code 2, got {result.ExitCode}; stdout: {result.StdOut}; stderr: {result.StdErr}");
        Assert.False(string.IsNullOrWhiteSpace(result.StdErr));
        Assert.Equal(string.Empty, result.StdOut);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.StdErr, StringComparison.Ordinal);
        return result.StdErr;
    }

    /// <summary>Asserts that every number anywhere in the JSON tree is finite and returns how many numbers were seen.</summary>
    public static int AllNumbersFinite(JsonNode? node, string path = "$")
    {
        switch (node)
        {
            case JsonObject o:
                return o.Sum(kv => AllNumbersFinite(kv.Value, path + "." + kv.Key));
            case JsonArray a:
                return a.Select((x, i) => AllNumbersFinite(x, path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]")).Sum();
            case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number:
                Assert.True(double.IsFinite(v.GetValue<double>()), path);
                return 1;
            default:
                return 0;
        }
    }

    public static double D(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Reads a CLI output CSV (no quoted fields expected) into header + rows keyed by the first column.</summary>
    public static (string Header, Dictionary<string, Dictionary<string, string>> Rows) ReadCsv(string path)
    {
        var lines = System.IO.File.ReadAllLines(path);
        var names = lines[0].Split(',');
        var rows = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            Assert.Equal(names.Length, cells.Length);
            rows.Add(cells[0], names.Zip(cells).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal));
        }

        return (lines[0], rows);
    }
}
