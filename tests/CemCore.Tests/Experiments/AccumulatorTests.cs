using CemCore.Experiments;
using FsCheck;
using FsCheck.Xunit;
using CemCore.Tests.Shared;

namespace CemCore.Tests.Experiments;

public sealed class AccumulatorTests
{
    [Property(MaxTest = 300)]
    public bool Merge_OfPartitions_EqualsSinglePass_ForIntegerValues(int[] cents, int[] variants, PositiveInt parts)
    {
        // Integer-valued metrics (amounts in cents): double sums are exact, so merge == single pass bit for bit.
        var n = Math.Min(cents.Length, variants.Length);
        var single = new MetricAccumulator(3);
        var partitions = Enumerable.Range(0, (parts.Get % 5) + 1).Select(_ => new MetricAccumulator(3)).ToArray();
        for (var i = 0; i < n; i++)
        {
            var v = Math.Abs(variants[i] % 3);
            double y = cents[i];
            double x = cents[(i + 1) % n];
            single.Add(v, y, x);
            partitions[i % partitions.Length].Add(v, y, x);
        }

        var merged = new MetricAccumulator(3);
        foreach (var p in partitions.Reverse())
        {
            merged.Merge(p);
        }

        return Enumerable.Range(0, 3).All(k => merged.GetSummary(k) == single.GetSummary(k));
    }

    [Property(MaxTest = 200)]
    public bool Merge_OfPartitions_MatchesSinglePass_ForRealValues(NormalFloat[] values)
    {
        var single = new MetricAccumulator(1);
        var a = new MetricAccumulator(1);
        var b = new MetricAccumulator(1);
        for (var i = 0; i < values.Length; i++)
        {
            var y = values[i].Get % 1e6;
            single.Add(0, y);
            (i % 2 == 0 ? a : b).Add(0, y);
        }

        b.Merge(a);
        var s1 = single.GetSummary(0);
        var s2 = b.GetSummary(0);
        return s1.Count == s2.Count && Math.Abs(s1.Sum - s2.Sum) <= 1e-9 * (1 + Math.Abs(s1.SumOfSquares)) && Math.Abs(s1.SumOfSquares - s2.SumOfSquares) <= 1e-12 * (1 + s1.SumOfSquares);
    }

    [Property(MaxTest = 200)]
    public bool Json_RoundTrip_IsExact(NormalFloat[] values, int[] variants)
    {
        var acc = new MetricAccumulator(2);
        for (var i = 0; i < Math.Min(values.Length, variants.Length); i++)
        {
            var y = values[i].Get % 1e100;
            acc.Add(Math.Abs(variants[i] % 2), y, y / 3);
        }

        var back = MetricAccumulator.FromJson(acc.ToJson());
        return back.GetSummary(0) == acc.GetSummary(0) && back.GetSummary(1) == acc.GetSummary(1);
    }

    [Fact]
    public void AddRange_Vectorized_MatchesScalarReference()
    {
        var random = new Random(42);
        var y = Enumerable.Range(0, 10_001).Select(_ => random.NextDouble() * 100).ToArray();
        var x = Enumerable.Range(0, 10_001).Select(_ => random.NextDouble() * 50).ToArray();
        var acc = new MetricAccumulator(1);
        acc.AddRange(0, y, x);
        var fast = acc.GetSummary(0);
        var scalar = MetricSummary.FromValues(y, x);
        Assert.Equal(scalar.Count, fast.Count);
        ReferenceVectorTests.Close(scalar.Sum, fast.Sum, "sum", 1e-12);
        ReferenceVectorTests.Close(scalar.SumOfSquares, fast.SumOfSquares, "sumsq", 1e-12);
        ReferenceVectorTests.Close(scalar.CrossSum, fast.CrossSum, "xy", 1e-12);
        ReferenceVectorTests.Close(scalar.CovariateSumOfSquares, fast.CovariateSumOfSquares, "xx", 1e-12);
    }

    [Fact]
    public void Scatter_MatchesPerVariantAdds()
    {
        int[] variants = [0, 1, 1, 0, 2];
        double[] values = [1, 2, 3, 4, 5];
        var acc = new MetricAccumulator(3);
        acc.AddRange(variants, values);
        Assert.Equal(new MetricSummary(2, 5, 17, 0, 0, 0), acc.GetSummary(0));
        Assert.Equal(new MetricSummary(2, 5, 13, 0, 0, 0), acc.GetSummary(1));
        Assert.Equal(2.5, acc.GetSummary(0).Mean);
        Assert.Equal(4.5, acc.GetSummary(0).Variance);
    }

    [Fact]
    public void Conversions_GiveCounts()
    {
        var acc = new MetricAccumulator(2);
        acc.AddConversion(0, true);
        acc.AddConversion(0, false);
        acc.AddConversion(1, true);
        Assert.Equal(MetricSummary.FromCounts(1, 2), acc.GetSummary(0));
        Assert.Equal(1, acc.GetSummary(1).Successes);
    }

    [Fact]
    public void BadInput_Throws()
    {
        var acc = new MetricAccumulator(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.Add(2, 1.0));
        Assert.Throws<ArgumentException>(() => acc.Add(0, double.NaN));
        Assert.Throws<ArgumentException>(() => acc.AddRange(0, [1.0, double.PositiveInfinity]));
        Assert.Throws<ArgumentException>(() => acc.Merge(new MetricAccumulator(3)));
        Assert.Throws<ArgumentException>(() => MetricAccumulator.FromJson("{\"variants\":[{\"count\":1}]}"));
        Assert.Throws<ArgumentException>(() => MetricAccumulator.FromJson("not json"));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricSummary.FromCounts(5, 3));
    }

    [Fact]
    public void Add_AllocatesNothing()
    {
        var acc = new MetricAccumulator(2);
        for (var i = 0; i < 10; i++)
        {
            acc.Add(i % 2, i, i);
        }

        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                acc.Add(i % 2, i, i);
                acc.AddConversion(i % 2, true);
            }
        });

        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
    }
}

public sealed class SumKernelTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(1001)]
    public void SimdKernels_MatchScalarReference(int n)
    {
        var random = new Random(n + 1);
        var y = Enumerable.Range(0, n).Select(_ => (random.NextDouble() - 0.3) * 1000).ToArray();
        var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 10).ToArray();
        var scalar = MetricSummary.FromValues(y, x);
        var (s, s2) = SumKernels.SumAndSquares(y);
        var all = SumKernels.AllSums(y, x);
        ReferenceVectorTests.Close(scalar.Sum, s, "sum", 1e-12, 1e-9);
        ReferenceVectorTests.Close(scalar.SumOfSquares, s2, "sumsq", 1e-12, 1e-9);
        ReferenceVectorTests.Close(scalar.Sum, all.Sum, "sum2", 1e-12, 1e-9);
        ReferenceVectorTests.Close(scalar.CovariateSum, all.XSum, "x", 1e-12, 1e-9);
        ReferenceVectorTests.Close(scalar.CovariateSumOfSquares, all.XSumOfSquares, "xx", 1e-12, 1e-9);
        ReferenceVectorTests.Close(scalar.CrossSum, all.Cross, "xy", 1e-12, 1e-9);
    }
}
