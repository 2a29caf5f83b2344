using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Channels;
using CemCore.Cli.Commands;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Journeys;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Cli.Demo;

/// <summary>
/// Demo section: a seeded event stream over the demo customers (lifecycle transitions to Dormant or Decline, visits, abandoned carts,
/// purchases, returns) goes through the win-back journey of samples/CemCore.Cli/journeys/winback.json (send → wait for a visit, 7 days →
/// branch on a recent cart → send, or exit; goal: a purchase) and the "return → coupon" trigger, on the in-memory stores. Prints per-step
/// counts and one customer's path, then replays the same stream on new engines over the same stores: 0 sent
/// (<c>context.Json["journeys"]</c>).
/// </summary>
internal static class JourneyDemo
{
    public static void Run(DemoContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task RunAsync(DemoContext context)
    {
        context.Heading("Journeys and triggers");
        var profiles = context.Customers.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var events = Stream(context);
        var start = events.Count > 0 ? events[0].Timestamp : context.AsOf;
        var templates = StandardTemplates.Create();
        var rules = JourneyRunCommand.StandardRules(templates);
        var journey = new JourneyBuilder("winback")
            .EnteredBy(CustomerEventTypes.LifecycleTransition, Rules.Condition.Field("lifecycle.stage").In("Dormant", "Decline"))
            .ExitOn(CustomerEventTypes.Purchase)
            .Limit(JourneyEntryLimit.OncePer(TimeSpan.FromDays(30)))
            .WithSeed("winback-2026")
            .Send("miss-you", "wait-visit", "reactivation", "decline-nudge")
            .WaitFor("wait-visit", "visit", TimeSpan.FromDays(7), "cart-check", "last-chance")
            .Branch("cart-check", Rules.Condition.Field("event.cartAbandonedAt").WithinLastDays(2), "cart-nudge", "bye")
            .Send("cart-nudge", null, "cart-abandon")
            .Send("last-chance", null, "reactivation")
            .Exit("bye")
            .Build(rules: rules);
        var stores = new DispatchStores(new InMemorySendLog(), new CouponLedger()) { Budgets = new InMemoryBudgetStore(), Schedule = new InMemorySendSchedule() };
        var state = new InMemoryJourneyStateStore();
        var channels = DecisionSettings.StandardChannels.Select(c => new MemoryChannel(c)).ToArray();
        var lookup = JourneyRunCommand.Lookup(events, id => profiles.TryGetValue(id, out var p) ? p : new CustomerProfile(id));

        async Task<(JourneyRunCommand.RunCounts Counts, TriggerSummary Trigger)> ReplayAsync()
        {
            // New engines each time (as after a restart); the stores are the same.
            var clock = new ReplayClock(start);
            var dispatcher = new EventDispatcher(rules, new MessageRenderer(templates), channels, stores, clock, new DecisionSettings(reserveBudget: false));
            var counts = new JourneyRunCommand.RunCounts(journey);
            var engine = new JourneyEngine([journey], dispatcher, state, lookup, new JourneySettings { Observer = counts.Add });
            await engine.ReplayAsync(events, clock, context.AsOf).ConfigureAwait(false);
            var triggers = new TriggerEngine(dispatcher, lookup, StandardTriggers.Create(surveys: false).Where(t => t.Id == "return-coupon"));
            var summary = await triggers.RunAsync(new InMemoryCustomerEventSource(events.Where(e => e.Is(CustomerEventTypes.Return)))).ConfigureAwait(false);
            return (counts, summary);
        }

        var (first, trigger) = await ReplayAsync().ConfigureAwait(false);
        var sentFirst = channels.Sum(c => c.Sent);
        var (second, triggerAgain) = await ReplayAsync().ConfigureAwait(false);
        var replaySent = channels.Sum(c => c.Sent) - sentFirst;

        var json = first.ToJson();
        var steps = json["steps"]!.AsObject();
        context.Line(string.Create(CultureInfo.InvariantCulture, $"{events.Count} events; journey 'winback': entered {json["entered"]}, sent {json["sent"]}, suppressed {json["suppressed"]}, exited {json["exited"]}, goal reached {json["goalReached"]}, completed {json["completed"]}"));
        foreach (var (step, counts) in steps)
        {
            context.Line("  " + step.PadRight(12) + string.Join(", ", counts!.AsObject().Select(kv => kv.Key + " " + kv.Value!.ToJsonString())));
        }

        var entries = await state.GetAllAsync("winback").ConfigureAwait(false);
        var example = entries.OrderByDescending(e => e.Path.Split('>').Length).ThenBy(e => e.CustomerId, StringComparer.Ordinal).FirstOrDefault();
        if (example is not null)
        {
            context.Line($"  one path: {example.CustomerId}: entered > {example.Path}");
        }

        context.Line(string.Create(CultureInfo.InvariantCulture, $"trigger return → coupon: {trigger.Fired} returns, sent {trigger.Sent}, not sent {trigger.NotSent}"));
        context.Line(string.Create(CultureInfo.InvariantCulture, $"replay of the same stream on new engines: sent {replaySent} (journey transitions {second.ToJson()["advanced"]}, trigger already sent {triggerAgain.AlreadySent})"));

        json["events"] = events.Count;
        json["examplePath"] = example is null ? null : example.CustomerId + ": " + example.Path;
        json["trigger"] = new JsonObject { ["returns"] = trigger.Fired, ["sent"] = trigger.Sent, ["notSent"] = trigger.NotSent, ["alreadySentOnReplay"] = triggerAgain.AlreadySent };
        json["replaySent"] = replaySent;
        context.Json["journeys"] = json;
    }

    /// <summary>A seeded stream over the demo customers: a quarter move to Dormant (70%) or Decline in the 30 days before as-of; half of them
    /// visit within 1-9 days (half of those after abandoning a cart), a fifth buy within 2-5 days; a tenth of all customers return an item.</summary>
    private static List<CustomerEvent> Stream(DemoContext context)
    {
        var random = new Random(context.Seed + 14);
        var begin = context.AsOf.AddDays(-30);
        var events = new List<CustomerEvent>();
        var n = 0;
        string Id() => "ev" + (++n).ToString(CultureInfo.InvariantCulture);
        ReturnReason[] reasons = [ReturnReason.Quality, ReturnReason.Size, ReturnReason.ChangedMind];
        foreach (var c in context.Customers)
        {
            if (random.NextDouble() < 0.25)
            {
                var at = begin.AddMinutes(random.Next(20 * 24 * 60));
                var to = random.NextDouble() < 0.7 ? "Dormant" : "Decline";
                events.Add(new CustomerEvent(Id(), c.Id, CustomerEventTypes.LifecycleTransition, at, new Dictionary<string, string>(StringComparer.Ordinal) { ["to"] = to }));
                if (random.NextDouble() < 0.5)
                {
                    var visit = at.AddHours(24 + random.Next(8 * 24));
                    if (random.NextDouble() < 0.5)
                    {
                        events.Add(new CustomerEvent(Id(), c.Id, CustomerEventTypes.CartAbandoned, visit.AddHours(-3)));
                    }

                    events.Add(new CustomerEvent(Id(), c.Id, "visit", visit));
                }

                if (random.NextDouble() < 0.2)
                {
                    events.Add(new CustomerEvent(Id(), c.Id, CustomerEventTypes.Purchase, at.AddHours(48 + random.Next(72))));
                }
            }

            if (random.NextDouble() < 0.1)
            {
                events.Add(CustomerEvent.Return(Id(), c.Id, begin.AddMinutes(random.Next(29 * 24 * 60)), reasons[random.Next(reasons.Length)]));
            }
        }

        return [.. events.Where(e => e.Timestamp < context.AsOf).OrderBy(e => e.Timestamp)];
    }

    /// <summary>A channel that keeps nothing but counts the messages it accepted (idempotent on the key, like a real provider).</summary>
    private sealed class MemoryChannel(ContactChannel channel) : IMessageChannel
    {
        private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

        public ContactChannel Channel => channel;

        public ChannelCapabilities Capabilities { get; } = new();

        public int Sent
        {
            get
            {
                lock (_keys)
                {
                    return _keys.Count;
                }
            }
        }

        public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default)
        {
            lock (_keys)
            {
                _keys.Add(idempotencyKey);
            }

            return ValueTask.FromResult(SendResult.Delivered(idempotencyKey));
        }
    }
}
