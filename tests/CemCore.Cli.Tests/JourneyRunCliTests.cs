using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using static CemCore.Cli.Tests.TestSupport.CliAssert;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore journey run</c> on the shipped sample journey (samples/CemCore.Cli/journeys/winback.json) and events
/// (winback-events.csv). Hand-computed with the journey's rules (demo profiles: every consent granted, UTC):
/// A (Dormant 03-01) → miss-you sent (reactivation), visit 03-03 10:00 with a cart abandoned 09:00 → cart-check true → cart-nudge sent → completed;
/// B (Decline 03-01) → miss-you sent (decline-nudge), no visit → timeout 03-08 → last-chance: reactivation needs Dormant → no offer → completed;
/// C (Dormant 03-02) → miss-you sent, visit 03-04 without a cart → cart-check false → bye: exit;
/// D (Dormant 03-02) → miss-you sent, purchase 03-05 → goal; E (Revived) does not enter; F (Dormant 03-25) is after the first as-of.
/// So as of 2026-03-20: entered 4, sent 5, suppressed 1, exited 1, goalReached 1, completed 2, advanced 12 (4 + 3 + 4 + 1 step transitions).
/// </summary>
public sealed class JourneyRunCliTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CemCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CemCore.sln not found above the test binary.");
    }

    private static readonly string Journey = Path.Combine(RepositoryRoot(), "samples", "CemCore.Cli", "journeys", "winback.json");
    private static readonly string Events = Path.Combine(RepositoryRoot(), "samples", "CemCore.Cli", "journeys", "winback-events.csv");

    private static string[] Args(string db, string asOf, string? events = null, string? journey = null) =>
        ["journey", "run", "--journey", journey ?? Journey, "--events", events ?? Events, "--db", db, "--as-of", asOf, "--format", "json"];

    private static readonly string[] Fields = ["entered", "advanced", "sent", "alreadySent", "suppressed", "deferred", "exited", "goalReached", "failed"];

    private static List<(string Customer, string RunKey, string Key)> Outbox(string db)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT customer_id, run_key, idempotency_key FROM outbox ORDER BY customer_id, id";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }

    private static void AssertFirstRun(JsonObject o)
    {
        Assert.Equal([4L, 12L, 5L, 0L, 1L, 0L, 1L, 1L, 0L], Fields.Select(f => (long)o[f]!));
        Assert.Equal(2L, (long)o["completed"]!);
        var steps = o["steps"]!.AsObject();
        Assert.Equal(4L, (long)steps["miss-you"]!["sent"]!);
        Assert.Equal((2L, 1L), ((long)steps["wait-visit"]!["event"]!, (long)steps["wait-visit"]!["timeout"]!));
        Assert.Equal((1L, 1L), ((long)steps["cart-check"]!["true"]!, (long)steps["cart-check"]!["false"]!));
        Assert.Equal(1L, (long)steps["cart-nudge"]!["sent"]!);
        Assert.Equal(1L, (long)steps["last-chance"]!["nooffer"]!);
        Assert.Equal(1L, (long)steps["bye"]!["exit"]!);
    }

    [Fact]
    public void Run_counts_every_step_and_a_rerun_sends_nothing_then_a_later_as_of_continues()
    {
        using var dir = new TempDir();
        var db = dir.File("journeys.db");
        var first = JsonOk(CliRunner.Run(Args(db, "2026-03-20")));
        AssertFirstRun(first);
        Assert.Equal(9L, (long)first["events"]!);
        Assert.Equal("winback", (string?)first["journey"]);
        var rows = Outbox(db);
        Assert.Equal(["A", "A", "B", "C", "D"], rows.Select(r => r.Customer));
        Assert.All(rows, r => Assert.Equal("journey:winback", r.RunKey));
        Assert.Equal(5, rows.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count());

        var again = JsonOk(CliRunner.Run(Args(db, "2026-03-20")));
        Assert.All(Fields, f => Assert.Equal(0L, (long)again[f]!));
        Assert.Equal(5, Outbox(db).Count);
        Assert.Equal(5L, (long)again["state"]!["sent"]!);

        // A later as-of: F enters on 03-25 and gets miss-you; its wait (until 04-01) is still open on 03-30.
        var later = JsonOk(CliRunner.Run(Args(db, "2026-03-30T00:00:00Z")));
        Assert.Equal([1L, 1L, 1L, 0L, 0L, 0L, 0L, 0L, 0L], Fields.Select(f => (long)later[f]!));
        Assert.Equal(1L, (long)later["state"]!["open"]!);
        Assert.Equal(6, Outbox(db).Count);
    }

    [Fact]
    public async Task Two_processes_at_once_on_one_database_send_each_step_once()
    {
        using var dir = new TempDir();
        var db = dir.File("journeys.db");
        var runs = await Task.WhenAll(Task.Run(() => CliRunner.Run(Args(db, "2026-03-20"))), Task.Run(() => CliRunner.Run(Args(db, "2026-03-20"))));
        var outputs = runs.Select(JsonOk).ToArray();

        // Together they did the work of one run, once: the sums equal the single run's counts, and the outbox has 5 distinct sends.
        var sum = new JsonObject();
        foreach (var f in Fields.Append("completed"))
        {
            sum[f] = outputs.Sum(o => (long)o[f]!);
        }

        var steps = new JsonObject();
        foreach (var step in outputs[0]["steps"]!.AsObject().Select(kv => kv.Key))
        {
            var labels = new JsonObject();
            foreach (var label in outputs.SelectMany(o => o["steps"]![step]!.AsObject().Select(kv => kv.Key)).Distinct(StringComparer.Ordinal))
            {
                labels[label] = outputs.Sum(o => (long?)o["steps"]![step]![label] ?? 0);
            }

            steps[step] = labels;
        }

        sum["steps"] = steps;
        AssertFirstRun(sum);
        var rows = Outbox(db);
        Assert.Equal(5, rows.Count);
        Assert.Equal(5, rows.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Bad_events_are_exit_2_with_file_line_and_field()
    {
        using var dir = new TempDir();
        var db = dir.File("journeys.db");
        var events = dir.Write(
            "events.csv",
            "event_id,customer_id,type,timestamp,to",
            "e1,A,lifecycle_transition,2026-03-01T10:00:00Z,Dormant",
            "e2,B,lifecycle_transition,yesterday,Decline");
        var error = UsageError(CliRunner.Run(Args(db, "2026-03-20", events: events)));
        Assert.Contains("events.csv", error, StringComparison.Ordinal);
        Assert.Contains("3", error, StringComparison.Ordinal);
        Assert.Contains("timestamp", error, StringComparison.Ordinal);

        var badStage = dir.Write("stage.csv", "event_id,customer_id,type,timestamp,to", "e1,A,lifecycle_transition,2026-03-01T10:00:00Z,Asleep");
        var stage = UsageError(CliRunner.Run(Args(db, "2026-03-20", events: badStage)));
        Assert.Contains("stage.csv", stage, StringComparison.Ordinal);
        Assert.Contains("to", stage, StringComparison.Ordinal);

        var noHeader = dir.Write("nohead.csv", "id,customer_id,type,timestamp", "e1,A,visit,2026-03-01T10:00:00Z");
        Assert.Contains("event_id", UsageError(CliRunner.Run(Args(db, "2026-03-20", events: noHeader))), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_journey_or_as_of_is_exit_2_naming_the_file_and_path()
    {
        using var dir = new TempDir();
        var db = dir.File("journeys.db");
        var journey = dir.Write("bad.json", """{ "id": "j", "entry": { "event": "visit" }, "steps": [ { "id": "s", "type": "send", "rules": ["no-such-rule"] } ] }""");
        var error = UsageError(CliRunner.Run(Args(db, "2026-03-20", journey: journey)));
        Assert.Contains("bad.json", error, StringComparison.Ordinal);
        Assert.Contains("$.steps[0].rules", error, StringComparison.Ordinal);

        Assert.Contains("--as-of", UsageError(CliRunner.Run(Args(db, "soon"))), StringComparison.Ordinal);
        Assert.False(File.Exists(db)); // nothing written before the input is known good
    }
}
