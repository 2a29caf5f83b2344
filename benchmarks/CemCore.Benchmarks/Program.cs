using BenchmarkDotNet.Running;

namespace CemCore.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/CemCore.Benchmarks -- --filter '*'</c>.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
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
