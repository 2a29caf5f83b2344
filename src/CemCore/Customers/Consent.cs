using CemCore.Primitives;

namespace CemCore.Customers;

/// <summary>What a consent covers.</summary>
public enum ConsentPurpose
{
    /// <summary>Promotional marketing messages (offers, campaigns).</summary>
    Marketing = 0,

    /// <summary>Service messages tied to an order or account (delivery, after-sales).</summary>
    Service = 1,

    /// <summary>Surveys and feedback requests.</summary>
    Survey = 2,
}

/// <summary>The state of one consent.</summary>
public enum ConsentStatus
{
    /// <summary>The customer was asked and said no.</summary>
    Denied = 0,

    /// <summary>The customer opted in.</summary>
    Granted = 1,

    /// <summary>The customer opted in earlier and has since opted out.</summary>
    Revoked = 2,
}

/// <summary>One consent decision of a customer for a channel and purpose.</summary>
/// <param name="Channel">The contact channel the consent covers.</param>
/// <param name="Purpose">The purpose it covers.</param>
/// <param name="Status">Granted, denied or revoked.</param>
/// <param name="At">When the decision was recorded.</param>
public sealed record ConsentRecord(ContactChannel Channel, ConsentPurpose Purpose, ConsentStatus Status, DateTimeOffset At);
