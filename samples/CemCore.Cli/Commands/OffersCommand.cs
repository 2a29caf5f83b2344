using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Sources.Csv;
using CemCore.Transactions;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore offers --transactions F --as-of DATE [--customers C.csv] [--rules R.json] --out OUT.csv [--format json]</c>: decides the offer
/// for every customer (a plan: nothing is sent) and writes one row per customer:
/// <c>customer_id,offer_id,channel,preview,reason</c>.
/// </summary>
/// <remarks>
/// Without <c>--rules</c> the built-in <see cref="StandardCampaigns"/> are used. Without <c>--customers</c> every customer gets a default
/// profile with consents granted on every channel — for the demo only; real runs must pass the CRM's customers with their consents.
/// The context of each customer holds its features, lifecycle stage (lifecycle classifier) and latest return (with reason and category).
/// </remarks>
internal static class OffersCommand
{
    public static Command Create()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,amount,...).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE (exclusive): the decision instant.", required: true);
        var customers = CliOptions.OptionalPath("--customers", "Customers CSV with channels, language and consents (without it: demo profiles, all consents granted).");
        var rules = CliOptions.OptionalPath("--rules", "Personalization rules JSON (default: the built-in standard campaigns).");
        var churnScores = CliOptions.OptionalPath("--churn-scores", "Churn probabilities CSV customer_id,probability (the output of churn score): sets churn.probability so the win-back rule (>= 0.6) can fire.");
        var outPath = CliOptions.OutputFile("--out", "Output CSV: customer_id,offer_id,channel,preview,reason.");
        outPath.Required = true;
        var encoding = CliInput.EncodingOption();
        var format = CliOptions.Format();
        var command = new Command("offers", "Decide the offer of every customer (a plan: nothing is sent), with a rendered preview and the reason.") { transactions, asOf, customers, rules, churnScores, outPath, encoding, format };
        CliHelp.Examples(
            command,
            "cemcore offers --transactions tx.csv --as-of 2024-07-01 --customers customers.csv --out offers.csv",
            "cemcore offers --transactions tx.csv --as-of 2024-07-01 --rules rules.json --customers customers.csv --out offers.csv --format json",
            "cemcore offers --transactions tx.csv --as-of 2024-07-01 --customers customers.csv --churn-scores scores.csv --out offers.csv");
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(transactions)!, parse.GetValue(asOf)!.Value, parse.GetValue(customers), parse.GetValue(rules), parse.GetValue(churnScores), parse.GetValue(outPath)!, parse.GetValue(encoding)!, parse.IsJson(format), ct));
        return command;
    }

    private static async Task<int> RunAsync(string transactionsPath, DateOnly asOfDate, string? customersPath, string? rulesPath, string? churnPath, string outPath, string encoding, bool json, CancellationToken cancellationToken)
    {
        CliInput.EnsureNotAnInput("--out", outPath, ("--transactions", transactionsPath), ("--customers", customersPath), ("--rules", rulesPath), ("--churn-scores", churnPath));

        var asOf = new DateTimeOffset(asOfDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var templates = StandardTemplates.Create();
        PersonalizationRuleSet rules;
        try
        {
            rules = rulesPath is null
                ? StandardCampaigns.Create()
                : PersonalizationRuleJson.Load(await File.ReadAllTextAsync(rulesPath, cancellationToken).ConfigureAwait(false), templates);
        }
        catch (RuleDefinitionException ex)
        {
            var keys = ex.Errors.Any(e => e.Field == "template") ? $" Valid template keys: {string.Join(", ", templates.TemplateKeys)}." : string.Empty;
            throw new UsageException($"{Path.GetFileName(rulesPath)}: {ex.Message}{keys}");
        }

        var table = CliInput.ReadTransactions(transactionsPath, encoding, null, cancellationToken);
        CliInput.WarnIfAsOfBeforeAllData("offers", table, asOf);
        IReadOnlyList<CustomerProfile>? profiles = null;
        if (customersPath is not null)
        {
            profiles = await CliInput.ReadCustomersAsync(customersPath, encoding, cancellationToken).ConfigureAwait(false);
            CliInput.WarnIfBirthDatesImplausible("offers", profiles, asOf, customersPath);
        }
        else
        {
            Console.Error.WriteLine(OfferPlanner.DefaultsNote);
        }

        var churn = churnPath is null ? null : OfferPlanner.ReadChurnScores(churnPath);
        var plan = OfferPlanner.Plan(table, asOf, profiles, rules, templates, cancellationToken, churn);
        await using (var writer = new StreamWriter(outPath, false, new UTF8Encoding(false)))
        {
            await writer.WriteLineAsync("customer_id,offer_id,channel,preview,reason").ConfigureAwait(false);
            foreach (var row in plan.Rows)
            {
                await writer.WriteLineAsync(string.Join(',', CliCsvWriter.Quote(row.CustomerId), CliCsvWriter.Quote(row.OfferId), CliCsvWriter.Quote(row.Channel), CliCsvWriter.Quote(row.Preview), CliCsvWriter.Quote(row.Reason))).ConfigureAwait(false);
            }
        }

        var summary = plan.Summary(customersPath is null);
        if (json)
        {
            CliJson.Write(summary);
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{plan.Rows.Count} customers, {plan.Rows.Count(r => r.OfferId.Length > 0)} with an offer; written to {outPath}"));
            foreach (var (offer, n) in plan.CountsByOffer())
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {offer,-24} {n,8}"));
            }

            if (customersPath is null)
            {
                Console.Out.WriteLine("note: no --customers given: default profiles with all consents granted were assumed (demo only; details on stderr).");
            }
        }

        return 0;
    }
}

