using System.Text;
using CemCore.Churn;
using CemCore.Kpis;
using CemCore.Loyalty;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Recommendations;
using CemCore.Rules;
using CemCore.Segmentation.RuleSegments;
using CemCore.Sources;
using CemCore.Sources.Csv;

namespace CemCore.Fuzz;

/// <summary>
/// One parser under fuzz: how to feed it bytes and which exceptions its API documents for bad input. Any other exception (and a
/// hang, a stack overflow or a broken invariant) is a crash.
/// </summary>
internal sealed class Harness
{
    private readonly Type[] _documented;

    public Harness(string name, string summary, Action<byte[]> run, string[] dictionary, params Type[] documented)
    {
        Name = name;
        Summary = summary;
        Run = run;
        Dictionary = [.. dictionary.Select(Encoding.UTF8.GetBytes)];
        _documented = documented;
    }

    /// <summary>Gets the harness name (also the corpus folder name).</summary>
    public string Name { get; }

    /// <summary>Gets what is fuzzed.</summary>
    public string Summary { get; }

    /// <summary>Gets the action that parses one input (and checks invariants on what it returns).</summary>
    public Action<byte[]> Run { get; }

    /// <summary>Gets tokens the mutator splices in (column names, keywords, extreme values).</summary>
    public IReadOnlyList<byte[]> Dictionary { get; }

    /// <summary>Whether the exception is one the API documents for bad input.</summary>
    public bool IsDocumented(Exception e) => e is not FuzzInvariantException && _documented.Any(t => t.IsInstanceOfType(e));
}

/// <summary>A property of a parser's result that does not hold (a crash).</summary>
internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException()
    {
    }

    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    public FuzzInvariantException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The harnesses, one per parser.</summary>
internal static class Harnesses
{
    private static readonly string[] ExtremeValues =
    [
        ",", "\"", "\"\"", "\r\n", "\n", "\r", ";", "@", " ", "\t", "\u00EF\u00BB\u00BF", "\uFFFD", "\u0000",
        "0", "-0", "-1", "1e308", "-1e308", "1e-320", "NaN", "Infinity", "79228162514264337593543950335", "79228162514264337593543950336",
        "-79228162514264337593543950335", "9223372036854775807", "9223372036854775808", "2147483647", "2147483648", "-2147483648",
        "0.0000000000000000000000000001", "1.5", "0001-01-01", "9999-12-31", "9999-12-31T23:59:59.9999999-14:00", "0001-01-01T00:00:00+14:00",
        "2024-02-29", "2023-02-29", "2024-03-31T02:30:00+01:00", "2024-13-01", "2024-01-01T24:00", "+0800", "Z", "T",
    ];

    private static readonly string[] JsonTokens =
    [
        "{", "}", "[", "]", ":", ",", "\"", "null", "true", "false", "{}", "[]", "\"\"", "\\u0000", "\\ud800", "/*", "*/", "//",
        "\"field\"", "\"op\"", "\"value\"", "\"all\"", "\"any\"", "\"not\"", "\"ref\"", "\"conditions\"", "\"eq\"", "\"ne\"", "\"gt\"", "\"ge\"",
        "\"lt\"", "\"le\"", "\"in\"", "\"between\"", "\"containsAny\"", "\"withinLastDays\"", "\"exists\"",
        "\"profile.cityTier\"", "\"features.recencyDays\"", "\"features.monetaryTotal\"", "\"churn.probability\"", "\"lifecycle.stage\"",
        "\"profile.tags\"", "\"features.lastPurchase\"", "\"2026-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59+14:00\"",
    ];

