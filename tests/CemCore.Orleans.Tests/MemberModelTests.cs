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
