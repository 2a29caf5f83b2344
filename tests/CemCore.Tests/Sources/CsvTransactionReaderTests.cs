using System.Text;
using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Sources.Csv;
using CemCore.Transactions;

namespace CemCore.Tests.Sources;

public sealed class CsvTransactionReaderTests
{
    internal static TransactionTable Read(string csv, string name = "t.csv")
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(csv));
        return CsvTransactionReader.ReadStream(stream, name);
    }

    private static DataFormatException Fails(string csv, long line, string field)
    {
        var ex = Assert.Throws<DataFormatException>(() => Read(csv));
        Assert.Equal("t.csv", ex.File);
        Assert.Equal(line, ex.Line);
        Assert.Equal(field, ex.Field);
        Assert.StartsWith($"t.csv, line {line}, field '{field}': ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal); // no personal data in messages
        return ex;
    }

    [Fact]
    public void ReadStream_MinimalColumns_ParsesDatesAndDateTimes()
    {
        var table = Read("customer_id,timestamp,amount\na,2024-03-01,10.50\nb,2024-03-01T14:30:00+08:00,3\na,2024-03-02 01:02:03Z,0.125\nb,2024-03-03T10:00,7\n");
        Assert.Equal(4, table.Count);
        Assert.Equal(["a", "b"], table.CustomerIds);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks, table.UtcTicks[0]);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 6, 30, 0, TimeSpan.Zero).UtcTicks, table.UtcTicks[1]);
        Assert.Equal(new DateTimeOffset(2024, 3, 2, 1, 2, 3, TimeSpan.Zero).UtcTicks, table.UtcTicks[2]);
        Assert.Equal(new DateTimeOffset(2024, 3, 3, 10, 0, 0, TimeSpan.Zero).UtcTicks, table.UtcTicks[3]);
        Assert.Equal(10.50m, table.Amounts[0]);
        Assert.Equal(0.125m, table.Amounts[2]);
        Assert.Equal(4, table.OrderCount); // no order_id: each row is an order
    }

    [Fact]
    public void ReadStream_FractionalSecondsAndNegativeOffset_AreExact()
    {
        var table = Read("customer_id,timestamp,amount\na,2024-03-01T23:59:59.1234567-05:30,1\n");
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 23, 59, 59, TimeSpan.FromMinutes(-330)).AddTicks(1234567).UtcTicks, table.UtcTicks[0]);
    }

    [Fact]
    public void ReadStream_AllColumns_ReadsEveryField()
    {
        const string csv = "\uFEFFOrder_ID,customer_id,timestamp,amount,channel,category,quantity,sku,discount,kind,original_order_id,return_reason,unknown\r\n"
            + "o1,a,2024-01-01T10:00:00Z,90.00,Tmall,\"apparel, women\",2,SKU1,10,purchase,,,x\r\n"
            + "o1,a,2024-01-01T10:00:00Z,5,Tmall,beauty,1,SKU2,0,,,,\r\n"
            + "\r\n"
            + "r1,a,2024-01-05,30,,,1,,,Return,o1,changed_mind,\"say \"\"hi\"\"\"\r\n";
        var table = Read(csv);
        Assert.Equal(3, table.Count);
        Assert.Equal(2, table.OrderCount);
        Assert.Equal(["apparel, women", "beauty"], table.Categories);
        Assert.Equal(SalesChannelKind.Marketplace, table.Channels[0].Kind);
        Assert.Equal("Tmall", table.Channels[0].Value);
        Assert.Equal(2, table.Quantities[0]);
        Assert.Equal(10m, table.Discounts[0]);
        Assert.Equal(TransactionKind.Return, table.Kinds[2]);
        Assert.Equal(ReturnReason.ChangedMind, table.ReturnReasons[2]);
        Assert.Equal(table.OrderIndex[0], table.OriginalOrderIndex[2]);
        Assert.Equal(-1, table.ChannelIndex[2]);
        Assert.Equal(-1, table.CategoryIndex[2]);
    }

    [Fact]
    public void ReadStream_QuotedFieldWithNewline_CountsLinesForLaterErrors()
    {
        var table = Read("customer_id,timestamp,amount,category\na,2024-01-01,1,\"two\nlines\"\nb,2024-01-02,2,x\n");
        Assert.Equal("two\nlines", table.Categories[0]);
        Fails("customer_id,timestamp,amount,category\na,2024-01-01,1,\"two\nlines\"\nb,2024-01-02,-2,x\n", 4, "amount");
    }

    [Fact]
    public void ReadStream_NoFinalNewline_ReadsLastRow()
    {
        Assert.Equal(2, Read("customer_id,timestamp,amount\na,2024-01-01,1\nb,2024-01-02,2").Count);
    }

    [Fact]
    public void ReadStream_EmptyFile_Throws() => Fails("", 1, "header");

    [Fact]
    public void ReadStream_BlankLinesOnly_Throws() => Fails("\n\r\n \n", 1, "header");

    [Fact]
    public void ReadStream_HeaderOnly_Throws()
    {
        var ex = Fails("customer_id,timestamp,amount\n", 1, "header");
        Assert.Contains("no data rows", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("customer,timestamp,amount", "customer_id")]
    [InlineData("customer_id,amount", "timestamp")]
    [InlineData("customer_id,timestamp", "amount")]
    public void ReadStream_MissingRequiredColumn_Throws(string header, string field)
    {
        var ex = Fails(header + "\nx,2024-01-01\n", 1, field);
        Assert.Contains("required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadStream_DuplicateColumn_Throws() => Fails("customer_id,timestamp,amount,Amount\na,2024-01-01,1,1\n", 1, "Amount");

    [Fact]
    public void ReadStream_TooFewFields_NamesFirstMissingColumn()
    {
        var ex = Fails("customer_id,timestamp,amount,channel\nsecret,2024-01-01,1,web\nsecret,2024-01-01\n", 3, "amount");
        Assert.Contains("Expected 4 fields", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadStream_TooManyFields_Throws()
    {
        var ex = Fails("customer_id,timestamp,amount\nsecret,2024-01-01,1,extra\n", 2, "(field 4)");
        Assert.Contains("found 4", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-13-01")]
    [InlineData("2024-02-30")]
    [InlineData("01/02/2024")]
    [InlineData("2024-01-01T25:00")]
    [InlineData("2024-01-01T10:00+8")]
    [InlineData("")]
    [InlineData("yesterday")]
    public void ReadStream_BadTimestamp_Throws(string value)
    {
        var ex = Fails($"customer_id,timestamp,amount\nsecret,{value},1\n", 2, "timestamp");
        Assert.Contains("ISO-8601", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("1,000.00")]
    [InlineData("1e3")]
    [InlineData("")]
    [InlineData("12.3.4")]
    [InlineData("Infinity")]
    public void ReadStream_BadAmount_Throws(string value) =>
        Fails($"customer_id,timestamp,amount\nsecret,2024-01-01,\"{value}\"\n", 2, "amount");

    [Fact]
    public void ReadStream_NegativeAmount_ThrowsWithRefundHint()
    {
        var ex = Fails("customer_id,timestamp,amount\nsecret,2024-01-01,5\nsecret,2024-01-02,-5\n", 3, "amount");
        Assert.Contains("return", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("two")]
    [InlineData("0")]
    [InlineData("-1")]
    public void ReadStream_BadQuantity_Throws(string value) =>
        Fails($"customer_id,timestamp,amount,quantity\nsecret,2024-01-01,1,{value}\n", 2, "quantity");

    [Fact]
    public void ReadStream_BadKindOrReason_Throws()
    {
        Fails("customer_id,timestamp,amount,kind\nsecret,2024-01-01,1,gift\n", 2, "kind");
        Fails("customer_id,timestamp,amount,kind,original_order_id,return_reason\nsecret,2024-01-01,1,return,o1,too-big\n", 2, "return_reason");
    }

    [Fact]
    public void ReadStream_UnclosedQuote_NamesLineWhereItOpened()
    {
        var ex = Fails("customer_id,timestamp,amount,category\nsecret,2024-01-01,1,x\nsecret,2024-01-01,1,\"open\nstill open\n", 3, "category");
        Assert.Contains("not closed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadStream_TextAfterClosingQuote_Throws() =>
        Fails("customer_id,timestamp,amount,category\nsecret,2024-01-01,1,\"a\"b\n", 2, "category");

    [Fact]
    public void ReadStream_BlankCustomerId_Throws() => Fails("customer_id,timestamp,amount\n  ,2024-01-01,1\n", 2, "customer_id");

    [Fact]
    public void ReadStream_OrderIdReusedByOtherCustomer_Throws() =>
        Fails("order_id,customer_id,timestamp,amount\no1,secret,2024-01-01,1\no1,secret2,2024-01-01,1\n", 3, "order_id");

    [Fact]
    public void ReadStream_OrderIdReusedAtOtherTime_Throws() =>
        Fails("order_id,customer_id,timestamp,amount\no1,secret,2024-01-01,1\no1,secret,2024-01-02,1\n", 3, "order_id");

    [Fact]
    public void ReadStream_ReturnOfUnknownOrder_ThrowsAtItsLine() =>
        Fails("order_id,customer_id,timestamp,amount,kind,original_order_id\no1,secret,2024-01-01,1,,\n\nr1,secret,2024-01-03,1,return,o9\n", 4, "original_order_id");

    [Fact]
    public void ReadStream_ReturnOfOtherCustomersOrder_ThrowsAtItsLine() =>
        Fails("order_id,customer_id,timestamp,amount,kind,original_order_id\no1,secret,2024-01-01,1,,\nr1,secret2,2024-01-03,1,return,o1\n", 3, "customer_id");

    [Fact]
    public void ReadStream_ReturnWithoutOriginalOrder_Throws() =>
        Fails("customer_id,timestamp,amount,kind\nsecret,2024-01-01,1,return\n", 2, "original_order_id");

    [Fact]
    public void ReadTable_File_UsesFileNameInErrors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cemcore-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "customer_id,timestamp,amount\na,2024-01-01,x\n");
        try
        {
            var ex = Assert.Throws<DataFormatException>(() => CsvTransactionReader.ReadTable(path));
            Assert.Equal(Path.GetFileName(path), ex.File);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadStream_LargeInput_CrossesBufferBoundaries()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var sb = new StringBuilder("customer_id,order_id,timestamp,amount,category\n");
        for (var i = 0; i < 50_000; i++)
        {
            sb.Append("cust").Append(i % 977).Append(",o").Append(i).Append(',')
              .Append(t0.AddMinutes(i).ToString("yyyy-MM-ddTHH:mm:ssZ", inv)).Append(',')
              .Append(i % 1000).Append('.').Append((i % 100).ToString("D2", inv)).Append(",\"cat ").Append(i % 7).Append("\"\n");
        }

        var table = Read(sb.ToString());
        Assert.Equal(50_000, table.Count);
        Assert.Equal(977, table.CustomerIds.Count);
        Assert.Equal(7, table.Categories.Count);
        for (var i = 0; i < 50_000; i += 997)
        {
            Assert.Equal((i % 1000) + ((i % 100) / 100m), table.Amounts[i]);
            Assert.Equal(t0.AddMinutes(i).UtcTicks, table.UtcTicks[i]);
        }
    }
}

/// <summary>Non-seekable input (unknown length) takes the two-thread pipeline; results and errors must equal the sequential path.</summary>
public sealed class CsvTransactionReaderPipelineTests
{
    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    private static TransactionTable ReadForwardOnly(string csv)
    {
        using var stream = new ForwardOnlyStream(Encoding.UTF8.GetBytes(csv));
        return CsvTransactionReader.ReadStream(stream, "t.csv");
    }

    private static string Synthetic(int rows, string? badRow = null, int badAt = -1)
    {
        var sb = new StringBuilder("customer_id,order_id,timestamp,amount,category,kind,original_order_id\n");
        for (var i = 0; i < rows; i++)
        {
            if (i == badAt)
            {
                sb.Append(badRow).Append('\n');
                continue;
            }

            var day = 1 + (i % 28);
            sb.Append('c').Append(i % 1234).Append(",o").Append(i).Append(",2024-02-").Append(day.ToString("D2", System.Globalization.CultureInfo.InvariantCulture))
              .Append(',').Append(i % 500).Append(".25,cat").Append(i % 5).Append(",,\n");
            if (i % 10 == 0)
            {
                sb.Append('c').Append(i % 1234).Append(",r").Append(i).Append(",2024-03-01,1,,return,o").Append(i).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>Issue 17: the reader packs amounts and discounts while it parses; a column switches to decimals at its first value that
    /// does not pack (here row 20,000 of 30,000, long after the first batches), on both paths, and every value comes back as written.</summary>
    [Theory]
    [InlineData("0.125", "3.5")]
    [InlineData("7.25", "0.001")]
    [InlineData("5000000000", "123456789012.5")]
    public void ReadStream_ColumnThatStopsPackingMidFile_KeepsEveryValue(string amount, string discount)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var sb = new StringBuilder("customer_id,order_id,timestamp,amount,discount\n");
        var amounts = new List<string>();
        var discounts = new List<string>();
        for (var i = 0; i < 30_000; i++)
        {
            var a = i == 20_000 ? amount : (i % 700).ToString(inv) + (i % 3 == 0 ? ".50" : i % 3 == 1 ? ".5" : string.Empty);
            var d = i == 20_000 ? discount : i % 4 == 0 ? "0" : (i % 9).ToString(inv) + ".00";
            amounts.Add(a);
            discounts.Add(d);
            sb.Append('c').Append(i % 1234).Append(",o").Append(i).Append(",2024-02-01,").Append(a).Append(',').Append(d).Append('\n');
        }

        var csv = sb.ToString();
        foreach (var table in new[] { CsvTransactionReaderTests.Read(csv), ReadForwardOnly(csv) })
        {
            Assert.Equal(30_000, table.Count);
            Assert.Equal(!PackedMoney.TryPack(decimal.Parse(amount, inv), out _), table.PackedAmounts is null);
            Assert.Equal(!PackedMoney.TryPack(decimal.Parse(discount, inv), out _), table.PackedDiscounts is null);
            for (var i = 0; i < 30_000; i++)
            {
                Assert.Equal(decimal.GetBits(decimal.Parse(amounts[i], inv)), decimal.GetBits(table.Amounts[i]));
                Assert.Equal(decimal.GetBits(decimal.Parse(discounts[i], inv)), decimal.GetBits(table.Discounts[i]));
            }
        }
    }

    [Fact]
    public void ReadStream_Pipelined_EqualsSequential()
    {
        var csv = Synthetic(30_000);
        var sequential = CsvTransactionReaderTests.Read(csv);
        var pipelined = ReadForwardOnly(csv);
        Assert.Equal(sequential.Count, pipelined.Count);
        Assert.Equal(sequential.OrderCount, pipelined.OrderCount);
        Assert.True(sequential.UtcTicks.SequenceEqual(pipelined.UtcTicks));
        Assert.True(sequential.Amounts.SequenceEqual(pipelined.Amounts));
        Assert.True(sequential.OrderIndex.SequenceEqual(pipelined.OrderIndex));
        Assert.True(sequential.OriginalOrderIndex.SequenceEqual(pipelined.OriginalOrderIndex));
        Assert.True(sequential.CategoryIndex.SequenceEqual(pipelined.CategoryIndex));
        Assert.Equal(sequential.CustomerIds, pipelined.CustomerIds);
    }

    [Theory]
    [InlineData("c1,oX,2024-02-01,abc,,,", "amount")]               // parse error in the producer
    [InlineData("c1,o5,2024-02-09,1,,,", "order_id")]                // builder error in the consumer (o5 reused at another time)
    public void ReadStream_Pipelined_ReportsTheErrorLine(string badRow, string field)
    {
        var csv = Synthetic(20_000, badRow, badAt: 15_000);
        var expectedLine = csv[..csv.IndexOf(badRow, StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        var ex = Assert.Throws<DataFormatException>(() => ReadForwardOnly(csv));
        Assert.Equal(expectedLine, ex.Line);
        Assert.Equal(field, ex.Field);
        var ex2 = Assert.Throws<DataFormatException>(() => CsvTransactionReaderTests.Read(csv));
        Assert.Equal(ex.Message, ex2.Message);
    }

    /// <summary>
    /// Batches are tokenized, parsed and built by different threads in different orders; whichever error comes first in the file must
    /// be the one reported, whatever stage finds it (tokenizer, parser, builder), with the rows before it and nothing after it.
    /// </summary>
    [Theory]
    [InlineData(15_000, "c1,oX,2024-02-01,abc,,,", 17_000, "c1,\"open,2024-02-01,1,,,", "amount")]        // parse error, then a tokenizer error
    [InlineData(15_000, "c1,\"open,2024-02-01,1,,,", 17_000, "c1,oX,2024-02-01,abc,,,", "order_id")]      // tokenizer error (unclosed quote runs to the end)
    [InlineData(12_000, "c1,o5,2024-02-09,1,,,", 19_000, "c1,oY,2024-02-01,abc,,,", "order_id")]          // builder error, then a parse error
    [InlineData(4_100, "c1,oZ,2024-02-30,1,,,", 4_101, "c1,oW,2024-02-01,abc,,,", "timestamp")]            // two parse errors in one batch
    public void ReadStream_Pipelined_TwoErrors_ReportsTheFirstInTheFile(int firstAt, string firstRow, int secondAt, string secondRow, string field)
    {
        var csv = Synthetic(20_000, firstRow, firstAt);
        var cut = csv.IndexOf(firstRow, StringComparison.Ordinal);
        var lines = csv.Split('\n');
        var secondLine = Array.FindIndex(lines, 1, l => l.StartsWith("c" + (secondAt % 1234).ToString(System.Globalization.CultureInfo.InvariantCulture) + ",o" + secondAt.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",", StringComparison.Ordinal));
        Assert.True(secondLine > 0);
        lines[secondLine] = secondRow;
        csv = string.Join('\n', lines);
        var expectedLine = csv[..cut].Count(c => c == '\n') + 1;
        var ex = Assert.Throws<DataFormatException>(() => ReadForwardOnly(csv));
        Assert.Equal(expectedLine, ex.Line);
        Assert.Equal(field, ex.Field);
        var ex2 = Assert.Throws<DataFormatException>(() => CsvTransactionReaderTests.Read(csv));
        Assert.Equal(ex.Message, ex2.Message);
    }

    [Fact]
    public void ReadStream_Pipelined_InvalidUtf8InALaterBatch_NamesItsLine()
    {
        var csv = Synthetic(20_000);
        var bytes = Encoding.UTF8.GetBytes(csv);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        const int BadLine = 16_001; // 1-based
        bytes[lineStarts[BadLine - 1] + 1] = 0xFF; // the second byte of the customer id
        using var stream = new ForwardOnlyStream(bytes);
        var ex = Assert.Throws<DataFormatException>(() => CsvTransactionReader.ReadStream(stream, "t.csv"));
        Assert.Equal(BadLine, ex.Line);
        Assert.Equal("customer_id", ex.Field);
    }

    [Fact]
    public void ReadStream_Pipelined_CancelledMidway_StopsWithoutReadingOn()
    {
        var csv = Synthetic(60_000);
        using var cts = new CancellationTokenSource();
        var reports = 0;
        var progress = new SyncProgress(p =>
        {
            if (++reports == 2)
            {
                cts.Cancel();
            }
        });
        using var stream = new ForwardOnlyStream(Encoding.UTF8.GetBytes(csv));
        Assert.ThrowsAny<OperationCanceledException>(() => CsvTransactionReader.ReadStream(stream, "t.csv", progress, cts.Token));
        Assert.Equal(2, reports);
    }

    /// <summary>A stream that fails mid-file (a dropped network share, a bad disk) must fail the read on the calling thread, not hang it.</summary>
    [Fact]
    public void ReadStream_Pipelined_StreamFailsMidway_RethrowsTheIOException()
    {
        var bytes = Encoding.UTF8.GetBytes(Synthetic(60_000));
        using var stream = new FailingStream(bytes, failAfter: bytes.Length / 2);
        var ex = Assert.Throws<IOException>(() => CsvTransactionReader.ReadStream(stream, "t.csv"));
        Assert.Equal("disk gone", ex.Message);
    }

    private sealed class FailingStream(byte[] data, int failAfter) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override int Read(byte[] buffer, int offset, int count) =>
            Position >= failAfter ? throw new IOException("disk gone") : base.Read(buffer, offset, Math.Min(count, 64 * 1024));

        public override int Read(Span<byte> buffer) =>
            Position >= failAfter ? throw new IOException("disk gone") : base.Read(buffer[..Math.Min(buffer.Length, 64 * 1024)]);
    }

    private sealed class SyncProgress(Action<CemCore.Primitives.OperationProgress> report) : IProgress<CemCore.Primitives.OperationProgress>
    {
        public void Report(CemCore.Primitives.OperationProgress value) => report(value);
    }
}
