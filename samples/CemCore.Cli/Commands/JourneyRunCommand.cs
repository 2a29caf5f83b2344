using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Channels;
using CemCore.Cli.CommandLine;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Rules;
using CemCore.Samples.Sqlite;
using CemCore.Samples.Sqlite.Dispatch;
using CemCore.Samples.Sqlite.Journeys;
using CemCore.Sources;
using CemCore.Sources.Csv;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore journey run --journey J.json --events E.csv --db FILE --as-of INSTANT [--customers C.csv] [--rules R.json] --format json</c>:
/// replays the customer events before INSTANT through a journey (<see cref="JourneyEngine.ReplayAsync"/>: waits fire at their own instants)
/// and advances every customer's durable position in the SQLite database FILE (table <c>journey_state</c>); sends go through the exactly-once
/// dispatch (send log and the other stores in the same database) to the table <c>outbox</c> (run key <c>journey:&lt;id&gt;</c>). A re-run,
/// or a later run with a later INSTANT, continues from the stored positions and sends nothing twice. Processes on the same database and
/// journey take turns through a lease row (<c>journey_run_lock</c>): a journey's transitions depend on the instant they are made at, so
/// two replays interleaving on one database would not give one sequential history; a killed process's lease expires after
/// <see cref="Lease"/>, and the send log keeps sends exactly-once even then.
/// </summary>
/// <remarks>A sub-command of <c>cemcore journey</c> (the KPI journey map, whose options and output are unchanged).</remarks>
internal static class JourneyRunCommand
{
    /// <summary>The send-log and run lease: a killed process's claims and turn are taken over after it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var journey = CliOptions.RequiredPath("--journey", "Journey definition JSON (format: docs/journeys.md).");
        var events = CliOptions.RequiredPath("--events", "Customer events CSV event_id,customer_id,type,timestamp; other columns are event properties (reason, nps, csat, touchpoint, to...).");
        var db = CliOptions.RequiredPath("--db", "SQLite database (created when absent): journey positions, dispatch stores and the outbox.");
        var asOf = new Option<string>("--as-of") { Description = "Run up to this instant (exclusive): ISO 8601 such as 2026-03-20T09:00:00Z (UTC when no offset) or a DATE (00:00 UTC).", Required = true, HelpName = "INSTANT" };
        var customers = CliOptions.OptionalPath("--customers", "Customers CSV with consents and time zones (without it: demo profiles, every consent granted).");
        var rules = CliOptions.OptionalPath("--rules", "Rule set JSON (default: the standard campaigns and the feedback-loop rules).");
        var format = CliOptions.Format();
        var run = new Command("run", "Advance every customer's durable journey position from an event file; send each step once to an outbox table.") { journey, events, db, asOf, customers, rules, format };
        CliHelp.Examples(run, "cemcore journey run --journey samples/CemCore.Cli/journeys/winback.json --events events.csv --db journeys.db --as-of 2026-03-20 --format json");
        run.SetAction((parse, ct) => RunAsync(
            parse.GetValue(journey)!,
            parse.GetValue(events)!,
            parse.GetValue(db)!,
            ParseInstant(parse.GetValue(asOf)!),
            parse.GetValue(customers),
            parse.GetValue(rules),
            parse.IsJson(format),
            ct));
        return run;
    }

    private static DateTimeOffset ParseInstant(string text)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return CliOptions.StartOfDayUtc(date);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? instant
            : throw new UsageException($"--as-of must be an ISO 8601 instant such as 2026-03-20T09:00:00Z or a date such as 2026-03-20, not '{text}'.");
    }

    /// <summary>The standard rules the journeys and triggers of the CLI decide with.</summary>
    public static PersonalizationRuleSet StandardRules(TemplateCatalog templates) =>
        new PersonalizationRuleSetBuilder().AddStandardCampaigns().AddFeedbackLoopRules().WithTemplates(templates).Build();

    private static async Task<int> RunAsync(string journeyPath, string eventsPath, string dbPath, DateTimeOffset asOf, string? customersPath, string? rulesPath, bool json, CancellationToken cancellationToken)
    {
        var full = CampaignCommand.DatabaseFile(dbPath);
        var templates = StandardTemplates.Create();
        PersonalizationRuleSet ruleSet;
        try
        {
            ruleSet = rulesPath is null ? StandardRules(templates) : PersonalizationRuleJson.Load(await File.ReadAllTextAsync(rulesPath, cancellationToken).ConfigureAwait(false), templates);
        }
        catch (RuleDefinitionException ex)
        {
            throw new UsageException($"{Path.GetFileName(rulesPath)}: {ex.Message}");
        }

        JourneyDefinition definition;
        try
        {
            definition = JourneyJson.Load(await File.ReadAllTextAsync(journeyPath, cancellationToken).ConfigureAwait(false), ruleSet);
        }
        catch (RuleDefinitionException ex)
        {
            throw new UsageException($"{Path.GetFileName(journeyPath)}: {ex.Message}");
        }

        var all = ReadEvents(eventsPath);
        var events = all.Where(e => e.Timestamp < asOf).OrderBy(e => e.Timestamp).ToList(); // a stable sort: file order within an instant
        Dictionary<string, CustomerProfile>? profiles = null;
        if (customersPath is not null)
        {
            profiles = new Dictionary<string, CustomerProfile>(StringComparer.Ordinal);
            await foreach (var p in new CsvCustomerSource(customersPath).ReadCustomersAsync(cancellationToken).ConfigureAwait(false))
            {
                profiles[p.Id] = p;
            }
        }

        var lookup = Lookup(events, id => profiles is null ? OfferPlanner.DemoProfile(id, asOf) : profiles.TryGetValue(id, out var p) ? p : new CustomerProfile(id));
        var database = new SqliteDatabase(full);
        var stores = new SqliteDispatchStores(database);
        var state = new SqliteJourneyStateStore(database);
        var start = events.Count > 0 ? events[0].Timestamp : asOf;
        var clock = new ReplayClock(start);
        var runKey = "journey:" + definition.Id;
        IMessageChannel[] channels = [.. DecisionSettings.StandardChannels.Select(c => new SqliteOutboxChannel(database, c, runKey, clock))];
        var dispatcher = new EventDispatcher(ruleSet, new MessageRenderer(templates), channels, stores.ToDispatchStores(), clock, new DecisionSettings(reserveBudget: false), new DispatchSettings(Lease: Lease, ClaimWait: Lease + TimeSpan.FromSeconds(5)));
        var counts = new RunCounts(definition);
        var engine = new JourneyEngine([definition], dispatcher, state, lookup, new JourneySettings { Observer = counts.Add });

        await using (await RunLease.AcquireAsync(database, definition.Id, cancellationToken).ConfigureAwait(false))
        {
            foreach (var e in events)
            {
                await engine.ReplayAsync([e], clock, e.Timestamp, cancellationToken).ConfigureAwait(false);
            }

            await engine.ReplayAsync([], clock, asOf, cancellationToken).ConfigureAwait(false);
        }

        var summary = await engine.SummarizeAsync(definition.Id, cancellationToken).ConfigureAwait(false);
        var result = counts.ToJson();
        result["journey"] = definition.Id;
        result["asOf"] = asOf.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        result["events"] = events.Count;
        result["state"] = new JsonObject
        {
            ["entries"] = summary.Entered,
            ["open"] = summary.Waiting,
            ["completed"] = summary.Completed,
            ["exited"] = summary.Exited,
            ["controlGroup"] = summary.ControlGroup,
            ["sent"] = summary.Sent,
        };
        if (json)
        {
            CliJson.Write(result);
        }
        else
        {
            Console.Out.WriteLine(string.Join(", ", Fields.Select(f => f + " " + result[f]!.ToJsonString())) + " (journey " + definition.Id + ", outbox: " + dbPath + ")");
        }

        return 0;
    }

    internal static readonly string[] Fields = ["entered", "advanced", "sent", "alreadySent", "suppressed", "deferred", "exited", "goalReached", "failed"];

    /// <summary>The customer's context at an instant: the profile, and the facts of the customer's events up to that instant (in order).</summary>
    /// <param name="events">The events, in time order.</param>
    /// <param name="profileOf">The profile of a customer id.</param>
    internal static CustomerContextLookup Lookup(IEnumerable<CustomerEvent> events, Func<string, CustomerProfile> profileOf)
    {
        var byCustomer = events.GroupBy(e => e.CustomerId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        return (id, at, ct) =>
        {
            var context = new CustomerContext(profileOf(id), null, at);
            foreach (var e in byCustomer.GetValueOrDefault(id) ?? [])
            {
                if (e.Timestamp > at)
                {
                    break; // events up to the instant count: a send at an event's instant sees that event
                }

                e.ApplyTo(context);
            }

            return ValueTask.FromResult<CustomerContext?>(context);
        };
    }

    /// <summary>Reads the events CSV: header with event_id, customer_id, type, timestamp (any order); other columns are properties (empty = absent).</summary>
    internal static List<CustomerEvent> ReadEvents(string path)
    {
        var file = Path.GetFileName(path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        var headerLine = reader.ReadLine() ?? throw new DataFormatException("The file is empty; expected the header event_id,customer_id,type,timestamp.", file, 1, null);
        var header = LoyaltyCommands.SplitCsv(headerLine, file, 1).Select(h => h.Trim()).ToArray();
        int Column(string name) => Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase)) is var i and >= 0
            ? i
            : throw new DataFormatException($"The header has no column '{name}' (needs event_id,customer_id,type,timestamp).", file, 1, name);
        int idCol = Column("event_id"), customerCol = Column("customer_id"), typeCol = Column("type"), timeCol = Column("timestamp");
        var result = new List<CustomerEvent>();
        long line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            var fields = LoyaltyCommands.SplitCsv(text, file, line);
            if (fields.Count != header.Length)
            {
                throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"The row has {fields.Count} fields; the header has {header.Length}."), file, line, null);
            }

            string Required(int col)
            {
                var v = fields[col].Trim();
                return v.Length > 0 ? v : throw new DataFormatException("The value is empty.", file, line, header[col]);
            }

            var eventId = Required(idCol);
            var customerId = Required(customerCol);
            var type = Required(typeCol);
            if (!CustomerEventTypes.IsValid(type))
            {
                throw new DataFormatException("The event type must be 1-64 ASCII letters, digits, '_', '-' or '.'.", file, line, header[typeCol]);
            }

            if (!DateTimeOffset.TryParse(Required(timeCol), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                throw new DataFormatException("The timestamp must be ISO 8601 such as 2026-03-10T09:30:00Z.", file, line, header[timeCol]);
            }

            var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var c = 0; c < header.Length; c++)
            {
                if (c != idCol && c != customerCol && c != typeCol && c != timeCol && fields[c].Trim() is { Length: > 0 } v)
                {
                    properties[header[c]] = v;
                }
            }

            var e = new CustomerEvent(eventId, customerId, type, at, properties);
            try
            {
                e.ApplyTo(new CustomerContext()); // checks the properties the event's type carries (reason, nps, csat, touchpoint, to)
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                throw new DataFormatException(ex.Message, file, line, PropertyOf(ex.Message, header));
            }

            result.Add(e);
        }

        return result;
    }

    private static string? PropertyOf(string message, string[] header) =>
        header.FirstOrDefault(h => message.Contains("'" + h + "'", StringComparison.OrdinalIgnoreCase)) ?? header.FirstOrDefault(h => message.Contains(h, StringComparison.OrdinalIgnoreCase) && h.Length > 2);

    /// <summary>Counts of this run's transitions (from <see cref="JourneySettings.Observer"/>: only transitions this process wrote).</summary>
    internal sealed class RunCounts(JourneyDefinition definition)
    {
        private readonly Dictionary<string, long> _totals = Fields.Append("completed").Append("controlGroup").ToDictionary(f => f, _ => 0L, StringComparer.Ordinal);
        private readonly Dictionary<string, SortedDictionary<string, long>> _steps = definition.Steps.ToDictionary(s => s.Id, _ => new SortedDictionary<string, long>(StringComparer.Ordinal), StringComparer.Ordinal);
        private readonly Lock _gate = new();

        public void Add(JourneyTransition t)
        {
            lock (_gate)
            {
                switch (t.Label)
                {
                    case "entered":
                        _totals["entered"]++;
                        return;
                    case "control":
                        _totals["entered"]++;
                        _totals["controlGroup"]++;
                        return;
                    case "goal":
                        _totals["goalReached"]++;
                        return;
                }

                var step = _steps[t.StepId!];
                var label = t.Dispatch == DispatchStatus.AlreadySent ? "alreadySent" : t.Label;
                step[label] = step.GetValueOrDefault(label) + 1;
                var total = t.Dispatch switch
                {
                    DispatchStatus.Sent => "sent",
                    DispatchStatus.AlreadySent => "alreadySent",
                    DispatchStatus.Deferred => "deferred",
                    DispatchStatus.Failed or DispatchStatus.Rejected => "failed",
                    DispatchStatus.Suppressed or DispatchStatus.NoOffer => "suppressed",
                    _ => t.Label switch { "exit" => "exited", "unknown" => "suppressed", _ => null },
                };
                if (total is not null)
                {
                    _totals[total]++;
                }

                if (t.Dispatch is not (DispatchStatus.Deferred or DispatchStatus.Failed))
                {
                    _totals["advanced"]++;
                }

                if (t.Status == JourneyStatus.Completed)
                {
                    _totals["completed"]++;
                }
            }
        }

        public JsonObject ToJson()
        {
            var o = new JsonObject();
            foreach (var (k, v) in _totals)
            {
                o[k] = v;
            }

            var steps = new JsonObject();
            foreach (var s in definition.Steps)
            {
                var counts = new JsonObject();
                foreach (var (label, n) in _steps[s.Id])
                {
                    counts[label] = n;
                }

                steps[s.Id] = counts;
            }

            o["steps"] = steps;
            return o;
        }
    }

    /// <summary>The turn of one process on a database and journey: a lease row in <c>journey_run_lock</c>, renewed while the run lasts.</summary>
    private sealed class RunLease : IAsyncDisposable
    {
        private readonly SqliteDatabase _db;
        private readonly string _journeyId;
        private readonly string _owner = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        private readonly CancellationTokenSource _stop = new();
        private Task? _heartbeat;

        private RunLease(SqliteDatabase db, string journeyId)
        {
            _db = db;
            _journeyId = journeyId;
        }

        public static async Task<RunLease> AcquireAsync(SqliteDatabase db, string journeyId, CancellationToken ct)
        {
            db.EnsureSchema("CREATE TABLE IF NOT EXISTS journey_run_lock(journey_id TEXT PRIMARY KEY, owner TEXT NOT NULL, lease_until_ticks INTEGER NOT NULL);");
            var lease = new RunLease(db, journeyId);
            while (!lease.TryTake())
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
            }

            lease._heartbeat = Task.Run(lease.HeartbeatAsync, CancellationToken.None);
            return lease;
        }

        private async Task HeartbeatAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(Lease / 3, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                TryTake();
            }
        }

        /// <summary>Takes or renews the lease when it is free, expired or ours.</summary>
        private bool TryTake()
        {
            var now = TimeProvider.System.GetUtcNow().UtcTicks;
            using var connection = _db.Open();
            using var tx = SqliteDatabase.BeginWrite(connection);
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = """
                INSERT INTO journey_run_lock(journey_id, owner, lease_until_ticks) VALUES ($j, $o, $u)
                ON CONFLICT(journey_id) DO UPDATE SET owner = $o, lease_until_ticks = $u WHERE owner = $o OR lease_until_ticks <= $now
                """;
            command.Parameters.AddWithValue("$j", _journeyId);
            command.Parameters.AddWithValue("$o", _owner);
            command.Parameters.AddWithValue("$u", now + Lease.Ticks);
            command.Parameters.AddWithValue("$now", now);
            var taken = command.ExecuteNonQuery() == 1;
            tx.Commit();
            return taken;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_heartbeat is not null)
            {
                await _heartbeat.ConfigureAwait(false);
            }

            _stop.Dispose();
            using var connection = _db.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM journey_run_lock WHERE journey_id = $j AND owner = $o";
            command.Parameters.AddWithValue("$j", _journeyId);
            command.Parameters.AddWithValue("$o", _owner);
            command.ExecuteNonQuery();
        }
    }
}
