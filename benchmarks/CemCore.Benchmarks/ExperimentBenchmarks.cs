using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CemCore.Experiments;

namespace CemCore.Benchmarks;

/// <summary>
/// A/B hot paths. Assignment: 100,000 customers per invocation (ids "c0".."c99999"), CemCore's XXH64 scheme vs a naive
/// string-concatenation + SHA-256 bucketing (baseline). Accumulation: 10,000,000 doubles (80 MB) per invocation: SIMD block
/// sums (single pass) vs two TensorPrimitives passes vs the scalar reference loop (baseline) vs the per-unit scatter; the covariate
/// variant reads 160 MB. Throughput = items / Mean.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ExperimentBenchmarks
{
    private const int Customers = 100_000;
    private const int Observations = 10_000_000;
    private string[] _ids = [];
    private double[] _values = [];
    private double[] _covariates = [];
    private int[] _variants = [];
    private Experiment _experiment = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ids = [.. Enumerable.Range(0, Customers).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture))];
        _experiment = new Experiment("checkout-button", [new Variant("control", 0.5, isControl: true), new Variant("treatment", 0.5)]);
        var random = new Random(42);
        _values = new double[Observations];
        _covariates = new double[Observations];
        _variants = new int[Observations];
        for (var i = 0; i < Observations; i++)
        {
            _values[i] = Math.Round(random.NextDouble() * 100, 2);
            _covariates[i] = Math.Round(random.NextDouble() * 100, 2);
            _variants[i] = random.Next(2);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Customers)]
    [BenchmarkCategory("Assign")]
    public int AssignNaiveSha256()
    {
        var sum = 0;
        foreach (var id in _ids)
        {
            var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("checkout-button" + ":" + "" + ":" + id));
            var u = BitConverter.ToUInt32(bytes, 0) / 4294967296.0;
            sum += u < 0.5 ? 0 : 1;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Customers)]
    [BenchmarkCategory("Assign")]
    public int AssignXxHash64()
    {
        var sum = 0;
        foreach (var id in _ids)
        {
            sum += _experiment.Assign(id).VariantIndex;
        }

        return sum;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Accumulate10M")]
    public double AccumulateScalarReference() => MetricSummary.FromValues(_values).SumOfSquares;

    [Benchmark]
    [BenchmarkCategory("Accumulate10M")]
    public double AccumulateSimdBlock()
    {
        var acc = new MetricAccumulator(1);
        acc.AddRange(0, _values);
        return acc.GetSummary(0).SumOfSquares;
    }

    [Benchmark]
    [BenchmarkCategory("Accumulate10M")]
    public double AccumulateTensorPrimitivesTwoPass() =>
        System.Numerics.Tensors.TensorPrimitives.Sum(_values) + System.Numerics.Tensors.TensorPrimitives.SumOfSquares(_values);

    [Benchmark]
    [BenchmarkCategory("Accumulate10M")]
    public double AccumulateSimdBlockWithCovariate()
    {
        var acc = new MetricAccumulator(1);
        acc.AddRange(0, _values, _covariates);
        return acc.GetSummary(0).CrossSum;
    }

    [Benchmark]
    [BenchmarkCategory("Accumulate10M")]
    public double AccumulateScatterByVariant()
    {
        var acc = new MetricAccumulator(2);
        acc.AddRange(_variants, _values);
        return acc.GetSummary(1).SumOfSquares;
    }
}