    public static IReadOnlyList<Harness> All { get; } =
    [
        new(
            "transactions-csv",
            "CsvTransactionReader.ReadStream (transactions CSV)",
            TransactionsCsv,
            [.. ExtremeValues, "customer_id", "timestamp", "amount", "order_id", "channel", "category", "quantity", "sku", "discount", "kind",
                "original_order_id", "return_reason", "purchase", "return", "refund", "size", "quality", "online", "store"],
            typeof(DataFormatException)),
        new(
            "customers-csv",
            "CsvCustomerSource.ReadStreamAsync (customers CSV)",
            CustomersCsv,
            [.. ExtremeValues, "customer_id", "signup", "birth_date", "age_band", "gender", "region", "city", "city_tier", "occupation", "tags",
                "preferred_channel", "language", "time_zone", "membership_id", "consent_wechat_marketing", "consent_email_survey",
                "consent_sms_service", "granted", "denied", "revoked", "granted@2024-03-01T10:00:00+08:00", "female", "m", "zh-CN"],
            typeof(DataFormatException)),
        new(
            "survey-csv",
            "KpiCsvReaders.ReadSurvey (feedback: NPS/CSAT/CES answers)",
            bytes => KpiCsvReaders.ReadSurvey(new MemoryStream(bytes, writable: false), "survey.csv"),
            [.. ExtremeValues, "customer_id", "timestamp", "kind", "score", "touchpoint", "segment", "channel", "nps", "csat", "ces", "10", "11"],
            typeof(DataFormatException)),
        new(
            "events-csv",
            "KpiCsvReaders.ReadEvents (journey events)",
            bytes => KpiCsvReaders.ReadEvents(new MemoryStream(bytes, writable: false), "events.csv"),
            [.. ExtremeValues, "customer_id", "timestamp", "touchpoint", "type", "value", "touch", "conversion"],
            typeof(DataFormatException)),
        new(
            "features-csv",
            "FeatureTableCsv.Read (churn feature table)",
            FeaturesCsv,
            [.. ExtremeValues, "customer_id", "churned", "recency", "frequency", "x"],
            typeof(DataFormatException)),
        new(
            "purchases-csv",
            "PurchaseHistoryCsv.Read (recommendation purchase history)",
            bytes => PurchaseHistoryCsv.Read(new MemoryStream(bytes, writable: false), "purchases.csv", "sku", "order_id", basketRequired: false),
            [.. ExtremeValues, "customer_id", "sku", "order_id", "timestamp", "quantity"],
            typeof(DataFormatException)),
        new(
            "condition-json",
            "ConditionJson.Parse / LoadSet / ToJson round trip",
            ConditionJsonHarness,
            JsonTokens,
            typeof(RuleDefinitionException)),
        new(
            "segments-json",
            "RuleSegmentJson.Load / ToJson round trip",
            SegmentsJson,
            [.. JsonTokens, "\"segments\"", "\"version\"", "\"name\"", "\"kind\"", "\"when\"", "\"geographic\"", "\"behavioural\"", "\"mixed\""],
            typeof(RuleDefinitionException)),
        new(
            "personalization-json",
            "PersonalizationRuleJson.Load (offers, budgets, rules)",
            bytes => PersonalizationRuleJson.Load(Encoding.UTF8.GetString(bytes), null, null, null),
            [.. JsonTokens, "\"offers\"", "\"budgets\"", "\"rules\"", "\"id\"", "\"offer\"", "\"priority\"", "\"group\"", "\"exclusive\"",
                "\"validFrom\"", "\"validUntil\"", "\"purpose\"", "\"channels\"", "\"template\"", "\"campaign\"", "\"coupon\"", "\"prefix\"",
                "\"codeLength\"", "\"validForDays\"", "\"maxRedemptionsPerCode\"", "\"maxCount\"", "\"maxAmount\"", "\"percentageDiscount\"",
                "\"fixedAmount\"", "\"budgetCost\"", "\"perks\"", "\"wechat\"", "\"sms\"", "\"marketing\"", "\"service\"", "1e308", "-1",
                "79228162514264337593543950336", "2147483648"],
            typeof(RuleDefinitionException)),
        new(
            "ladder-json",
            "TierLadder.FromJson (loyalty tier ladder)",
            bytes => TierLadder.FromJson(Encoding.UTF8.GetString(bytes), "ladder.json"),
            [.. JsonTokens, "\"tiers\"", "\"windowDays\"", "\"reviewMonths\"", "\"graceDays\"", "\"requireAll\"", "\"minSpend\"", "\"minOrders\"",
                "\"minPoints\"", "\"benefits\"", "\"discountPercent\"", "\"pointsMultiplier\"", "\"freeShipping\"", "1e308", "-1", "0.5",
                "79228162514264337593543950336", "2147483648", "9223372036854775808", "1e28", "-1e28"],
            typeof(DataFormatException)),
        new(
            "template-text",
            "TemplateText.Parse + Render, MessageTemplate.Email/Sms",
            TemplateHarness,
            ["{{", "}}", "{{{{", "{", "}", "{{name}}", "{{ offer }}", "{{code}}", "{{x}}", "{{a1_b}}", " ", "\u00A0", "\uFFFD", "\n",
                "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm"],
            typeof(TemplateException)),
    ];