/// <summary>Builds decision contexts from transactions and profiles, decides and renders a preview per customer.</summary>
internal static class OfferPlanner
{
    public sealed record Row(string CustomerId, string OfferId, string Channel, string Preview, string Reason);

    public sealed record Result(IReadOnlyList<Row> Rows, IReadOnlyDictionary<string, int> NoOfferReasons)
    {
        public IEnumerable<(string Offer, int Count)> CountsByOffer() =>
            Rows.Where(r => r.OfferId.Length > 0).GroupBy(r => r.OfferId, StringComparer.Ordinal).Select(g => (g.Key, g.Count())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal);

        public JsonObject Summary(bool assumedConsents)
        {
            var offers = new JsonObject();
            foreach (var (offer, n) in CountsByOffer())
            {
                offers[offer] = n;
            }

            var channels = new JsonObject();
            foreach (var g in Rows.Where(r => r.Channel.Length > 0).GroupBy(r => r.Channel, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                channels[g.Key] = g.Count();
            }

            var none = new JsonObject();
            foreach (var (reason, n) in NoOfferReasons.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                none[reason] = n;
            }

            return new JsonObject
            {
                ["customers"] = Rows.Count,
                ["withOffer"] = Rows.Count(r => r.OfferId.Length > 0),
                ["offers"] = offers,
                ["channels"] = channels,
                ["noOffer"] = none,
                ["consents"] = assumedConsents ? "assumed-granted (demo only)" : "from customers file",
            };
        }
    }

    /// <summary>What <see cref="DemoProfile"/> assumes, printed on stderr when <c>--customers</c> is absent.</summary>
    public const string DefaultsNote =
        "cemcore offers: note: no --customers given, so these defaults apply to every customer (demo only): marketing and service consent granted on wechat, push, sms and email; "
        + "no preferred channel (the first channel of the rule that the consents allow); no language (the templates' default locale); time zone UTC. Pass --customers for real channels, languages and consents.";

    /// <summary>
    /// Default profile for a customer without a CRM record: consents granted on every channel and purpose, and nothing invented
    /// (no preferred channel, language or time zone). Demo only; see <see cref="DefaultsNote"/>.
    /// </summary>
    public static CustomerProfile DemoProfile(string id, DateTimeOffset asOf)
    {
        ContactChannel[] channels = [ContactChannel.WeChat, ContactChannel.AppPush, ContactChannel.Sms, ContactChannel.Email];
        var consents = channels.SelectMany(c => new[] { ConsentPurpose.Marketing, ConsentPurpose.Service }.Select(p => new ConsentRecord(c, p, ConsentStatus.Granted, asOf.AddYears(-2))));
        return new CustomerProfile(id, consents: consents);
    }

    /// <summary>Reads <c>--churn-scores</c>: customer_id and a probability column in [0, 1] (the output of <c>churn score</c>).</summary>
    public static Dictionary<string, double> ReadChurnScores(string path)
    {
        var table = ChurnCommands.ReadTable(path);
        var file = Path.GetFileName(path);
        if (table.CustomerIds is null || table.Matrix.IndexOf("probability") < 0)
        {
            throw new UsageException($"--churn-scores {file} must have the columns customer_id and probability (as written by cemcore churn score).");
        }

        var p = table.Matrix.GetColumn("probability");
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < p.Length; i++)
        {
            if (!(p[i] is >= 0 and <= 1))
            {
                throw new CemCore.Sources.DataFormatException(string.Create(CultureInfo.InvariantCulture, $"the probability must be in [0, 1] (data row {i + 1})."), file, null, "probability");
            }

            result[table.CustomerIds[i]] = p[i];
        }

        return result;
    }

