using System.Diagnostics;
using System.Globalization;

namespace CemCore.Benchmarks;

/// <summary>
/// Parse + features against the new memory each call maps (issue #17, twenty-first session): a diagnostic beside
/// <see cref="FeatureBenchmarks.ParseAndFeatures"/>, not a replacement for it. <c>parse-memory [iterations]</c> calls that very method
/// (read the 1M-row benchmark file, then compute the features) in one process, as BenchmarkDotNet's iterations do, and records for each
/// call its time and the process's minor page faults during it (Linux: <c>/proc/self/stat</c>). A call whose table lands in memory the
/// garbage collector already had mapped (freed by an earlier call) takes few faults; a call whose columns land in new memory takes one
/// fault per 4 KiB page (~16,000–19,000 for this file). The split shows how much of the spread between iterations is the cost of
/// mapping new memory, which a one-shot process reading the file always pays.
/// </summary>
internal static class ParseMemory
{
    /// <summary>Calls before the first recorded one: every method tiered up and the heap grown to its working size.</summary>
    private const int WarmupCalls = 10;

    /// <summary>A call with at least this many faults mapped most of its table's columns anew (the columns alone are ~16,000 pages).</summary>
    private const long NewMemoryFaults = 10_000;

    /// <summary>A call with fewer faults than this reused the collector's memory for its table.</summary>
    private const long ReusedMemoryFaults = 3_000;

    public static int Run(string[] args)
    {
        var iterations = 40; // calls recorded after the warm-up
        if (args.Length > 1 && (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 5))
        {
            Console.Error.WriteLine($"parse-memory: calls must be a whole number >= 5, not '{args[1]}'");
            return 2;
        }

        if (ReadMinorFaults() is null)
        {
            Console.Error.WriteLine("parse-memory: needs /proc/self/stat (Linux) to count page faults");
            return 2;
        }

        var bench = new FeatureBenchmarks();
        bench.Setup();
        var milliseconds = new double[iterations];
        var faults = new long[iterations];
        var sink = 0;
        for (var i = -WarmupCalls; i < iterations; i++)
        {
            var before = ReadMinorFaults()!.Value;
            var start = Stopwatch.GetTimestamp();
            sink += bench.ParseAndFeatures();
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var after = ReadMinorFaults()!.Value;
            if (i >= 0)
            {
                milliseconds[i] = elapsed;
                faults[i] = after - before;
            }
        }

        Console.WriteLine(FormattableString.Invariant(
            $"parse-memory: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} processors, load {ScoringInterleaved.Load()}; {iterations} calls of FeatureBenchmarks.ParseAndFeatures after {WarmupCalls} warm-up calls (checksum {sink})"));
        Console.WriteLine("  per call, ms / minor faults: " + string.Join(" ", milliseconds.Zip(faults, (m, f) => FormattableString.Invariant($"{m:F0}/{f}"))));
        var fresh = milliseconds.Where((_, i) => faults[i] >= NewMemoryFaults).ToArray();
        var reused = milliseconds.Where((_, i) => faults[i] < ReusedMemoryFaults).ToArray();
        Console.WriteLine(FormattableString.Invariant(
            $"  calls with >= {NewMemoryFaults} faults (table in new memory): {fresh.Length}, {Summary(fresh)}"));
        Console.WriteLine(FormattableString.Invariant(
            $"  calls with < {ReusedMemoryFaults} faults (table in reused memory): {reused.Length}, {Summary(reused)}"));
        Console.WriteLine(FormattableString.Invariant(
            $"  all calls: {Summary(milliseconds)}; over 300 ms: {milliseconds.Count(m => m > 300)} of {iterations}; correlation of time and faults {Correlation(milliseconds, faults):F2}"));
        return 0;
    }

    private static string Summary(double[] values) => values.Length == 0
        ? "none"
        : FormattableString.Invariant($"median {ScoringInterleaved.Quantile(values, 0.5):F1} ms (fastest {values.Min():F1}, slowest {values.Max():F1})");

    private static double Correlation(double[] x, long[] y)
    {
        var mx = x.Average();
        var my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>The process's minor page faults so far (field 10 of <c>/proc/self/stat</c>, after the command name in parentheses), or null off Linux.</summary>
    internal static long? ReadMinorFaults()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture); // minflt: the 10th field, the 8th after "pid (comm) "
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
