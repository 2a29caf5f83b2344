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
/// Dispatch of 1,000,000 customers through decide → claim → coupon → render → send to an in-memory channel → record, on the in-memory
/// stores. <c>Buffered</c> keeps every outcome with its rendered message in the result (the pre-issue-14 behaviour, the baseline);
/// <c>Streamed</c> keeps counts only (the default now), sequentially and with 4 customers in flight. <c>OperationsPerInvoke</c> makes Mean
/// and Allocated per customer.
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

    private long Run(DispatchSettings settings)
    {
        var engine = new OfferDecisionEngine(StandardCampaigns.Create(new BudgetLimits(10_000_000, 100_000_000m)), new DecisionSettings(reserveBudget: false));
        var stores = new DispatchStores(new InMemorySendLog(), new CouponLedger()) { Budgets = new InMemoryBudgetStore() };
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