    public static Harness? Find(string name) => All.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.Ordinal));

    private static void TransactionsCsv(byte[] bytes)
    {
        var table = CsvTransactionReader.ReadStream(new MemoryStream(bytes, writable: false), "transactions.csv");
        var amounts = table.Amounts;
        for (var i = 0; i < amounts.Length; i++)
        {
            if (amounts[i] < 0m)
            {
                throw new FuzzInvariantException($"row {i}: negative amount accepted");
            }
        }
    }

    private static void CustomersCsv(byte[] bytes)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in CsvCustomerSource.ReadStreamAsync(new MemoryStream(bytes, writable: false), "customers.csv").ToBlockingEnumerable())
        {
            if (string.IsNullOrEmpty(c.Id) || !ids.Add(c.Id))
            {
                throw new FuzzInvariantException("an empty or duplicate customer id was accepted");
            }
        }
    }

    private static void FeaturesCsv(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        var table = FeatureTableCsv.Read(reader, "features.csv");
        var m = table.Matrix;
        foreach (var v in m.Values)
        {
            if (double.IsInfinity(v))
            {
                throw new FuzzInvariantException("an infinite cell was accepted");
            }
        }
    }

    private static void ConditionJsonHarness(byte[] bytes)
    {
        var json = Encoding.UTF8.GetString(bytes);
        Condition parsed;
        try
        {
            parsed = ConditionJson.Parse(json);
        }
        catch (RuleDefinitionException)
        {
            _ = ConditionJson.LoadSet(json);
            return;
        }

        // A parsed condition writes back to JSON that parses to the same text (a fixed point after one round).
        var once = ConditionJson.ToJson(parsed);
        var twice = ConditionJson.ToJson(ConditionJson.Parse(once));
        if (!string.Equals(once, twice, StringComparison.Ordinal))
        {
            throw new FuzzInvariantException("ConditionJson round trip is not stable");
        }
    }

    private static void SegmentsJson(byte[] bytes)
    {
        var set = RuleSegmentJson.Load(Encoding.UTF8.GetString(bytes));
        var once = RuleSegmentJson.ToJson(set);
        var again = RuleSegmentJson.ToJson(RuleSegmentJson.Load(once));
        if (!string.Equals(once, again, StringComparison.Ordinal))
        {
            throw new FuzzInvariantException("RuleSegmentJson round trip is not stable");
        }
    }

    private static void TemplateHarness(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var parsed = TemplateText.Parse(text, "fuzz");
        var values = parsed.Variables.Distinct(StringComparer.Ordinal).ToDictionary(v => v, v => "<" + v + ">", StringComparer.Ordinal);
        var rendered = parsed.Render(values, v => v.Replace("<", "&lt;", StringComparison.Ordinal), "fuzz");
        if (parsed.Variables.Count == 0 && !text.Contains("{{", StringComparison.Ordinal) && !string.Equals(rendered, text, StringComparison.Ordinal))
        {
            throw new FuzzInvariantException("a text without placeholders did not render to itself");
        }

        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var subject = newline < 0 ? text : text[..newline];
        _ = MessageTemplate.Email("fuzz", "zh-CN", subject, text);
        _ = MessageTemplate.Sms("fuzz", "zh-CN", text);
    }
}
