using CemCore.Churn;
using CemCore.Loyalty;
using CemCore.Personalization;
using CemCore.Rules;
using CemCore.Segmentation.Rfm;
using CemCore.Segmentation.RuleSegments;
using CemCore.Sources;
using CemCore.Sources.Csv;

namespace CemCore.Tests.Fuzzing;

/// <summary>
/// Inputs found by the fuzzers in <c>tests/CemCore.Fuzz</c> (kept in its corpus as <c>crash-*</c>) and their documented outcome.
/// Each crashed with an exception the API does not document before its fix.
/// </summary>
public sealed class FuzzRegressionTests
{
    // condition-json crash-8df35f20d58d736e: a "\ud800" escape (an unpaired high surrogate) inside a string value. JsonDocument accepts
    // it, and JsonElement.GetString() then threw InvalidOperationException from ConditionJson.ReadField. Fixed in JsonText.Parse, which
    // every loader uses: the document is malformed JSON, reported with its line and byte.
    private const string ConditionCrash = """{ "field": "lifecyc\ud800le.stage", "op": "in", "value": ["Decline", "DorM-@ant"] }""";

    // segments-json crash-1b0ebfb7c388c06a: the same escape in a property name (RuleSegmentJson.ReadSegments line 180).
    private const string SegmentNameCrash = """{ "version": 1, "segments": [ { "name\ud800": "x", "kind": "behavioural", "when": { "field": "features.recencyDays", "op": "le", "value": 30 } } ] }""";

    // segments-json crash-b584b07473ab22b4: in a segment kind (RuleSegmentJson.ReadSegments line 194).
    private const string SegmentKindCrash = """{ "version": 1, "segments": [ { "name": "Tier-1 cities", "kind": "geograp\ud800hic", "when": { "field": "profile.cityTier", "op": "eq", "value": 1 } } ] }""";

    [Fact]
    public void ConditionJson_UnpairedSurrogateEscape_IsMalformedJson()
    {
        var e = Assert.Throws<RuleDefinitionException>(() => ConditionJson.Parse(ConditionCrash));
        Assert.Contains("Malformed JSON at line 1", e.Errors.Single().Message, StringComparison.Ordinal);
        Assert.Throws<RuleDefinitionException>(() => ConditionJson.LoadSet("""{ "conditions": { "a": """ + ConditionCrash + " } }"));
    }

