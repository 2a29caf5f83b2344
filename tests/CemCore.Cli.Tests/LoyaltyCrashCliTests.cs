using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore loyalty post</c> on the SQLite ledger killed (SIGKILL) at each step of an append — mid-batch after a row was written, before the
/// commit, after the commit but before the acknowledgement — then run again with the same input: nothing is lost or duplicated, the stored
/// balances equal a sequential replay (<c>loyalty replay</c>) and the hand-computed ones (a 20, b 0, c 85; 17 of 24 rows accepted: 2
/// duplicates, a key conflict, 2 over-redeems, an unknown earn, zero points). The kill comes from the process itself at step k
/// (<c>CEMCORE_LOYALTY_KILL_AT=step:k</c>), like the kill tests of <c>campaign run</c> but deterministic.
/// </summary>
public sealed class LoyaltyCrashCliTests
{
    private static readonly string[] Rows =
    [
        "key,customer_id,timestamp,kind,points,order_id,reason",
        "k01,a,2025-01-01T10:00:00Z,earn,100,o1,",
        "k02,b,2025-01-01T11:00:00Z,earn,50,o2,",
        "k03,a,2025-01-02T10:00:00Z,redeem,30,,",
        "k04,a,2025-01-02T10:00:00Z,redeem,30,,",
        "k03,a,2025-01-02T10:00:00Z,redeem,30,,",   // duplicate
        "k05,b,2025-01-03T10:00:00Z,redeem,80,,",   // insufficient_balance (b 50)
        "k06,c,2025-01-03T12:00:00Z,earn,200,o3,",
        "k07,c,2025-01-04T12:00:00Z,reverse,50,o3,",
        "k08,c,2025-01-04T13:00:00Z,reverse,10,o9,", // unknown_earn (o9 not earned yet)
        "k09,b,2025-01-05T10:00:00Z,adjust,-20,,goodwill fix",
        "k10,a,2025-01-06T10:00:00Z,earn,70,o4,",
        "k06,c,2025-01-03T12:00:00Z,earn,201,o3,",  // key_conflict
        "k11,a,2025-01-07T10:00:00Z,redeem,110,,",
        "k12,b,2025-01-08T10:00:00Z,earn,40,o5,",
        "k13,c,2025-01-09T10:00:00Z,redeem,150,,",
        "k14,c,2025-01-10T10:00:00Z,earn,25,o6,",
        "k15,a,2025-01-11T10:00:00Z,adjust,15,,birthday",
        "k16,b,2025-01-12T10:00:00Z,reverse,40,o5,",
        "k17,b,2025-01-13T10:00:00Z,redeem,30,,",
        "k18,a,2025-01-14T10:00:00Z,redeem,16,,",   // insufficient_balance (a 15)
        "k19,c,2025-01-15T10:00:00Z,earn,0,o7,",    // invalid_points
        "k20,a,2025-01-16T10:00:00Z,earn,5,o8,",
        "k12,b,2025-01-08T10:00:00Z,earn,40,o5,",   // duplicate
        "k21,c,2025-01-17T10:00:00Z,earn,60,o9,",
    ];

    private static string[] Post(string postings, string db) => ["loyalty", "post", "--postings", postings, "--db", db, "--batch", "4", "--format", "json"];

