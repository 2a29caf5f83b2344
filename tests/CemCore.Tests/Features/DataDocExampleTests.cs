using CemCore.Features;
using CemCore.Primitives;
using CemCore.Sources.Csv;
using CemCore.Synthetic;

namespace CemCore.Tests.Features;

/// <summary>The C# example of docs/data.md, kept compiling and running here.</summary>
public sealed class DataDocExampleTests
{
    [Fact]
    public void DocsExample_GenerateWriteReadCompute()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cemcore-doc-{Guid.NewGuid():N}.csv");
        try
        {
            // begin-snippet: data-quickstart
            // 1. Synthetic data: 2,000 customers, seed 42, 2024-01-01 .. 2025-12-31 (UTC+08:00).
            var settings = new RetailDataSettings(customers: 2_000, seed: 42);
            RetailDataGenerator.WriteTransactionsCsvFile(settings, path);

            // 2. Read the CSV into a columnar table (bad rows throw DataFormatException naming file, line and field).
            var table = CsvTransactionReader.ReadTable(path);

            // 3. Features as of 2025-07-01 00:00 UTC (exclusive), calendar days in China Standard Time, BTYD in weeks.
            var asOf = new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.Zero);
            var china = TimeZoneInfo.CreateCustomTimeZone("UTC+08", TimeSpan.FromHours(8), "UTC+08", "UTC+08");
            var features = FeatureExtractor.Compute(table, asOf, new FeatureSettings(TimeUnit.Week, china));

            var first = features[0];
            Console.WriteLine($"{first.CustomerId}: {first.OrderCount} orders, net {first.MonetaryTotal}, x={first.Btyd.Frequency}, T={first.Btyd.Age:F2} weeks");
            // end-snippet
            Assert.Equal(table.CustomerIds.Count, features.Count);
            Assert.Contains(features, f => f.HasPurchased);
            Assert.All(features, f => Assert.InRange(f.Btyd.Recency, 0.0, f.Btyd.Age));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
