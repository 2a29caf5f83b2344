using System.Text;
using CemCore.Features;
using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Sources.Csv;
using CemCore.Synthetic;
using CemCore.Transactions;
using Xunit.Abstractions;

namespace CemCore.Tests.Synthetic;

public sealed class RetailDataGeneratorTests(ITestOutputHelper output)
{
    private static readonly RetailDataSettings Small = new(customers: 1_000, seed: 7);

    [Fact]
    public void CustomerRanges_GiveExactlyTheWholeTablesRowsAndProfiles()
    {
        // Chunked generation (the nightly load script's path) must be the whole-population data cut into ranges.
        var settings = new RetailDataSettings(customers: 900, seed: 5);
        var whole = RetailDataGenerator.GenerateTable(settings);
        var parts = new[] { (0, 250), (250, 1), (251, 0), (251, 649) }.Select(r => RetailDataGenerator.GenerateTableRange(settings, r.Item1, r.Item2)).ToList();
        Assert.Equal(whole.Count, parts.Sum(p => p.Count));
        Assert.Equal(whole.CustomerIds, parts.SelectMany(p => p.CustomerIds));
        Assert.Equal(whole.UtcTicks.ToArray(), parts.SelectMany(p => p.UtcTicks.ToArray()));
        Assert.Equal(whole.Amounts.ToArray(), parts.SelectMany(p => p.Amounts.ToArray()));
        Assert.Equal(whole.Kinds.ToArray(), parts.SelectMany(p => p.Kinds.ToArray()));
        Assert.Equal(
            RetailDataGenerator.GenerateCustomers(settings).Skip(300).Take(50).Select(c => (c.Id, c.TimeZoneId, c.SignedUpAt)),
            RetailDataGenerator.GenerateCustomersRange(settings, 300, 50).Select(c => (c.Id, c.TimeZoneId, c.SignedUpAt)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetailDataGenerator.GenerateTableRange(settings, 800, 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetailDataGenerator.GenerateCustomersRange(settings, -1, 1));
    }

    [Fact]
    public void Generate_SameSeed_GivesIdenticalOutput()
    {
        var a = RetailDataGenerator.Generate(Small);
        var b = RetailDataGenerator.Generate(Small);
        Assert.Equal(a.Transactions.Count, b.Transactions.Count);
        Assert.True(a.Transactions.UtcTicks.SequenceEqual(b.Transactions.UtcTicks));
        Assert.True(a.Transactions.Amounts.SequenceEqual(b.Transactions.Amounts));
        Assert.True(a.Transactions.CustomerIndex.SequenceEqual(b.Transactions.CustomerIndex));
        Assert.Equal(a.Transactions.CustomerIds, b.Transactions.CustomerIds);
        Assert.Equal(a.Customers.Select(c => (c.Id, c.SignedUpAt, c.Demographics, c.Language, string.Join(";", c.Tags), c.Consents.Count)),
            b.Customers.Select(c => (c.Id, c.SignedUpAt, c.Demographics, c.Language, string.Join(";", c.Tags), c.Consents.Count)));
        Assert.Equal(a.Events.Select(e => (e.CustomerId, e.Timestamp, e.Touchpoint)), b.Events.Select(e => (e.CustomerId, e.Timestamp, e.Touchpoint)));
        Assert.Equal(a.Surveys.Select(s => (s.CustomerId, s.Timestamp, s.Nps, s.Csat, s.Text)), b.Surveys.Select(s => (s.CustomerId, s.Timestamp, s.Nps, s.Csat, s.Text)));

        var csv1 = new MemoryStream();
        var csv2 = new MemoryStream();
        RetailDataGenerator.WriteTransactionsCsv(Small, csv1);
        RetailDataGenerator.WriteTransactionsCsv(Small, csv2);
        Assert.True(csv1.ToArray().AsSpan().SequenceEqual(csv2.ToArray()));
    }

    [Fact]
    public void Generate_OtherSeed_GivesOtherData()
    {
        var a = RetailDataGenerator.GenerateTable(Small);
        var b = RetailDataGenerator.GenerateTable(new RetailDataSettings(customers: 1_000, seed: 8));
        Assert.False(a.Count == b.Count && a.Amounts.SequenceEqual(b.Amounts));
    }

    [Fact]
    public void Generate_CustomerIsIndependentOfScale()
    {
        // Customer i is the same in a 500-customer and a 3,000-customer data set.
        var small = FeatureExtractor.Compute(RetailDataGenerator.GenerateTable(new RetailDataSettings(customers: 300, seed: 7)), Small.EndInstant);
        var large = FeatureExtractor.Compute(RetailDataGenerator.GenerateTable(Small), Small.EndInstant);
        foreach (var f in small)
        {
            Assert.True(large.TryGet(f.CustomerId, out var g));
            Assert.Equal(f.MonetaryTotal, g.MonetaryTotal);
            Assert.Equal(f.Btyd, g.Btyd);
        }
    }

    [Fact]
    public void WriteTransactionsCsv_ReadBack_EqualsTheTable()
    {
        var table = RetailDataGenerator.GenerateTable(Small);
        using var csv = new MemoryStream();
        var rows = RetailDataGenerator.WriteTransactionsCsv(Small, csv);
        csv.Position = 0;
        var read = CsvTransactionReader.ReadStream(csv, "synthetic.csv");
        Assert.Equal(table.Count, rows);
        Assert.Equal(table.Count, read.Count);
        Assert.Equal(table.OrderCount, read.OrderCount);
        Assert.True(table.UtcTicks.SequenceEqual(read.UtcTicks));
        Assert.True(table.Amounts.SequenceEqual(read.Amounts));
        Assert.True(table.Discounts.SequenceEqual(read.Discounts));
        Assert.True(table.Kinds.SequenceEqual(read.Kinds));
        Assert.True(table.ReturnReasons.SequenceEqual(read.ReturnReasons));
        Assert.True(table.OriginalOrderIndex.SequenceEqual(read.OriginalOrderIndex));
        Assert.Equal(table.CustomerIds, read.CustomerIds);
        Assert.Equal(table.Categories, read.Categories);
        Assert.StartsWith(RetailDataGenerator.TransactionsCsvHeader + "\n", Encoding.UTF8.GetString(csv.ToArray(), 0, 200), StringComparison.Ordinal);
    }

    [Fact]
    public void GenerateTransactions_ThroughBuilder_GivesTheSameFeaturesAsTheTable()
    {
        var settings = new RetailDataSettings(customers: 400, seed: 3);
        var builder = new TransactionTableBuilder();
        foreach (var t in RetailDataGenerator.GenerateTransactions(settings))
        {
            builder.Add(t);
        }

        var viaRecords = FeatureExtractor.Compute(builder.Build(), settings.EndInstant);
        var viaTable = FeatureExtractor.Compute(RetailDataGenerator.GenerateTable(settings), settings.EndInstant);
        Assert.Equal(viaTable.Count, viaRecords.Count);
        for (var i = 0; i < viaTable.Count; i++)
        {
            Assert.Equal(viaTable[i].CustomerId, viaRecords[i].CustomerId);
            Assert.Equal(viaTable[i].MonetaryTotal, viaRecords[i].MonetaryTotal);
            Assert.Equal(viaTable[i].DiscountTotal, viaRecords[i].DiscountTotal);
            Assert.Equal(viaTable[i].ReturnCount, viaRecords[i].ReturnCount);
            Assert.Equal(viaTable[i].Categories, viaRecords[i].Categories);
        }
    }

    [Fact]
    public void Generate_StatisticalProperties_AreRealistic()
    {
        var settings = new RetailDataSettings(customers: 10_000, seed: 11);
        var table = RetailDataGenerator.GenerateTable(settings);
        var features = FeatureExtractor.Compute(table, settings.EndInstant);
        var buyers = features.Count;
        var repeaters = features.Count(f => f.Btyd.Frequency > 0);
        var orders = features.Sum(f => f.OrderCount);
        var returns = features.Sum(f => f.ReturnCount);
        var gross = features.Sum(f => f.GrossSpend);
        var returned = features.Sum(f => f.ReturnedAmount);
        var discount = features.Sum(f => f.DiscountTotal);
        var top10 = features.Select(f => f.MonetaryTotal).OrderDescending().Take(buyers / 10).Sum();
        var total = features.Sum(f => f.MonetaryTotal);

        // Orders on Singles' Day vs an ordinary November day (local time UTC+8).
        var offset = RetailDataSettings.UtcOffset.Ticks;
        var perDay = new Dictionary<DateOnly, int>();
        var ticks = table.UtcTicks;
        var kinds = table.Kinds;
        var orderSeen = new HashSet<int>();
        for (var i = 0; i < table.Count; i++)
        {
            if (kinds[i] == TransactionKind.Purchase && orderSeen.Add(table.OrderIndex[i]))
            {
                var day = DateOnly.FromDateTime(new DateTime(ticks[i] + offset));
                perDay[day] = perDay.GetValueOrDefault(day) + 1;
            }
        }

        var singlesDay = perDay.GetValueOrDefault(new DateOnly(2024, 11, 11));
        var ordinary = Enumerable.Range(20, 7).Average(d => perDay.GetValueOrDefault(new DateOnly(2024, 11, d)));
        output.WriteLine($"rows {table.Count}, buyers {buyers}, repeaters {(double)repeaters / buyers:P1}, orders/buyer {(double)orders / buyers:F2}, return rate {(double)returns / orders:P1}, returned value {returned / gross:P1}, discount share {discount / (gross + discount):P1}, top-10% share {top10 / total:P1}, 11-11 {singlesDay} vs {ordinary:F1}");

        Assert.InRange((double)buyers / settings.Customers, 0.75, 0.88);            // 15% never buy, a few sign up too late
        Assert.InRange((double)repeaters / buyers, 0.40, 0.75);                      // CDNOW: 40% of first-time buyers repeat in 39 weeks
        Assert.InRange((double)returns / orders, 0.05, 0.20);                        // return orders per purchase order
        Assert.InRange((double)(returned / gross), 0.04, 0.15);
        Assert.InRange((double)(discount / (gross + discount)), 0.05, 0.25);
        Assert.InRange((double)(top10 / total), 0.35, 0.70);                         // Pareto-like concentration of value
        Assert.True(singlesDay > 4 * ordinary, $"Singles' Day {singlesDay} vs ordinary {ordinary}");
        Assert.All(features, f => Assert.True(f.MonetaryTotal >= 0m));            // a return never exceeds its line
    }

    [Fact]
    public void Generate_EventsAndSurveys_AreConsistentWithOrders()
    {
        var data = RetailDataGenerator.Generate(Small);
        Assert.Equal(Small.Customers, data.Customers.Count);
        Assert.All(data.Events, e => Assert.InRange(e.Timestamp, data.Start, data.End.AddTicks(-1)));
        Assert.All(data.Surveys, s => Assert.InRange(s.Timestamp, data.Start, data.End.AddTicks(-1)));
        var checkouts = data.Events.Count(e => e.Touchpoint == Touchpoint.Checkout);
        var abandoned = data.Events.Count(e => e.Touchpoint == Touchpoint.Cart && e.Properties.ContainsKey("abandoned"));
        var orders = FeatureExtractor.Compute(data.Transactions, data.End).Sum(f => f.OrderCount);
        Assert.Equal(orders, checkouts);
        Assert.InRange((double)abandoned / orders, 0.45, 0.75);                       // Poisson mean 0.6 per order
        Assert.InRange((double)data.Surveys.Count / orders, 0.10, 0.16);            // 15%, minus answers after the end
        var nps = data.Surveys.Select(s => s.Nps!.Value).ToArray();
        var promoters = nps.Count(x => x >= 9) / (double)nps.Length;
        var detractors = nps.Count(x => x <= 6) / (double)nps.Length;
        output.WriteLine($"events {data.Events.Count}, surveys {data.Surveys.Count}, NPS {100 * (promoters - detractors):F1}");
        Assert.InRange(100 * (promoters - detractors), -20.0, 50.0);
        Assert.All(data.Customers, c => Assert.Equal(8, c.Consents.Count(x => x.Status != Customers.ConsentStatus.Revoked)));
        Assert.Contains(data.Customers, c => c.Consents.Any(x => x.Status == Customers.ConsentStatus.Revoked));
        Assert.All(data.Customers, c => Assert.NotEmpty(c.Tags));
    }

    [Fact]
    public void Settings_OutOfRange_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetailDataSettings(customers: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetailDataSettings(days: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetailDataSettings(meanPurchasesPerYear: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetailDataSettings(surveyProbability: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetailDataSettings(returnRateScale: -1));
    }
}
