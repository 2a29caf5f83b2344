using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore campaign run</c> (issue 14, docs/dispatch.md): the JSON contract, re-runs, several processes on one database, and processes
/// killed mid-run. Fixture: N customers with exactly one order 5 days before as-of (so the standard "welcome" rule, orderCount = 1, selects
/// them, marketing purpose); every 4th customer (i % 4 == 0) has WeChat marketing denied, SMS marketing revoked and only SMS service granted,
/// so has no marketing consent on any channel. Hand-computed: decided = N − ⌈N / 4⌉.
/// </summary>
public sealed class CampaignCliTests
{
    private static readonly string[] Fields = ["decided", "sent", "alreadySent", "suppressed", "deferred", "failed"];

    private static (string Transactions, string Customers) Fixture(TempDir dir, int n)
    {
        var tx = new List<string> { "customer_id,timestamp,amount,order_id,category" };
        var customers = new List<string> { "customer_id,preferred_channel,language,time_zone,consent_wechat_marketing,consent_sms_marketing,consent_sms_service" };
        for (var i = 0; i < n; i++)
        {
            tx.Add(string.Create(CultureInfo.InvariantCulture, $"c{i},2024-03-05T10:00:00Z,50.00,o{i},shoes"));
            customers.Add(i % 4 == 0
                ? string.Create(CultureInfo.InvariantCulture, $"c{i},wechat,zh-CN,Asia/Shanghai,denied,revoked,granted")
                : string.Create(CultureInfo.InvariantCulture, $"c{i},wechat,zh-CN,Asia/Shanghai,granted,,"));
        }

        return (dir.Write("tx.csv", [.. tx]), dir.Write("customers.csv", [.. customers]));
    }

    private static int Decided(int n) => n - ((n + 3) / 4);

    private static string[] Args(string tx, string customers, string db, string runKey) =>
        ["campaign", "run", "--transactions", tx, "--as-of", "2024-03-10", "--run-key", runKey, "--db", db, "--customers", customers, "--format", "json"];

    private static List<(string Customer, string Channel, string RunKey, string Key)> Outbox(string db)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT customer_id, channel, run_key, idempotency_key FROM outbox";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }

