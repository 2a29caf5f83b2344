using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// Issue #17: with one processor available the CLI's heavy commands take the library's sequential paths (no thread-pool work: the
/// pipelined CSV reader, the parallel feature chunks and the parallel RFM ranking all need more than one processor), and the output
/// is the same as on the parallel paths. The input is above every parallel threshold (a 6 MB file, 20,000 customers: more than
/// <c>CsvTransactionReader.PipelineThresholdBytes</c>, <c>FeatureExtractor.ParallelMinChunks</c> chunks of 4,096 customers and
/// <c>RfmScorer.ParallelThreshold</c>). <c>DOTNET_PROCESSOR_COUNT</c> sets what the runtime reports as the processor count, so both
/// paths run on any machine; the thread-pool work-item count comes from the <c>CEMCORE_CLI_REPEAT=1</c> line (docs/cli.md).
/// </summary>
public sealed class OneProcessorCliTests
{
    private const int Customers = 20_000;
    private const int Rows = 150_000;

    [Theory]
    [InlineData("rfm")]
    [InlineData("features")]
    public void OneProcessor_SequentialPaths_NoPoolWork_SameOutputAsParallel(string command)
    {
        using var dir = new TempDir();
        var input = WriteTransactions(dir);
        Assert.True(new FileInfo(input).Length > 4L << 20, "the file must be above the CSV reader's pipeline threshold (4 MB)");

        var (oneOut, oneLine) = Run(dir, command, input, "one.csv", processors: 1);
        var (twoOut, twoLine) = Run(dir, command, input, "two.csv", processors: 2);

        Assert.Equal(1, Field(oneLine, "processors"));
        Assert.Equal(2, Field(twoLine, "processors"));
        Assert.Equal(0, Field(oneLine, "pool work items"));
        Assert.True(Field(twoLine, "pool work items") > 0, twoLine); // the parallel paths did run: the comparison below is not vacuous
        Assert.Equal(File.ReadAllText(twoOut), File.ReadAllText(oneOut));
    }

    private static (string Out, string Line) Run(TempDir dir, string command, string input, string outName, int processors)
    {
        var output = dir.File(outName);
        var env = new Dictionary<string, string>
        {
            ["CEMCORE_CLI_REPEAT"] = "1",
            ["DOTNET_PROCESSOR_COUNT"] = processors.ToString(CultureInfo.InvariantCulture),
        };
        string[] args = command == "rfm"
            ? ["rfm", "--transactions", input, "--out", output]
            : ["features", "--transactions", input, "--as-of", "2025-01-01", "--out", output];
        var r = CliRunner.RunWithEnvironment(env, args);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var line = r.StdErr.Split('\n').Single(l => l.Contains(": run 1 of 1: ", StringComparison.Ordinal)).TrimEnd('\r');
        return (output, line);
    }

    private static long Field(string line, string name)
    {
        var m = Regex.Match(line, name + @" (\d+)[,)]", RegexOptions.CultureInvariant);
        Assert.True(m.Success, line);
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Deterministic transactions in random customer order (seeded), amounts with cents, timestamps over 2024.</summary>
    internal static string WriteTransactions(TempDir dir)
    {
        var rng = new Random(17);
        var sb = new StringBuilder(Rows * 44);
        sb.Append("customer_id,timestamp,amount\n");
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < Rows; i++)
        {
            var customer = i < Customers ? i : rng.Next(Customers); // every customer at least once
            var at = start.AddSeconds(rng.Next(365 * 86400));
            sb.Append(CultureInfo.InvariantCulture, $"C{customer:D6},{at:yyyy-MM-dd'T'HH:mm:ss'Z'},{rng.Next(100, 50_000) / 100m:F2}\n");
        }

        var path = dir.File("tx.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }
}
