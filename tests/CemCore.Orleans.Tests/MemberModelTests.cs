using CemCore.Customers;
using CemCore.Lifecycle;
using CemCore.Samples.Orleans.Domain;
using CemCore.Transactions;

namespace CemCore.Orleans.Tests;

/// <summary>The member model without Orleans, against hand-computed outcomes of the programme's rules.</summary>
public sealed class MemberModelTests
{
    private const string Id = "m1";
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero); // a Monday, 10:00 UTC

    private static MemberModel NewModel() => new(Id, Shared.Rules, new MemberState());

    private static MemberEvent Consent(string eventId, DateTimeOffset at, ConsentStatus status) =>
        new(eventId, Id, MemberEventKind.Consent, at, Channel: "sms", ConsentStatus: status);

    private static MemberEvent Purchase(string eventId, DateTimeOffset at, decimal amount) =>
        new(eventId, Id, MemberEventKind.Purchase, at, amount, "o-" + eventId);

    [Fact]
    public void ReplayedEvent_ChangesNothing()
    {
        var model = NewModel();
        model.Apply(Consent("e1", T0, ConsentStatus.Granted));
        model.Apply(Purchase("e2", T0.AddHours(1), 123.45m));
        var before = MemberModel.Describe(model.State);
        var again = model.Apply(Purchase("e2", T0.AddHours(1), 123.45m));
        Assert.True(again.Duplicate);
        Assert.Null(again.SendKey);
        Assert.Equal(before, MemberModel.Describe(model.State));
    }

    [Fact]
    public void Purchase_EarnsFlooredPoints_FullReturnInTwoPartsReversesExactlyThem()
    {
        var model = NewModel();
        model.Apply(Purchase("e1", T0, 123.45m)); // 1 point per unit, floor: 123
        Assert.Equal(123, model.Account.Available);
        model.Apply(new MemberEvent("e2", Id, MemberEventKind.Return, T0.AddDays(1), 50m, "o-e1", ReturnReason.Size));
        Assert.Equal(123 - 49, model.Account.Available); // floor(123 × 50 / 123.45) = 49
        model.Apply(new MemberEvent("e3", Id, MemberEventKind.Return, T0.AddDays(2), 73.45m, "o-e1", ReturnReason.Size));
        Assert.Equal(0, model.Account.Available);
        Assert.Equal(0m, model.State.Monetary);
    }

    [Fact]
    public void FirstPurchase_WithConsent_ClaimsTheWelcomeOffer_RevokedConsent_SendsNothing()
    {
        var model = NewModel();
        model.Apply(Consent("e1", T0, ConsentStatus.Granted));
        var ack = model.Apply(Purchase("e2", T0.AddMinutes(5), 40m));
        Assert.Equal(LifecycleStage.New, model.State.Stage);
        Assert.Equal("welcome", ack.OfferRuleId);
        Assert.Equal(CemCore.Dispatch.IdempotencyKey.Create("welcome", "e2", Id), ack.SendKey);
        Assert.Equal(SendStatus.Claimed, Assert.Single(model.State.Sends).Status);

        model.Apply(Consent("e3", T0.AddMinutes(10), ConsentStatus.Revoked));
        var after = model.Apply(new MemberEvent("e4", Id, MemberEventKind.Journey, T0.AddMinutes(20), Step: "cart_abandoned"));
        Assert.Null(after.SendKey);
        Assert.Single(model.State.Sends);
    }

    [Fact]
    public void FrequencyCap_AtMostTwoMarketingMessagesPerSevenDays()
    {
        var model = NewModel();
        model.Apply(Consent("e0", T0, ConsentStatus.Granted));
        for (var i = 1; i <= 5; i++)
        {
            model.Apply(new MemberEvent("c" + i, Id, MemberEventKind.Journey, T0.AddHours(i), Step: "cart_abandoned"));
        }

        Assert.Equal(2, model.State.Sends.Count);
        var next = model.Apply(new MemberEvent("c6", Id, MemberEventKind.Journey, T0.AddHours(1).AddDays(7).AddMinutes(1), Step: "cart_abandoned"));
        Assert.NotNull(next.SendKey); // the first contact left the 7-day window
    }

    [Fact]
    public void QuietHours_DeferTheSendToEightInTheMorning()
    {
        var model = NewModel();
        model.Apply(Consent("e1", T0, ConsentStatus.Granted));
        var late = new DateTimeOffset(2026, 3, 2, 22, 30, 0, TimeSpan.Zero);
        model.Apply(new MemberEvent("e2", Id, MemberEventKind.Journey, late, Step: "cart_abandoned"));
        var send = Assert.Single(model.State.Sends);
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 8, 0, 0, TimeSpan.Zero), send.SendAt);
    }

    [Fact]
    public void EventOfAnotherMember_IsRejected()
    {
        var model = NewModel();
        Assert.Throws<ArgumentException>(() => model.Apply(new MemberEvent("x", "m2", MemberEventKind.Survey, T0, Nps: 9)));
        Assert.Empty(model.State.ProcessedEventIds);
    }

    [Theory]
    [InlineData(MemberEventKind.Purchase, -1.0, "o1", null)]
    [InlineData(MemberEventKind.Return, 5.0, null, null)]
    [InlineData(MemberEventKind.Survey, 0.0, null, 11)]
    public void BadEvent_IsRejectedBeforeAnythingChanges(MemberEventKind kind, double amount, string? orderId, int? nps)
    {
        var model = NewModel();
        model.Apply(Purchase("e1", T0, 10m));
        var before = MemberModel.Describe(model.State);
        var bad = new MemberEvent("bad", Id, kind, T0.AddHours(1), (decimal)amount, orderId, Nps: nps);
        var ex = Assert.Throws<ArgumentException>(() => model.Apply(bad));
        Assert.Contains("Event bad:", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, MemberModel.Describe(model.State));
    }
}

