using System.Diagnostics;
using System.Text.Json;
using CemCore.Primitives;
using CemCore.Samples.Worker;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace CemCore.DependencyInjection.Tests;

/// <summary>The SQLite worker sample: the job logic in-process against a temporary database, and the process for exit codes.</summary>
public sealed class WorkerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cemcore-worker-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private ServiceProvider Services(Action<CemCoreOptions>? cemcore = null, string? reportPath = "")
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddOptions<WorkerOptions>().Configure(o =>
        {
            o.Database = Path.Combine(_dir, "crm.db");
            o.SeedCustomers = 400;
            o.ReportPath = reportPath == string.Empty ? Path.Combine(_dir, "report.html") : reportPath;
        });
        services.AddOptions<CemCoreOptions>().Configure(o => cemcore?.Invoke(o));
        WorkerServices.Add(services);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Job_WritesTheKpiReport_ToTheConfiguredPath_OrNoneWhenEmpty()
    {
        var path = Path.Combine(_dir, "reports", "kpi.html");
        using (var provider = Services(reportPath: path))
        {
            var job = provider.GetRequiredService<NightlyJob>();
            var crm = provider.GetRequiredService<SqliteCrm>();
            var asOf = job.ConfiguredAsOf();
            var summary = await job.RunAsync(asOf);
            Assert.Equal(Path.GetFullPath(path), summary.Report);
            var html = File.ReadAllText(path);

            // The Customers tile against an independent SQL count of customers with a purchase before as-of.
            var customers = crm.Scalar<long>($"SELECT COUNT(DISTINCT customer_id) FROM transactions WHERE kind = 0 AND utc_ticks < {asOf.UtcTicks}");
            Assert.Contains($"<div class=\"tile\">Customers<b>{customers.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}</b></div>", html, StringComparison.Ordinal);
            Assert.Matches("data-chart=\"cohort-heatmap\"><figcaption>[^<]*</figcaption><svg", html);
            Assert.Matches("data-chart=\"nps-trend\"><figcaption>[^<]*</figcaption><p class=\"no-data\">No data for this chart.</p>", html);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
        }

        using var none = Services(reportPath: null);
        var second = await none.GetRequiredService<NightlyJob>().RunAsync(none.GetRequiredService<NightlyJob>().ConfiguredAsOf());
        Assert.Null(second.Report);
    }

    [Fact]
    public async Task Job_WritesEveryResultWithAsOfAndUnits_AndIsIdempotentPerAsOfDate()
    {
        using var provider = Services();
        var job = provider.GetRequiredService<NightlyJob>();
        var crm = provider.GetRequiredService<SqliteCrm>();
        var asOf = job.ConfiguredAsOf();
        var first = await job.RunAsync(asOf);

        // Features against an independent SQL count of purchase orders before the as-of instant.
        var mismatches = crm.Scalar<long>($"""
            SELECT COUNT(*) FROM customer_features f LEFT JOIN (
              SELECT customer_id, COUNT(DISTINCT order_id) AS n FROM transactions WHERE kind = 0 AND utc_ticks < {asOf.UtcTicks} GROUP BY customer_id) t
            ON t.customer_id = f.customer_id WHERE f.as_of = '{first.AsOfDate}' AND IFNULL(t.n, 0) <> f.order_count
            """);
        Assert.Equal(0, mismatches);
        Assert.Equal(first.Customers, crm.Scalar<long>($"SELECT COUNT(*) FROM customer_features WHERE as_of = '{first.AsOfDate}' AND time_unit = 'Day'"));
        Assert.Equal(first.Customers, crm.Scalar<long>($"SELECT COUNT(*) FROM customer_segments WHERE as_of = '{first.AsOfDate}' AND segmenter = 'rfm'"));
        Assert.True(crm.Scalar<long>("SELECT COUNT(*) FROM customer_segments WHERE segmenter = 'rules'") > 0);
        Assert.True(crm.Scalar<long>("SELECT COUNT(*) FROM customer_segments WHERE segmenter = 'target-groups'") > 0);
        Assert.Equal(first.Customers, crm.Scalar<long>("SELECT COUNT(*) FROM customer_lifecycle"));
        Assert.Equal(first.Transitions, crm.Scalar<long>("SELECT COUNT(*) FROM lifecycle_transitions"));
        Assert.True(first.Transitions > 0);
        Assert.True(crm.Scalar<long>("SELECT COUNT(*) FROM churn_scores WHERE probability BETWEEN 0 AND 1 AND label_window_days = 90") > 0);
        Assert.True(crm.Scalar<long>("SELECT COUNT(*) FROM customer_clv WHERE time_unit = 'Day' AND horizon_periods = 365 AND p_alive BETWEEN 0 AND 1") > 0);
        Assert.Equal(first.Customers, crm.Scalar<long>("SELECT COUNT(*) FROM offer_decisions"));
        Assert.True(first.Sent > 0);
        Assert.Equal(first.Sent, crm.Scalar<long>("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(first.Sent, crm.Scalar<long>("SELECT COUNT(*) FROM dispatch_outcomes WHERE status = 'Sent'"));
        Assert.Equal(first.Sent, crm.Scalar<long>("SELECT COUNT(*) FROM dispatch_send_log WHERE state = 1"));

        // Loyalty (SqliteLoyaltyStore through AddLoyaltyStore<T>): one earn per purchase with amount >= 1 before as-of, floor(amount) points,
        // against an independent SQL sum; the accounts' balances add up to it.
        var purchases = crm.Scalar<long>($"SELECT COUNT(*) FROM transactions WHERE kind = 0 AND utc_ticks < {asOf.UtcTicks} AND CAST(amount AS REAL) >= 1");
        Assert.True(purchases > 0);
        Assert.Equal(purchases, first.PointsPostings);
        Assert.Equal(purchases, crm.Scalar<long>("SELECT COUNT(*) FROM loyalty_postings"));
        var expectedPoints = crm.Scalar<long>($"SELECT SUM(CAST(amount AS INTEGER)) FROM transactions WHERE kind = 0 AND utc_ticks < {asOf.UtcTicks} AND CAST(amount AS REAL) >= 1");
        Assert.Equal(expectedPoints, crm.Scalar<long>("SELECT SUM(available + pending) FROM loyalty_accounts"));
        Assert.IsType<CemCore.Samples.Sqlite.SqliteLoyaltyStore>(provider.GetRequiredService<CemCore.Loyalty.ILoyaltyStore>());

        // Same as-of again (a new process would be the same: the send log and the outbox are in the database): nothing new.
        using var again = Services();
        var second = await again.GetRequiredService<NightlyJob>().RunAsync(asOf);
        Assert.Equal(0, second.Sent);
        Assert.Equal(first.Sent, second.AlreadySent);
        Assert.Equal((0, first.PointsPostings), (second.PointsPostings, second.PointsAlreadyPosted)); // the ledger is idempotent too
        Assert.Equal(purchases, crm.Scalar<long>("SELECT COUNT(*) FROM loyalty_postings"));
        Assert.Equal(first.Sent, crm.Scalar<long>("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(first.Customers, crm.Scalar<long>("SELECT COUNT(*) FROM customer_features"));
        Assert.Equal(2, crm.Scalar<long>("SELECT COUNT(*) FROM job_runs WHERE status = 'succeeded'"));
        Assert.Equal(1, crm.Scalar<long>("SELECT COUNT(DISTINCT settings) FROM job_runs"));

        // Other settings for the same as-of: the results carry the new units and job_runs shows both settings.
        using var weekly = Services(o => o.TimeUnit = TimeUnit.Week);
        await weekly.GetRequiredService<NightlyJob>().RunAsync(asOf);
        Assert.Equal(0, crm.Scalar<long>("SELECT COUNT(*) FROM customer_clv WHERE time_unit <> 'Week' OR horizon_periods <> 53"));
        Assert.Equal(first.Customers, crm.Scalar<long>("SELECT COUNT(*) FROM customer_features WHERE time_unit = 'Week'"));
        Assert.Equal(2, crm.Scalar<long>("SELECT COUNT(DISTINCT settings) FROM job_runs"));
    }

    [Theory]
    [InlineData("--CemCore:TimeZoneId=Nowhere/Atlantis", "TimeZoneId")]
    [InlineData("--CemCore:TimeUnit=Month", "TimeUnit")]
    [InlineData("--Worker:SeedCustomers=-5", "SeedCustomers")]
    [InlineData("--CemCore:ChurnLabelWindowDays=-1", "ChurnLabelWindowDays")]
    public void Process_BadConfiguration_OneLine_Exit2(string argument, string field)
    {
        var (code, stdout, stderr) = RunWorker(argument, "--Worker:Database=" + Path.Combine(_dir, "bad.db"));
        Assert.Equal(2, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(field, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "bad.db")));
    }

    [Fact]
    public void Process_JobFails_Exit1_AndLogsTheDatabase()
    {
        var database = Path.Combine(_dir, "missing-folder", "crm.db");
        var (code, stdout, stderr) = RunWorker("--Worker:Database=" + database);
        Assert.Equal(1, code);
        Assert.Contains(database, stdout, StringComparison.Ordinal);
        Assert.Contains("Nightly job failed", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Process_Runs_Exit0()
    {
        var database = Path.Combine(_dir, "ok.db");
        var (code, stdout, _) = RunWorker("--Worker:Database=" + database, "--Worker:SeedCustomers=200");
        Assert.Equal(0, code);
        Assert.Contains("CRM database: " + database, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void RuntimeConfig_TiersHotMethodsUpAtOnce()
    {
        // docs/hosting.md, "Batch hosts": without this the runtime keeps a one-processor nightly run's first chunks in tier-0 code for seconds.
        var path = Path.Combine(AppContext.BaseDirectory, "CemCore.Samples.Worker.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs", out var delay), "the worker's runtimeconfig has no call-counting delay setting");
        Assert.Equal(0, delay.GetInt32());
    }

    private static (int Code, string Stdout, string Stderr) RunWorker(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "CemCore.Samples.Worker.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The worker did not finish in 5 minutes.");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
