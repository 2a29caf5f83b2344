using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Loyalty;
using CemCore.Samples.Sqlite;
using CemCore.Sources;
using CemCore.Sources.Csv;

namespace CemCore.Cli.Commands;

/// <summary><c>cemcore loyalty replay|tiers|post|funnel</c> (issue 9, docs/loyalty.md).</summary>
internal static class LoyaltyCommands
{
    private static readonly string[] Columns = ["key", "customer_id", "timestamp", "kind", "points", "order_id", "reason"];

    public static Command Create()
    {
        var loyalty = new Command("loyalty", "Membership tiers, the points ledger and member recruitment (replay|tiers|post|funnel).");
        loyalty.Subcommands.Add(CreateReplay());
        loyalty.Subcommands.Add(CreateTiers());
        loyalty.Subcommands.Add(CreatePost());
        loyalty.Subcommands.Add(CreateFunnel());
        return loyalty;
    }

    private static Command CreateReplay()
    {
        var postings = CliOptions.RequiredPath("--postings", "Postings CSV: key,customer_id,timestamp,kind,points,order_id,reason (kind earn|redeem|adjust|reverse|expire).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE; postings before it count (exclusive).", required: true);
        var ladder = CliOptions.OptionalPath("--ladder", "Tier ladder JSON (default: standard/silver/gold, see docs/loyalty.md); tiers by points earned in the window.");
        var pendingDays = CliOptions.Integer("--pending-days", "Days an earn stays pending before it can be spent.", 0, min: 0, max: 3650);
        var expiryDays = CliOptions.Integer("--expiry-days", "Days after which an earned lot expires (0: never).", 0, min: 0, max: 36500);
        var format = CliOptions.Format();
        var command = new Command("replay", "Replay a postings file through the ledger: balances, pending points, tiers and rejected postings.")
        {
            postings, asOf, ladder, pendingDays, expiryDays, format,
        };
        command.SetAction(parse =>
        {
            var policy = new LedgerPolicy
            {
                PendingDays = parse.GetValue(pendingDays),
                Expiry = parse.GetValue(expiryDays) > 0 ? ExpiryRule.AfterDays : ExpiryRule.Never,
                ExpiryDays = Math.Max(1, parse.GetValue(expiryDays)),
            };
            return Replay(parse.GetValue(postings)!, CliOptions.StartOfDayUtc(parse.GetValue(asOf)!.Value), LoadLadder(parse.GetValue(ladder)), policy, parse.IsJson(format));
        });
        return command;
    }

