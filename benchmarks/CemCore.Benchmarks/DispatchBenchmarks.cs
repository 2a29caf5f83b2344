using BenchmarkDotNet.Attributes;
using CemCore.Channels;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Benchmarks;

/// <summary>
/// Dispatch of 1,000,000 customers through decide → claim → budget → coupon → render → send to an in-memory channel → record, on the
/// in-memory stores (sized for the run). <c>Buffered</c> keeps every outcome with its rendered message in the result (the pre-issue-14
/// behaviour, the baseline); <c>Streamed</c> keeps counts only (the default), sequentially and with 4 customers in flight.
/// <c>StoresOnly</c> makes only the store calls of the same run as the runner makes them (key, object-free claim, budget reserve and commit,
/// coupon, record): the durable part per customer (the stores keep one compact entry per key, see docs/dispatch.md), reported separately;
/// it issues the coupon through the public <see cref="ICouponStore"/> port, which returns a <c>Coupon</c> object the runner's path does not make.
/// <c>OperationsPerInvoke</c> makes Mean and Allocated per customer.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private static readonly DateTimeOffset AsOf = new(2026, 3, 10, 2, 0, 0, TimeSpan.Zero);
    private CustomerContext[] _contexts = [];
    private int _run;

    private const int OneMillion = 1_000_000;

    /// <summary>Customers per run.</summary>
    [Params(OneMillion)]
    public int Customers { get; set; }

    /// <summary>Builds the customers: WeChat marketing consent, churn risk 0.9 (the win-back rule with a coupon).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var consents = new[] { new ConsentRecord(ContactChannel.WeChat, ConsentPurpose.Marketing, ConsentStatus.Granted, AsOf.AddYears(-1)) };
        _contexts = [.. Enumerable.Range(0, Customers).Select(i =>
            new CustomerContext(new CustomerProfile("C" + i, preferredChannel: ContactChannel.WeChat, language: "zh-CN", timeZoneId: "Asia/Shanghai", consents: consents), null, AsOf).SetChurnProbability(0.9))];
    }

    /// <summary>Every outcome and message kept in the result (baseline).</summary>
    /// <returns>Messages sent.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = OneMillion)]
    public long Buffered() => Run(new DispatchSettings(Jitter: static () => 0.5, KeepOutcomes: true));

    /// <summary>Counts only, one customer at a time.</summary>
    /// <returns>Messages sent.</returns>
    [Benchmark(OperationsPerInvoke = OneMillion)]
    public long Streamed() => Run(new DispatchSettings(Jitter: static () => 0.5));

    /// <summary>Counts only, 4 customers in flight.</summary>
    /// <returns>Messages sent.</returns>
    [Benchmark(OperationsPerInvoke = OneMillion)]
    public long StreamedParallel4() => Run(new DispatchSettings(Jitter: static () => 0.5, MaxParallelism: 4));

    /// <summary>Only the store calls the runner makes for each customer of the same run: the durable part.</summary>
    /// <returns>Keys recorded.</returns>
    [Benchmark(OperationsPerInvoke = OneMillion)]
    public long StoresOnly() => RunStoresOnly().GetAwaiter().GetResult();

    private static OfferDecisionEngine Engine() =>
        new(StandardCampaigns.Create(new BudgetLimits(10_000_000, 100_000_000m)), new DecisionSettings(reserveBudget: false));

    private async Task<long> RunStoresOnly()
    {
        var engine = Engine();
        var rule = engine.Decide(_contexts[0]).Rule!;
        var campaign = rule.CampaignId ?? string.Empty;
        var limits = engine.RuleSet.Budgets.TryGetValue(campaign, out var l) ? l : null; // as the runner: budget calls only for a budgeted campaign
        var log = new InMemorySendLog(Customers);
        var coupons = new CouponLedger(Customers);
        var budgets = new InMemoryBudgetStore(Customers);
        var runKey = "run-" + _run++;
        var recorded = 0L;
        foreach (var context in _contexts)
        {
            var id = context.Profile!.Id;
            var key = IdempotencyKey.Create("bench", runKey, id);
            var claim = log.Claim(key, "bench", runKey, ContactChannel.WeChat, "owner", AsOf, TimeSpan.FromMinutes(5), out _); // as the runner: no request or result object
            if (limits is not null)
            {
                _ = await budgets.TryReserveAsync(campaign, limits, key, rule.Offer.BudgetCost).ConfigureAwait(false);
            }

            _ = await coupons.IssueOnceAsync(key, rule.Offer, id, AsOf).ConfigureAwait(false);
            if (await log.CompleteAsync(key, "owner", SendLogState.Delivered, AsOf, 1).ConfigureAwait(false) && claim is SendClaimStatus.Claimed or SendClaimStatus.TakenOver)
            {
                recorded++;
            }

            if (limits is not null)
            {
                await budgets.CommitAsync(campaign, key).ConfigureAwait(false);
            }
        }

        return recorded;
    }

    private long Run(DispatchSettings settings)
    {
        var engine = Engine();
        var stores = new DispatchStores(new InMemorySendLog(Customers), new CouponLedger(Customers)) { Budgets = new InMemoryBudgetStore(Customers) };
        var runner = new CampaignRunner(engine, new MessageRenderer(StandardTemplates.Create()), [new NullChannel()], stores, TimeProvider.System, settings);
        var result = runner.RunAsync("bench", "run-" + _run++, CampaignAudience.Everyone, _contexts.ToAsyncEnumerable()).GetAwaiter().GetResult();
        return result.Count(DispatchStatus.Sent);
    }

    private sealed class NullChannel : IMessageChannel
    {
        private static readonly SendResult Delivered = SendResult.Delivered();

        public ContactChannel Channel => ContactChannel.WeChat;

        public ChannelCapabilities Capabilities { get; } = new();

        public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default) => ValueTask.FromResult(Delivered);
    }
}
