using CemCore.Experiments;
using CemCore.Features;
using CemCore.Kpis;
using CemCore.Merging;
using CemCore.Segmentation.Clustering;
using CemCore.Segmentation.Rfm;
using CemCore.Transactions;

namespace CemCore.Tests.Merging;

/// <summary>Partials of another kind, version or settings refuse to merge or load; corrupt streams fail with InvalidDataException.</summary>
public sealed class PartialFormatTests
{
    [Fact]
    public void Header_IsMagicKindVersionFingerprint()
    {
        var bytes = MergeHarness.Bytes(new SurveyAccumulator());
        Assert.Equal("CEMP"u8.ToArray(), bytes[..4]);
        Assert.Equal(SurveyAccumulator.KindId.Length, bytes[4]);
        Assert.Equal(SurveyAccumulator.KindId, System.Text.Encoding.UTF8.GetString(bytes, 5, bytes[4]));
        var at = 5 + bytes[4];
        Assert.Equal(1, BitConverter.ToInt32(bytes, at));
        Assert.Equal(PartialFormat.FingerprintOf(string.Empty), BitConverter.ToUInt64(bytes, at + 4));
        Assert.Equal(at + 12 + (25 * 8), bytes.Length);
    }

    [Fact]
    public void Fingerprint_IsFnv1a64()
    {
        // Published FNV-1a 64 test vectors (Fowler/Noll/Vo, IETF draft-eastlake-fnv): "" and "a".
        Assert.Equal(0xcbf29ce484222325UL, PartialFormat.FingerprintOf(string.Empty));
        Assert.Equal(0xaf63dc4c8601ec8cUL, PartialFormat.FingerprintOf("a"));
    }

    [Fact]
    public void Merge_DifferentSettings_Refused()
    {
        var linear = new AttributionAccumulator(AttributionModel.Linear);
        var ex = Assert.Throws<PartialMismatchException>(() => linear.MergeWith(new AttributionAccumulator(AttributionModel.Markov)));
        Assert.Contains("different settings", ex.Message, StringComparison.Ordinal);
        Assert.Throws<PartialMismatchException>(() => linear.MergeWith(new AttributionAccumulator(AttributionModel.Linear, new AttributionSettings(lookbackDays: 7))));
        Assert.Throws<PartialMismatchException>(() => new MetricAccumulator(2).MergeWith(new MetricAccumulator(3)));
        Assert.Throws<PartialMismatchException>(() => new KMeansStepPartial([0.0, 1.0], 1).MergeWith(new KMeansStepPartial([0.0, 2.0], 1)));

        var values = RfmValues.Create(["a", "b"], [1.0, 2.0], [1, 2], [10m, 20m]);
        var five = RfmPartial.Create(values, new RfmSettings(5));
        Assert.Throws<PartialMismatchException>(() => five.MergeWith(RfmPartial.Create(values, new RfmSettings(4))));
        Assert.Throws<PartialMismatchException>(() => RfmPartial.Merge([five, RfmPartial.Create(values, new RfmSettings(3))]));

        var table = new TransactionTableBuilder().AddPurchase("a", MergeHarness.Epoch, 5m).Build();
        var day = FeaturePartial.Create(FeatureExtractor.Compute(table, MergeHarness.Epoch.AddDays(1)));
        Assert.Throws<PartialMismatchException>(() => day.MergeWith(FeaturePartial.Create(FeatureExtractor.Compute(table, MergeHarness.Epoch.AddDays(2)))));
        Assert.Throws<PartialMismatchException>(() => day.MergeWith(FeaturePartial.Create(FeatureExtractor.Compute(table, MergeHarness.Epoch.AddDays(1), new FeatureSettings(CemCore.Primitives.TimeUnit.Week)))));
    }

    [Fact]
    public void Merge_SameCustomerInTwoFeaturePartials_Refused()
    {
        var table = new TransactionTableBuilder().AddPurchase("a", MergeHarness.Epoch, 5m).Build();
        var set = FeatureExtractor.Compute(table, MergeHarness.Epoch.AddDays(1));
        Assert.Throws<ArgumentException>(() => FeaturePartial.Create(set, [0]).MergeWith(FeaturePartial.Create(set, [1])));
        Assert.Throws<ArgumentException>(() => FeaturePartial.Create(set, [0]).MergeWith(FeaturePartial.Create(set, [0])));
    }

    [Fact]
    public void Read_OtherKind_Refused()
    {
        using var stream = new MemoryStream(MergeHarness.Bytes(new SalesAccumulator()));
        var ex = Assert.Throws<PartialMismatchException>(() => SurveyAccumulator.ReadFrom(stream));
        Assert.Contains("cemcore.kpis.sales", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OtherVersion_Refused()
    {
        var bytes = MergeHarness.Bytes(new CohortAccumulator());
        var at = 5 + bytes[4];
        BitConverter.TryWriteBytes(bytes.AsSpan(at), 2);
        var ex = Assert.Throws<PartialMismatchException>(() => CohortAccumulator.ReadFrom(new MemoryStream(bytes)));
        Assert.Contains("version 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotAPartial_TruncatedOrTampered_IsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => SalesAccumulator.ReadFrom(new MemoryStream("{\"json\":1}"u8.ToArray())));

        var acc = new SalesAccumulator();
        acc.Add("c1", "o1", 12.5m);
        var bytes = MergeHarness.Bytes(acc);
        Assert.Throws<InvalidDataException>(() => SalesAccumulator.ReadFrom(new MemoryStream(bytes[..^3])));

        // Settings in the payload that do not match the header's fingerprint.
        var attribution = MergeHarness.Bytes(new AttributionAccumulator(AttributionModel.Linear));
        var at = 5 + attribution[4] + 12;
        attribution[at] = (byte)AttributionModel.LastTouch;
        Assert.Throws<InvalidDataException>(() => AttributionAccumulator.ReadFrom(new MemoryStream(attribution)));

        // A negative count.
        var survey = MergeHarness.Bytes(new SurveyAccumulator());
        survey[^1] = 0xff;
        Assert.Throws<InvalidDataException>(() => SurveyAccumulator.ReadFrom(new MemoryStream(survey)));
    }

    [Fact]
    public void CustomerPartitioner_IsStable_AndSplitKeepsEveryRowOnce()
    {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; mod 7 = 12637899786599148684 mod 7.
        Assert.Equal((int)(0xaf63dc4c8601ec8cUL % 7), CustomerPartitioner.PartitionOf("a", 7));
        Assert.Equal(0, CustomerPartitioner.PartitionOf("anything", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => CustomerPartitioner.PartitionOf("a", 0));

        var table = MergeHarness.RandomTable(new Random(3), 200);
        var parts = CustomerPartitioner.Split(table, 5);
        Assert.Equal(table.Count, parts.Sum(p => p.Count));
        Assert.Equal(table.CustomerIds.Order(StringComparer.Ordinal), parts.SelectMany(p => p.CustomerIds).Order(StringComparer.Ordinal));
        for (var p = 0; p < parts.Count; p++)
        {
            Assert.All(parts[p].CustomerIds, id => Assert.Equal(p, CustomerPartitioner.PartitionOf(id, 5)));
        }
    }
}
