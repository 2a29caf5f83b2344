using CemCore.Customers;
using CemCore.Synthetic;
using CemCore.Transactions;

namespace CemCore.Samples.Worker;

/// <summary>Seeds the sample CRM from CemCore's deterministic synthetic retail generator.</summary>
internal static class DemoSeed
{
    /// <summary>The nightly job's as-of instant: the end of the generated period (exclusive).</summary>
    public static DateTimeOffset AsOf { get; } = new RetailDataSettings().EndInstant;

    public static (List<CustomerProfile> Customers, List<Transaction> Transactions) Create(int customers, int seed)
    {
        var settings = new RetailDataSettings(customers: customers, seed: seed);
        return ([.. RetailDataGenerator.GenerateCustomers(settings)], [.. RetailDataGenerator.GenerateTransactions(settings)]);
    }
}
