using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Channels;
using CemCore.Cli.Commands;
using CemCore.Dispatch;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;

namespace CemCore.Cli.Demo;

/// <summary>
/// Demo section: a campaign run with the standard campaigns over the generated customers (their own consents, languages and time zones),
/// with lifecycle stages, returns, surveys and abandoned carts, sent through console channels (WeChat, push, SMS, e-mail); quiet hours
/// 22:00-08:00, at most 2 promotions a week, 5% held out.
/// </summary>
internal static class OffersDemo
{
    public static void Run(DemoContext context)
    {
        context.Heading("Offers: campaign run");
        // The generated customers with their own consents, languages and time zones; the campaign is sent at 10:00 Shanghai time
        // (02:00 UTC) on the first day at or after the as-of instant.
        var sendAt = new DateTimeOffset(context.AsOf.UtcDateTime.Date.AddHours(2), TimeSpan.Zero);
        if (sendAt < context.AsOf)
        {
            sendAt = sendAt.AddDays(1);
        }

        var contexts = OfferPlanner.Contexts(context.Transactions, context.AsOf, context.Customers, CancellationToken.None);
        var surveys = context.Extras.TryGetValue("surveys", out var s) && s is IReadOnlyList<Feedback.SurveyResponse> list
            ? list.Where(r => r.Timestamp < sendAt).GroupBy(r => r.CustomerId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.MaxBy(r => r.Timestamp)!, StringComparer.Ordinal)
            : [];
        var carts = context.Extras.TryGetValue("events", out var e) && e is IReadOnlyList<Journeys.InteractionEvent> events
            ? events.Where(x => x.Touchpoint == Journeys.Touchpoint.Cart && x.Timestamp < sendAt).GroupBy(x => x.CustomerId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(x => x.Timestamp), StringComparer.Ordinal)
            : [];
        for (var i = 0; i < contexts.Count; i++)
        {
            var c = contexts[i];
            var (stage, lastReturn) = (c.LifecycleStage, c.LastReturn);
            c.Reset(c.Profile, c.Features, sendAt).SetLifecycleStage(stage).SetLastReturn(lastReturn);
            var id = c.Profile!.Id;
            if (surveys.TryGetValue(id, out var survey))
            {
                c.SetLastSurvey(new Rules.SurveyFact(survey.Nps, survey.Csat, survey.Timestamp));
            }

            if (carts.TryGetValue(id, out var cartAt) && (c.Features?.LastPurchase is not { } last || cartAt > last))
            {
                c.SetCartAbandonedAt(cartAt);
            }
        }

        var history = new InMemoryContactHistory();
        var settings = new DecisionSettings(
            caps: [new FrequencyCap(2, TimeSpan.FromDays(7))],
            quietHours: new QuietHours(new TimeOnly(22, 0), new TimeOnly(8, 0)),
            holdout: new HoldoutGroup(0.05, "demo-holdout"));
        var engine = new OfferDecisionEngine(StandardCampaigns.Create(), settings, history);
        var printed = 0;
        var channels = new[] { ContactChannel.WeChat, ContactChannel.AppPush, ContactChannel.Sms, ContactChannel.Email }
            .Select(c => new ConsoleChannel(c, m =>
            {
                if (printed++ < 4)
                {
                    context.Line($"  [{m.Channel.Value}] {MessageRenderer.Preview(m)}");
                }
            }))
            .ToArray();
        var runner = new CampaignRunner(engine, new MessageRenderer(StandardTemplates.Create()), channels, new InMemorySendLog(), new CouponLedger(), history, new FixedTimeProvider(sendAt), new DispatchSettings(KeepOutcomes: true));
        var result = runner.RunAsync("demo-campaign", context.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), CampaignAudience.Everyone, contexts.ToAsyncEnumerable())
            .GetAwaiter().GetResult();

        var json = new JsonObject { ["considered"] = result.Considered };
        foreach (var status in Enum.GetValues<DispatchStatus>())
        {
            json[char.ToLowerInvariant(status.ToString()[0]) + status.ToString()[1..]] = result.Count(status);
        }

        var suppressed = new JsonObject();
        foreach (var g in result.Outcomes.Where(o => o.Status == DispatchStatus.Suppressed).GroupBy(o => o.Reason).OrderBy(g => g.Key))
        {
            suppressed[g.Key.ToString()] = g.Count();
        }

        var byOffer = new JsonObject();
        foreach (var g in result.Outcomes.Where(o => o.Status == DispatchStatus.Sent).GroupBy(o => o.OfferId!, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            byOffer[g.Key] = g.Count();
        }

        json["suppressedBy"] = suppressed;
        json["sentByOffer"] = byOffer;
        context.Json["offers"] = json;
        context.Line(string.Create(CultureInfo.InvariantCulture, $"considered {result.Considered}: sent {result.Count(DispatchStatus.Sent)}, deferred (quiet hours) {result.Count(DispatchStatus.Deferred)}, suppressed {result.Count(DispatchStatus.Suppressed)}, no offer {result.Count(DispatchStatus.NoOffer)}, failed {result.Count(DispatchStatus.Failed)}"));
        context.Line("suppressed by reason: " + string.Join(", ", suppressed.Select(kv => $"{kv.Key} {kv.Value}")));
        context.Line("sent by offer: " + string.Join(", ", byOffer.Select(kv => $"{kv.Key} {kv.Value}")));
    }

    /// <summary>A channel that "delivers" by handing the message to a callback (the console in the demo).</summary>
    private sealed class ConsoleChannel(ContactChannel channel, Action<OutboundMessage> write) : IMessageChannel
    {
        public ContactChannel Channel => channel;

        public ChannelCapabilities Capabilities { get; } = new();

        public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default)
        {
            write(message);
            return ValueTask.FromResult(SendResult.Delivered(idempotencyKey));
        }
    }

    /// <summary>The demo's clock stands still at the as-of instant.</summary>
    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
