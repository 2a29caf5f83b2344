using CemCore.Channels;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using Microsoft.Extensions.Time.Testing;

namespace CemCore.Tests.Personalization;

/// <summary>The example of docs/personalization.md, kept compiling and passing here.</summary>
public sealed class DocsExampleTests
{
    [Fact]
    public async Task DocsExample_WinBackCampaign()
    {
        var asOf = new DateTimeOffset(2026, 3, 10, 2, 0, 0, TimeSpan.Zero);

        // begin-snippet: personalization-example
        // 1. Offers and rules (fluent C#; the same can be loaded from JSON with PersonalizationRuleJson.Load).
        var rules = new PersonalizationRuleSetBuilder()
            .AddOffer(new Offer("winback20", OfferKind.PercentageDiscount, 20m,
                redeemableChannels: [SalesChannel.Online, SalesChannel.Store],       // omnichannel coupon
                budgetCost: 8m, coupon: new CouponPolicy(Prefix: "WB", ValidFor: TimeSpan.FromDays(30))))
            .AddBudget("winback", new BudgetLimits(MaxCount: 10_000, MaxAmount: 50_000m))
            .AddRule("winback", r => r
                .When(Condition.Field("churn.probability").AtLeast(0.6))
                .Grant("winback20").WithPriority(70).InGroup("retention").InCampaign("winback")
                .OnChannels(ContactChannel.WeChat, ContactChannel.Sms))
            .Build();

        // 2. Templates: one per channel and locale; unknown variables fail here, at load.
        var templates = new TemplateCatalogBuilder()
            .Add(MessageTemplate.Sms("winback", "zh-CN", "{{name}}，好久不见！送您{{offer}}券，券码{{code}}，{{valid_until}}前有效。"))
            .Add(MessageTemplate.Sms("winback", "en-US", "{{name}}, we miss you: {{offer}} with code {{code}} until {{valid_until}}."))
            .Add(MessageTemplate.WeChat("winback", "zh-CN", "TM-WINBACK", [new("first", "{{name}}，好久不见"), new("keyword1", "{{code}}"), new("keyword2", "{{valid_until}}")]))
            .Build();

        // 3. Decision engine: caps, quiet hours in the customer's time zone, a 5% global holdout.
        var history = new InMemoryContactHistory();
        var engine = new OfferDecisionEngine(rules, new DecisionSettings(
            caps: [new FrequencyCap(2, TimeSpan.FromDays(7))],                      // ≤ 2 promotional messages a week
            quietHours: new QuietHours(new TimeOnly(21, 0), new TimeOnly(9, 0)),
            holdout: new HoldoutGroup(0.05, "holdout-2026")), history);

        // 4. One customer: profile with consent, churn score from a model.
        var profile = new CustomerProfile("C-1001", preferredChannel: ContactChannel.Sms, language: "zh-CN", timeZoneId: "Asia/Shanghai",
            consents: [new ConsentRecord(ContactChannel.Sms, ConsentPurpose.Marketing, ConsentStatus.Granted, asOf.AddDays(-100))],
            attributes: new Dictionary<string, string> { ["name"] = "李雷" });
        var context = new CustomerContext(profile, features: null, asOf).SetChurnProbability(0.82);

        var trace = new DecisionTrace();
        var decision = engine.Decide(context, trace);              // zero allocations when no trace is passed
        // decision.Rule.Id == "winback", decision.Channel == sms; trace explains every rule

        // 5. Dispatch through the host's channels: idempotent, retried, rate-limited.
        var sms = new RecordingChannel(ContactChannel.Sms);
        var runner = new CampaignRunner(engine, new MessageRenderer(templates), [sms], new InMemorySendLog(), new CouponLedger(), history, new FakeTimeProvider(asOf), new DispatchSettings(KeepOutcomes: true));
        var result = await runner.RunAsync("winback", "2026-03-10", CampaignAudience.Everyone, new[] { context }.ToAsyncEnumerable());
        // result.Outcomes[0].Status == DispatchStatus.Sent; sms.Sent[0].Body ends with "回复TD退订"
        // end-snippet

        Assert.Equal((DecisionStatus.Offer, "winback"), (decision.Status, decision.Rule!.Id));
        Assert.Equal(ContactChannel.Sms, decision.Channel);
        Assert.Equal(RuleOutcome.Selected, trace["winback"].Outcome);
        Assert.Equal(DispatchStatus.Sent, result.Outcomes[0].Status);
        Assert.EndsWith("回复TD退订", sms.Sent[0].Body, StringComparison.Ordinal);
        Assert.Contains(result.Outcomes[0].CouponCode!, sms.Sent[0].Body, StringComparison.Ordinal);
        Assert.Contains("李雷", sms.Sent[0].Body, StringComparison.Ordinal);
    }

    private sealed class RecordingChannel(ContactChannel channel) : IMessageChannel
    {
        public List<OutboundMessage> Sent { get; } = [];

        public ContactChannel Channel => channel;

        public ChannelCapabilities Capabilities { get; } = new();

        public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default)
        {
            Sent.Add(message);
            return ValueTask.FromResult(SendResult.Delivered());
        }
    }
}
