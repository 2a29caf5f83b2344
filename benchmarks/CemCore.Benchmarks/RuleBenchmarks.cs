using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Segmentation.RuleSegments;
using CemCore.Transactions;

namespace CemCore.Benchmarks;

/// <summary>
/// Rule-based segments: 10 segment definitions (geographic, demographic, behavioural with time windows and category/channel fields,
/// psychographic, references, lifecycle stage) for one customer and for a batch of 100k customers.
/// Baseline: a naive interpreter that walks the definition tree and looks fields up by name (boxing, LINQ) — what a first implementation
/// without a compile step does. The explain path (which evaluates every operand and allocates a trace) is measured too.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RuleBenchmarks
{
    internal const string SegmentsJson = """
        {
          "version": 1,
          "conditions": {
            "tier1": { "field": "profile.cityTier", "op": "eq", "value": 1 },
            "recentSneakers": { "field": "features.category.sneakers.lastPurchase", "op": "withinLastDays", "value": 90 }
          },
          "segments": [
            { "name": "Tier-1 cities", "kind": "geographic", "when": { "ref": "tier1" } },
            { "name": "East region", "kind": "geographic", "when": { "field": "profile.region", "op": "in", "value": ["Shanghai", "Zhejiang", "Jiangsu"] } },
            { "name": "Women 25-34", "kind": "demographic", "when": { "all": [ { "field": "profile.gender", "op": "eq", "value": "Female" },
                                                                               { "field": "profile.ageBand", "op": "eq", "value": "25-34" } ] } },
            { "name": "Sneakerheads", "kind": "psychographic", "when": { "field": "profile.tags", "op": "containsAny", "value": ["sneakerhead", "runner"] } },
            { "name": "Tier-1 sneaker fans", "kind": "mixed", "when": { "all": [ { "ref": "tier1" }, { "ref": "recentSneakers" } ] } },
            { "name": "Lapsed big spenders", "kind": "behavioural", "when": { "all": [ { "field": "features.recencyDays", "op": "gt", "value": 180 },
                                                                                       { "field": "features.monetaryTotal", "op": "ge", "value": 1000 } ] } },
            { "name": "Frequent", "kind": "behavioural", "when": { "field": "features.orderCount", "op": "ge", "value": 6 } },
            { "name": "Online first", "kind": "behavioural", "when": { "field": "features.channel.online.share", "op": "ge", "value": 0.6 } },
            { "name": "Serial returners", "kind": "behavioural", "when": { "all": [ { "field": "features.returnRate", "op": "ge", "value": 0.3 },
                                                                                    { "field": "features.orderCount", "op": "ge", "value": 3 } ] } },
            { "name": "Slipping away", "kind": "behavioural", "when": { "any": [ { "field": "lifecycle.stage", "op": "in", "value": ["Decline", "Dormant"] },
                                                                                 { "not": { "field": "features.lastPurchase", "op": "withinLastDays", "value": 365 } } ] } }
          ]
        }
        """;

    private static readonly DateTimeOffset AsOf = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private RuleSegmentSet _set = null!;
    private LifecycleClassifier _classifier = null!;
    private CustomerProfile[] _profiles = null!;
    private CustomerFeatures?[] _features = null!;
    private CustomerContext[] _contexts = null!;
    private bool[] _memberships = null!;
    private bool[] _single = null!;
    private NaiveEvaluator _naive = null!;
    private int _next;

    [Params(100_000)]
    public int Customers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _set = RuleSegmentJson.Load(SegmentsJson);
        _classifier = new LifecycleClassifier();
        (_profiles, _features) = Generate(Customers, 42);
        _contexts = new CustomerContext[1024];
        for (var i = 0; i < _contexts.Length; i++)
        {
            _contexts[i] = new CustomerContext(_profiles[i], _features[i], AsOf);
        }

        _memberships = new bool[Customers * _set.Count];
        _single = new bool[_set.Count];
        _naive = new NaiveEvaluator(_set);

        // The baseline must compute the same memberships as the compiled path.
        var a = new bool[_set.Count];
        var b = new bool[_set.Count];
        var context = new CustomerContext();
        for (var i = 0; i < Math.Min(Customers, 5000); i++)
        {
            FillOne(i, context);
            _set.Evaluate(context, a);
            _naive.Evaluate(context, b);
            if (!a.AsSpan().SequenceEqual(b))
            {
                throw new InvalidOperationException("Naive and compiled evaluators disagree for customer index " + i.ToString(CultureInfo.InvariantCulture) + ".");
            }
        }
    }

    /// <summary>One customer, naive interpreter (baseline).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Single")]
    public int SingleNaive()
    {
        var c = NextContext();
        return _naive.Evaluate(c, _single);
    }

    /// <summary>One customer, explain path (every operand evaluated, trace allocated).</summary>
    [Benchmark]
    [BenchmarkCategory("Single")]
    public int SingleExplain()
    {
        var c = NextContext();
        var n = 0;
        foreach (var t in _set.Explain(c))
        {
            n += t.Held ? 1 : 0;
        }

        return n;
    }

    /// <summary>One customer, compiled segments only (lifecycle stage already set).</summary>
    [Benchmark]
    [BenchmarkCategory("Single")]
    public int SingleCompiled() => _set.Evaluate(NextContext(), _single);

    /// <summary>One customer: lifecycle classification from features, then the 10 compiled segments (the issue's &lt; 200 ns target).</summary>
    [Benchmark]
    [BenchmarkCategory("Single")]
    public int SingleLifecycleAndSegments()
    {
        var c = NextContext();
        if (c.Features is { } f)
        {
            c.SetLifecycleStage(_classifier.Classify(f).Stage);
        }

        return _set.Evaluate(c, _single);
    }

    /// <summary>100k customers, naive interpreter (baseline).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Batch")]
    public int BatchNaive()
    {
        var context = new CustomerContext();
        var total = 0;
        for (var i = 0; i < _profiles.Length; i++)
        {
            FillOne(i, context);
            total += _naive.Evaluate(context, _memberships.AsSpan(i * _set.Count, _set.Count));
        }

        return total;
    }

    /// <summary>100k customers: reset the context, classify the lifecycle stage, evaluate 10 segments; one thread.</summary>
    [Benchmark]
    [BenchmarkCategory("Batch")]
    public int BatchCompiled()
    {
        _set.EvaluateBatch(_profiles.Length, this, static (s, i, c) => s.FillOne(i, c), _memberships);
        return _memberships[^1] ? 1 : 0;
    }

    /// <summary>Same as <see cref="BatchCompiled"/>, in parallel chunks (2 cores on the benchmark machine).</summary>
    [Benchmark]
    [BenchmarkCategory("Batch")]
    public int BatchCompiledParallel()
    {
        _set.EvaluateBatchParallel(_profiles.Length, this, static (s, i, c) => s.FillOne(i, c), _memberships);
        return _memberships[^1] ? 1 : 0;
    }

    private void FillOne(int i, CustomerContext c)
    {
        var f = _features[i];
        c.Reset(_profiles[i], f, AsOf);
        if (f is not null)
        {
            c.SetLifecycleStage(_classifier.Classify(f).Stage);
        }
    }

    private CustomerContext NextContext()
    {
        var c = _contexts[_next];
        _next = (_next + 1) & (_contexts.Length - 1);
        return c;
    }

    internal static (CustomerProfile[] Profiles, CustomerFeatures?[] Features) Generate(int count, int seed)
    {
        var r = new Random(seed);
        string[] regions = ["Shanghai", "Beijing", "Zhejiang", "Guangdong", "Sichuan", "Jiangsu"];
        string[] bands = ["18-24", "25-34", "35-44", "45-54"];
        string[] categories = ["sneakers", "apparel", "outdoor", "accessories", "kids"];
        SalesChannel[] channels = [SalesChannel.Online, SalesChannel.Store, SalesChannel.App, SalesChannel.MiniProgram];
        string[][] tags = [[], ["runner"], ["sneakerhead"], ["outdoor", "family"], ["sneakerhead", "streetwear", "vip"]];
        var profiles = new CustomerProfile[count];
        var b = new TransactionTableBuilder(count * 5);
        for (var i = 0; i < count; i++)
        {
            var id = "C" + i.ToString("D7", CultureInfo.InvariantCulture);
            profiles[i] = new CustomerProfile(
                id,
                demographics: new Demographics(AgeBand: bands[r.Next(bands.Length)], Gender: (Gender)r.Next(4), Region: regions[r.Next(regions.Length)], CityTier: r.Next(1, 6)),
                tags: tags[r.Next(tags.Length)]);
            var orders = r.Next(0, 10);
            for (var k = 0; k < orders; k++)
            {
                var orderId = id + "-" + k.ToString(CultureInfo.InvariantCulture);
                var amount = Math.Round((decimal)(r.NextDouble() * 600) + 10m, 2);
                b.AddPurchase(id, AsOf.AddDays(-r.Next(1, 900)), amount, orderId, channels[r.Next(channels.Length)], categories[r.Next(categories.Length)]);
                if (r.Next(6) == 0)
                {
                    b.AddReturn(id, AsOf.AddHours(-r.Next(1, 20)), amount, orderId);
                }
            }
        }

        var set = FeatureExtractor.Compute(b.Build(), AsOf);
        var features = new CustomerFeatures?[count];
        for (var i = 0; i < count; i++)
        {
            set.TryGet(profiles[i].Id, out var f);
            features[i] = f;
        }

        return (profiles, features);
    }

    /// <summary>The naive peer: interprets the definition tree per call, resolves fields by name into boxed values, uses LINQ.</summary>
    private sealed class NaiveEvaluator(RuleSegmentSet set)
    {
        private readonly Dictionary<string, Condition> _named = set.Conditions.Conditions.ToDictionary(c => c.Name!, c => c.Definition);
        private readonly List<Condition> _segments = set.Segments.Select(s => s.Condition.Definition).ToList();

        public int Evaluate(CustomerContext context, Span<bool> memberships)
        {
            var n = 0;
            for (var i = 0; i < _segments.Count; i++)
            {
                memberships[i] = Eval(_segments[i], context);
                n += memberships[i] ? 1 : 0;
            }

            return n;
        }

        private bool Eval(Condition c, CustomerContext ctx) => c switch
        {
            AllCondition a => a.Conditions.All(x => Eval(x, ctx)),
            AnyCondition a => a.Conditions.Any(x => Eval(x, ctx)),
            NotCondition n => !Eval(n.Operand, ctx),
            ReferenceCondition r => Eval(_named[r.Name], ctx),
            FieldCondition f => EvalField(f, Value(f.FieldName, ctx), ctx),
            _ => false,
        };

        private static bool EvalField(FieldCondition f, object? v, CustomerContext ctx)
        {
            if (v is null)
            {
                return f.Operator == ConditionOperator.Missing;
            }

            var values = f.Values.Select(x => x.Kind == ConditionValueKind.Number ? (object)x.Number : x.Text!).ToList();
            switch (f.Operator)
            {
                case ConditionOperator.Equal:
                    return v is string s ? string.Equals(s, (string)values[0], StringComparison.OrdinalIgnoreCase) : Convert.ToDouble(v, CultureInfo.InvariantCulture) == (double)values[0];
                case ConditionOperator.In:
                    return values.Any(x => v is string s ? string.Equals(s, x as string, StringComparison.OrdinalIgnoreCase) : Equals(v, x));
                case ConditionOperator.GreaterThan:
                    return Convert.ToDouble(v, CultureInfo.InvariantCulture) > (double)values[0];
                case ConditionOperator.GreaterThanOrEqual:
                    return Convert.ToDouble(v, CultureInfo.InvariantCulture) >= (double)values[0];
                case ConditionOperator.ContainsAny:
                    return ((IEnumerable<string>)v).Any(t => values.Any(x => string.Equals(t, (string)x, StringComparison.OrdinalIgnoreCase)));
                case ConditionOperator.WithinLastDays:
                    var at = (DateTimeOffset)v;
                    return at >= ctx.AsOf.AddDays(-(double)values[0]) && at < ctx.AsOf;
                case ConditionOperator.Present:
                    return true;
                default:
                    throw new NotSupportedException(f.Operator.ToString());
            }
        }

        private static object? Value(string field, CustomerContext ctx)
        {
            var p = ctx.Profile;
            var f = ctx.Features;
            switch (field)
            {
                case "profile.cityTier": return p?.Demographics.CityTier;
                case "profile.region": return p?.Demographics.Region;
                case "profile.gender": return p is null || p.Demographics.Gender == Gender.Unspecified ? null : p.Demographics.Gender.ToString();
                case "profile.ageBand": return p?.Demographics.AgeBand;
                case "profile.tags": return p?.Tags;
                case "features.recencyDays": return f?.RecencyDays;
                case "features.monetaryTotal": return f?.MonetaryTotal;
                case "features.orderCount": return f?.OrderCount;
                case "features.returnRate": return f?.ReturnRate;
                case "features.lastPurchase": return f?.LastPurchase;
                case "lifecycle.stage": return ctx.LifecycleStage?.ToString();
                default:
                    break;
            }

            var parts = field.Split('.');
            if (f is not null && parts[1] == "category")
            {
                var stat = f.Categories.Where(c => string.Equals(c.Category, parts[2], StringComparison.OrdinalIgnoreCase)).Select(c => (CategoryStat?)c).FirstOrDefault();
                return stat?.LastPurchase;
            }

            if (f is not null && parts[1] == "channel")
            {
                var kind = SalesChannel.Classify(parts[2]);
                var orders = f.Channels.Where(c => c.Channel.Kind == kind).Sum(c => c.Orders);
                return f.OrderCount == 0 ? 0.0 : (double)orders / f.OrderCount;
            }

            return null;
        }
    }
}
