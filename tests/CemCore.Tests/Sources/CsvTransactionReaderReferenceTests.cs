using System.Globalization;
using CemCore.Primitives;
using CemCore.Sources.Csv;
using CemCore.Synthetic;
using CemCore.Transactions;

namespace CemCore.Tests.Sources;

/// <summary>
/// The optimized reader (UTF-8 tokenizer, custom number/date parsers, parser thread precomputing order-id hashes, pre-touched hash buckets)
/// must build exactly the table that a simple reference parse gives: <see cref="string.Split(char, StringSplitOptions)"/>,
/// <see cref="decimal.Parse(string, IFormatProvider)"/>, <see cref="DateTimeOffset.Parse(string, IFormatProvider)"/> and the public
/// <see cref="TransactionTableBuilder.AddRow"/>, on generated data.
/// </summary>
public sealed class CsvTransactionReaderReferenceTests
{
    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    private static TransactionTable ReferenceParse(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(RetailDataGenerator.TransactionsCsvHeader, lines[0]);
        var builder = new TransactionTableBuilder();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            Assert.Equal(11, f.Length); // the generator never quotes
            var kind = f[8] == "return" ? TransactionKind.Return : TransactionKind.Purchase;
            var reason = f[10] switch
            {
                "size" => ReturnReason.Size,
                "quality" => ReturnReason.Quality,
                "changed_mind" => ReturnReason.ChangedMind,
                "other" => ReturnReason.Other,
                "" when kind == TransactionKind.Return => ReturnReason.Other,
                _ => ReturnReason.Unspecified,
            };
            builder.AddRow(
                f[1],
                DateTimeOffset.Parse(f[2], CultureInfo.InvariantCulture).UtcTicks,
                decimal.Parse(f[3], CultureInfo.InvariantCulture),
                kind,
                f[0],
                f[4].Length == 0 ? default : new SalesChannel(f[4]),
                f[5],
                f[6].Length == 0 ? 1 : int.Parse(f[6], CultureInfo.InvariantCulture),
                f[7].Length == 0 ? 0m : decimal.Parse(f[7], CultureInfo.InvariantCulture),
                f[9],
                reason);
        }

        return builder.Build();
    }

    private static void AssertSameTable(TransactionTable expected, TransactionTable actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.OrderCount, actual.OrderCount);
        Assert.Equal(expected.CustomerIds, actual.CustomerIds);
        Assert.Equal(expected.Categories, actual.Categories);
        Assert.Equal(expected.Channels, actual.Channels);
        Assert.Equal(expected.CustomerIndex.ToArray(), actual.CustomerIndex.ToArray());
        Assert.Equal(expected.UtcTicks.ToArray(), actual.UtcTicks.ToArray());
        Assert.Equal(expected.Kinds.ToArray(), actual.Kinds.ToArray());
        Assert.Equal(expected.OrderIndex.ToArray(), actual.OrderIndex.ToArray());
        Assert.Equal(expected.CategoryIndex.ToArray(), actual.CategoryIndex.ToArray());
        Assert.Equal(expected.ChannelIndex.ToArray(), actual.ChannelIndex.ToArray());
        Assert.Equal(expected.Quantities.ToArray(), actual.Quantities.ToArray());
        Assert.Equal(expected.OriginalOrderIndex.ToArray(), actual.OriginalOrderIndex.ToArray());
        Assert.Equal(expected.ReturnReasons.ToArray(), actual.ReturnReasons.ToArray());
        for (var i = 0; i < expected.Count; i++)
        {
            // decimal equality ignores the scale; the scale is part of the content too (1.50 stays 1.50).
            Assert.Equal(expected.Amounts[i].ToString(CultureInfo.InvariantCulture), actual.Amounts[i].ToString(CultureInfo.InvariantCulture));
            Assert.Equal(expected.Discounts[i].ToString(CultureInfo.InvariantCulture), actual.Discounts[i].ToString(CultureInfo.InvariantCulture));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void ReadStream_GeneratedData_EqualsReferenceParse_SequentialAndPipelined(int seed)
    {
        using var ms = new MemoryStream();
        RetailDataGenerator.WriteTransactionsCsv(new RetailDataSettings(customers: 3_000, seed: seed, meanPurchasesPerYear: 6), ms);
        var bytes = ms.ToArray();
        var expected = ReferenceParse(System.Text.Encoding.UTF8.GetString(bytes));
        Assert.True(expected.Count > 10_000, "enough rows for several parser batches");
        Assert.Contains(TransactionKind.Return, expected.Kinds.ToArray());

        using var seekable = new MemoryStream(bytes); // under the pipeline threshold: the sequential path
        AssertSameTable(expected, CsvTransactionReader.ReadStream(seekable, "g.csv"));
        using var forwardOnly = new ForwardOnlyStream(bytes); // unknown length: the two-thread pipeline
        AssertSameTable(expected, CsvTransactionReader.ReadStream(forwardOnly, "g.csv"));
    }
}
