using System.CommandLine;
using System.Text.Json.Nodes;
using CemCore.Channels;
using CemCore.Cli.CommandLine;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Samples.Sqlite;
using CemCore.Samples.Sqlite.Dispatch;
using CemCore.Sources.Csv;
using CemCore.Transactions;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore campaign run --transactions F --as-of DATE --run-key K --db FILE [--customers C.csv] [--rules R.json] --format json</c>:
/// decides offers as <c>offers</c> does and dispatches them exactly once per customer and run key through an outbox channel that appends
/// one row per delivered message to the table <c>outbox</c> of the SQLite database FILE; the send log, budgets, coupons, contact history,
/// consent, suppression and schedule stores live in the same database (<see cref="SqliteDispatchStores"/>). Several processes may run the
/// same command on the same database at once, and any may be killed and run again (docs/dispatch.md).
/// </summary>
internal static class CampaignCommand
{
    /// <summary>The campaign id of the CLI's runs (part of every idempotency key: one message per customer and run key).</summary>
    public const string CampaignId = "cemcore-campaign";

    /// <summary>The send-log lease: a claim of a killed process is taken over after it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,amount,...).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE: the decision and send instant (exclusive for transactions).", required: true);
        var runKey = new Option<string>("--run-key") { Description = "The run key: every customer gets at most one message per run key.", Required = true, HelpName = "KEY" };
        runKey.Validators.Add(r =>
        {
            if (string.IsNullOrWhiteSpace(r.GetValueOrDefault<string>()))
            {
                r.AddError("--run-key must not be blank.");
            }
        });
        var db = CliOptions.RequiredPath("--db", "SQLite database (created when absent) holding the outbox and the dispatch stores.");
        var customers = CliOptions.OptionalPath("--customers", "Customers CSV with consents (without it: demo profiles, every consent granted).");
        var rules = CliOptions.OptionalPath("--rules", "Rule set JSON (default: the standard campaigns).");
        var format = CliOptions.Format();
        var run = new Command("run", "Decide offers and send them exactly once per customer and run key to an outbox table.") { transactions, asOf, runKey, db, customers, rules, format };
        run.SetAction((parse, ct) => RunAsync(
            parse.GetValue(transactions)!,
            CliOptions.StartOfDayUtc(parse.GetValue(asOf)!.Value),
            parse.GetValue(runKey)!,
            parse.GetValue(db)!,
            parse.GetValue(customers),
            parse.GetValue(rules),
            parse.IsJson(format),
            ct));
        return new Command("campaign", "Campaign dispatch (run).") { run };
    }

    /// <summary>The full path of <c>--db</c>; a folder, or a file in a missing folder, is a usage error.</summary>
    internal static string DatabaseFile(string dbPath)
    {
        var full = Path.GetFullPath(dbPath);
        if (Directory.Exists(full) || (Path.GetDirectoryName(full) is { } folder && !Directory.Exists(folder)))
        {
            throw new UsageException($"--db '{dbPath}': give a file in an existing folder.");
        }

        return full;
    }

    private static async Task<int> RunAsync(string transactionsPath, DateTimeOffset asOf, string runKey, string dbPath, string? customersPath, string? rulesPath, bool json, CancellationToken cancellationToken)
    {
        var full = DatabaseFile(dbPath);
        var templates = StandardTemplates.Create();
        PersonalizationRuleSet ruleSet;
        try
        {
            ruleSet = rulesPath is null
                ? StandardCampaigns.Create()
                : PersonalizationRuleJson.Load(await File.ReadAllTextAsync(rulesPath, cancellationToken).ConfigureAwait(false), templates);
        }
        catch (RuleDefinitionException ex)
        {
            throw new UsageException($"{Path.GetFileName(rulesPath)}: {ex.Message}");
        }

        var table = CsvTransactionReader.ReadTable(transactionsPath, cancellationToken: cancellationToken);
        List<CustomerProfile>? profiles = null;
        if (customersPath is not null)
        {
            profiles = [];
            await foreach (var p in new CsvCustomerSource(customersPath).ReadCustomersAsync(cancellationToken).ConfigureAwait(false))
            {
                profiles.Add(p);
            }

            CliInput.WarnIfBirthDatesImplausible("campaign", profiles, asOf, customersPath);
        }

        var contexts = OfferPlanner.Contexts(table, asOf, profiles, cancellationToken);
        var database = new SqliteDatabase(full);
        var stores = new SqliteDispatchStores(database);
        var time = TimeProvider.System;
        IMessageChannel[] channels = [.. DecisionSettings.StandardChannels.Select(c => new SqliteOutboxChannel(database, c, runKey, time))];
        var engine = new OfferDecisionEngine(ruleSet, new DecisionSettings(reserveBudget: false));
        var settings = new DispatchSettings(MaxParallelism: 4, Lease: Lease, ClaimWait: Lease + TimeSpan.FromSeconds(5), ProgressInterval: 10_000);
        var runner = new CampaignRunner(engine, new MessageRenderer(templates), channels, stores.ToDispatchStores(), time, settings);
        var result = await runner.RunAsync(CampaignId, runKey, CampaignAudience.Everyone, contexts.ToAsyncEnumerable(), cancellationToken: cancellationToken).ConfigureAwait(false);

        var summary = new JsonObject
        {
            ["decided"] = result.Decided,
            ["sent"] = result.Count(DispatchStatus.Sent),
            ["alreadySent"] = result.Count(DispatchStatus.AlreadySent) + result.Count(DispatchStatus.InFlightElsewhere),
            ["suppressed"] = result.Decided - result.Count(DispatchStatus.Sent) - result.Count(DispatchStatus.AlreadySent) - result.Count(DispatchStatus.InFlightElsewhere)
                - result.Count(DispatchStatus.Deferred) - result.Count(DispatchStatus.Failed) - result.Count(DispatchStatus.Rejected),
            ["deferred"] = result.Count(DispatchStatus.Deferred),
            ["failed"] = result.Count(DispatchStatus.Failed) + result.Count(DispatchStatus.Rejected),
        };
        if (json)
        {
            CliJson.Write(summary);
        }
        else
        {
            Console.Out.WriteLine(string.Join(", ", summary.Select(kv => kv.Key + " " + kv.Value!.ToJsonString())) + " (outbox: " + dbPath + ")");
        }

        return 0;
    }
}
