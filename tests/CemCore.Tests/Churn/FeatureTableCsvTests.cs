using CemCore.Churn;
using CemCore.Sources;

namespace CemCore.Tests.Churn;

public sealed class FeatureTableCsvTests
{
    private static FeatureTable Read(string text) => FeatureTableCsv.Read(new StringReader(text), "t.csv");

    [Fact]
    public void Read_ParsesIdsNumbersMissingAndTextColumns()
    {
        var t = Read("customer_id,recency,segment,\"aov\"\nC1,1.5,gold,10\n\"C,2\",,silver,NA\n\nC3,1e2,gold,-3\n");
        Assert.Equal(["C1", "C,2", "C3"], t.CustomerIds);
        Assert.Equal(["recency", "aov"], t.Matrix.ColumnNames);
        Assert.Equal(["segment"], t.TextColumns);
        Assert.Equal(1.5, t.Matrix[0, 0]);
        Assert.True(double.IsNaN(t.Matrix[1, 0]));
        Assert.True(double.IsNaN(t.Matrix[1, 1]));
        Assert.Equal(100.0, t.Matrix[2, 0]);
        Assert.Equal(-3.0, t.Matrix[2, 1]);
    }

    [Fact]
    public void Read_WrongCellCount_NamesLine()
    {
        var ex = Assert.Throws<DataFormatException>(() => Read("a,b\n1,2\n3\n"));
        Assert.Equal(3, ex.Line);
        Assert.Equal("t.csv", ex.File);
        Assert.Contains("expected 2 cells", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MixedColumn_NamesLineAndColumnWithoutTheValue()
    {
        var ex = Assert.Throws<DataFormatException>(() => Read("a,b\n1,2\n3,secret\n"));
        Assert.Equal(3, ex.Line);
        Assert.Equal("b", ex.Field);
        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a,a\n1,2\n", "more than once")]
    [InlineData("a,\n1,2\n", "no name")]
    [InlineData("a,b\n\"1,2\n", "not terminated")]
    [InlineData("customer_id\nC1\n", "no numeric column")]
    public void Read_Malformed_Throws(string text, string reason)
    {
        var ex = Assert.Throws<DataFormatException>(() => Read(text));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }
}
