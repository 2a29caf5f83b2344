using System.Globalization;
using CemCore.Merging;

namespace CemCore.Tests.Merging;

/// <summary>
/// <see cref="ExactSum"/> against an independent implementation: CPython's <c>math.fsum</c> (correctly rounded), vectors written by
/// ReferenceData/Merging/generate_fsum_vectors.py. Every vector is also summed in shuffled order and in random parts merged in any order.
/// </summary>
public sealed class ExactSumTests
{
    public static TheoryData<int> Lines() => [.. Enumerable.Range(0, Vectors().Count)];

    [Theory]
    [MemberData(nameof(Lines))]
    public void Value_EqualsPythonFsum_InAnyOrderAndPartitioning(int line)
    {
        var (expected, terms) = Vectors()[line];
        var random = new Random(line);
        for (var trial = 0; trial < 4; trial++)
        {
            var shuffled = terms.OrderBy(_ => random.Next()).ToArray();
            var (parts, partOf) = MergeHarness.Partition(random, shuffled.Length);
            var sums = Enumerable.Range(0, parts).Select(_ => new ExactSum()).ToArray();
            for (var i = 0; i < shuffled.Length; i++)
            {
                sums[partOf[i]].Add(shuffled[i]);
            }

            var total = new ExactSum();
            foreach (var s in sums.OrderBy(_ => random.Next()))
            {
                total.Add(RoundTrip(s));
            }

            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(total.Value));
        }
    }

    [Fact]
    public void NaiveSummation_WouldDiffer_OnTheReferenceCases()
    {
        // The vectors are not trivial: naive left-to-right summation misses the correctly rounded sum on some of them.
        var differ = Vectors().Count(v => v.Terms.Sum() != v.Expected);
        Assert.True(differ >= 10, $"only {differ} vectors differ from naive summation");
    }

    [Fact]
    public void Add_RejectsNonFinite_AndOverflow()
    {
        var s = new ExactSum();
        Assert.Throws<ArgumentException>(() => s.Add(double.NaN));
        s.Add(double.MaxValue);
        Assert.Throws<ArgumentException>(() => s.Add(double.MaxValue));
    }

    private static ExactSum RoundTrip(ExactSum s)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            s.Write(w);
        }

        stream.Position = 0;
        using var r = new BinaryReader(stream);
        return ExactSum.Read(r);
    }

    private static List<(double Expected, double[] Terms)> Vectors()
    {
        var asm = typeof(ExactSumTests).Assembly;
        var name = asm.GetManifestResourceNames().Single(n => n.EndsWith("ReferenceData.Merging.fsum_vectors.csv", StringComparison.Ordinal));
        using var reader = new StreamReader(asm.GetManifestResourceStream(name)!);
        var result = new List<(double, double[])>();
        while (reader.ReadLine() is { } line)
        {
            var v = line.Split(';').Select(h => BitConverter.Int64BitsToDouble(unchecked((long)ulong.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)))).ToArray();
            result.Add((v[0], v[1..]));
        }

        return result;
    }
}
