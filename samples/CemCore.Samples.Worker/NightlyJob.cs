using System.Diagnostics;
using CemCore.Jobs;
using CemCore.Primitives;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CemCore.Samples.Worker;

/// <summary>Settings of the sample worker (section <c>Worker</c>).</summary>
public sealed class WorkerOptions
{
    /// <summary>Gets or sets the SQLite database file. Default: <c>cemcore-crm.db</c> in the temp folder.</summary>
    public string Database { get; set; } = Path.Combine(Path.GetTempPath(), "cemcore-crm.db");

    /// <summary>Gets or sets how many synthetic customers to seed an empty database with. Default 2,000.</summary>
    public int SeedCustomers { get; set; } = 2_000;

    /// <summary>Gets or sets whether to run the job once and stop the host (default), or every <see cref="IntervalHours"/>.</summary>
    public bool RunOnce { get; set; } = true;

    /// <summary>Gets or sets the interval between runs when <see cref="RunOnce"/> is false. Default 24.</summary>
    public double IntervalHours { get; set; } = 24;
}

/// <summary>The nightly job: seed the CRM if empty, compute customer features through CemCore's ports, write them back.</summary>
public sealed partial class NightlyJob(
    SqliteCrm crm,
    FeatureSnapshotService snapshots,
    TimeProvider time,
    IOptions<WorkerOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<NightlyJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        crm.EnsureSchema();
        if (crm.CountCustomers() == 0)
        {
            var (customers, transactions) = DemoSeed.Create(options.Value.SeedCustomers, seed: 42);
            crm.Insert(customers, transactions);
            LogSeeded(logger, customers.Count, transactions.Count);
        }

        do
        {
            await RunOnceAsync(stoppingToken);
            if (options.Value.RunOnce)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromHours(options.Value.IntervalHours), time, stoppingToken);
        }
        while (!stoppingToken.IsCancellationRequested);

        lifetime.StopApplication();
    }

    private async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var progress = new Progress<OperationProgress>(p => LogProgress(logger, p.Stage, p.Completed));
        var features = await snapshots.ComputeAsync(DemoSeed.AsOf, progress, cancellationToken);
        var saved = crm.SaveFeatures(features);
        var buyers = features.Count(f => f.HasPurchased);
        var repeaters = features.Count(f => f.Btyd.Frequency > 0);
        LogRun(logger, features.AsOf, saved, buyers, repeaters, watch.ElapsedMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the CRM with {Customers} customers and {Transactions} transactions")]
    private static partial void LogSeeded(ILogger logger, int customers, int transactions);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Stage}: {Completed}")]
    private static partial void LogProgress(ILogger logger, string stage, long completed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Nightly job as of {AsOf:yyyy-MM-dd}: features for {Saved} customers saved ({Buyers} buyers, {Repeaters} repeat buyers) in {Elapsed} ms")]
    private static partial void LogRun(ILogger logger, DateTimeOffset asOf, int saved, int buyers, int repeaters, long elapsed);
}