    [Theory]
    [InlineData("after-insert", 1)]
    [InlineData("after-insert", 6)]   // mid-batch: the second batch's rows are written, not committed
    [InlineData("before-commit", 1)]
    [InlineData("before-commit", 4)]
    [InlineData("after-commit", 1)]   // committed, never acknowledged: the re-run must report duplicates, not post again
    [InlineData("after-commit", 5)]
    public void KilledAtStep_RunAgain_NothingLostOrDuplicated_EqualsSequentialReplay(string step, int k)
    {
        using var dir = new TempDir();
        var postings = dir.Write("postings.csv", Rows);
        var db = dir.File("ledger.db");

        var killed = CliRunner.RunWithEnvironment(new Dictionary<string, string> { ["CEMCORE_LOYALTY_KILL_AT"] = step + ":" + k.ToString(CultureInfo.InvariantCulture) }, Post(postings, db));
        Assert.NotEqual(0, killed.ExitCode); // SIGKILL: 137
        Assert.Equal(string.Empty, killed.StdOut.Trim());
        var afterKill = AssertConsistent(db);

        var rerun = CliAssert.JsonOk(CliRunner.Run(Post(postings, db)));
        var replay = CliAssert.JsonOk(CliRunner.Run("loyalty", "replay", "--postings", postings, "--as-of", "2030-01-01", "--format", "json"));
        var replayAccepted = Rows.Length - 1 - replay["rejected"]!.AsArray().Count;
        Assert.Equal(17, replayAccepted);
        var stored = AssertConsistent(db);
        Assert.Equal(replayAccepted, stored.Rows);
        Assert.Equal(replayAccepted - afterKill.Rows, (int)rerun["accepted"]!); // the re-run posted exactly what the killed run had not committed

        // Balances: stored = the re-run's report = a sequential replay = hand-computed.
        var accounts = rerun["accounts"]!.AsObject();
        var expected = new Dictionary<string, long> { ["a"] = 20, ["b"] = 0, ["c"] = 85 };
        Assert.Equal(expected.Keys, accounts.Select(kv => kv.Key));
        foreach (var (id, points) in expected)
        {
            Assert.Equal(points, (long)accounts[id]!["balance"]!);
            Assert.Equal((long)replay["accounts"]![id]!["balance"]!, (long)accounts[id]!["balance"]!);
            Assert.Equal(points, stored.Balances[id]);
        }

        // The same rows stay rejected (duplicates are counted, not listed). A rejection stores nothing, so the re-run checks it again: when
        // later postings of its account were committed before the kill, it is now (also) too old: clock_went_backwards.
        string[] expectedRejections = ["k05:insufficient_balance", "k08:unknown_earn", "k06:key_conflict", "k18:insufficient_balance", "k19:invalid_points"];
        var rejections = rerun["rejected"]!.AsArray().Select(r => ((string)r!["key"]!, (string)r["reason"]!)).ToList();
        Assert.Equal(expectedRejections.Select(e => e.Split(':')[0]), rejections.Select(r => r.Item1));
        Assert.All(rejections.Zip(expectedRejections), p => Assert.True(
            p.Second == p.First.Item1 + ":" + p.First.Item2 || p.First.Item2 == "clock_went_backwards",
            p.First.Item1 + ": " + p.First.Item2));
        if (afterKill.Rows == 0)
        {
            Assert.Equal(expectedRejections, rejections.Select(r => r.Item1 + ":" + r.Item2)); // nothing committed: the very same reasons
        }

        // A third run changes nothing.
        var third = CliAssert.JsonOk(CliRunner.Run(Post(postings, db)));
        Assert.Equal(0, (int)third["accepted"]!);
        Assert.Equal(replayAccepted + 2, (int)third["duplicates"]!); // every accepted key, plus the two in-file duplicates
        Assert.Equal(replayAccepted, AssertConsistent(db).Rows);
    }

    [Fact]
    public void Post_BadRow_Exit2_NothingWritten()
    {
        using var dir = new TempDir();
        var postings = dir.Write("bad.csv", Rows[0], Rows[1], "k02,b,2025-01-01T11:00:00Z,gift,50,o2,");
        var db = dir.File("ledger.db");
        var message = CliAssert.UsageError(CliRunner.Run(Post(postings, db)));
        Assert.Contains("line 3", message, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(db));
    }

    // Every account row agrees with its postings (version = count, available + pending = signed sum) and every key is stored once.
    private static (int Rows, Dictionary<string, long> Balances) AssertConsistent(string db)
    {
        if (!File.Exists(db))
        {
            return (0, []);
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT a.account_id, a.available, a.pending, a.version,
                   (SELECT COUNT(*) FROM loyalty_postings p WHERE p.account_id = a.account_id),
                   (SELECT IFNULL(SUM(CASE WHEN p.kind IN (0, 3) THEN p.points ELSE -p.points END), 0) FROM loyalty_postings p WHERE p.account_id = a.account_id)
            FROM loyalty_accounts a
            """;
        var balances = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var r = command.ExecuteReader())
        {
            while (r.Read())
            {
                Assert.Equal(r.GetInt64(4), r.GetInt64(3));
                Assert.Equal(r.GetInt64(5), r.GetInt64(1) + r.GetInt64(2));
                balances[r.GetString(0)] = r.GetInt64(1);
            }
        }

        command.CommandText = "SELECT COUNT(*), COUNT(DISTINCT key) FROM loyalty_postings";
        using var c = command.ExecuteReader();
        Assert.True(c.Read());
        Assert.Equal(c.GetInt64(1), c.GetInt64(0));
        return (checked((int)c.GetInt64(0)), balances);
    }
}
