using CemCore.Journeys;
using CemCore.Kpis;
using CemCore.Merging;

namespace CemCore.Tests.Kpis;

/// <summary>Issue 10: journey maps per segment, ordered funnels, reach (exact and HyperLogLog), engagement — hand-computed values (in the comments).</summary>
public sealed class JourneyFunnelTests
{
    private static readonly DateTimeOffset D0 = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset Day(double d) => D0.AddDays(d);

    // ---------------------------------------------------------------- journey map

    private static JourneyEvent[] JourneyEvents() =>
    [
        // c1 (vip): ads d0, browsing d1, cart d3 + conversion d3, delivery d5 — converts at every stage: 1, 2, 2 days.
        JourneyEvent.Touch("c1", Day(0), "ads"), JourneyEvent.Touch("c1", Day(1), "browsing"), JourneyEvent.Touch("c1", Day(3), "cart"),
        JourneyEvent.Conversion("c1", Day(3), 50m), JourneyEvent.Touch("c1", Day(5), "delivery"),

        // c2 (vip): social d0, reviews d4 — awareness → consideration in 4 days, no purchase.
        JourneyEvent.Touch("c2", Day(4), "Reviews"), JourneyEvent.Touch("c2", Day(0), "social"),

        // c3 (no segment): bought on d0, saw an ad on d2 — out of stage order: no awareness → consideration conversion.
        JourneyEvent.Conversion("c3", Day(0), 10m), JourneyEvent.Touch("c3", Day(2), "ads"),

        // c4 (no segment): an unmapped touchpoint "email" (unknown stage) and an ad.
        JourneyEvent.Touch("c4", Day(0), "email"), JourneyEvent.Touch("c4", Day(1), "ads"),

        // c5 (vip): browsing d1, cart d2 — consideration → purchase in 1 day.
        JourneyEvent.Touch("c5", Day(2), "cart"), JourneyEvent.Touch("c5", Day(1), "browsing"),
    ];

    private static SurveyScore[] JourneySurveys() =>
    [
        new("c1", D0, SurveyKind.Csat, 2, touchpoint: "delivery"),
        new("c2", D0, SurveyKind.Csat, 5, touchpoint: "delivery"),
        new("c1", D0, SurveyKind.Csat, 4, touchpoint: "payment"),
        new("c5", D0, SurveyKind.Nps, 3, touchpoint: "reviews"),
        new("c3", D0, SurveyKind.Csat, 1, touchpoint: "cart"),
        new("c3", D0, SurveyKind.Csat, 1),
    ];

    private static string? Segment(string id) => id is "c1" or "c2" or "c5" ? "vip" : null;

    [Fact]
    public void JourneyMap_PerSegment_HandComputed()
    {
        var r = JourneyMap.Compute(JourneyEvents(), JourneySurveys(), Segment);

        // All: awareness c1 c2 c3 c4 = 4, converted c1 (1 d) c2 (4 d): 0.5, median 2.5 d; consideration c1 c2 c5 = 3, converted c1 (2 d)
        // c5 (1 d): median 1.5; purchase c1 c3 c5 = 3, converted c1 (2 d); after-sales c1 = 1, no next stage.
        var all = r.All.Stages;
        Assert.Equal([4L, 3, 3, 1], all.Select(s => s.Customers));
        Assert.Equal([2L, 2, 1, 0], all.Select(s => s.Converted));
        Assert.Equal(0.5, all[0].ConversionRate);
        Assert.Equal(0.5, all[0].DropOff);
        Assert.Equal(2.5, all[0].MedianDaysToConvert);
        Assert.Equal(2.0 / 3, all[1].ConversionRate!.Value, 12);
        Assert.Equal(1.5, all[1].MedianDaysToConvert);
        Assert.Equal(2.0, all[2].MedianDaysToConvert);
        Assert.Null(all[3].ConversionRate);
        Assert.Null(all[3].MedianDaysToConvert);
        Assert.Equal(["ads", "social", "word-of-mouth"], all[0].Touchpoints);

        Assert.Equal([JourneyMap.NoSegment, "vip"], r.Segments.Select(s => s.Segment));
        var none = r.Segments[0].Stages;
        Assert.Equal([2L, 0, 1, 0], none.Select(s => s.Customers));
        Assert.Equal(0.0, none[0].ConversionRate);
        Assert.Null(none[0].MedianDaysToConvert);
        Assert.Null(none[1].ConversionRate);
        var vip = r.Segments[1].Stages;
        Assert.Equal([2L, 3, 2, 1], vip.Select(s => s.Customers));
        Assert.Equal([1.0, 2.0 / 3, 0.5], vip.Take(3).Select(s => s.ConversionRate!.Value));

        // Unknown stage: the "email" touch is left out and reported.
        Assert.Equal(1, r.UnknownEvents);
        Assert.Equal(["email"], r.UnknownTouchpoints);

        // Pain points: vip delivery CSAT 1/2 satisfied, payment 1/1, reviews NPS only (−100) after the CSAT ones; all: cart 0/1 first.
        Assert.Equal(["delivery", "payment", "reviews"], r.Segments[1].PainPoints.Select(p => p.Touchpoint));
        Assert.Equal([JourneyStage.AfterSales, JourneyStage.Purchase, JourneyStage.Consideration], r.Segments[1].PainPoints.Select(p => p.Stage!.Value));
        Assert.Equal(0.5, r.Segments[1].PainPoints[0].Survey.Csat.Score);
        Assert.Equal(-100.0, r.Segments[1].PainPoints[2].Survey.Nps.Score);
        Assert.Equal(["cart", "delivery", "payment"], r.All.PainPoints.Select(p => p.Touchpoint));
    }