    [Theory]
    [InlineData(SegmentNameCrash)]
    [InlineData(SegmentKindCrash)]
    public void RuleSegmentJson_UnpairedSurrogateEscape_IsMalformedJson(string json)
    {
        var e = Assert.Throws<RuleDefinitionException>(() => RuleSegmentJson.Load(json));
        Assert.Contains("Malformed JSON", e.Errors.Single().Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\\ud800")] // high surrogate alone
    [InlineData("\\udc00")] // low surrogate alone
    [InlineData("\\ude00\\ud83d")] // a pair in the wrong order
    public void EveryJsonLoader_RejectsUnpairedSurrogates_WithItsDocumentedException(string escape)
    {
        var personalization = $$"""{ "offers": [ { "id": "o{{escape}}", "kind": "percentageDiscount", "value": 10 } ], "rules": [] }""";
        Assert.Throws<RuleDefinitionException>(() => PersonalizationRuleJson.Load(personalization));
        var ladder = $$"""{ "tiers": [ { "id": "a", "name": "{{escape}}" } ] }""";
        var e = Assert.Throws<DataFormatException>(() => TierLadder.FromJson(ladder, "ladder.json"));
        Assert.Contains("ladder.json", e.Message, StringComparison.Ordinal);
        Assert.Throws<DataFormatException>(() => RfmSegmentMap.LoadJson($$"""{ "x{{escape}}": 1 }"""));
        Assert.Throws<DataFormatException>(() => LogisticRegressionModel.FromJson($$"""{ "{{escape}}": 1 }"""));
        Assert.Throws<RuleDefinitionException>(() => ConditionJson.Parse($$"""{ "field": "profile.tags", "op": "containsAny", "value": ["{{escape}}"] }"""));
    }

    [Fact]
    public void JsonLoaders_AcceptEscapedSurrogatePairs()
    {
        // U+1F600 written as an escaped pair is valid JSON and a valid string: it must still load.
        var ladder = TierLadder.FromJson("""{ "tiers": [ { "id": "a", "name": "gold \ud83d\ude00" } ] }""");
        Assert.Equal("gold \U0001F600", ladder.Tiers[0].Name);
        var set = RuleSegmentJson.Load("""{ "version": 1, "segments": [ { "name": "\ud83d\ude00 fans", "kind": "behavioural", "when": { "field": "features.recencyDays", "op": "le", "value": 30 } } ] }""");
        Assert.Equal("\U0001F600 fans", set.Segments[0].Name);
    }

    // customers-csv crash-8f076eaab4c343ef: a customer id cell holding only a vertical tab (the reader trims spaces and tabs only) reached
    // CustomerProfile's ArgumentException instead of the reader's DataFormatException naming file, line and field.
    [Theory]
    [InlineData("customer_id\nA\nB\n\n\v\n")]
    [InlineData("customer_id\n\f\n")]
    [InlineData("customer_id,region\n\u3000,x\n")]
    public async Task CsvCustomerSource_WhiteSpaceId_IsDataFormatErrorAtItsLine(string csv)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv));
        var e = await Assert.ThrowsAsync<DataFormatException>(async () =>
        {
            await foreach (var _ in CsvCustomerSource.ReadStreamAsync(stream, "customers.csv"))
            {
            }
        });
        Assert.Contains("customers.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains("customer_id", e.Message, StringComparison.Ordinal);
        Assert.Contains("white space", e.Message, StringComparison.Ordinal);
    }

    // personalization-json crash-e1d5b0be5fdc97b6 (CI's seeded run, seed 20261204): "validForDays": 21474836480 overflowed
    // TimeSpan.FromDays with an OverflowException. Now a load error naming the path; the limit is 36,500 days.
    [Theory]
    [InlineData("21474836480")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("36501")]
    public void PersonalizationJson_CouponValidForDaysOutOfRange_IsALoadError(string days)
    {
        var json = """{ "offers": [ { "id": "o", "kind": "percentageDiscount", "value": 15, "coupon": { "validForDays": """ + days + """ } } ] }""";
        var e = Assert.Throws<RuleDefinitionException>(() => PersonalizationRuleJson.Load(json));
        Assert.Contains(e.Errors, x => x.Path == "$.offers[0].coupon.validForDays" && x.Message.Contains("at most 36500", StringComparison.Ordinal));
    }

    [Fact]
    public void PersonalizationJson_CouponValidForDaysAtTheLimit_Loads()
    {
        // No rules array, so the load fails, but not on validForDays.
        var e = Assert.Throws<RuleDefinitionException>(() => PersonalizationRuleJson.Load("""{ "offers": [ { "id": "o", "kind": "percentageDiscount", "value": 15, "coupon": { "validForDays": 36500 } } ] }"""));
        Assert.DoesNotContain(e.Errors, x => x.Path.Contains("validForDays", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Path == "$.rules");
    }

    // events-csv crash-027081b7efe91bef (CI's seeded run): a customer id that is only "\r" reached JourneyEvent, which threw
    // ArgumentException. Now the reader's DataFormatException naming file, line and customer_id; the same for survey rows.
    [Theory]
    [InlineData("customer_id,timestamp,touchpoint,type,value\n\r,2024-01-01,email,touch,\nC1,2024-01-03,site,conversion,99.5\n")]
    [InlineData("customer_id,timestamp,touchpoint,type,value\n\u3000,2024-01-01,email,touch,\n")]
    public void EventsCsv_WhiteSpaceCustomerId_IsADataFormatError(string csv)
    {
        var e = Assert.Throws<DataFormatException>(() => CemCore.Kpis.KpiCsvReaders.ReadEvents(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), "events.csv"));
        Assert.Contains("events.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains("customer_id", e.Message, StringComparison.Ordinal);
    }
}