    public static List<CustomerContext> Contexts(TransactionTable table, DateTimeOffset asOf, IReadOnlyList<CustomerProfile>? profiles, CancellationToken cancellationToken, IReadOnlyDictionary<string, double>? churn = null)
    {
        var features = FeatureExtractor.Compute(table, asOf, cancellationToken: cancellationToken);
        var lifecycle = new LifecycleClassifier().ClassifyAll(features, table, cancellationToken: cancellationToken);
        var returns = LastReturns(table, asOf);
        var byId = new Dictionary<string, CustomerProfile>(StringComparer.Ordinal);
        foreach (var p in profiles ?? [])
        {
            byId[p.Id] = p;
        }

        var ids = new List<string>(table.CustomerIds);
        var known = new HashSet<string>(ids, StringComparer.Ordinal);
        foreach (var p in profiles ?? [])
        {
            if (known.Add(p.Id))
            {
                ids.Add(p.Id);
            }
        }

        var contexts = new List<CustomerContext>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            var profile = byId.TryGetValue(id, out var p) ? p : profiles is null ? DemoProfile(id, asOf) : new CustomerProfile(id);
            features.TryGet(id, out var f);
            var context = new CustomerContext(profile, f, asOf);
            if (lifecycle.TryGet(id, out var a))
            {
                context.SetLifecycleStage(a.Stage);
            }
            else
            {
                context.SetLifecycleStage(LifecycleStage.Prospect);
            }

            if (returns.TryGetValue(id, out var r))
            {
                context.SetLastReturn(r);
            }

            if (churn is not null && churn.TryGetValue(id, out var probability))
            {
                context.SetChurnProbability(probability);
            }

            contexts.Add(context);
        }

        return contexts;
    }

    public static Result Plan(
        TransactionTable table, DateTimeOffset asOf, IReadOnlyList<CustomerProfile>? profiles, PersonalizationRuleSet rules, TemplateCatalog templates, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, double>? churn = null)
    {
        var contexts = Contexts(table, asOf, profiles, cancellationToken, churn);
        var engine = new OfferDecisionEngine(rules);
        var renderer = new MessageRenderer(templates);
        var coupons = new CouponLedger();
        var rows = new List<Row>(contexts.Count);
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var context in contexts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var profile = context.Profile!;
            var d = engine.Decide(context);
            if (d.Status != DecisionStatus.Offer)
            {
                var why = d.Status == DecisionStatus.Holdout ? "holdout" : Camel(d.Reason.ToString());
                reasons[why] = reasons.GetValueOrDefault(why) + 1;
                rows.Add(new Row(profile.Id, string.Empty, string.Empty, string.Empty, why));
                continue;
            }

            var rule = d.Rule!;
            string preview;
            try
            {
                var coupon = rule.Offer.Coupon is null ? null : coupons.Issue(rule.Offer, profile.Id, asOf);
                var name = (profile.Language ?? templates.DefaultLocale).StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? "亲爱的顾客" : "valued customer";
                var zone = profile.TimeZoneId is { } tz && TimeZoneInfo.TryFindSystemTimeZoneById(tz, out var z) ? z : TimeZoneInfo.Utc;
                var message = new ChannelMessage(profile.Id, rule.TemplateKey, rule.Offer, coupon?.Code, coupon?.ValidUntil, profile.Language, zone, new Dictionary<string, string> { ["name"] = name });
                preview = MessageRenderer.Preview(renderer.Render(message, d.Channel));
            }
            catch (TemplateException ex)
            {
                preview = "render error: " + ex.Message;
            }

            rows.Add(new Row(profile.Id, rule.Offer.Id, d.Channel.Value, preview, rule.Id + ": " + (rule.Description ?? rule.Offer.Describe())));
        }

        return new Result(rows, reasons);
    }

    private static string Camel(string s) => char.ToLowerInvariant(s[0]) + s[1..];

    private static Dictionary<string, ReturnFact> LastReturns(TransactionTable table, DateTimeOffset asOf)
    {
        var orderCategory = new Dictionary<int, int>();
        var kinds = table.Kinds;
        var orders = table.OrderIndex;
        var cats = table.CategoryIndex;
        for (var i = 0; i < table.Count; i++)
        {
            if (kinds[i] == TransactionKind.Purchase && cats[i] >= 0)
            {
                orderCategory.TryAdd(orders[i], cats[i]);
            }
        }

        var result = new Dictionary<string, ReturnFact>(StringComparer.Ordinal);
        var ticks = table.UtcTicks;
        var asOfTicks = asOf.UtcTicks;
        for (var i = 0; i < table.Count; i++)
        {
            if (kinds[i] != TransactionKind.Return || ticks[i] >= asOfTicks)
            {
                continue;
            }

            var id = table.CustomerIds[table.CustomerIndex[i]];
            var at = new DateTimeOffset(ticks[i], TimeSpan.Zero);
            if (result.TryGetValue(id, out var existing) && existing.At >= at)
            {
                continue;
            }

            var original = table.OriginalOrderIndex[i];
            string? category = original >= 0 && orderCategory.TryGetValue(original, out var c) ? table.Categories[c] : null;
            result[id] = new ReturnFact(table.ReturnReasons[i], at, category);
        }

        return result;
    }
}
