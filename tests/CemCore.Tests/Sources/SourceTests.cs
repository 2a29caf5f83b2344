using System.Text;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Sources.Csv;
using CemCore.Transactions;

namespace CemCore.Tests.Sources;

public sealed class SourceTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly List<string> _files = [];

    public void Dispose()
    {
        foreach (var f in _files)
        {
            File.Delete(f);
        }
    }

    private string Write(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cemcore-src-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content, new UTF8Encoding(false));
        _files.Add(path);
        return path;
    }

    private static async Task<List<T>> ToList<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var x in items)
        {
            list.Add(x);
        }

        return list;
    }

    private const string TransactionsCsv =
        "order_id,customer_id,timestamp,amount,channel,category,quantity,discount,kind,original_order_id,return_reason\n"
        + "o1,a,2024-01-01T10:00:00Z,90,online,apparel,2,10,purchase,,\n"
        + "o1,a,2024-01-01T10:00:00Z,20,online,beauty,1,0,purchase,,\n"
        + ",b,2024-01-03,15,store,,1,0,,,\n"
        + "r1,a,2024-01-05,30,,,1,0,return,o1,size\n"
        + "o2,b,2024-02-01,50,app,sneakers,1,0,,,\n";

    [Fact]
    public async Task CsvTransactionSource_HonoursWindowAndMapsFields()
    {
        var source = new CsvTransactionSource(Write(TransactionsCsv));
        var all = await ToList(source.ReadTransactionsAsync(TimeWindow.All));
        Assert.Equal(5, all.Count);
        Assert.Equal("o1", all[0].OrderId);
        Assert.Equal("apparel", all[0].Lines[0].Category);
        Assert.Equal(2, all[0].Lines[0].Quantity);
        Assert.Equal(50m, all[0].Lines[0].UnitPrice);           // (90 + 10) / 2
        Assert.Equal("#line4", all[2].OrderId);                   // no order id: the line number
        Assert.Equal(TransactionKind.Return, all[3].Kind);
        Assert.Equal("o1", all[3].OriginalOrderId);
        Assert.Equal(ReturnReason.Size, all[3].ReturnReason);

        var january = await ToList(source.ReadTransactionsAsync(new TimeWindow(T0.AddDays(2), T0.AddDays(31))));
        Assert.Equal(["#line4", "r1"], january.Select(t => t.OrderId));  // [Jan 3, Feb 1)
    }

    [Fact]
    public async Task CsvTransactionSource_FeaturesEqualTheTableReader()
    {
        var path = Write(TransactionsCsv);
        var asOf = T0.AddDays(40);
        var viaSource = await FeatureExtractor.ComputeAsync(new CsvTransactionSource(path), asOf);
        var viaTable = FeatureExtractor.Compute(CsvTransactionReader.ReadTable(path), asOf);
        Assert.Equal(viaTable.Count, viaSource.Count);
        foreach (var f in viaTable)
        {
            Assert.True(viaSource.TryGet(f.CustomerId, out var g));
            Assert.Equal(f.OrderCount, g.OrderCount);
            Assert.Equal(f.MonetaryTotal, g.MonetaryTotal);
            Assert.Equal(f.DiscountTotal, g.DiscountTotal);
            Assert.Equal(f.Btyd, g.Btyd);
            Assert.Equal(f.Categories, g.Categories);
        }
    }

    [Fact]
    public async Task CsvTransactionSource_BadRow_ThrowsWithLocation()
    {
        var source = new CsvTransactionSource(Write("customer_id,timestamp,amount\na,2024-01-01,1\na,2024-01-02,x\n"));
        var ex = await Assert.ThrowsAsync<DataFormatException>(() => ToList(source.ReadTransactionsAsync(TimeWindow.All)));
        Assert.Equal(3, ex.Line);
        Assert.Equal("amount", ex.Field);
    }

    [Fact]
    public async Task CsvCustomerSource_ReadsEveryColumnAndConsents()
    {
        var path = Write(
            "customer_id,signup,birth_date,age_band,gender,region,city,city_tier,occupation,tags,preferred_channel,language,time_zone,membership_id,consent_wechat_marketing,consent_app_push_service,extra\n"
            + "c1,2023-05-01T08:00:00+08:00,1990-02-03,,F,Guangdong,Shenzhen,1,engineer,sneakerhead; runner ,wechat,zh-CN,Asia/Shanghai,M001,granted@2023-06-01,revoked,x\n"
            + "c2,,,25-34,,,,,,,,,,,,,\n");
        var list = await ToList(new CsvCustomerSource(path).ReadCustomersAsync());
        Assert.Equal(2, list.Count);
        var c1 = list[0];
        Assert.Equal(new DateTimeOffset(2023, 5, 1, 0, 0, 0, TimeSpan.Zero), c1.SignedUpAt);
        Assert.Equal(new DateOnly(1990, 2, 3), c1.Demographics.BirthDate);
        Assert.Equal(Gender.Female, c1.Demographics.Gender);
        Assert.Equal(1, c1.Demographics.CityTier);
        Assert.Equal(["sneakerhead", "runner"], c1.Tags);
        Assert.Equal(ContactChannel.WeChat, c1.PreferredChannel);
        Assert.Equal("Asia/Shanghai", c1.TimeZoneId);
        Assert.Equal("M001", c1.MembershipId);
        Assert.Equal(2, c1.Consents.Count);
        Assert.False(c1.MayContact(ContactChannel.WeChat, ConsentPurpose.Marketing, new DateTimeOffset(2023, 5, 31, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(c1.MayContact(ContactChannel.WeChat, ConsentPurpose.Marketing, new DateTimeOffset(2023, 6, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(ConsentStatus.Revoked, c1.ConsentFor(new ContactChannel("app_push"), ConsentPurpose.Service, T0)); // dated at sign-up
        var c2 = list[1];
        Assert.Null(c2.SignedUpAt);
        Assert.Equal("25-34", c2.Demographics.AgeBand);
        Assert.Empty(c2.Consents);
        Assert.Empty(c2.Tags);
    }

    [Theory]
    [InlineData("customer_id,gender\nc1,robot\n", 2, "gender")]
    [InlineData("customer_id,city_tier\nc1,7\n", 2, "city_tier")]
    [InlineData("customer_id,birth_date\nc1,03/02/1990\n", 2, "birth_date")]
    [InlineData("customer_id,consent_email_marketing\nc1,maybe\n", 2, "consent_email_marketing")]
    [InlineData("customer_id,consent_email_marketing\nc1,granted@soon\n", 2, "consent_email_marketing")]
    [InlineData("customer_id,consent_email_spam\nc1,granted\n", 1, "consent_email_spam")]
    [InlineData("customer_id\nc1\nc2\nc1\n", 4, "customer_id")]
    [InlineData("customer_id\n \n", 1, "header")]
    [InlineData("name\nc1\n", 1, "customer_id")]
    [InlineData("customer_id,city\nc1\n", 2, "city")]
    public async Task CsvCustomerSource_BadInput_ThrowsWithLocation(string csv, long line, string field)
    {
        var ex = await Assert.ThrowsAsync<DataFormatException>(() => ToList(new CsvCustomerSource(Write(csv)).ReadCustomersAsync()));
        Assert.Equal(line, ex.Line);
        Assert.Equal(field, ex.Field);
        Assert.NotNull(ex.File);
    }

    [Fact]
    public async Task InMemorySources_HonourWindowAndCancellation()
    {
        var tx = new InMemoryTransactionSource([new Transaction("o1", "a", T0, 1m), new Transaction("o2", "a", T0.AddDays(1), 2m)]);
        Assert.Single(await ToList(tx.ReadTransactionsAsync(new TimeWindow(null, T0.AddDays(1)))));
        Assert.Equal(2, (await ToList(tx.ReadTransactionsAsync(TimeWindow.All))).Count);
        Assert.Throws<ArgumentException>(() => tx.ReadTransactionsAsync(new TimeWindow(T0.AddDays(1), T0)));

        var events = new InMemoryInteractionEventSource([new InteractionEvent("a", T0, Touchpoint.Cart), new InteractionEvent("a", T0.AddDays(2), Touchpoint.Visit)]);
        Assert.Equal(Touchpoint.Visit, Assert.Single(await ToList(events.ReadEventsAsync(new TimeWindow(T0.AddDays(1), null)))).Touchpoint);

        var feedback = new InMemoryFeedbackSource([new SurveyResponse("a", T0, nps: 9)], [new ServiceTicket("t1", "a", T0.AddDays(3), "delivery")]);
        Assert.Single(await ToList(feedback.ReadSurveyResponsesAsync(TimeWindow.All)));
        Assert.Empty(await ToList(feedback.ReadTicketsAsync(new TimeWindow(null, T0.AddDays(3)))));

        var customers = new InMemoryCustomerSource([new CustomerProfile("a"), new CustomerProfile("b")]);
        Assert.Equal(2, customers.Count);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ToList(customers.ReadCustomersAsync(cts.Token)));
        Assert.Throws<ArgumentNullException>(() => new InMemoryCustomerSource([null!]));
    }
}
