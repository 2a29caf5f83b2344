using System.Text;
using CemCore.Experiments.Statistics;
using CemCore.Personalization;
using CemCore.Segmentation.Rfm;
using CemCore.Sources;
using CemCore.Sources.Csv;

namespace CemCore.Tests.Sources;

/// <summary>Issue 16: bad input that was accepted silently or failed with an internal error.</summary>
public sealed class InputHardeningTests
{
    private static DataFormatException Fails(byte[] csv)
    {
        using var stream = new MemoryStream(csv);
        return Assert.Throws<DataFormatException>(() => CsvTransactionReader.ReadStream(stream, "t.csv"));
    }

    [Fact]
    public void InvalidUtf8_InCustomerId_NamesFileLineAndField()
    {
        // 张三 in GBK, then a valid UTF-8 row: U+FFFD replacement would have merged distinct GBK names.
        var ex = Fails([.. "customer_id,timestamp,amount\nok,2024-01-01,1\n"u8, 0xD5, 0xC5, 0xC8, 0xFD, .. ",2024-01-01,5\n"u8]);
        Assert.Equal(("t.csv", 3L, "customer_id"), (ex.File, ex.Line, ex.Field));
        Assert.Contains("not valid UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8_InQuotedLaterField_NamesThatField()
    {
        var ex = Fails([.. "customer_id,timestamp,amount,category\n\"a\",2024-01-01,5,\"caf"u8, 0xE9, .. "\"\n"u8]);
        Assert.Equal((2L, "category"), (ex.Line, ex.Field));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(65536)]
    public void Utf8_IsCheckedAcrossBufferRefills_ValidMultiByteRowsRead_FirstInvalidRowNamed(int readSize)
    {
        // The tokenizer validates blocks of complete lines, not records: multi-byte characters cut by every kind of read boundary must
        // still be accepted, and an invalid row deep in the file (after many refills) must still be named by its own line and field.
        var rows = new StringBuilder("customer_id,timestamp,amount,category\n");
        for (var i = 0; i < 5000; i++)
        {
            rows.Append("顾客").Append(i).Append(",2024-01-01,").Append(1 + (i % 9)).Append(",鞋").Append(i % 3 == 0 ? "€" : "é").Append('\n');
        }

        var valid = Encoding.UTF8.GetBytes(rows.ToString());
        using (var stream = new TrickleStream(valid, readSize))
        {
            var table = CsvTransactionReader.ReadStream(stream, "t.csv");
            Assert.Equal(5000, table.Count);
            Assert.Equal("顾客4999", table.CustomerIds[^1]);
        }

        byte[] bad = [.. valid, .. "顾客x,2024-01-01,5,"u8, 0xD0, 0xAC, 0xFF, .. "\n顾客y,2024-01-01,5,a\n"u8];
        using var badStream = new TrickleStream(bad, readSize);
        var ex = Assert.Throws<DataFormatException>(() => CsvTransactionReader.ReadStream(badStream, "t.csv"));
        Assert.Equal(("t.csv", 5002L, "category"), (ex.File, ex.Line, ex.Field));
    }

    /// <summary>A stream that returns at most <c>readSize</c> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int readSize) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, readSize));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, readSize)]);
    }

    [Fact]
    public void ValidUtf8_Chinese_IsRead()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("customer_id,timestamp,amount\n张三,2024-01-01,5\n李四,2024-01-01,5\n"));
        Assert.Equal(["张三", "李四"], CsvTransactionReader.ReadStream(stream, "t.csv").CustomerIds);
    }

    [Theory]
    [InlineData("1000000000000000001")]
    [InlineData("79228162514264337593543950335")]
    public void AmountAbove1e18_IsRejected(string amount)
    {
        var ex = Fails(Encoding.UTF8.GetBytes($"customer_id,timestamp,amount\na,2024-01-01,{amount}\n"));
        Assert.Equal((2L, "amount"), (ex.Line, ex.Field));
    }

    [Fact]
    public void AmountOf1e18_IsAccepted_AndTwoBillionSuchRowsCannotOverflow()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("customer_id,timestamp,amount\na,2024-01-01,1000000000000000000\n"));
        Assert.Equal(1e18m, CsvTransactionReader.ReadStream(stream, "t.csv").Amounts[0]);
        Assert.True(1e18m * int.MaxValue < decimal.MaxValue);
    }

    [Theory]
    [InlineData("0001-01-01")]
    [InlineData("1899-12-31T23:59:59Z")]
    [InlineData("2200-01-01")]
    [InlineData("9999-12-31")]
    public void TimestampOutside1900To2199_IsRejected(string timestamp)
    {
        var ex = Fails(Encoding.UTF8.GetBytes($"customer_id,timestamp,amount\na,{timestamp},5\n"));
        Assert.Equal((2L, "timestamp"), (ex.Line, ex.Field));
    }

    [Fact]
    public void TimestampAtTheEndsOfTheRange_IsAccepted()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("customer_id,timestamp,amount\na,1900-01-01,5\nb,2199-12-31T23:59:59Z,5\n"));
        Assert.Equal(2, CsvTransactionReader.ReadStream(stream, "t.csv").Count);
    }

    [Fact]
    public void RuleJsonNestedDeeperThan64_SaysTooDeep()
    {
        var json = "{\"rules\":" + new string('[', 70) + new string(']', 70) + "}";
        var ex = Assert.Throws<CemCore.Rules.RuleDefinitionException>(() => PersonalizationRuleJson.Load(json));
        Assert.Contains("nested deeper than 64 levels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleJsonMalformed_StillSaysMalformed()
    {
        var ex = Assert.Throws<CemCore.Rules.RuleDefinitionException>(() => PersonalizationRuleJson.Load("{\"rules\": [,]}"));
        Assert.Contains("Malformed JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SegmentMapNestedDeeperThan64_SaysTooDeep()
    {
        var json = new string('[', 65) + new string(']', 65);
        var ex = Assert.Throws<DataFormatException>(() => RfmSegmentMap.LoadJson(json, "map.json"));
        Assert.Contains("nested deeper than 64 levels", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is not valid JSON", Assert.Throws<DataFormatException>(() => RfmSegmentMap.LoadJson(new string('[', 64) + new string(']', 63), "map.json")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleSize_BeyondOneTrillionPerGroup_Throws_InsteadOfSaturating()
    {
        // statsmodels: NormalIndPower().solve_power(effect_size=proportion_effectsize(0.05+1e-12, 0.05), alpha=.05, power=.8) ~ 7.5e23.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PowerAnalysis.SampleSizeForProportions(0.05, 1e-12));
        Assert.Equal("minimumDetectableEffect", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerAnalysis.SampleSizeForMeans(1, 1e-7));
        // n scales as 1/d²: 7.46e23 at d = 1e-12 is 7.46e9 at d = 1e-5, below the limit, so still returned.
        Assert.InRange(PowerAnalysis.SampleSizeForProportions(0.05, 1e-5).PerGroup, 7.4e9, 7.5e9);
    }
}
