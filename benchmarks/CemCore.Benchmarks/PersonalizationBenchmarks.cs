using BenchmarkDotNet.Attributes;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Transactions;

namespace CemCore.Benchmarks;

/// <summary>
/// Offer decisions with 50 rules, without rendering: the <see cref="OfferDecisionEngine"/> (priority-ordered, early exit, allocation-free)
/// against a naive LINQ evaluation of the same compiled conditions (filter every rule, sort by priority then id, take the first).
/// One invocation decides for all <see cref="Customers"/> customers (1,000,000, the size: the working set is far larger than the CPU
/// caches, as in a nightly batch); <c>OperationsPerInvoke</c> makes the reported Mean the time of one decision.
/// </summary>
[MemoryDiagnoser]
public class PersonalizationBenchmarks
{
    private static readonly DateTimeOffset AsOf = new(2026, 3, 10, 2, 0, 0, TimeSpan.Zero);
    private CustomerContext[] _contexts = [];
    private OfferDecisionEngine _engine = null!;
    private PersonalizationRule[] _rules = [];
    private OfferDecision[] _decisions = [];

    private const int OneMillion = 1_000_000;

    /// <summary>Customers per run.</summary>
    [Params(OneMillion)]
    public int Customers { get; set; }

    /// <summary>Builds 50 rules and the customers' contexts (features from generated transactions, lifecycle, churn, returns, consents).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var builder = new PersonalizationRuleSetBuilder();
        string[] stages = ["New", "Growth", "Maturity", "Decline", "Dormant", "Revived"];
        string[] categories = ["sneakers", "sportswear", "apparel", "bags", "watches"];
        for (var i = 0; i < 50; i++)
        {
            var offerId = "offer" + i;
            builder.AddOffer(new Offer(offerId, OfferKind.PercentageDiscount, 5 + (i % 20)));
            var condition = (i % 5) switch
            {
                0 => (Condition)Condition.All(Condition.Field("churn.probability").AtLeast(0.5 + (i % 10 * 0.05)), Condition.Field("features.orderCount").AtLeast(1 + (i % 3))),
                1 => Condition.Field("lifecycle.stage").Equal(stages[i % stages.Length]),
                2 => Condition.All(Condition.Field("features.monetaryTotal").AtLeast(200 + (i * 40)), Condition.Field("features.recencyDays").AtMost(30 + i)),
                3 => Condition.All(Condition.Field("event.lastReturn.reason").Equal(i % 2 == 0 ? "Size" : "Quality"), Condition.Field("event.lastReturn.at").WithinLastDays(30)),
                _ => Condition.All(Condition.Field("features.category." + categories[i % categories.Length] + ".orders").AtLeast(1), Condition.Not(Condition.Field("profile.daysToBirthday").AtMost(3))),
            };
            builder.AddRule("rule" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture), r => r.When(condition).Grant(offerId).WithPriority(i % 17).InGroup("g" + (i % 7) + "-" + i));
        }

        var set = builder.Build();
        _rules = [.. set.Rules];
        _engine = new OfferDecisionEngine(set, new DecisionSettings(holdout: new HoldoutGroup(0.05, "bench"), reserveBudget: false));

        var features = FeatureExtractor.Compute(PurchaseTable(Customers, AsOf, categories, random), AsOf);
        ContactChannel[] channels = [ContactChannel.WeChat, ContactChannel.AppPush, ContactChannel.Sms, ContactChannel.Email];
        _contexts = new CustomerContext[Customers];
        var i2 = 0;
        foreach (var f in features)
        {
            var consents = channels.Where((_, j) => (i2 + j) % 3 != 0).Select(ch => new ConsentRecord(ch, ConsentPurpose.Marketing, ConsentStatus.Granted, AsOf.AddYears(-1)));
            var profile = new CustomerProfile(f.CustomerId, demographics: new Demographics(BirthDate: new DateOnly(1980 + (i2 % 30), 1 + (i2 % 12), 1 + (i2 % 28))), preferredChannel: channels[i2 % 4], timeZoneId: "Asia/Shanghai", consents: consents);
            var ctx = new CustomerContext(profile, f, AsOf)
                .SetChurnProbability(random.NextDouble())
                .SetLifecycleStage((LifecycleStage)random.Next(0, 7));
            if (random.NextDouble() < 0.1)
            {
                ctx.SetLastReturn(new ReturnFact(random.NextDouble() < 0.5 ? ReturnReason.Size : ReturnReason.Quality, AsOf.AddDays(-random.Next(1, 60))));
            }

            _contexts[i2++] = ctx;
        }

        // The three methods must agree before they are timed.
        _decisions = new OfferDecision[_contexts.Length];
        var engine = Engine();
        if (NaiveLinq() != engine || EngineBatch() != engine)
        {
            throw new InvalidOperationException("The engine, its batch call and the LINQ baseline disagree.");
        }
    }

    /// <summary>
    /// The generated purchases of the decision and segmentation benchmarks: customers <c>C0000000</c>, <c>C0000001</c>, ... with 1–4
    /// purchases each in the 400 days before <paramref name="asOf"/>, 5–305 in amount, in <paramref name="categories"/>.
    /// </summary>
    /// <param name="customers">The number of customers.</param>
    /// <param name="asOf">The end of the purchase history.</param>
    /// <param name="categories">The categories drawn from.</param>
    /// <param name="random">The source of the draws (its state moves on).</param>
    /// <returns>The table.</returns>
    internal static TransactionTable PurchaseTable(int customers, DateTimeOffset asOf, string[] categories, Random random)
    {
        var table = new TransactionTableBuilder(customers * 3);
        for (var c = 0; c < customers; c++)
        {
            var id = "C" + c.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
            var n = random.Next(1, 5);
            for (var k = 0; k < n; k++)
            {
                table.AddPurchase(id, asOf.AddDays(-random.Next(1, 400)), Math.Round((decimal)(random.NextDouble() * 300) + 5m, 2), category: categories[random.Next(categories.Length)]);
            }
        }

        return table.Build();
    }

    /// <summary>Baseline: every rule filtered with LINQ, sorted by priority then id, first taken; consent checked on the first channel that has it.</summary>
    /// <returns>Customers with an offer.</returns>
    [Benchmark(Baseline = true, OperationsPerInvoke = OneMillion)]
    public int NaiveLinq()
    {
        var offers = 0;
        foreach (var c in _contexts)
        {
            var asOf = c.AsOf;
            var winner = _rules
                .Where(r => r.IsValidAt(asOf) && r.Eligibility.Evaluate(c))
                .Where(r => DecisionSettings.StandardChannels.Any(ch => c.Profile!.MayContact(ch, r.Purpose, asOf)))
                .OrderByDescending(r => r.Priority)
                .ThenBy(r => r.Id, StringComparer.Ordinal)
                .FirstOrDefault();
            if (winner is not null && !new HoldoutGroup(0.05, "bench").Contains(c.Profile!.Id))
            {
                offers++;
            }
        }

        return offers;
    }

    /// <summary>
    /// The decision engine's batch call over the same customers (<see cref="OfferDecisionEngine.DecideBatch"/>, as the nightly pipeline
    /// decides): the same decisions as <see cref="Engine"/>, with the contexts, profiles and features asked for a few customers ahead
    /// (issue 17, twentieth session).
    /// </summary>
    /// <returns>Customers with an offer.</returns>
    [Benchmark(OperationsPerInvoke = OneMillion)]
    public int EngineBatch()
    {
        _engine.DecideBatch(_contexts, _decisions);
        var offers = 0;
        foreach (var d in _decisions)
        {
            if (d.Status == DecisionStatus.Offer)
            {
                offers++;
            }
        }

        return offers;
    }

    /// <summary>The decision engine, one customer at a time, without a trace.</summary>
    /// <returns>Customers with an offer.</returns>
    [Benchmark(OperationsPerInvoke = OneMillion)]
    public int Engine()
    {
        var offers = 0;
        foreach (var c in _contexts)
        {
            if (_engine.Decide(c).Status == DecisionStatus.Offer)
            {
                offers++;
            }
        }

        return offers;
    }
}
