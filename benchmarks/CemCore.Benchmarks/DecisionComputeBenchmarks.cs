using BenchmarkDotNet.Attributes;

namespace CemCore.Benchmarks;

/// <summary>
/// The arithmetic of an offer decision without its cache misses: <see cref="PersonalizationBenchmarks"/>' 50 rules and customers, but
/// only 1,000 customers, decided again and again, so their objects stay in the CPU caches (issue 17, twenty-second session). Beside the
/// 1M-customer rows, where most of a decision is waiting for memory and the host's noise hides changes of a few nanoseconds, this row
/// shows what a change to the rules' evaluation saves. The naive LINQ evaluation of the same rules is the baseline in the same run.
/// </summary>
[MemoryDiagnoser]
public class DecisionComputeBenchmarks
{
    private const int Customers = 1_000;
    private readonly PersonalizationBenchmarks _decisions = new() { Customers = Customers };

    /// <summary>Builds the rules and the 1,000 customers (the same generator and seed as the 1M-customer rows).</summary>
    [GlobalSetup]
    public void Setup() => _decisions.Setup();

    /// <summary>Baseline: the naive LINQ evaluation.</summary>
    /// <returns>Customers with an offer.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = Customers)]
    public int NaiveLinq() => _decisions.NaiveLinq();

    /// <summary>The engine, one customer at a time.</summary>
    /// <returns>Customers with an offer.</returns>
    [Benchmark(OperationsPerInvoke = Customers)]
    public int Engine() => _decisions.Engine();
}
