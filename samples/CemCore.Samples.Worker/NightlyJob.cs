using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CemCore.Dispatch;
using CemCore.DependencyInjection;
using CemCore.Loyalty;
using CemCore.Transactions;
using CemCore.Primitives;
using CemCore.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CemCore.Samples.Worker;

/// <summary>What one nightly run did.</summary>
/// <param name="AsOfDate">The as-of date (the run key).</param>
/// <param name="Customers">Customers scored.</param>
/// <param name="Transitions">Lifecycle transitions found.</param>
/// <param name="ChurnModel">Where the churn model came from.</param>
/// <param name="Sent">Messages written to the outbox by this run.</param>
/// <param name="AlreadySent">Messages a previous run of the same day had sent.</param>
/// <param name="PointsPostings">Loyalty earn postings made by this run.</param>
/// <param name="PointsAlreadyPosted">Loyalty earn postings a previous run had made.</param>
/// <param name="Report">The full path of the HTML KPI report written, or <see langword="null"/> when <see cref="WorkerOptions.ReportPath"/> is empty.</param>
public sealed record JobSummary(string AsOfDate, int Customers, int Transitions, ChurnModelOrigin ChurnModel, int Sent, int AlreadySent, int PointsPostings = 0, int PointsAlreadyPosted = 0, string? Report = null);

