namespace CemCore.Lifecycle;

/// <summary>
/// Where a customer is in the customer lifecycle. Classification rules live in <see cref="LifecycleClassifier"/> (thresholds in
/// <see cref="LifecycleSettings"/>); this enum is shared by segmentation, personalization rules and reporting.
/// </summary>
/// <remarks>
/// <para>File and JSON names are the member names in lower case (<see cref="LifecycleRules.StageName"/>). The recommended action per stage is
/// data in <see cref="LifecyclePlaybook"/>; the moves the classifier can make between two snapshots are documented on
/// <see cref="LifecycleTransitions"/>.</para>
/// </remarks>
public enum LifecycleStage
{
    /// <summary>Known to the CRM but no purchase yet. The default value. Default action: acquisition.</summary>
    Prospect = 0,

    /// <summary>Acquisition: first purchase recently, not yet a repeat buyer (at most <see cref="LifecycleSettings.NewMaxPurchaseDays"/> purchase days,
    /// not overdue). Default action: onboarding.</summary>
    New = 1,

    /// <summary>Growth: buying repeatedly, not yet mature and not overdue. Default action: cross-sell.</summary>
    Growth = 2,

    /// <summary>Maturity: an established, regular buyer (at least <see cref="LifecycleSettings.MaturityMinPurchaseDays"/> purchase days and
    /// <see cref="LifecycleSettings.MaturityMinTenureDays"/> tenure, not overdue). Default action: VIP care.</summary>
    Maturity = 3,

    /// <summary>Decline: overdue relative to the customer's own purchase rhythm (days since the last purchase above
    /// <see cref="LifecycleSettings.DeclineRatio"/> × the expected interval), or a low P(alive). Default action: win-back.</summary>
    Decline = 4,

    /// <summary>Churned or dormant: lapsed for much longer than the customer's rhythm (above <see cref="LifecycleSettings.DormantRatio"/> ×
    /// the expected interval or <see cref="LifecycleSettings.DormantMaxDays"/>), or a very low P(alive). Default action: reactivation.</summary>
    Dormant = 5,

    /// <summary>Revival: a lapsed customer who purchased again — the gap before the latest purchase exceeded the dormant threshold of the
    /// earlier rhythm, and the customer is not overdue now. Default action: welcome-back.</summary>
    Revived = 6,
}
