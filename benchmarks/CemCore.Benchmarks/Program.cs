using BenchmarkDotNet.Running;

namespace CemCore.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/CemCore.Benchmarks -- --filter '*'</c>.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "nightly-load")
        {
            return NightlyLoad.Run(args); // the nightly pipeline at scale, outside BenchmarkDotNet (docs/scale-out.md)
        }

        if (args.Length > 0 && args[0] == "scoring-interleaved")
        {
            return ScoringInterleaved.Run(args); // logistic scoring and its bandwidth row in one process, round by round (issue 17)
        }

        if (args.Length > 0 && args[0] == "parse-memory")
        {
            return ParseMemory.Run(args); // parse + features per call against the new memory it maps (issue 17)
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        foreach (var summary in summaries)
        {
            if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
            {
                return 1;
            }
        }

        return 0;
    }
}
