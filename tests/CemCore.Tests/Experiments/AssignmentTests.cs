using System.Text;
using CemCore.Experiments;
using CemCore.Experiments.Statistics;
using CemCore.Tests.Shared;

namespace CemCore.Tests.Experiments;

public sealed class AssignmentTests
{
    private static Experiment TwoArm(string salt = "", double traffic = 1.0) =>
        new("checkout-button", [new Variant("control", 0.5, isControl: true), new Variant("treatment", 0.5)], traffic, salt);

    [Theory]
    // Published XXH64 vectors: xxHash repository (doc + sanity tests) and the python-xxhash README.
    [InlineData("", 0UL, 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0UL, 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0UL, 0x44BC2CF5AD770999UL)]
    [InlineData("Nobody inspects the spammish repetition", 0UL, 0xFBCEA83C8A378BF1UL)]
    [InlineData("xxhash", 20141025UL, 0xB559B98D844E0635UL)]
    public void XxHash64_PublishedVectors(string text, ulong seed, ulong expected) =>
        Assert.Equal(expected, XxHash64.Hash(Encoding.UTF8.GetBytes(text), seed));

    [Fact]
    public void XxHash64_MatchesIndependentPythonImplementation()
    {
        // generate_ab_vectors.py: pure-Python XXH64 from the specification (itself checked against the published vectors), lengths 0..100, 4 seeds.
        foreach (var c in ReferenceVectorTests.Family("xxh64").EnumerateArray())
        {
            var bytes = Encoding.UTF8.GetBytes(c.GetProperty("text").GetString()!);
            var seed = ulong.Parse(c.GetProperty("seed").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(c.GetProperty("hash").GetString(), XxHash64.Hash(bytes, seed).ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Assign_GoldenValues_AreStable()
    {
        // Golden hashes and points computed by the Python reference of the documented scheme (generate_ab_vectors.py, assignment_cases).
        foreach (var c in ReferenceVectorTests.Family("assignment").EnumerateArray())
        {
            var e = new Experiment(c.GetProperty("key").GetString()!, [new Variant("a", 0.5, true), new Variant("b", 0.5)], 1.0, c.GetProperty("salt").GetString()!);
            var id = c.GetProperty("customerId").GetString()!;
            var h = e.ComputeHash(id);
            Assert.Equal(c.GetProperty("hash").GetString(), h.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
            var expectedVariant = c.GetProperty("variantPoint").GetDouble() < 0.5 ? 0 : 1;
            Assert.Equal(expectedVariant, e.Assign(id).VariantIndex);
        }

        // Pinned in source as well, so a change to the scheme cannot pass by regenerating the vectors alone.
        Assert.Equal(0xAB9BD62ECE290169UL, TwoArm().ComputeHash("c0"));
        Assert.Equal(new Assignment(AssignmentStatus.Assigned, 1), TwoArm().Assign("c0")); // variant point 0.6703 >= 0.5
        Assert.Equal(new Assignment(AssignmentStatus.Assigned, 0), TwoArm().Assign("c1")); // variant point 0.0608
        Assert.Equal(AssignmentStatus.NotInTraffic, TwoArm(traffic: 0.5).Assign("c0").Status); // traffic point 0.8053
    }

    [Fact]
    public void Assign_OneMillionIds_IsUniformAcrossWeightedVariants()
    {
        // Chi-square goodness of fit over 1,000,000 deterministic ids "c0".."c999999" (no seed: the ids are fixed, so this test
        // cannot flake). The threshold p > 1e-6 is far below any plausible p of a correct hash; a biased bucketing gives p ≈ 0.
        var e = new Experiment("promo", [new Variant("control", 0.5, true), new Variant("b", 0.3), new Variant("c", 0.2)]);
        var counts = new long[3];
        var buckets = new long[100];
        Span<char> buffer = stackalloc char[16];
        for (var i = 0; i < 1_000_000; i++)
        {
            buffer[0] = 'c';
            i.TryFormat(buffer[1..], out var written, default, System.Globalization.CultureInfo.InvariantCulture);
            var id = buffer[..(written + 1)];
            counts[e.Assign(id).VariantIndex]++;
            buckets[(int)((e.ComputeHash(id) >> 32) * 100 / 4294967296UL)]++;
        }

        var srm = ChiSquareTests.SampleRatioMismatch(counts, [0.5, 0.3, 0.2]);
        Assert.True(srm.PValue > 1e-6, $"variant split chi-square p = {srm.PValue}");
        var uniform = ChiSquareTests.SampleRatioMismatch(buckets);
        Assert.True(uniform.PValue > 1e-6, $"100-bucket uniformity chi-square p = {uniform.PValue}");
    }

    [Fact]
    public void Assign_TrafficFraction_IncludesThatShare_AndKeepsVariantsWhenRaised()
    {
        var small = TwoArm(traffic: 0.2);
        var large = TwoArm(traffic: 0.6);
        var included = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var id = "c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var a = small.Assign(id);
            if (a.IsAssigned)
            {
                included++;
                Assert.Equal(a.VariantIndex, large.Assign(id).VariantIndex);
            }
        }

        Assert.InRange(included, 3_700, 4_300); // 20% of 20,000 ± ~7 sd
    }

    [Fact]
    public void Assign_NewSalt_ReRandomizes()
    {
        var a = TwoArm("2026-01");
        var b = TwoArm("2026-02");
        var same = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var id = "c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            same += a.Assign(id).VariantIndex == b.Assign(id).VariantIndex ? 1 : 0;
        }

        Assert.InRange(same, 9_500, 10_500); // independent: agreement 50% ± ~7 sd
    }

    [Fact]
    public void Layer_IsMutuallyExclusive_AndHoldsOut()
    {
        var e1 = TwoArm();
        var e2 = new Experiment("banner", [new Variant("control", 0.5, true), new Variant("t", 0.5)]);
        var layer = new ExperimentLayer("homepage", [new LayerSlot(e1, 0, 0.5), new LayerSlot(e2, 0.5, 1)], holdoutFraction: 0.1);
        var held = 0;
        var perSlot = new int[2];
        for (var i = 0; i < 20_000; i++)
        {
            var la = layer.Assign("c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (la.Assignment.Status == AssignmentStatus.HeldOut)
            {
                held++;
                Assert.Equal(-1, la.SlotIndex);
            }
            else
            {
                perSlot[la.SlotIndex]++;
            }
        }

        Assert.InRange(held, 1_700, 2_300);
        Assert.InRange(perSlot[0], 8_300, 9_700);
        Assert.Throws<ArgumentException>(() => new ExperimentLayer("x", [new LayerSlot(e1, 0, 0.6), new LayerSlot(e2, 0.5, 1)]));
    }

    [Fact]
    public void Assign_AllocatesNothing()
    {
        var e = TwoArm();
        const string Id = "customer-000123";
        var sum = 0;
        for (var i = 0; i < 10; i++)
        {
            sum += e.Assign(Id).VariantIndex;
        }

        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                sum += e.Assign(Id).VariantIndex;
            }
        });

        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
        Assert.True(sum >= 0);
    }

    [Fact]
    public void LongAndNonAsciiIds_HashTheirUtf8Bytes()
    {
        var e = TwoArm();
        var id = new string('x', 5_000);
        Assert.Equal(e.ComputeHash(id), e.ComputeHash(id));
        var expected = XxHash64.Hash(Encoding.UTF8.GetBytes(id), XxHash64.Hash(Encoding.UTF8.GetBytes("checkout-button\u001f")));
        Assert.Equal(expected, e.ComputeHash(id));
        const string Unicode = "klant-Ünïcødé-🙂";
        Assert.Equal(XxHash64.Hash(Encoding.UTF8.GetBytes(Unicode), XxHash64.Hash(Encoding.UTF8.GetBytes("checkout-button\u001f"))), e.ComputeHash(Unicode));
    }

    [Fact]
    public void BadDefinitions_Throw()
    {
        Assert.Throws<ArgumentException>(() => new Experiment("k", [new Variant("a", 0.5, true), new Variant("b", 0.4)]));
        Assert.Throws<ArgumentException>(() => new Experiment("k", [new Variant("a", 0.5), new Variant("b", 0.5)]));
        Assert.Throws<ArgumentException>(() => new Experiment("k", [new Variant("a", 0.5, true), new Variant("a", 0.5)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Experiment("k", [new Variant("a", 0.5, true), new Variant("b", 0.5)], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Variant("a", double.NaN));
        Assert.Throws<ArgumentException>(() => new Experiment(" ", [new Variant("a", 0.5, true), new Variant("b", 0.5)]));
    }
}