    private static long OutboxCount(string db)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM outbox";
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // not created yet
        }
    }

    /// <summary>Every decided customer exactly once for the run key, nobody without marketing consent, one channel each.</summary>
    private static void AssertOutboxExactlyOnce(string db, int n, string runKey)
    {
        var rows = Outbox(db).Where(r => r.RunKey == runKey).ToList();
        Assert.Equal(Decided(n), rows.Count);
        Assert.Equal(rows.Count, rows.Select(r => r.Customer).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(rows.Count, rows.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(rows, r => int.Parse(r.Customer[1..], CultureInfo.InvariantCulture) % 4 == 0);
        Assert.All(rows, r => Assert.Equal("wechat", r.Channel));
    }

    private static Process Start(string[] args)
    {
        var psi = CliRunner.StartInfo();
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CI"] = "true";
        return Process.Start(psi)!;
    }

    private static JsonObject Finish(Process p)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "the CLI did not finish within 3 minutes");
        Assert.True(p.ExitCode == 0, "exit " + p.ExitCode + ": " + stderr.GetAwaiter().GetResult());
        return JsonNode.Parse(stdout.GetAwaiter().GetResult())!.AsObject();
    }

    private static long L(JsonObject o, string name) => (long)o[name]!;

    [Fact]
    public void Run_JsonContract_HandComputedCounts_RerunSendsNothing_NewRunKeySendsAgain()
    {
        using var dir = new TempDir();
        var (tx, customers) = Fixture(dir, 12);
        var db = dir.File("cem.db");
        var first = CliAssert.JsonOk(CliRunner.Run(Args(tx, customers, db, "2024-03-10")));
        Assert.Equal(Fields, first.Select(kv => kv.Key));
        Assert.Equal([9, 9, 0, 0, 0, 0], Fields.Select(f => L(first, f)));
        AssertOutboxExactlyOnce(db, 12, "2024-03-10");

        var again = CliAssert.JsonOk(CliRunner.Run(Args(tx, customers, db, "2024-03-10")));
        Assert.Equal([9, 0, 9, 0, 0, 0], Fields.Select(f => L(again, f)));
        AssertOutboxExactlyOnce(db, 12, "2024-03-10");

        var next = CliAssert.JsonOk(CliRunner.Run(Args(tx, customers, db, "2024-03-11")));
        Assert.Equal(9, L(next, "sent"));
        AssertOutboxExactlyOnce(db, 12, "2024-03-11");
        Assert.Equal(18, Outbox(db).Count);
    }

    [Fact]
    public void Run_BadInput_IsAUsageError()
    {
        using var dir = new TempDir();
        var (tx, customers) = Fixture(dir, 4);
        var missingFolder = CliRunner.Run(Args(tx, customers, Path.Combine(dir.Path, "no-such-folder", "cem.db"), "k"));
        Assert.Equal(2, missingFolder.ExitCode);
        var blankKey = CliRunner.Run(Args(tx, customers, dir.File("cem.db"), " "));
        Assert.Equal(2, blankKey.ExitCode);
        Assert.Contains("--run-key", blankKey.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralProcessesAtOnce_OnOneDatabase_EachCustomerExactlyOnce()
    {
        using var dir = new TempDir();
        const int n = 400;
        var (tx, customers) = Fixture(dir, n);
        var db = dir.File("cem.db");
        var processes = Enumerable.Range(0, 4).Select(_ => Start(Args(tx, customers, db, "2024-03-10"))).ToList();
        var results = processes.Select(Finish).ToList();
        foreach (var p in processes)
        {
            p.Dispose();
        }

        Assert.All(results, r => Assert.Equal(Decided(n), L(r, "decided")));
        Assert.All(results, r => Assert.Equal(Decided(n), L(r, "sent") + L(r, "alreadySent")));
        Assert.Equal(Decided(n), results.Sum(r => L(r, "sent"))); // every message was sent by exactly one process
        AssertOutboxExactlyOnce(db, n, "2024-03-10");
    }

    [Fact]
    public void ProcessesKilledMidRun_ThenRunAgain_ExactlyOncePerDecidedCustomer()
    {
        using var dir = new TempDir();
        const int n = 1_200;
        var (tx, customers) = Fixture(dir, n);
        var db = dir.File("cem.db");

        // Two rounds of: two processes start, both are killed (SIGKILL) once the outbox has grown; at most once holds after each kill.
        long before = 0;
        var killed = 0;
        for (var round = 0; round < 2; round++)
        {
            var pair = new[] { Start(Args(tx, customers, db, "2024-03-10")), Start(Args(tx, customers, db, "2024-03-10")) };
            var sw = Stopwatch.StartNew();
            while (OutboxCount(db) <= before + 20 && sw.Elapsed < TimeSpan.FromMinutes(2) && !pair.All(p => p.HasExited))
            {
                Thread.Sleep(50);
            }

            foreach (var p in pair)
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    killed++;
                }

                p.WaitForExit();
                p.Dispose();
            }

            var rows = Outbox(db);
            Assert.Equal(rows.Count, rows.Select(r => r.Customer).Distinct(StringComparer.Ordinal).Count()); // never twice
            before = rows.Count;
        }

        Assert.True(killed > 0, "no process was still running when killed");
        Assert.True(before < Decided(n), "the killed runs had already finished the run");

        // Run again to completion: exactly one message for every decided customer.
        using var last = Start(Args(tx, customers, db, "2024-03-10"));
        var result = Finish(last);
        Assert.Equal(Decided(n), L(result, "decided"));
        Assert.Equal(Decided(n), L(result, "sent") + L(result, "alreadySent"));
        AssertOutboxExactlyOnce(db, n, "2024-03-10");
    }

    /// <summary>A rule file naming an unknown channel is a usage error (exit 2, one line naming the file, the rule, the value and the valid
    /// channels) for both <c>offers</c> and <c>campaign run</c>; nothing is written to the database.</summary>
    [Fact]
    public void UnknownChannelInRules_Exit2_OneLine_ForOffersAndCampaignRun()
    {
        using var dir = new TempDir();
        var (tx, customers) = Fixture(dir, 4);
        var rules = dir.Write("rules.json", """
            { "offers": [ { "id": "o", "kind": "freeShipping" } ],
              "rules": [ { "id": "welcome", "offer": "o", "channels": ["wechat", "whatsapp"], "when": { "field": "churn.probability", "op": "ge", "value": 0.5 } } ] }
            """);
        var db = dir.File("c.db");
        var campaign = CliAssert.UsageError(CliRunner.Run([.. Args(tx, customers, db, "r1"), "--rules", rules]));
        var offers = CliAssert.UsageError(CliRunner.Run("offers", "--transactions", tx, "--as-of", "2024-03-10", "--rules", rules, "--out", dir.File("o.csv"), "--format", "json"));
        foreach (var err in new[] { campaign, offers })
        {
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains("rules.json", err, StringComparison.Ordinal);
            Assert.Contains("Rule 'welcome'", err, StringComparison.Ordinal);
            Assert.Contains("unknown channel 'whatsapp'", err, StringComparison.Ordinal);
            Assert.Contains("valid channels: wechat, email, sms, push", err, StringComparison.Ordinal);
        }

        Assert.Equal(0, OutboxCount(db));
    }
}