/// <summary>The nightly write-back on the member model: run stamps, repeats, stale runs, late events.</summary>
public sealed class NightlyWriteBackModelTests
{
    private const string Id = "m1";
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private static MemberModel WithPurchases(params int[] days)
    {
        var model = new MemberModel(Id, Shared.Rules, new MemberState());
        foreach (var d in days)
        {
            model.Apply(new MemberEvent("p" + d, Id, MemberEventKind.Purchase, T0.AddDays(d), 50m, "o" + d));
        }

        return model;
    }

    private static NightlyWrite Write(MemberModel model, long run, DateTimeOffset asOf, string cell)
    {
        var input = model.InputAsOf(asOf);
        var (stage, churn) = MemberModel.Score(Shared.Rules, input);
        return new NightlyWrite(run, asOf, input.EventCount, stage, churn, cell);
    }

    [Fact]
    public void Newer_IsApplied_Repeat_And_Stale_ChangeNothing()
    {
        var model = WithPurchases(0, 10, 20);
        var asOf1 = T0.AddDays(100);
        var asOf2 = T0.AddDays(400);

        // 380 days after the last purchase: beyond the classifier's DormantMaxDays (365), so dormant, where the last event left it growing.
        Assert.NotEqual(LifecycleStage.Dormant, model.State.Stage);
        Assert.Equal(NightlyOutcome.Applied, model.ApplyNightly(Write(model, 2, asOf2, "115")));
        Assert.Equal(LifecycleStage.Dormant, model.State.Stage);
        Assert.Equal(Shared.Rules.Churn.Score([380.0, 3.0]), model.State.ChurnScore);
        var after = MemberModel.Describe(model.State);

        Assert.Equal(NightlyOutcome.Repeat, model.ApplyNightly(Write(model, 2, asOf2, "115")));
        Assert.Equal(NightlyOutcome.Stale, model.ApplyNightly(Write(model, 3, asOf1, "555"))); // a later run for an older as-of
        Assert.Equal(NightlyOutcome.Stale, model.ApplyNightly(Write(model, 1, asOf2, "555"))); // an earlier run for the same as-of
        Assert.Equal(after, MemberModel.Describe(model.State));
        Assert.Equal(2, model.State.NightlyRun);
        Assert.Equal("115", model.State.RfmCell);
    }

    [Fact]
    public void EventsAfterTheBatchRead_AreScoredIn_LateEvents_DoNotUndoTheRun()
    {
        var model = WithPurchases(0, 10);
        var asOf = T0.AddDays(200);
        var write = Write(model, 1, asOf, "123");

        // A purchase arrives between the batch's read and its write: the write recomputes from the member's facts as of the run.
        model.Apply(new MemberEvent("p15", Id, MemberEventKind.Purchase, T0.AddDays(15), 20m, "o15"));
        Assert.Equal(NightlyOutcome.Applied, model.ApplyNightly(write));
        var expected = MemberModel.Score(Shared.Rules, model.InputAsOf(asOf));
        Assert.Equal(expected, (model.State.Stage, model.State.ChurnScore));
        Assert.Equal(Shared.Rules.Churn.Score([185.0, 3.0]), model.State.ChurnScore);

        // A late survey (older than the run) is scored as of the run, not as of its own time.
        model.Apply(new MemberEvent("s1", Id, MemberEventKind.Survey, T0.AddDays(30), Nps: 9));
        Assert.Equal(expected, (model.State.Stage, model.State.ChurnScore));
        Assert.Equal(asOf, model.State.ScoredAt);

        // An event after the run's as-of scores the member as of itself.
        model.Apply(new MemberEvent("p300", Id, MemberEventKind.Purchase, T0.AddDays(300), 20m, "o300"));
        Assert.Equal(T0.AddDays(300), model.State.ScoredAt);
        Assert.Equal(Shared.Rules.Churn.Score([0.0, 4.0]), model.State.ChurnScore);
    }
}

