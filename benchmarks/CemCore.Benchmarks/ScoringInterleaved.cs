using System.Diagnostics;
using System.Globalization;
using CemCore.Churn;

namespace CemCore.Benchmarks;

/// <summary>
/// Logistic scoring against the bandwidth row with its own traffic, interleaved in one process (issue #17, eighteenth session): a
/// diagnostic beside the BenchmarkDotNet rows, not a replacement for them. <c>scoring-interleaved [rounds]</c> runs the very methods
/// BenchmarkDotNet measures (<see cref="ChurnBenchmarks.VectorRowMajor"/>, <c>ScoreBatch</c> on its best path, and
/// <see cref="ChurnBenchmarks.BandwidthReadWrite256"/>) in rounds of three calls: scoring, the bandwidth row, the bandwidth row again,
/// in an order that rotates every round. Each round gives one ratio (bandwidth / scoring, the issue's goal ≥ 85 %) from calls
/// milliseconds apart, and one A/A ratio (the second bandwidth call over the first: the same code, the same milliseconds), which shows
/// how far the host alone moves a ratio at that distance. BenchmarkDotNet measures the two rows in separate processes, seconds to
/// minutes apart, while this host's speed moves by up to 2× within minutes (benchmarks/results/ChurnBenchmarks.md).
/// </summary>
internal static class ScoringInterleaved
{
    private const int WarmupRounds = 300; // ~2 s: every method tiered up (tier-1 after 30 calls and a background compile) before the first measured round

    public static int Run(string[] args)
    {
        var rounds = 600;
        if (args.Length > 1 && (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out rounds) || rounds < 10))
        {
            Console.Error.WriteLine($"scoring-interleaved: rounds must be a whole number >= 10, not '{args[1]}'");
            return 2;
        }

        var churn = new ChurnBenchmarks();
        churn.Setup();
        var score = new double[rounds];
        var bandwidthFirst = new double[rounds];
        var bandwidthSecond = new double[rounds];
        var sink = 0.0;
        for (var r = -WarmupRounds; r < rounds; r++)
        {
            double s = 0, first = 0, second = 0;
            var bandwidthCalls = 0;
            for (var slot = 0; slot < 3; slot++)
            {
                var which = (slot + ((r + WarmupRounds) % 3)) % 3;
                var start = Stopwatch.GetTimestamp();
                sink += which == 0 ? churn.VectorRowMajor() : churn.BandwidthReadWrite256();
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (which == 0)
                {
                    s = elapsed;
                }
                else if (bandwidthCalls++ == 0)
                {
                    first = elapsed;
                }
                else
                {
                    second = elapsed;
                }
            }

            if (r >= 0)
            {
                score[r] = s;
                bandwidthFirst[r] = first;
                bandwidthSecond[r] = second;
            }
        }

        var ratio = new double[rounds];
        var ratioSecond = new double[rounds];
        var aa = new double[rounds];
        for (var r = 0; r < rounds; r++)
        {
            ratio[r] = bandwidthFirst[r] / score[r];
            ratioSecond[r] = bandwidthSecond[r] / score[r];
            aa[r] = bandwidthSecond[r] / bandwidthFirst[r];
        }

        var path = LogisticKernels.BestRowMajorPath(9);
        Console.WriteLine(FormattableString.Invariant(
            $"scoring-interleaved: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} processors, ScoreBatch path for k = 9: {path}, DOTNET_EnableAVX512={Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") ?? "unset"}, load {Load()}; {rounds} rounds after {WarmupRounds} warm-up rounds (checksum {sink:G3})"));
        Console.WriteLine(FormattableString.Invariant(
            $"  ScoreBatch: median {Quantile(score, 0.5):F3} ms (p10 {Quantile(score, 0.1):F3}, p90 {Quantile(score, 0.9):F3}, fastest {score.Min():F3}); bandwidth row: median {Quantile(bandwidthFirst, 0.5):F3} ms (p10 {Quantile(bandwidthFirst, 0.1):F3}, p90 {Quantile(bandwidthFirst, 0.9):F3}, fastest {bandwidthFirst.Min():F3})"));
        Console.WriteLine(FormattableString.Invariant(
            $"  bandwidth / scoring per round: median {Quantile(ratio, 0.5):P1} (p10 {Quantile(ratio, 0.1):P1}, p90 {Quantile(ratio, 0.9):P1}); >= 85 % in {ratio.Count(x => x >= 0.85)} of {rounds} rounds; against the second bandwidth call: median {Quantile(ratioSecond, 0.5):P1}; ratio of medians {Quantile(bandwidthFirst, 0.5) / Quantile(score, 0.5):P1}, of fastest calls {bandwidthFirst.Min() / score.Min():P1}"));
        Console.WriteLine(FormattableString.Invariant(
            $"  A/A, second bandwidth call / first per round: median {Quantile(aa, 0.5):P1} (p10 {Quantile(aa, 0.1):P1}, p90 {Quantile(aa, 0.9):P1}); below 85 % read in the less favourable direction in {aa.Count(x => Math.Min(x, 1 / x) < 0.85)} of {rounds} rounds"));
        return 0;
    }

    /// <summary>The <paramref name="q"/> quantile of <paramref name="values"/>, linear between order statistics (also used by <see cref="ParseMemory"/>).</summary>
    internal static double Quantile(double[] values, double q)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }

    /// <summary>The load average (1, 5, 15 minutes) from <c>/proc/loadavg</c>, or "unknown".</summary>
    internal static string Load()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(", ", parts.Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
