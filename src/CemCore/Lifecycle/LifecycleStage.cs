namespace CemCore.Lifecycle;

/// <summary>
/// Where a customer is in the customer lifecycle. Classification rules live in the lifecycle classifier; this enum is shared by
/// segmentation, personalization rules and reporting.
/// </summary>
public enum LifecycleStage
{
    /// <summary>Known to the CRM but no purchase yet. The default value.</summary>
    Prospect = 0,

    /// <summary>Acquisition: first purchase recently, not yet a repeat buyer.</summary>
    New = 1,

    /// <summary>Growth: buying repeatedly and increasingly.</summary>
    Growth = 2,

    /// <summary>Maturity: an established, regular buyer.</summary>
    Maturity = 3,

    /// <summary>Decline: overdue relative to the customer's own purchase rhythm.</summary>
    Decline = 4,

    /// <summary>Churned or dormant: lapsed for much longer than the customer's rhythm.</summary>
    Dormant = 5,

    /// <summary>Revival: a lapsed customer who purchased again.</summary>
    Revived = 6,
}