/// <summary>The contact budget in the member's time zone (hand-computed instants; the engine defers quiet-hour sends, never drops them).</summary>
public sealed class ContactBudgetModelTests
{
    [Fact]
    public void QuietHours_AreKeptInTheMembersTimeZone_CapCountsEverySend()
    {
        var events = ContactBudgetSchedule.Events("m1", "Asia/Shanghai");
        var model = new MemberModel("m1", Shared.Rules, new MemberState());
        foreach (var e in events)
        {
            model.Apply(e);
        }

        Assert.Equal(ContactBudgetSchedule.ExpectedSendAt("Asia/Shanghai"), model.State.Sends.Select(s => s.SendAt));
        Assert.Equal(3, model.State.Contacts.Count);
    }

    [Fact]
    public void WithoutATimeZone_TheDefaultUtcApplies()
    {
        var model = new MemberModel("m2", Shared.Rules, new MemberState());
        foreach (var e in ContactBudgetSchedule.Events("m2", null))
        {
            model.Apply(e);
        }

        Assert.Equal(ContactBudgetSchedule.ExpectedSendAt(null), model.State.Sends.Select(s => s.SendAt));
    }

    [Fact]
    public void UnknownTimeZone_IsRejected()
    {
        var model = new MemberModel("m3", Shared.Rules, new MemberState());
        var ex = Assert.Throws<ArgumentException>(() => model.Apply(new MemberEvent("p", "m3", MemberEventKind.Profile, ContactBudgetSchedule.T0, TimeZoneId: "Mars/Olympus")));
        Assert.Contains("time zone", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// A member's schedule against the sample's contact policy (at most 2 marketing messages per 7 days, quiet hours 21:00-08:00 local):
/// the expected send instants are worked out by hand in the comments.
/// </summary>
public static class ContactBudgetSchedule
{
    /// <summary>Monday 2026-03-02 00:00 UTC (08:00 in Shanghai, UTC+8 without daylight saving).</summary>
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The events of one member; a profile event sets the time zone when one is given.</summary>
    public static List<MemberEvent> Events(string id, string? timeZoneId)
    {
        var list = new List<MemberEvent> { new(id + "-consent", id, MemberEventKind.Consent, T0, Channel: "sms", ConsentStatus: ConsentStatus.Granted) };
        if (timeZoneId is not null)
        {
            list.Add(new MemberEvent(id + "-tz", id, MemberEventKind.Profile, T0.AddMinutes(1), TimeZoneId: timeZoneId));
        }

        foreach (var at in CartTimes)
        {
            list.Add(new MemberEvent(id + "-cart-" + at.ToString("MMddHHmm", System.Globalization.CultureInfo.InvariantCulture), id, MemberEventKind.Journey, at, Step: "cart_abandoned"));
        }

        return list;
    }

    /// <summary>The cart abandonments (expected outcomes for a member in Shanghai / in UTC).</summary>
    public static DateTimeOffset[] CartTimes { get; } =
    [
        T0.AddHours(2),                    // Mar 2 02:00 UTC: 10:00 in Shanghai, sent at once / quiet in UTC, deferred to 08:00 UTC (contact 1)
        T0.AddHours(14).AddMinutes(30),    // Mar 2 14:30 UTC: 22:30 in Shanghai, deferred to 08:00 local = Mar 3 00:00 UTC / sent at once (contact 2)
        T0.AddDays(1).AddHours(3),         // Mar 3 03:00 UTC: 2 contacts in the last 7 days, cap reached, nothing sent
        T0.AddDays(7).AddHours(2.5),       // Mar 9 02:30 UTC: the window (Mar 2 02:30, Mar 9 02:30] holds contact 2 only: 10:30 in Shanghai,
                                           // sent at once / quiet in UTC, deferred to Mar 9 08:00 UTC (contact 3)
        T0.AddDays(7).AddHours(4),         // Mar 9 04:00 UTC: contacts 2 and 3 in the window, cap reached, nothing sent
    ];

    /// <summary>The expected send instants.</summary>
    public static DateTimeOffset[] ExpectedSendAt(string? timeZoneId) => timeZoneId is null
        ? [T0.AddHours(8), T0.AddHours(14).AddMinutes(30), T0.AddDays(7).AddHours(8)]
        : [T0.AddHours(2), T0.AddDays(1), T0.AddDays(7).AddHours(2.5)];
}
