using System.Globalization;
using System.Text;
using CemCore.Sources;
using CemCore.Sources.Csv;
using CemCore.Transactions;

namespace CemCore.Tests.Sources;

/// <summary>
/// The reader numbers orders and customers from the ids' UTF-8 bytes and sizes the table from a sample of the file (issue 17).
/// Reference: the same rows split by a minimal RFC 4180 splitter in this test and added through the public
/// <see cref="TransactionTableBuilder.AddRow"/>, which numbers orders on its own UTF-16 map (<see cref="SpanKeyMap"/>) after
/// <see cref="MemoryExtensions.Trim(ReadOnlySpan{char})"/>. Both the sequential (small or seekable input under 4 MiB) and the pipelined
/// (non-seekable or 4 MiB and more) paths are compared.
/// </summary>
public sealed class CsvTransactionReaderNumberingTests
{
    private const string Header = "customer_id,order_id,timestamp,amount,kind,original_order_id,note";

    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    private static TransactionTable ReadSeekable(string csv)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(csv));
        return CsvTransactionReader.ReadStream(stream, "t.csv");
    }

    private static TransactionTable ReadForwardOnly(string csv)
    {
        using var stream = new ForwardOnlyStream(Encoding.UTF8.GetBytes(csv));
        return CsvTransactionReader.ReadStream(stream, "t.csv");
    }

    /// <summary>The reference: split each record (quotes, "" escapes, CRLF) and add it with the public char-span API.</summary>
    private static TransactionTable Reference(string csv)
    {
        var records = Split(csv);
        var header = records[0];
        int Col(string name) => Array.IndexOf(header, name);
        var builder = new TransactionTableBuilder();
        foreach (var r in records.Skip(1))
        {
            var isReturn = r[Col("kind")] == "return";
            builder.AddRow(
                r[Col("customer_id")],
                DateTimeOffset.Parse(r[Col("timestamp")], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcTicks,
                decimal.Parse(r[Col("amount")], CultureInfo.InvariantCulture),
                isReturn ? TransactionKind.Return : TransactionKind.Purchase,
                r[Col("order_id")],
                default,
                Col("category") >= 0 ? r[Col("category")] : default,
                1,
                0m,
                r[Col("original_order_id")],
                isReturn ? ReturnReason.Other : ReturnReason.Unspecified);
        }

        return builder.Build();
    }

    private static List<string[]> Split(string csv)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < csv.Length; i++)
        {
            var ch = csv[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < csv.Length && csv[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (ch == '\n' || (ch == '\r' && i + 1 < csv.Length && csv[i + 1] == '\n'))
            {
                i += ch == '\r' ? 1 : 0;
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
            }
            else
            {
                field.Append(ch);
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }

        return records;
    }

    private static void AssertSameTable(TransactionTable expected, TransactionTable actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.OrderCount, actual.OrderCount);
        Assert.Equal(expected.CustomerIds, actual.CustomerIds);
        Assert.True(expected.CustomerIndex.SequenceEqual(actual.CustomerIndex));
        Assert.True(expected.UtcTicks.SequenceEqual(actual.UtcTicks));
        Assert.True(expected.Amounts.SequenceEqual(actual.Amounts));
        Assert.True(expected.Kinds.SequenceEqual(actual.Kinds));
        Assert.True(expected.OrderIndex.SequenceEqual(actual.OrderIndex));
        Assert.True(expected.OriginalOrderIndex.SequenceEqual(actual.OriginalOrderIndex));
        Assert.Equal(expected.Categories, actual.Categories);
        Assert.True(expected.CategoryIndex.SequenceEqual(actual.CategoryIndex));
    }

    /// <summary>Rows whose order ids vary in white space (ASCII, tab, no-break space U+00A0, ideographic space U+3000), non-ASCII letters,
    /// quoting, and empty ids; returns refer back to earlier orders through differently padded ids. Customer ids vary the same way
    /// (padding, non-ASCII, quoted with a comma), come back after other customers, and run over several rows; so do categories (and
    /// some rows have none).</summary>
    private static string Orders(int rows, string lineEnd = "\n", Func<int, string>? note = null)
    {
        string[] pads = ["", " ", "\t", "\u00A0", "\u3000", "  "];
        var sb = new StringBuilder(Header).Append(",category").Append(lineEnd);
        string[] categories = ["shoes", " shoes", "shoes\u00A0", "鞋子", "\"bags, small\"", "", "\t鞋子 "];
        var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < rows; i++)
        {
            var orderNo = i / 3; // three lines per order
            var at = t0.AddHours(orderNo).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var customerNo = (orderNo % 97).ToString(CultureInfo.InvariantCulture);
            var customerId = (orderNo % 3) switch
            {
                0 => "c" + customerNo,
                1 => "客户" + customerNo,
                _ => "\"ö, " + customerNo + "\"",
            };

            // Customers are numbered on their UTF-8 bytes too: the same customer with other padding on each line (not inside quotes).
            string Customer(int k) => customerId.StartsWith('"') ? customerId : pads[(k + 2) % pads.Length] + customerId + pads[(k / 3) % pads.Length];
            var customer = Customer(i);
            var id = (orderNo % 5) switch
            {
                0 => "o" + orderNo.ToString(CultureInfo.InvariantCulture),
                1 => "ö-" + orderNo.ToString(CultureInfo.InvariantCulture),
                2 => "\"o, " + orderNo.ToString(CultureInfo.InvariantCulture) + " \"\"q\"\"\"",
                3 => string.Empty,
                _ => "订单" + orderNo.ToString(CultureInfo.InvariantCulture),
            };
            var pad = pads[i % pads.Length];
            var padded = id.Length == 0 ? pads[(i + 1) % pads.Length] : id.StartsWith('"') ? id : pad + id + pads[(i / 2) % pads.Length];
            sb.Append(customer).Append(',').Append(padded).Append(',').Append(at).Append(",1.5,purchase,,").Append(note?.Invoke(i) ?? "n").Append(',')
                .Append(categories[(i * 5) % categories.Length]).Append(lineEnd);
            if (i % 3 == 2 && (orderNo % 5 is 0 or 1 or 4) && orderNo % 2 == 0)
            {
                // A return of this order, naming it with other padding; the return's own id is empty (an order of its own).
                var returnAt = t0.AddHours(orderNo).AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                sb.Append(Customer(i + 1)).Append(",,").Append(returnAt).Append(",0.5,return,").Append(pads[(i + 3) % pads.Length]).Append(id)
                  .Append(pads[(i + 4) % pads.Length]).Append(",r,").Append(categories[i % categories.Length]).Append(lineEnd);
            }
        }

        return sb.ToString();
    }

    [Theory]
    [InlineData(1, "\n")]
    [InlineData(2, "\r\n")]
    [InlineData(300, "\n")]
    [InlineData(3_000, "\r\n")]
    public void ReadStream_OrderNumbers_EqualTheBuildersOwnNumbering(int rows, string lineEnd)
    {
        var csv = Orders(rows, lineEnd);
        var expected = Reference(csv);
        AssertSameTable(expected, ReadSeekable(csv));
        AssertSameTable(expected, ReadForwardOnly(csv));
    }

    [Fact]
    public void ReadStream_WhiteSpacePaddedIds_AreOneOrder()
    {
        // The same order id with ASCII, tab and no-break-space padding: one order, as the builder's Trim() sees it.
        var csv = Header + "\n" + "c1, o1 ,2024-01-01,1,purchase,,\n" + "c1,\to1\u00A0,2024-01-01,2,purchase,,\n" + "c1,o1,2024-01-01,3,purchase,,\n"
            + "c1,,2024-01-02,1,return,\u3000o1,\n";
        var table = ReadSeekable(csv);
        Assert.Equal(2, table.OrderCount);
        Assert.True(table.OrderIndex.SequenceEqual([0, 0, 0, 1]));
        Assert.Equal(0, table.OriginalOrderIndex[3]);
        AssertSameTable(Reference(csv), table);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadStream_SizeEstimateTooSmallOrTooLarge_ReadsEveryRow(bool longLinesFirst)
    {
        // Over 4 MiB and seekable: the pipelined path with the columns sized from the first buffer's mean line length. Long lines
        // first make the estimate several times too small (the columns grow); short lines first make it several times too large.
        var longNote = new string('x', 600);
        var rows = longLinesFirst ? 80_000 : 36_000;
        string Note(int i) => (longLinesFirst ? i < 2_000 : i >= 30_000) ? longNote : "s";
        var csv = Orders(rows, "\n", Note);
        Assert.True(Encoding.UTF8.GetByteCount(csv) >= CsvTransactionReader.PipelineThresholdBytes);
        var expected = Reference(csv);
        AssertSameTable(expected, ReadSeekable(csv));
    }

    /// <summary>A forward-only stream that hands out at most <paramref name="chunk"/> bytes per read, as a pipe or a socket may.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }

    /// <summary>A quoted note of about <paramref name="length"/> characters with line breaks (LF and CRLF) and doubled quotes inside.</summary>
    private static string QuotedNote(int length, int seed)
    {
        var sb = new StringBuilder(length + 2).Append('"');
        for (var k = 0; sb.Length < length; k++)
        {
            sb.Append(((k + seed) % 7) switch
            {
                0 => "\n",
                1 => "\r\n",
                2 => "\"\"",
                3 => "ö, ",
                _ => "abcdefghij",
            });
        }

        return sb.Append('"').ToString();
    }

    [Theory]
    [InlineData(true, "\n")]
    [InlineData(true, "\r\n")]
    [InlineData(false, "\n")]
    public void ReadStream_RecordsLongerThanABatchBufferAndQuotedLineBreaks_ReadEveryRow(bool pipelined, string lineEnd)
    {
        // Issue 17: each batch of records is tokenized in a buffer of its own (512 KiB to start, read 128 KiB at a time; a batch ends
        // early when its buffer is full and the next goes on from the partial record). Records longer than that buffer and than the
        // tokenizer's first 1 MiB, quoted notes with line breaks and "" escapes across the read steps; over 4 MiB the pipelined path,
        // under it the sequential one. Read twice: the second read reuses the batches and their grown buffers.
        string Note(int i) =>
            i % 4001 == 17 ? QuotedNote(1_500_000, i)
            : i % 2503 == 9 ? new string('y', 700_000)
            : i % 997 == 3 ? QuotedNote(140_000, i)
            : "n";
        var csv = Orders(pipelined ? 40_000 : 2_000, lineEnd, Note);
        var size = Encoding.UTF8.GetByteCount(csv);
        Assert.Equal(pipelined, size >= CsvTransactionReader.PipelineThresholdBytes);
        var expected = Reference(csv);
        AssertSameTable(expected, ReadSeekable(csv));
        AssertSameTable(expected, ReadSeekable(csv));
        AssertSameTable(expected, ReadForwardOnly(csv));
    }

    [Fact]
    public void ReadStream_AStreamThatHandsOutFewBytesPerRead_ReadsEveryRow()
    {
        // Reads that return 1-7 bytes make nearly every record need more bytes, in the middle of a field, a quote or a line end.
        var csv = Orders(30_000, "\r\n", i => i % 50 == 1 ? QuotedNote(300, i) : "n");
        Assert.True(Encoding.UTF8.GetByteCount(csv) >= CsvTransactionReader.PipelineThresholdBytes / 2);
        var expected = Reference(csv);
        foreach (var chunk in new[] { 1, 7 })
        {
            using var stream = new TrickleStream(Encoding.UTF8.GetBytes(csv), chunk);
            AssertSameTable(expected, CsvTransactionReader.ReadStream(stream, "t.csv"));
        }
    }

    [Fact]
    public void ReadStream_ErrorAfterRecordsLongerThanABatchBuffer_NamesItsLine()
    {
        // Line numbers count the line breaks inside quoted notes, across batches that ended early on a full buffer.
        var csv = Orders(20_000, "\n", i => i % 3001 == 5 ? QuotedNote(1_200_000, i) : "n");
        var bad = csv.IndexOf(",1.5,purchase,", csv.Length * 9 / 10, StringComparison.Ordinal);
        csv = string.Concat(csv.AsSpan(0, bad), ",1.x", csv.AsSpan(bad + 4));
        var expectedLine = csv.AsSpan(0, csv.LastIndexOf('\n', bad) + 1).Count('\n') + 1;
        var ex = Assert.Throws<DataFormatException>(() => ReadSeekable(csv));
        Assert.Equal(expectedLine, ex.Line);
        Assert.Equal("amount", ex.Field);
        var ex2 = Assert.Throws<DataFormatException>(() => ReadForwardOnly(csv));
        Assert.Equal(ex.Message, ex2.Message);
    }

    [Theory]
    [InlineData(1000, 10, 100)]    // the sample is all that is left: the exact line count (+1 for a last line without a line end)
    [InlineData(100_000, 100, 1_000)]
    public void EstimateRows_FromTheSampleMeanLineLength(long remaining, int lineLength, int sampleLines)
    {
        var line = new string('a', lineLength - 1) + "\n";
        var sample = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, sampleLines)));
        var estimate = CsvTransactionReader.EstimateRows(remaining, sample);
        if (remaining <= sample.Length)
        {
            Assert.Equal(sampleLines + 1, estimate);
        }
        else
        {
            var rows = remaining / lineLength;
            Assert.InRange(estimate, rows, (rows * 1.05) + 100);
        }
    }

    [Fact]
    public void EstimateRows_NoLineEndInTheSample_FallsBackToTheLength() =>
        Assert.Equal(1_000_000 / 64, CsvTransactionReader.EstimateRows(1_000_000, "abc"u8));

    [Fact]
    public void EstimateRows_IsAtLeastSixteen() => Assert.Equal(16, CsvTransactionReader.EstimateRows(0, default));
}
