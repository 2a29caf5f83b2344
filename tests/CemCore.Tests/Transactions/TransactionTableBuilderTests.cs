using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Transactions;

namespace CemCore.Tests.Transactions;

public sealed class TransactionTableBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static DataFormatException Fails(Action action)
    {
        var ex = Assert.Throws<DataFormatException>(action);
        Assert.DoesNotContain("secret-customer", ex.Message, StringComparison.Ordinal); // never personal data
        return ex;
    }

    [Fact]
    public void AddPurchase_NegativeAmount_ThrowsNamingRowAndField()
    {
        var b = new TransactionTableBuilder().AddPurchase("secret-customer", T0, 5m);
        var ex = Fails(() => b.AddPurchase("secret-customer", T0, -1m));
        Assert.Equal(2, ex.Line);
        Assert.Equal("amount", ex.Field);
        Assert.Contains("negative", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddPurchase_NegativeDiscountOrZeroQuantity_Throws()
    {
        Assert.Equal("discount", Fails(() => new TransactionTableBuilder().AddPurchase("secret-customer", T0, 5m, discount: -1m)).Field);
        Assert.Equal("quantity", Fails(() => new TransactionTableBuilder().AddPurchase("secret-customer", T0, 5m, quantity: 0)).Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void AddRow_BlankCustomerId_Throws(string id)
    {
        var ex = Fails(() => new TransactionTableBuilder().AddPurchase(id, T0, 5m));
        Assert.Equal("customer_id", ex.Field);
        Assert.Equal(1, ex.Line);
    }

    [Fact]
    public void AddRow_OrderIdReusedByAnotherCustomer_Throws()
    {
        var b = new TransactionTableBuilder().AddPurchase("secret-customer", T0, 5m, "o1");
        var ex = Fails(() => b.AddPurchase("other", T0, 5m, "o1"));
        Assert.Equal("order_id", ex.Field);
        Assert.Equal(2, ex.Line);
        Assert.Contains("first seen at row 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddRow_OrderIdReusedAtAnotherTime_Throws()
    {
        var b = new TransactionTableBuilder().AddPurchase("secret-customer", T0, 5m, "o1");
        Assert.Equal("order_id", Fails(() => b.AddPurchase("secret-customer", T0.AddMinutes(1), 5m, "o1")).Field);
    }

    [Fact]
    public void AddRow_OrderIdReusedForAReturn_Throws()
    {
        var b = new TransactionTableBuilder().AddPurchase("secret-customer", T0, 5m, "o1");
        Assert.Equal("order_id", Fails(() => b.AddReturn("secret-customer", T0, 5m, "o1", returnId: "o1")).Field);
    }

    [Fact]
    public void AddRow_SameOrderIdSameCustomerAndInstant_IsOneOrderWithTwoLines()
    {
        var table = new TransactionTableBuilder()
            .AddPurchase("a", T0, 5m, "o1", category: "apparel")
            .AddPurchase("a", T0, 7m, "o1", category: "beauty")
            .Build();
        Assert.Equal(2, table.Count);
        Assert.Equal(1, table.OrderCount);
        Assert.Equal(table.OrderIndex[0], table.OrderIndex[1]);
    }

    [Fact]
    public void Build_ReturnOfUnknownOrder_Throws()
    {
        var b = new TransactionTableBuilder()
            .AddPurchase("secret-customer", T0, 5m, "o1")
            .AddReturn("secret-customer", T0.AddDays(1), 5m, "o-missing");
        var ex = Fails(() => b.Build());
        Assert.Equal("original_order_id", ex.Field);
        Assert.Equal(2, ex.Line);
        Assert.Contains("not in the data", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ReturnOfAnotherCustomersOrder_Throws()
    {
        var b = new TransactionTableBuilder()
            .AddPurchase("other", T0, 5m, "o1")
            .AddReturn("secret-customer", T0.AddDays(1), 5m, "o1");
        var ex = Fails(() => b.Build());
        Assert.Equal("customer_id", ex.Field);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Build_ReturnOfAReturn_Throws()
    {
        var b = new TransactionTableBuilder()
            .AddPurchase("secret-customer", T0, 5m, "o1")
            .AddReturn("secret-customer", T0.AddDays(1), 5m, "o1", returnId: "r1")
            .AddReturn("secret-customer", T0.AddDays(2), 5m, "r1");
        Assert.Equal(3, Fails(() => b.Build()).Line);
    }

    [Fact]
    public void Build_ReturnBeforeItsPurchaseInInputOrder_IsAccepted()
    {
        var table = new TransactionTableBuilder()
            .AddReturn("a", T0.AddDays(3), 5m, "o1")
            .AddPurchase("a", T0, 5m, "o1")
            .Build();
        Assert.Equal(table.OrderIndex[1], table.OriginalOrderIndex[0]);
    }

    [Fact]
    public void Build_Twice_ThrowsInvalidOperation()
    {
        var b = new TransactionTableBuilder().AddPurchase("a", T0, 1m);
        _ = b.Build();
        Assert.Throws<InvalidOperationException>(() => b.Build());
        Assert.Throws<InvalidOperationException>(() => b.AddPurchase("a", T0, 1m));
    }

    [Fact]
    public void Add_TransactionWithLines_SplitsAmountOverLines()
    {
        var t = new Transaction("o1", "a", T0, 90m, SalesChannel.App,
            [new OrderLine("s1", "apparel", 1, 60m), new OrderLine("s2", "beauty", 2, 20m, 10m)]);
        var table = new TransactionTableBuilder().Add(t).Build();
        Assert.Equal(2, table.Count);
        Assert.Equal(90m, table.Amounts[0] + table.Amounts[1]);
        Assert.Equal(60m, table.Amounts[0]);   // 90 × 60 / 90
        Assert.Equal(2, table.Quantities[1]);
        Assert.Equal(10m, table.Discounts[1]);
        Assert.Equal(1, table.OrderCount);
    }
}