    [Fact]
    public void JourneyMap_EventOrderDoesNotMatter_AndHostMapReplacesTheDefault()
    {
        var events = JourneyEvents();
        var forward = JourneyMap.Compute(events, JourneySurveys(), Segment);
        var backward = JourneyMap.Compute(events.Reverse(), JourneySurveys().Reverse(), Segment);
        Assert.Equal(Render(forward), Render(backward));

        // The host maps "email" to awareness and leaves other names unmapped.
        var map = new JourneyStageMap([new("email", JourneyStage.Awareness), new("ads", JourneyStage.Awareness), new("cart", JourneyStage.Purchase)]);
        var custom = JourneyMap.Compute(events, null, Segment, map);
        // Unmapped now: c1 browsing and delivery, c2 Reviews and social, c5 browsing.
        Assert.Equal(5, custom.UnknownEvents);
        Assert.Equal(["Reviews", "browsing", "delivery", "social"], custom.UnknownTouchpoints);
        Assert.Equal(["ads", "email"], custom.All.Stages[0].Touchpoints);
    }

    [Fact]
    public void JourneyMap_BadInput()
    {
        Assert.Throws<ArgumentException>(() => new JourneyStageMap([new("ads", JourneyStage.Awareness), new("ADS", JourneyStage.Purchase)]));
        Assert.Throws<ArgumentException>(() => new JourneyStageMap([new(" ", JourneyStage.Awareness)]));
        Assert.Throws<ArgumentException>(() => new JourneyStageMap([new("x", (JourneyStage)9)]));
        var acc = new JourneyMapAccumulator();
        Assert.Throws<ArgumentException>(() => acc.AddCustomer([JourneyEvent.Touch("a", D0, "ads"), JourneyEvent.Touch("b", D0, "ads")]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JourneyMapAccumulator(minResponses: 0));
        Assert.Throws<PartialMismatchException>(() => acc.MergeWith(new JourneyMapAccumulator(painPoints: 5)));

        // No events: every stage has volume 0 and undefined rates.
        var empty = JourneyMap.Compute([]);
        Assert.All(empty.All.Stages, s => Assert.Equal(0, s.Customers));
        Assert.All(empty.All.Stages, s => Assert.Null(s.ConversionRate));
        Assert.Empty(empty.Segments);
    }

    internal static string Render(JourneyMapResult r) =>
        string.Join('|', new[] { r.All }.Concat(r.Segments).Select(s => s.Segment + ":"
            + string.Join(';', s.Stages.Select(x => $"{x.Customers},{x.Converted},{x.ConversionRate},{x.MedianDaysToConvert}"))
            + ":" + string.Join(';', s.PainPoints.Select(p => $"{p.Touchpoint}={p.Survey}"))))
        + $"|{r.UnknownEvents}|{string.Join(',', r.UnknownTouchpoints)}";

    // ---------------------------------------------------------------- funnels

    private static FunnelEvent[] FunnelEvents() =>
    [
        // c1 (A): view, cart, buy within the window → step 3, entry channel web.
        new("c1", Day(0), "view", "web"), new("c1", Day(1), "cart", "web"), new("c1", Day(2), "buy", "web"),

        // c2 (A): view d0 (app), view d9 (app), cart d10, buy d20: from d0 the cart is outside 7 days (depth 1); from d9 cart at d10
        // (depth 2), buy 11 days after entry is outside → step 2, entry channel app.
        new("c2", Day(0), "view", "app"), new("c2", Day(10), "cart", "app"), new("c2", Day(9), "view", "app"), new("c2", Day(20), "buy", "app"),

        // c3 (B): cart d0, view d1, buy d2 — out of order: the cart precedes the view → step 1, web.
        new("c3", Day(0), "cart", "web"), new("c3", Day(1), "view", "web"), new("c3", Day(2), "buy", "web"),

        // c4 (B): cart and view at the same instant (cart listed first), buy exactly 7 days later (window inclusive) → step 3, email.
        new("c4", Day(0), "cart", "email"), new("c4", Day(0), "view", "email"), new("c4", Day(7), "buy"),

        // c5 (B): only a purchase → never entered.
        new("c5", Day(1), "buy", "web"),
    ];

    private static string? FunnelSegment(string id) => id is "c1" or "c2" ? "A" : "B";

    [Fact]
    public void Funnel_HandComputed_PerSegmentAndChannel()
    {
        var r = Funnel.Compute(FunnelEvents(), ["view", "cart", "buy"], TimeSpan.FromDays(7), FunnelSegment);
        Assert.Equal([4L, 3, 2], r.Total.Reached);
        Assert.Equal(0.75, r.Total.ConversionRate(1));
        Assert.Equal(2.0 / 3, r.Total.ConversionRate(2)!.Value, 12);
        Assert.Equal(0.5, r.Total.OverallRate);
        Assert.Equal(["A", "B"], r.BySegment.Select(g => g.Segment));
        Assert.Equal([2L, 2, 1], r.BySegment[0].Reached);
        Assert.Equal([2L, 1, 1], r.BySegment[1].Reached);
        Assert.Equal(["app", "email", "web"], r.ByChannel.Select(g => g.Channel));
        Assert.Equal([1L, 1, 0], r.ByChannel[0].Reached);
        Assert.Equal([1L, 1, 1], r.ByChannel[1].Reached);
        Assert.Equal([2L, 1, 1], r.ByChannel[2].Reached);
        Assert.Equal(4, r.Cells.Count);

        // Input order does not matter.
        var reversed = Funnel.Compute(FunnelEvents().Reverse(), ["view", "cart", "buy"], TimeSpan.FromDays(7), FunnelSegment);
        Assert.Equal(r.Cells.SelectMany(c => c.Reached), reversed.Cells.SelectMany(c => c.Reached));

        // A shorter window: c4's buy 7 days later is out at 6 days; c1 still in.
        var shorter = Funnel.Compute(FunnelEvents(), ["view", "cart", "buy"], TimeSpan.FromDays(6));
        Assert.Equal([4L, 3, 1], shorter.Total.Reached);
        Assert.Equal(Funnel.NoSegment, shorter.BySegment.Single().Segment);
    }

    [Fact]
    public void Funnel_RepeatedSteps_AndFromJourneyEvents()
    {
        // Two views needed: a customer with one view reaches step 1 only.
        FunnelEvent[] events = [new("a", Day(0), "view"), new("a", Day(1), "view"), new("b", Day(0), "view")];
        Assert.Equal([2L, 1], Funnel.Compute(events, ["view", "view"], TimeSpan.FromDays(1)).Total.Reached);

        var fromJourney = Funnel.Compute(JourneyEvents().Select(FunnelEvent.From), ["ads", FunnelEvent.ConversionType], TimeSpan.FromDays(30));
        // ads then a conversion: c1 (ads d0, conversion d3) yes; c3 (conversion before the ad) no; c4 no conversion.
        Assert.Equal([3L, 1], fromJourney.Total.Reached);
    }

    [Fact]
    public void Funnel_BadInput()
    {
        Assert.Throws<ArgumentException>(() => new FunnelAccumulator([], TimeSpan.FromDays(1)));
        Assert.Throws<ArgumentException>(() => new FunnelAccumulator(["a", " "], TimeSpan.FromDays(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FunnelAccumulator(["a"], TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => new FunnelEvent("a", D0, ""));
        var acc = new FunnelAccumulator(["a"], TimeSpan.FromDays(1));
        Assert.Throws<ArgumentException>(() => acc.AddCustomer([new("x", D0, "a"), new("y", D0, "a")]));
        Assert.Throws<PartialMismatchException>(() => acc.MergeWith(new FunnelAccumulator(["a"], TimeSpan.FromDays(2))));
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.Finish().Total.ConversionRate(0));
        Assert.Null(acc.Finish().Total.OverallRate);
    }

    // ---------------------------------------------------------------- reach

    [Fact]
    public void Reach_Exact_CountsDistinctCustomers()
    {
        var a = new ReachAccumulator();
        a.Add("x");
        a.Add("y");
        a.Add("x");
        var b = new ReachAccumulator();
        b.Add("y");
        b.Add("z");
        Assert.Equal(3, a.MergeWith(b).Finish());
        Assert.Throws<ArgumentException>(() => a.Add(" "));
    }

    [Fact]
    public void HyperLogLog_ErrorWithinTheDocumentedStandardError_OnSeededData()
    {
        // 24 disjoint seeded sets of 50,000 ids at p = 10 (SE = 1.04/32 = 3.25 %): the root-mean-square relative error is the SE within
        // sampling noise (the RMS of 24 draws lies within ±40 % of sigma with probability > 99.9 %), and no set is off by more than 4 SE.
        var errors = new List<double>();
        for (var set = 0; set < 24; set++)
        {
            var hll = new HyperLogLog(10);
            for (var i = 0; i < 50_000; i++)
            {
                hll.Add($"s{set}-customer-{i}");
            }

            errors.Add((hll.Finish() - 50_000) / 50_000);
        }

        var se = new HyperLogLog(10).StandardError;
        Assert.Equal(0.0325, se, 12);
        var rms = Math.Sqrt(errors.Average(e => e * e));
        Assert.InRange(rms, 0.6 * se, 1.4 * se);
        Assert.All(errors, e => Assert.InRange(Math.Abs(e), 0, 4 * se));

        // p = 14 on 200,000 ids: within 3 SE (2.44 %); small cardinalities use linear counting and are near exact.
        var big = new HyperLogLog();
        var small = new HyperLogLog();
        for (var i = 0; i < 200_000; i++)
        {
            big.Add("id" + i);
            if (i < 100)
            {
                small.Add("id" + i);
            }
        }

        Assert.InRange(big.Finish(), 200_000 * (1 - (3 * big.StandardError)), 200_000 * (1 + (3 * big.StandardError)));
        Assert.InRange(small.Finish(), 97, 103);
        Assert.Equal(0, new HyperLogLog().Finish());
    }

    [Fact]
    public void HyperLogLog_MergeIsTheSketchOfTheUnion_AndRoundTrips()
    {
        var a = new HyperLogLog(12);
        var b = new HyperLogLog(12);
        var union = new HyperLogLog(12);
        for (var i = 0; i < 30_000; i++)
        {
            var id = "c" + i;
            (i % 3 == 0 ? a : b).Add(id);
            if (i % 5 == 0)
            {
                a.Add(id); // overlap
            }

            union.Add(id);
        }

        Assert.Equal(Bytes(union), Bytes(a.MergeWith(b)));
        var copy = HyperLogLog.ReadFrom(new MemoryStream(Bytes(union)));
        Assert.Equal(union.Finish(), copy.Finish());
        Assert.Throws<PartialMismatchException>(() => a.MergeWith(new HyperLogLog(13)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HyperLogLog(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HyperLogLog(19));
        Assert.Equal(HyperLogLog.Hash("abc"), HyperLogLog.Hash("abc"));
        Assert.NotEqual(HyperLogLog.Hash("abc"), HyperLogLog.Hash("abd"));
    }

    internal static byte[] Bytes<T>(T partial)
        where T : class, IMergeable<T>
    {
        using var s = new MemoryStream();
        partial.WriteTo(s);
        return s.ToArray();
    }

    // ---------------------------------------------------------------- engagement

    [Fact]
    public void Engagement_HandComputed()
    {
        // m1 sent/delivered/opened; m2 sent/clicked (click proves delivery and open); m3 sent/bounced; m4 delivered/replied (no sent
        // event); m5 sent/opened twice. Sent 5, delivered 4 (m1 m2 m4 m5), opened 3 (m1 m2 m5), clicked 1, replied 1.
        var acc = new EngagementAccumulator();
        (string, EngagementKind)[] events =
        [
            ("m1", EngagementKind.Sent), ("m1", EngagementKind.Delivered), ("m1", EngagementKind.Opened),
            ("m2", EngagementKind.Sent), ("m2", EngagementKind.Clicked),
            ("m3", EngagementKind.Sent), ("m3", EngagementKind.Bounced),
            ("m4", EngagementKind.Delivered), ("m4", EngagementKind.Replied),
            ("m5", EngagementKind.Sent), ("m5", EngagementKind.Opened), ("m5", EngagementKind.Opened),
        ];
        foreach (var (id, kind) in events)
        {
            acc.Add(id, kind);
        }

        var r = acc.Finish();
        Assert.Equal(new EngagementResult(5, 4, 3, 1, 1), r);
        Assert.Equal(0.8, r.DeliveryRate);
        Assert.Equal(0.75, r.OpenRate);
        Assert.Equal(0.25, r.ClickRate);
        Assert.Equal(0.25, r.ReplyRate);
        Assert.Equal(1.0 / 3, r.ClickToOpenRate!.Value, 12);
        Assert.Null(new EngagementAccumulator().Finish().OpenRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => acc.Add("m1", (EngagementKind)7));
        Assert.Equal(r, EngagementAccumulator.ReadFrom(new MemoryStream(Bytes(acc))).Finish());
    }
}
