using CemCore.Channels;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Tests.Shared;
using Microsoft.Extensions.Time.Testing;
using static CemCore.Tests.Personalization.OfferTestData;

namespace CemCore.Tests.Dispatch;

/// <summary>
/// The compact in-memory stores (issue #14, dispatch memory): the sharded send log against a sequential oracle (the public
/// <see cref="SendLogRules"/> the SQLite store also uses, and the documented completion and release rules) under many threads, lease
/// expiry and takeover, growth from an empty table under concurrency, the runner's object-free claim against the port path, and the
/// bytes allocated per customer of a streamed run.
/// </summary>
[Collection(DispatchAllocationGroup.Name)]
public sealed class DispatchMemoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 2, 0, 0, TimeSpan.Zero);
    private static readonly ContactChannel[] Channels = [ContactChannel.WeChat, ContactChannel.Sms, ContactChannel.Email];
    private static readonly string[] Owners = ["A", "B", "C"];
    private static readonly string[] RunnerIds = ["W1", "R1", "F1", "W2"];

    private enum OpKind
    {
        Claim,
        Complete,
        Release,
    }

    private sealed record Op(OpKind Kind, string Owner, ContactChannel Channel, DateTimeOffset At, TimeSpan Lease, SendLogState State, int Attempts, string? ProviderId, string? Reason);

    /// <summary>A random sequence of operations on one key (seeded).</summary>
    private static List<Op> Ops(Random random, int count)
    {
        var ops = new List<Op>(count);
        var at = T0;
        for (var i = 0; i < count; i++)
        {
            at += TimeSpan.FromSeconds(random.Next(0, 400)); // sometimes inside a 5-minute lease, sometimes after it
            var kind = (OpKind)random.Next(3);
            var state = (SendLogState)random.Next(1, 4); // Delivered, Rejected or Failed
            ops.Add(new Op(
                kind,
                Owners[random.Next(Owners.Length)],
                Channels[random.Next(Channels.Length)],
                at,
                TimeSpan.FromMinutes(random.Next(1, 6)),
                state,
                random.Next(1, 4),
                random.Next(3) == 0 ? "pm-" + i : null,
                state == SendLogState.Delivered || random.Next(2) == 0 ? null : "reason-" + i));
        }

        return ops;
    }

    /// <summary>The sequential model: claims by <see cref="SendLogRules.Decide"/>; completion and release as documented on <see cref="ISendLog"/>.</summary>
    private static object Apply(Dictionary<string, SendLogEntry> model, string key, Op op)
    {
        model.TryGetValue(key, out var current);
        switch (op.Kind)
        {
            case OpKind.Claim:
                var claim = SendLogRules.Decide(current, new SendClaimRequest(key, "camp", "run", op.Channel, op.Owner, op.At, op.Lease));
                if (claim.IsOwned)
                {
                    model[key] = claim.Entry;
                }

                return claim;
            case OpKind.Complete:
                if (current is null || current.IsFinal)
                {
                    return false;
                }

                model[key] = current with { State = op.State, At = op.At, Attempts = current.Attempts + op.Attempts, Owner = op.Owner, ProviderMessageId = op.ProviderId, Reason = op.Reason };
                return true;
            default:
                if (current is { State: SendLogState.Claimed } && current.Owner == op.Owner)
                {
                    model[key] = current with { State = SendLogState.Released, At = op.At, LeaseUntil = null };
                }

                return "released";
        }
    }

    private static async Task<object> Apply(InMemorySendLog log, string key, Op op) => op.Kind switch
    {
        OpKind.Claim => await log.TryClaimAsync(new SendClaimRequest(key, "camp", "run", op.Channel, op.Owner, op.At, op.Lease)),
        OpKind.Complete => await log.CompleteAsync(key, op.Owner, op.State, op.At, op.Attempts, op.ProviderId, op.Reason),
        _ => await ReleaseAsync(log, key, op),
    };

    private static async Task<object> ReleaseAsync(InMemorySendLog log, string key, Op op)
    {
        await log.ReleaseAsync(key, op.Owner, op.At);
        return "released";
    }

    [Fact]
    public async Task SendLog_ManyThreads_EveryResultAndEntryMatchesTheSequentialOracle()
    {
        const int threads = 8;
        const int keysPerThread = 150;
        const int opsPerKey = 14;
        var random = new Random(20261204);
        var script = Enumerable.Range(0, threads * keysPerThread).Select(k => ("key-" + k, Ops(random, opsPerKey))).ToArray();
        var log = new InMemorySendLog(); // empty: the shards grow while the threads write
        var results = new object[script.Length][];

        // Each thread owns a slice of the keys and interleaves them; keys of different threads share shards and locks.
        await Parallel.ForAsync(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, async (t, _) =>
        {
            var mine = Enumerable.Range(t * keysPerThread, keysPerThread).ToArray();
            foreach (var k in mine)
            {
                results[k] = new object[opsPerKey];
            }

            for (var step = 0; step < opsPerKey; step++)
            {
                foreach (var k in mine)
                {
                    results[k][step] = await Apply(log, script[k].Item1, script[k].Item2[step]);
                }
            }
        });

        var model = new Dictionary<string, SendLogEntry>(StringComparer.Ordinal);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var k = 0; k < script.Length; k++)
        {
            var (key, ops) = script[k];
            for (var step = 0; step < ops.Count; step++)
            {
                var expected = Apply(model, key, ops[step]);
                Assert.Equal(expected, results[k][step]);
                var name = expected is SendClaim c ? c.Status.ToString() : expected.ToString()!;
                outcomes[name] = outcomes.GetValueOrDefault(name) + 1;
            }

            Assert.Equal(model.GetValueOrDefault(key), await log.FindAsync(key));
        }

        Assert.Equal(model.Count, log.Entries.Count);
        Assert.Equal(model.Values.OrderBy(e => e.IdempotencyKey, StringComparer.Ordinal), log.Entries.OrderBy(e => e.IdempotencyKey, StringComparer.Ordinal));

        // The script reaches every kind of result (a test that cannot miss a branch).
        foreach (var name in new[] { "Claimed", "TakenOver", "Final", "HeldByOther", "True", "False" })
        {
            Assert.True(outcomes.GetValueOrDefault(name) > 20, $"{name}: {outcomes.GetValueOrDefault(name)}");
        }
    }

    [Fact]
    public async Task SendLog_ManyOwnersRaceForTheSameKeys_ExactlyOneHoldsEachAndRecordsIt()
    {
        const int threads = 16;
        const int keys = 400;
        var log = new InMemorySendLog(keys);
        var won = new int[keys];
        var completed = new int[keys];
        await Parallel.ForAsync(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, async (t, ct) =>
        {
            var owner = "runner-" + t;
            for (var k = 0; k < keys; k++)
            {
                var claim = await log.TryClaimAsync(new SendClaimRequest("k" + k, "camp", "run", Channels[t % 3], owner, T0, TimeSpan.FromMinutes(5)), ct);
                if (claim.IsOwned)
                {
                    Interlocked.Increment(ref won[k]);
                    if (await log.CompleteAsync("k" + k, owner, SendLogState.Delivered, T0, 1))
                    {
                        Interlocked.Increment(ref completed[k]);
                    }
                }
                else
                {
                    Assert.True(claim.Status is SendClaimStatus.HeldByOther or SendClaimStatus.Final, claim.Status.ToString());
                }
            }
        });

        Assert.All(won, n => Assert.Equal(1, n));
        Assert.All(completed, n => Assert.Equal(1, n));
        for (var k = 0; k < keys; k++)
        {
            var again = await log.TryClaimAsync(new SendClaimRequest("k" + k, "camp", "run", ContactChannel.Sms, "late", T0.AddDays(1), TimeSpan.FromMinutes(5)));
            Assert.Equal((SendClaimStatus.Final, SendLogState.Delivered, 1), (again.Status, again.Entry.State, again.Entry.Attempts));
        }
    }

    [Fact]
    public async Task SendLog_LeaseExpiry_TakeoverKeepsTheChannel_OldOwnerCannotRelease()
    {
        var log = new InMemorySendLog();
        var a = await log.TryClaimAsync(new SendClaimRequest("k", "c", "r", ContactChannel.Sms, "A", T0, TimeSpan.FromMinutes(5)));
        Assert.Equal((SendClaimStatus.Claimed, T0.AddMinutes(5)), (a.Status, a.Entry.LeaseUntil));

        var early = await log.TryClaimAsync(new SendClaimRequest("k", "c", "r", ContactChannel.WeChat, "B", T0.AddMinutes(5).AddTicks(-1), TimeSpan.FromMinutes(5)));
        Assert.Equal((SendClaimStatus.HeldByOther, "A", T0.AddMinutes(5)), (early.Status, early.Entry.Owner, early.Entry.LeaseUntil));

        var taken = await log.TryClaimAsync(new SendClaimRequest("k", "c", "r", ContactChannel.WeChat, "B", T0.AddMinutes(5), TimeSpan.FromMinutes(5)));
        Assert.Equal((SendClaimStatus.TakenOver, "B", ContactChannel.Sms, T0.AddMinutes(10)), (taken.Status, taken.Entry.Owner, taken.Entry.Channel, taken.Entry.LeaseUntil));

        await log.ReleaseAsync("k", "A", T0.AddMinutes(6)); // A lost the claim: its release is ignored
        Assert.Equal((SendLogState.Claimed, "B"), ((await log.FindAsync("k"))!.State, (await log.FindAsync("k"))!.Owner));

        Assert.True(await log.CompleteAsync("k", "B", SendLogState.Rejected, T0.AddMinutes(7), 2, reason: "blocked"));
        var final = await log.TryClaimAsync(new SendClaimRequest("k", "c", "r", ContactChannel.Sms, "A", T0.AddDays(1), TimeSpan.FromMinutes(5)));
        Assert.Equal((SendClaimStatus.Final, SendLogState.Rejected, "blocked", 2), (final.Status, final.Entry.State, final.Entry.Reason, final.Entry.Attempts));
        Assert.False(await log.CompleteAsync("k", "A", SendLogState.Delivered, T0.AddDays(1), 1)); // rejected stays rejected
    }

    [Fact]
    public async Task Stores_GrowFromEmptyUnderConcurrency_NothingLostNothingDoubled()
    {
        const int threads = 8;
        const int perThread = 6_000;
        var log = new InMemorySendLog();
        var coupons = new CouponLedger();
        var budgets = new InMemoryBudgetStore();
        var limits = new BudgetLimits(MaxCount: 100_000);
        var offer = new Offer("o", OfferKind.PercentageDiscount, 10m, budgetCost: 1m, coupon: new CouponPolicy(Prefix: "T"));
        var issued = new Coupon[threads * perThread / 2];
        await Parallel.ForAsync(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, async (t, ct) =>
        {
            for (var i = 0; i < perThread; i++)
            {
                var own = "own-" + t + "-" + i; // distinct per thread
                var shared = "shared-" + ((t / 2 * perThread) + i) % issued.Length; // each shared key is used by two threads
                Assert.True((await log.TryClaimAsync(new SendClaimRequest(own, "c", "r", ContactChannel.Sms, "T" + t, T0, TimeSpan.FromMinutes(5)), ct)).IsOwned);
                var coupon = await coupons.IssueOnceAsync(shared, offer, null, T0, ct);
                var first = Interlocked.CompareExchange(ref issued[((t / 2 * perThread) + i) % issued.Length], coupon, null);
                Assert.Equal(first ?? coupon, coupon); // the first coupon of the key (a ledger keeps rows, not Coupon objects)
                await budgets.TryReserveAsync("c", limits, shared, 1m, ct);
            }
        });

        Assert.Equal(threads * perThread, log.Entries.Count);
        Assert.All(log.Entries, e => Assert.Equal(("T" + e.IdempotencyKey.Split('-')[1], SendLogState.Claimed), (e.Owner, e.State)));
        Assert.Equal(issued.Length, coupons.Count);
        Assert.Equal(issued.Length, issued.Select(c => c.Code).Distinct(StringComparer.Ordinal).Count());
        Assert.All(issued, c => Assert.True(coupons.TryGet(c.Code, out var found, out var left) && c.Equals(found) && left == 1));
        Assert.Equal(new BudgetUsage(issued.Length, issued.Length), await budgets.GetUsageAsync("c"));
    }

    [Fact]
    public async Task Budget_ConcurrentReserveCommitRelease_NeverOverTheLimit_CommittedKept()
    {
        var budgets = new InMemoryBudgetStore();
        var limits = new BudgetLimits(MaxCount: 300, MaxAmount: 1_000m);
        var reserved = 0;
        var committed = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForAsync(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (t, ct) =>
        {
            for (var i = 0; i < 200; i++)
            {
                var key = "k" + ((t * 200) + i);
                if (await budgets.TryReserveAsync("c", limits, key, 3.005m, ct)) // 3.01 after rounding up to whole cents
                {
                    Interlocked.Increment(ref reserved);
                    if (i % 2 == 0)
                    {
                        await budgets.CommitAsync("c", key);
                        committed.Add(key);
                    }

                    await budgets.ReleaseAsync("c", key); // frees the uncommitted half only
                }
            }
        });

        var usage = await budgets.GetUsageAsync("c");
        Assert.True(usage.Count <= 300 && usage.Amount <= 1_000m, usage.ToString());
        Assert.Equal(usage.Count * 3.01m, usage.Amount);
        Assert.True(reserved > 300, reserved.ToString(System.Globalization.CultureInfo.InvariantCulture)); // released ones were reused
        Assert.True(await budgets.TryReserveAsync("c", limits, committed.First(), 3.01m)); // committed: reserving the same key again is a no-op
        Assert.Equal(usage.Count, committed.Count);
        Assert.Equal(usage, await budgets.GetUsageAsync("c"));
    }

    /// <summary>A send log that hides the in-memory type from the runner (the port path, as for SQLite or a host's store).</summary>
    private sealed class PortOnly(ISendLog inner) : ISendLog
    {
        public ValueTask<SendLogEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default) => inner.FindAsync(idempotencyKey, cancellationToken);

        public ValueTask<SendClaim> TryClaimAsync(SendClaimRequest request, CancellationToken cancellationToken = default) => inner.TryClaimAsync(request, cancellationToken);

        public ValueTask<bool> CompleteAsync(string idempotencyKey, string owner, SendLogState state, DateTimeOffset at, int attempts, string? providerMessageId = null, string? reason = null) =>
            inner.CompleteAsync(idempotencyKey, owner, state, at, attempts, providerMessageId, reason);

        public ValueTask ReleaseAsync(string idempotencyKey, string owner, DateTimeOffset at) => inner.ReleaseAsync(idempotencyKey, owner, at);
    }

    [Fact]
    public async Task Runner_ObjectFreeClaim_GivesTheSameOutcomesAsThePortPath()
    {
        async Task<(string[] Outcomes, string[] Entries)> RunTwice(bool portOnly)
        {
            var time = new FakeTimeProvider(AsOf);
            var memory = new InMemorySendLog();
            ISendLog log = portOnly ? new PortOnly(memory) : memory;
            var channel = new CampaignRunnerTests.FakeChannel(ContactChannel.WeChat, time);
            channel.Script["R1"] = new Queue<Func<SendResult>>([() => SendResult.Rejected("blocked")]);
            channel.Script["F1"] = new Queue<Func<SendResult>>([() => SendResult.Transient("down"), () => SendResult.Transient("down")]);
            var customers = RunnerIds.Select(id => Context(Profile(id, ContactChannel.WeChat)).SetChurnProbability(0.9)).ToArray();
            var settings = new DispatchSettings(Retry: new RetryPolicy(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), Jitter: () => 0.5, KeepOutcomes: true, Owner: "runner");
            var engine = new OfferDecisionEngine(StandardCampaigns.Create(), new DecisionSettings(reserveBudget: false));
            var runner = new CampaignRunner(engine, new MessageRenderer(StandardTemplates.Create()), [channel], new DispatchStores(log, new CouponLedger()), time, settings);
            var outcomes = new List<string>();
            foreach (var attempt in new[] { 1, 2 })
            {
                var result = await runner.RunAsync("spring", "run-1", CampaignAudience.Everyone, customers.ToAsyncEnumerable());
                outcomes.AddRange(result.Outcomes.Select(o => $"{attempt} {o.CustomerId} {o.Status} {o.Channel.Value} {o.Attempts} {o.Detail}"));
            }

            return ([.. outcomes], [.. memory.Entries.OrderBy(e => e.IdempotencyKey, StringComparer.Ordinal).Select(e => $"{e.IdempotencyKey} {e.State} {e.Channel.Value} {e.Attempts} {e.Owner} {e.Reason}")]);
        }

        var fast = await RunTwice(portOnly: false);
        var port = await RunTwice(portOnly: true);
        Assert.Equal(port.Outcomes, fast.Outcomes);
        Assert.Equal(port.Entries, fast.Entries);
        Assert.Contains(fast.Outcomes, o => o.StartsWith("2 W1 AlreadySent", StringComparison.Ordinal));
        Assert.Contains(fast.Outcomes, o => o.StartsWith("2 R1 Rejected", StringComparison.Ordinal));
        Assert.Contains(fast.Outcomes, o => o.StartsWith("1 F1 Failed", StringComparison.Ordinal));
    }

    [Fact]
    public void CouponLedger_RowsGrowFromEmpty_CouponsComeBackEqual_ByCodeAndByKey()
    {
        var ledger = new CouponLedger(); // empty: the rows and both indexes grow
        var china = TimeSpan.FromHours(8);
        var start = new DateTimeOffset(2026, 3, 1, 9, 30, 0, china);
        var week = new Offer("wk", OfferKind.PercentageDiscount, 10m, validFrom: start, validUntil: start.AddDays(60), coupon: new CouponPolicy(MaxRedemptionsPerCode: 2, Prefix: "wk", ValidFor: TimeSpan.FromDays(7)));
        var open = new Offer("open", OfferKind.FixedDiscount, 5m, coupon: new CouponPolicy());
        var early = start.ToOffset(TimeSpan.FromHours(-5)); // the first instant of the window, in another offset
        var byKey = new Dictionary<string, Coupon>(StringComparer.Ordinal);
        var bearer = new List<Coupon>();
        for (var i = 0; i < 1_000; i++)
        {
            var at = start.AddMinutes(i * 7).ToOffset(TimeSpan.FromHours(i % 3 - 1));
            byKey["k" + i] = ledger.IssueOnce("k" + i, i % 2 == 0 ? week : open, i % 5 == 0 ? null : "C" + i, at);
            if (i % 10 == 0)
            {
                bearer.Add(ledger.Issue(open, null, at));
            }
        }

        Assert.Equal(1_100, ledger.Count);
        Assert.Equal(("wk", "WK", 2, start.AddMinutes(14 * 7), TimeSpan.FromHours(1)), (byKey["k14"].OfferId, byKey["k14"].Code[..2], byKey["k14"].MaxRedemptions, byKey["k14"].ValidFrom, byKey["k14"].IssuedAt.Offset));
        Assert.Equal(byKey["k14"].IssuedAt + TimeSpan.FromDays(7), byKey["k14"].ValidUntil);
        Assert.Null(byKey["k1"].ValidUntil);
        foreach (var (key, coupon) in byKey)
        {
            Assert.Equal(coupon, ledger.IssueOnce(key, open, "other", start.AddYears(1))); // the first coupon, whatever offer is passed again
            Assert.True(ledger.TryGet(coupon.Code.ToLowerInvariant(), out var found, out var left));
            Assert.Equal((coupon, coupon.MaxRedemptions), (found, left));
            Assert.Equal((coupon.IssuedAt.Offset, coupon.ValidFrom.Offset), (found!.IssuedAt.Offset, found.ValidFrom.Offset));
        }

        Assert.All(bearer, c => Assert.True(ledger.TryGet(c.Code, out var found, out _) && c.Equals(found) && found!.CustomerId is null));
        Assert.Equal(1_100, byKey.Values.Concat(bearer).Select(c => c.Code).Distinct(StringComparer.Ordinal).Count());

        var late = ledger.IssueOnce("late", week, "C", early);
        Assert.Equal((start, early.Offset), (late.ValidFrom, late.ValidFrom.Offset)); // the issue instant (not after the start)
        Assert.Equal((early, early.Offset), (late.IssuedAt, late.IssuedAt.Offset));
        Assert.Equal(RedemptionStatus.NotYetValid, ledger.TryRedeem(late.Code, SalesChannel.Online, start.AddTicks(-1)));
        Assert.Equal(RedemptionStatus.WrongCustomer, ledger.TryRedeem(late.Code, SalesChannel.Online, start, customerId: "D"));
        Assert.Equal(RedemptionStatus.Redeemed, ledger.TryRedeem(late.Code, SalesChannel.Online, start, customerId: "C"));
        Assert.Equal(RedemptionStatus.Redeemed, ledger.TryRedeem(late.Code, SalesChannel.Online, start));
        Assert.Equal(RedemptionStatus.UsageLimitReached, ledger.TryRedeem(late.Code, SalesChannel.Online, start));
        Assert.Equal(RedemptionStatus.Expired, ledger.TryRedeem(byKey["k0"].Code, SalesChannel.Online, byKey["k0"].ValidUntil!.Value));
        Assert.Equal(RedemptionStatus.UnknownCode, ledger.TryRedeem("WKNOPE", SalesChannel.Online, start));
    }

    [Fact]
    public void OutboundMessage_SharedShape_EachPropertyKeepsItsOwnValue()
    {
        var a = new OutboundMessage("C1", ContactChannel.WeChat, null, "body", "tpl-1", null, "zh-CN");
        var b = new OutboundMessage("C2", ContactChannel.WeChat, null, "body", "tpl-1", null, "zh-CN");
        var c = new OutboundMessage("C3", new ContactChannel("WECHAT"), "s", "body", "tpl-2", null, "en-US");
        Assert.Equal((ContactChannel.WeChat.Value, "tpl-1", "zh-CN"), (a.Channel.Value, a.TemplateId, a.Locale));
        Assert.Equal((ContactChannel.WeChat.Value, "tpl-1", "zh-CN"), (b.Channel.Value, b.TemplateId, b.Locale));
        Assert.Equal(("WECHAT", "tpl-2", "en-US", "s"), (c.Channel.Value, c.TemplateId, c.Locale, c.Subject));
        Assert.Equal(a.Channel.Value, a.Channel.Value); // unchanged after another shape was made
        var d = a with { Locale = "en-US" };
        Assert.Equal(("zh-CN", "en-US", "tpl-1", "tpl-1"), (a.Locale, d.Locale, a.TemplateId, d.TemplateId));
        var e = d with { TemplateId = null, Channel = ContactChannel.Email };
        Assert.Equal(((string?)null, ContactChannel.Email, "en-US", "tpl-1", ContactChannel.WeChat), (e.TemplateId, e.Channel, e.Locale, d.TemplateId, d.Channel));
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["List-Unsubscribe"] = "<https://x.example/u>" };
        var f = e with { Headers = headers };
        var g = f with { TextBody = "plain" };
        Assert.Equal(((IReadOnlyDictionary<string, string>)headers, "plain", (string?)null), (g.Headers, g.TextBody, f.TextBody));
        Assert.Same(headers, f.Headers);
        Assert.Empty(e.Headers);
        Assert.Equal(g, f with { TextBody = "plain" });
        Assert.NotEqual(g, f);
        var (id, channel, subject, body, template, fields, locale) = g;
        Assert.Equal(("C1", ContactChannel.Email, (string?)null, "body", (string?)null, 0, "en-US"), (id, channel, subject, body, template, fields!.Count, locale));
    }

    [Fact]
    public void WeChatBody_IsThePreviewOfTheFields_BuiltOnRead_EqualityUnchanged()
    {
        var renderer = new MessageRenderer(StandardTemplates.Create());
        var offer = new Offer("winback20", OfferKind.PercentageDiscount, 20m);
        var message = renderer.Render(new ChannelMessage("C1", "winback", offer, "WBCODE", T0.AddDays(30), "zh-CN", TimeZoneInfo.Utc, new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = "张三" }), ContactChannel.WeChat);
        var copy = message with { };
        Assert.Equal(message, copy);
        Assert.Equal(string.Join(' ', message.Fields.Values), message.Body);
        Assert.Equal("好久不见，我们想您了，张三", message.Fields["first"]);
        Assert.StartsWith("好久不见，我们想您了，张三 ", message.Body, StringComparison.Ordinal);
        Assert.Equal(message, copy); // one body built, the other not yet: still equal
        Assert.Equal(message.GetHashCode(), copy.GetHashCode());
        Assert.NotEqual(message, copy with { Locale = "en-US" });
    }

    [Fact]
    public void RepeatedRenderedText_IsReused_ADifferentOneIsNot()
    {
        var text = TemplateText.Parse("Hi {{name}}, {{offer}}", "body");
        var a = text.Render(new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = "Ann", ["offer"] = "20% off" }, static v => v, "body");
        var b = text.Render(new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = "Ann", ["offer"] = "20% off" }, static v => v, "body");
        var c = text.Render(new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = "Bob", ["offer"] = "20% off" }, static v => v, "body");
        Assert.Equal("Hi Ann, 20% off", a);
        Assert.Same(a, b);
        Assert.Equal("Hi Bob, 20% off", c);
    }

    /// <summary>The bound of the allocation regression test, in bytes per customer of a streamed run of 50,000 customers, stores included,
    /// for an optimized (Release) build of CemCore: the issue's aim (≤ 500 B per customer; 451 B measured, see
    /// benchmarks/results/DispatchBenchmarks.md and docs/dispatch.md).</summary>
    private const int MaxBytesPerCustomer = 500;

    /// <summary>The bound for a Debug build of CemCore: the compiler makes every async state machine a class there (one object per call,
    /// with every local hoisted), which an optimized build does not; the bound still catches a per-customer regression of the hot path.</summary>
    private const int MaxBytesPerCustomerDebug = 6_000;

    private static bool CemCoreIsOptimized =>
        typeof(CampaignRunner).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false) is not [System.Diagnostics.DebuggableAttribute { IsJITOptimizerDisabled: true }];

    [Fact]
    public void StreamedRun_AllocatesAtMostTheBoundPerCustomer()
    {
        const int customers = 50_000;
        var consents = new[] { new ConsentRecord(ContactChannel.WeChat, ConsentPurpose.Marketing, ConsentStatus.Granted, T0.AddYears(-1)) };
        var contexts = Enumerable.Range(0, customers).Select(i =>
            new CustomerContext(new CustomerProfile("C" + i, preferredChannel: ContactChannel.WeChat, language: "zh-CN", timeZoneId: "Asia/Shanghai", consents: consents), null, T0).SetChurnProbability(0.9)).ToArray();
        var templates = StandardTemplates.Create();
        var channel = new NullChannel();
        var run = 0;
        long sent = 0;
        var (least, attempts) = AllocationProbe.Least(() =>
        {
            // As DispatchBenchmarks.Streamed: the stores sized for the run are part of what a customer costs.
            var engine = new OfferDecisionEngine(StandardCampaigns.Create(new BudgetLimits(10_000_000, 100_000_000m)), new DecisionSettings(reserveBudget: false));
            var stores = new DispatchStores(new InMemorySendLog(customers), new CouponLedger(customers)) { Budgets = new InMemoryBudgetStore(customers) };
            var runner = new CampaignRunner(engine, new MessageRenderer(templates), [channel], stores, TimeProvider.System, new DispatchSettings(Jitter: static () => 0.5));
            var result = runner.RunAsync("bench", "run-" + run++, CampaignAudience.Everyone, contexts.ToAsyncEnumerable()).GetAwaiter().GetResult();
            sent = result.Count(DispatchStatus.Sent);
        });

        Assert.Equal(customers, sent);
        var bound = CemCoreIsOptimized ? MaxBytesPerCustomer : MaxBytesPerCustomerDebug;
        Assert.True(least <= (long)bound * customers, $"{least / (double)customers:F1} B per customer (bound {bound}, optimized build: {CemCoreIsOptimized}); attempts: {attempts}");
    }

    private sealed class NullChannel : IMessageChannel
    {
        private static readonly SendResult Delivered = SendResult.Delivered();

        public ContactChannel Channel => ContactChannel.WeChat;

        public ChannelCapabilities Capabilities { get; } = new();

        public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default) => ValueTask.FromResult(Delivered);
    }
}

/// <summary>Runs the allocation test apart from other tests (the thread's allocations are its own; nothing else competes for the CPU).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DispatchAllocationGroup
{
    /// <summary>The collection name.</summary>
    public const string Name = "dispatch allocation";
}