    private static Command CreateTiers()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,amount,...).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE; transactions before it count (exclusive).", required: true);
        var ladder = CliOptions.OptionalPath("--ladder", "Tier ladder JSON (default: standard/silver/gold, see docs/loyalty.md).");
        var format = CliOptions.Format();
        var command = new Command("tiers", "Members per tier at the as-of date and the tier changes in the ladder's window before it.") { transactions, asOf, ladder, format };
        command.SetAction(parse => Tiers(parse.GetValue(transactions)!, CliOptions.StartOfDayUtc(parse.GetValue(asOf)!.Value), LoadLadder(parse.GetValue(ladder)), parse.IsJson(format)));
        return command;
    }

    private static Command CreatePost()
    {
        var postings = CliOptions.RequiredPath("--postings", "Postings CSV (same columns as replay); every row is appended in file order.");
        var db = CliOptions.RequiredPath("--db", "SQLite database (created when absent) holding the ledger (loyalty_postings, loyalty_accounts).");
        var batch = CliOptions.Integer("--batch", "Postings per transaction (1: one transaction per posting).", 100, min: 1, max: 100_000);
        var format = CliOptions.Format();
        var command = new Command("post", "Append a postings file to the SQLite ledger (idempotent: run it again after a crash; nothing is lost or doubled).")
        {
            postings, db, batch, format,
        };
        command.SetAction(parse => Post(parse.GetValue(postings)!, parse.GetValue(db)!, parse.GetValue(batch), parse.IsJson(format)));
        return command;
    }

    private static Command CreateFunnel()
    {
        var events = CliOptions.RequiredPath("--events", "Events CSV: customer_id,timestamp,event[,channel] (event visit|sign_up|purchase).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE; events before it count (exclusive).", required: true);
        var format = CliOptions.Format();
        var command = new Command("funnel", "The non-member → member funnel: visitors, sign-ups, first member purchases, rates and median days, per channel and cohort.")
        {
            events, asOf, format,
        };
        command.SetAction(parse => Funnel(parse.GetValue(events)!, CliOptions.StartOfDayUtc(parse.GetValue(asOf)!.Value), parse.IsJson(format)));
        return command;
    }

    private static int Post(string path, string dbPath, int batchSize, bool json)
    {
        var file = Path.GetFileName(path);
        var rows = ReadPostings(path, file).Select(r => r.Posting).ToList(); // bad rows exit 2 before anything is written
        var store = new SqliteLoyaltyStore(new SqliteDatabase(dbPath)) { StepHook = KillHook() };
        long accepted = 0, duplicates = 0;
        var rejected = new JsonArray();
        for (var i = 0; i < rows.Count; i += batchSize)
        {
            var chunk = rows.GetRange(i, Math.Min(batchSize, rows.Count - i));
            var results = store.AppendBatch(chunk);
            for (var j = 0; j < chunk.Count; j++)
            {
                switch (results[j].Outcome)
                {
                    case PostingOutcome.Accepted:
                        accepted++;
                        break;
                    case PostingOutcome.Duplicate:
                        duplicates++;
                        break;
                    default:
                        rejected.Add((JsonNode)Rejected(chunk[j].Key, results[j].Reason!));
                        break;
                }
            }
        }

        var accounts = new JsonObject();
        foreach (var id in store.GetAccountIds())
        {
            _ = store.TryGetBalance(id, out var available, out var pending, out var version);
            accounts[id] = new JsonObject { ["balance"] = available, ["pending"] = pending, ["version"] = version };
        }

        if (json)
        {
            CliJson.Write(new JsonObject { ["accepted"] = accepted, ["duplicates"] = duplicates, ["rejected"] = rejected, ["accounts"] = accounts });
            return 0;
        }

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{accepted} accepted, {duplicates} already posted, {rejected.Count} rejected; {accounts.Count} accounts."));
        return 0;
    }

    // Crash tests: CEMCORE_LOYALTY_KILL_AT=<step>:<k> kills this process (SIGKILL, no clean-up) at the k-th occurrence of the store's step.
    private static Action<string>? KillHook()
    {
        var spec = Environment.GetEnvironmentVariable("CEMCORE_LOYALTY_KILL_AT");
        if (string.IsNullOrWhiteSpace(spec))
        {
            return null;
        }

        var parts = spec.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k < 1)
        {
            throw new UsageException("CEMCORE_LOYALTY_KILL_AT must be <step>:<k> (k >= 1).");
        }

        var seen = 0;
        return step =>
        {
            if (string.Equals(step, parts[0], StringComparison.Ordinal) && ++seen == k)
            {
                using var self = System.Diagnostics.Process.GetCurrentProcess();
                self.Kill();
            }
        };
    }

    private static int Funnel(string path, DateTimeOffset asOf, bool json)
    {
        var report = MemberFunnel.Compute(ReadEvents(path, Path.GetFileName(path)), asOf);
        static JsonObject Row(MemberFunnelRow r) => new()
        {
            ["visitors"] = r.Visitors,
            ["members"] = r.Members,
            ["memberPurchasers"] = r.MemberPurchasers,
            ["signUpRate"] = r.SignUpRate,
            ["firstPurchaseRate"] = r.FirstPurchaseRate,
            ["overallRate"] = r.OverallRate,
            ["medianDaysToSignUp"] = r.MedianDaysToSignUp,
            ["medianDaysToFirstPurchase"] = r.MedianDaysToFirstPurchase,
        };
        var byChannel = new JsonObject();
        foreach (var r in report.ByChannel)
        {
            byChannel[r.Group] = Row(r);
        }

        var byCohort = new JsonObject();
        foreach (var r in report.ByCohort)
        {
            byCohort[r.Group] = Row(r);
        }

        if (json)
        {
            CliJson.Write(new JsonObject
            {
                ["asOf"] = asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["total"] = Row(report.Total),
                ["byChannel"] = byChannel,
                ["byCohort"] = byCohort,
            });
            return 0;
        }

        var t = report.Total;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t.Visitors} visitors -> {t.Members} members -> {t.MemberPurchasers} member purchasers"));
        return 0;
    }

    private static List<MemberEvent> ReadEvents(string path, string file)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new DataFormatException("the file is empty (expected a header)", file, 1, null);
        var names = SplitCsv(header, file, 1).Select(n => n.Trim()).ToList();
        int Column(string name, bool required)
        {
            var i = names.FindIndex(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            return i >= 0 || !required ? i : throw new DataFormatException($"missing column '{name}' (expected customer_id,timestamp,event[,channel])", file, 1, name);
        }

        var (idCol, atCol, eventCol, channelCol) = (Column("customer_id", true), Column("timestamp", true), Column("event", true), Column("channel", false));
        var events = new List<MemberEvent>();
        foreach (var (line, f) in DataRows(reader, file, names.Count))
        {

            var id = f[idCol].Trim();
            if (id.Length == 0)
            {
                throw new DataFormatException("the customer id is empty", file, line, "customer_id");
            }

            if (!DateTimeOffset.TryParse(f[atCol].Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                throw new DataFormatException("not a date/time", file, line, "timestamp");
            }

            var kind = f[eventCol].Trim().ToUpperInvariant() switch
            {
                "VISIT" => MemberEventKind.Visit,
                "SIGN_UP" or "SIGNUP" => MemberEventKind.SignUp,
                "PURCHASE" => MemberEventKind.Purchase,
                _ => throw new DataFormatException("event must be visit, sign_up or purchase", file, line, "event"),
            };
            var channel = channelCol >= 0 ? f[channelCol].Trim() : null;
            events.Add(new MemberEvent(id, at, kind, string.IsNullOrEmpty(channel) ? null : channel));
        }

        return events;
    }

    private static TierLadder LoadLadder(string? path) =>
        path is null ? TierLadder.Default : TierLadder.FromJson(File.ReadAllText(path), Path.GetFileName(path));

    private static int Replay(string path, DateTimeOffset asOf, TierLadder ladder, LedgerPolicy policy, bool json)
    {
        var file = Path.GetFileName(path);
        var store = new InMemoryLoyaltyStore(policy);
        var tiers = new TierTracker(ladder);
        var rejected = new JsonArray();
        var earned = new List<LoyaltyPosting>();
        foreach (var row in ReadPostings(path, file))
        {
            if (row.Posting.Timestamp >= asOf)
            {
                continue;
            }

            var posting = row.Posting;
            if (posting.Kind == PostingKind.Reverse && posting.Points == 0)
            {
                // Points left empty: the whole unreversed earn of the order.
                posting = posting with { Points = posting.OrderId is not null && store.TryGetOrderEarn(posting.AccountId, posting.OrderId, out var rest) ? rest : 0 };
                if (posting.Points == 0)
                {
                    rejected.Add((JsonNode)Rejected(posting.Key, LedgerReasons.UnknownEarn));
                    continue;
                }
            }

            var result = store.Append(posting);
            if (result.Outcome == PostingOutcome.Duplicate)
            {
                rejected.Add((JsonNode)Rejected(posting.Key, "duplicate"));
            }
            else if (!result.IsAccepted)
            {
                rejected.Add((JsonNode)Rejected(posting.Key, result.Reason!));
            }
            else if (posting.Kind is PostingKind.Earn or PostingKind.Reverse)
            {
                earned.Add(posting);
            }
        }

        // Tiers qualify on points earned in the window (reversals subtract), in time order; never on the balance.
        foreach (var p in earned.OrderBy(p => p.Timestamp.UtcTicks))
        {
            tiers.Record(p.AccountId, p.Timestamp, 0m, 0, p.SignedPoints);
        }

        store.ExpireDue(asOf);
        tiers.Advance(asOf.AddTicks(-1));
        var accounts = new JsonObject();
        foreach (var id in store.GetAccountIds())
        {
            _ = store.TryGetBalance(id, out var available, out var pending, out _);
            _ = tiers.TryGetTier(id, out var tier);
            accounts[id] = new JsonObject { ["balance"] = available, ["pending"] = pending, ["tier"] = tier.Id };
        }

        if (json)
        {
            CliJson.Write(new JsonObject { ["accounts"] = accounts, ["rejected"] = rejected });
            return 0;
        }

        foreach (var (id, node) in accounts)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{id}: balance {node!["balance"]}, pending {node["pending"]}, tier {node["tier"]}"));
        }

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rejected.Count} rejected or duplicate postings."));
        return 0;
    }

    private static JsonObject Rejected(string key, string reason) => new() { ["key"] = key, ["reason"] = reason };

    private static int Tiers(string path, DateTimeOffset asOf, TierLadder ladder, bool json)
    {
        var table = CsvTransactionReader.ReadTable(path);
        var tracker = TierTracker.Replay(ladder, table, asOf);
        var from = asOf.AddDays(-ladder.WindowDays);
        var counts = new JsonObject();
        var members = 0;
        foreach (var (id, n) in tracker.CountByTier())
        {
            counts[id] = n;
            members += n;
        }

        var changes = new JsonArray();
        foreach (var c in tracker.Changes)
        {
            if (c.FromTier is not null && c.At >= from && c.At < asOf)
            {
                changes.Add((JsonNode)new JsonObject
                {
                    ["customerId"] = c.MemberId,
                    ["from"] = c.FromTier,
                    ["to"] = c.ToTier,
                    ["at"] = c.At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    ["reason"] = c.Reason,
                });
            }
        }

        if (json)
        {
            CliJson.Write(new JsonObject
            {
                ["asOf"] = asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["members"] = members,
                ["tiers"] = counts,
                ["windowStart"] = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["changes"] = changes,
            });
            return 0;
        }

        foreach (var (id, n) in counts)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{id}: {n}"));
        }

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{changes.Count} tier changes since {from:yyyy-MM-dd}."));
        return 0;
    }

    private static IEnumerable<(long Line, LoyaltyPosting Posting)> ReadPostings(string path, string file)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new DataFormatException("the file is empty (expected a header)", file, 1, null);
        var names = SplitCsv(header, file, 1);
        var index = new int[Columns.Length];
        for (var c = 0; c < Columns.Length; c++)
        {
            index[c] = names.FindIndex(n => string.Equals(n.Trim(), Columns[c], StringComparison.OrdinalIgnoreCase));
            if (index[c] < 0)
            {
                throw new DataFormatException($"missing column '{Columns[c]}' (expected {string.Join(",", Columns)})", file, 1, Columns[c]);
            }
        }

        foreach (var (line, f) in DataRows(reader, file, names.Count))
        {

            string Field(int c) => f[index[c]].Trim();
            var key = Field(0);
            var customer = Field(1);
            if (key.Length == 0)
            {
                throw new DataFormatException("the key is empty", file, line, "key");
            }

            if (customer.Length == 0)
            {
                throw new DataFormatException("the customer id is empty", file, line, "customer_id");
            }

            if (!DateTimeOffset.TryParse(Field(2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                throw new DataFormatException("not a date/time", file, line, "timestamp");
            }

            var kind = Field(3).ToUpperInvariant() switch
            {
                "EARN" => PostingKind.Earn,
                "REDEEM" => PostingKind.Redeem,
                "ADJUST" => PostingKind.Adjust,
                "REVERSE" => PostingKind.Reverse,
                "EXPIRE" => PostingKind.Expire,
                _ => throw new DataFormatException("kind must be earn, redeem, adjust, reverse or expire", file, line, "kind"),
            };
            long points = 0;
            var pointsText = Field(4);
            if (pointsText.Length == 0 ? kind != PostingKind.Reverse : !long.TryParse(pointsText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out points))
            {
                throw new DataFormatException("points must be a whole number (empty only for a reverse: the whole earn)", file, line, "points");
            }

            var order = Field(5);
            var reason = Field(6);
            yield return (line, new LoyaltyPosting(key, customer, at, kind, points, order.Length == 0 ? null : order, null, reason.Length == 0 ? null : reason));
        }
    }

    // The data rows after the header (line numbers from 2; blank lines skipped), each with exactly the header's field count.
    private static IEnumerable<(long Line, List<string> Fields)> DataRows(StreamReader reader, string file, int fieldCount)
    {
        long line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var f = SplitCsv(text, file, line);
            if (f.Count != fieldCount)
            {
                throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"expected {fieldCount} fields, found {f.Count}"), file, line, null);
            }

            yield return (line, f);
        }
    }

    // RFC 4180 fields on one line: quoted fields may contain commas and doubled quotes.
    internal static List<string> SplitCsv(string text, string file, long line)
    {
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    sb.Append(ch);
                }
            }
            else if (ch == '"' && sb.Length == 0)
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(ch);
            }
        }

        if (quoted)
        {
            throw new DataFormatException("unterminated quoted field", file, line, null);
        }

        fields.Add(sb.ToString());
        return fields;
    }
}