/// <summary>
/// The nightly job, callable without the host: seed the CRM when empty, run the CemCore pipeline through DI and the ports (features, RFM, rule
/// segments and target groups, CLV, lifecycle with transitions, churn, offer decisions), dispatch the campaign through the outbox channels, and
/// write every result back keyed by as-of date with the units used. A re-run of an as-of date replaces that date's results (and sends nothing
/// twice); every run, with its settings, stays in <c>job_runs</c>.
/// </summary>
public sealed partial class NightlyJob(
    SqliteCrm crm,
    CemCorePipeline pipeline,
    IOptions<WorkerOptions> worker,
    IOptions<CemCoreOptions> cemcore,
    TimeProvider time,
    IServiceProvider services,
    ILogger<NightlyJob> logger)
{
    /// <summary>Gets the as-of instant configured (<see cref="WorkerOptions.AsOf"/> at the start of the day in the CemCore time zone), or the end of
    /// the seeded period.</summary>
    public DateTimeOffset ConfiguredAsOf()
    {
        if (worker.Value.AsOf is not { } day)
        {
            return DemoSeed.AsOf;
        }

        var zone = pipeline.Settings.Features.TimeZone;
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>Runs the job once.</summary>
    /// <param name="asOf">The as-of instant.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The summary.</returns>
    public async Task<JobSummary> RunAsync(DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        LogDatabase(logger, crm.Database.Path);
        crm.EnsureSchema();
        if (crm.CountCustomers() == 0 && worker.Value.SeedCustomers > 0)
        {
            var (customers, transactions) = DemoSeed.Create(worker.Value.SeedCustomers, seed: 42);
            crm.Insert(customers, transactions);
            LogSeeded(logger, customers.Count, transactions.Count);
        }

        var watch = Stopwatch.StartNew();
        var settings = Settings(asOf);
        var runKey = pipeline.Settings.RunKeyOf(asOf);
        var (runId, previous) = ResultStore.BeginRun(crm, runKey, settings, time.GetUtcNow());
        if (previous is not null && previous != settings)
        {
            LogSettingsChanged(logger, runKey);
        }

        try
        {
            var run = await pipeline.RunAsync(asOf, null, cancellationToken);
            var dispatch = await pipeline.DispatchAsync(run, worker.Value.Campaign, null, null, cancellationToken);
            ResultStore.Save(crm, run, dispatch, settings);
            var (posted, alreadyPosted, rejected, members) = EarnPoints(asOf);
            LogLoyalty(logger, posted, alreadyPosted, rejected, members);
            var report = WriteReport(asOf);
            var summary = new JobSummary(run.RunKey, run.Features.Count, run.Transitions.Count, run.ChurnModelOrigin,
                checked((int)dispatch.Count(DispatchStatus.Sent)), checked((int)dispatch.Count(DispatchStatus.AlreadySent)), posted, alreadyPosted, report);
            ResultStore.FinishRun(crm, runId, "succeeded", JsonSerializer.Serialize(summary), time.GetUtcNow());
            LogRun(logger, summary.AsOfDate, summary.Customers, summary.Transitions, run.ChurnNote, summary.Sent, summary.AlreadySent, watch.ElapsedMilliseconds);
            return summary;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ResultStore.FinishRun(crm, runId, "failed", ex.GetType().Name, time.GetUtcNow());
            throw;
        }
    }

    /// <summary>
    /// Writes the KPI report (<see cref="KpiReportBuilder"/>: sales tiles, revenue trend, cohorts, RFM segments, lifecycle, CLV) of the purchases
    /// before <paramref name="asOf"/> to <see cref="WorkerOptions.ReportPath"/>, through a temporary file and a rename so a reader never sees a
    /// half-written report. Charts without data (no survey answers or journey events in this CRM) say so.
    /// </summary>
    private string? WriteReport(DateTimeOffset asOf)
    {
        if (string.IsNullOrWhiteSpace(worker.Value.ReportPath))
        {
            return null;
        }

        var path = Path.GetFullPath(worker.Value.ReportPath);
        var builder = new TransactionTableBuilder();
        using (var c = crm.Open())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT order_id, customer_id, utc_ticks, amount FROM transactions WHERE kind = 0 AND utc_ticks < $end ORDER BY utc_ticks, order_id";
            cmd.Parameters.AddWithValue("$end", asOf.UtcTicks);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                builder.AddPurchase(r.GetString(1), new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero), decimal.Parse(r.GetString(3), CultureInfo.InvariantCulture), r.GetString(0));
            }
        }

        var html = KpiReport.Render(KpiReportBuilder.Build(asOf, builder.Build(), null, null), "CemCore nightly KPI report");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Path.GetRandomFileName() + ".tmp";
        File.WriteAllText(temp, html);
        File.Move(temp, path, overwrite: true);
        LogReport(logger, path);
        return path;
    }

    /// <summary>
    /// Earns the points of every purchase before <paramref name="asOf"/> through the ledger (1 point per currency unit, floored per order;
    /// key <c>earn:&lt;order id&gt;</c>), 500 postings per transaction. Idempotent: a re-run finds every key and posts nothing twice.
    /// </summary>
    private (int Posted, int AlreadyPosted, int Rejected, int Members) EarnPoints(DateTimeOffset asOf)
    {
        // Resolved here, inside the run: opening the ledger touches the database, so a bad database fails the job (exit 1), not the host.
        var loyalty = services.GetRequiredService<ILoyaltyStore>();
        var rules = new EarningRules(1m);
        var batch = new List<LoyaltyPosting>(500);
        int posted = 0, already = 0, rejected = 0;
        void Flush()
        {
            foreach (var r in loyalty.AppendBatch(batch))
            {
                _ = r.Outcome switch
                {
                    PostingOutcome.Accepted => posted++,
                    PostingOutcome.Duplicate => already++,
                    _ => rejected++,
                };
            }

            batch.Clear();
        }

        using (var c = crm.Open())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT order_id, customer_id, utc_ticks, amount FROM transactions WHERE kind = 0 AND utc_ticks < $end ORDER BY utc_ticks, order_id";
            cmd.Parameters.AddWithValue("$end", asOf.UtcTicks);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var order = new Transaction(r.GetString(0), r.GetString(1), new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero), decimal.Parse(r.GetString(3), CultureInfo.InvariantCulture));
                var points = rules.Quote(order).Points;
                if (points > 0)
                {
                    batch.Add(new LoyaltyPosting("earn:" + order.OrderId, order.CustomerId, order.Timestamp, PostingKind.Earn, points, order.OrderId));
                }

                if (batch.Count == 500)
                {
                    Flush();
                }
            }
        }

        Flush();
        return (posted, already, rejected, loyalty.GetAccountIds().Count);
    }

    /// <summary>The settings that shape the results (stored with every run; a re-run with other settings is logged and visible in job_runs).</summary>
    private string Settings(DateTimeOffset asOf)
    {
        var o = cemcore.Value;
        var p = pipeline.Settings;
        return JsonSerializer.Serialize(new
        {
            asOf = asOf.ToString("O", CultureInfo.InvariantCulture),
            timeUnit = p.Features.TimeUnit.ToString(),
            timeZone = p.Features.TimeZone.Id,
            rfmBins = p.Rfm.Bins,
            segmentMap = p.Rfm.SegmentMap.Name,
            lifecycleComparisonDays = p.LifecycleComparisonDays,
            churnLabelWindowDays = p.ChurnLabelWindowDays,
            churnModel = string.IsNullOrEmpty(o.ChurnModelPath) ? "trained per run" : Path.GetFullPath(o.ChurnModelPath),
            clv = p.Clv is { } c ? new { unit = c.Unit.ToString(), horizonPeriods = c.HorizonPeriods, discountRatePerPeriod = c.DiscountRatePerPeriod, margin = c.Margin } : null,
            personalizationRules = string.IsNullOrEmpty(o.PersonalizationRulesPath) ? "standard campaigns" : Path.GetFullPath(o.PersonalizationRulesPath),
            holdoutFraction = o.HoldoutFraction,
            campaign = worker.Value.Campaign,
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loyalty ledger: {Posted} earn postings for the orders ({AlreadyPosted} already posted, {Rejected} rejected), {Accounts} member accounts")]
    private static partial void LogLoyalty(ILogger logger, int posted, int alreadyPosted, int rejected, int accounts);

    [LoggerMessage(Level = LogLevel.Information, Message = "KPI report written to {Path}")]
    private static partial void LogReport(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "CRM database: {Path}")]
    private static partial void LogDatabase(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the CRM with {Customers} customers and {Transactions} transactions")]
    private static partial void LogSeeded(ILogger logger, int customers, int transactions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "As-of {AsOf} was computed before with other settings; its results are replaced (both runs are in job_runs)")]
    private static partial void LogSettingsChanged(ILogger logger, string asOf);

    [LoggerMessage(Level = LogLevel.Information, Message = "Nightly job as of {AsOf}: {Customers} customers, {Transitions} lifecycle transitions, churn model {Churn}; {Sent} messages to the outbox ({AlreadySent} already sent) in {Elapsed} ms")]
    private static partial void LogRun(ILogger logger, string asOf, int customers, int transitions, string churn, int sent, int alreadySent, long elapsed);
}

/// <summary>The exit code of the process: 0 when every run succeeded, 1 when a run failed.</summary>
public sealed class JobOutcome
{
    /// <summary>Gets or sets the exit code.</summary>
    public int ExitCode { get; set; }
}

/// <summary>Hosts the <see cref="NightlyJob"/>: once (default) or every <see cref="WorkerOptions.IntervalHours"/>; a failure sets exit code 1 and stops the host.</summary>
public sealed partial class NightlyWorker(
    NightlyJob job,
    JobOutcome outcome,
    TimeProvider time,
    IOptions<WorkerOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<NightlyWorker> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            do
            {
                await job.RunAsync(job.ConfiguredAsOf(), stoppingToken);
                if (options.Value.RunOnce)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromHours(options.Value.IntervalHours), time, stoppingToken);
            }
            while (!stoppingToken.IsCancellationRequested);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            outcome.ExitCode = 1;
            LogFailed(logger, ex.GetType().Name, ex.Message);
        }

        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Nightly job failed: {Type}: {Message}")]
    private static partial void LogFailed(ILogger logger, string type, string message);
}
