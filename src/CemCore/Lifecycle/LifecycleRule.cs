namespace CemCore.Lifecycle;

/// <summary>The rule of <see cref="LifecycleClassifier"/> that decided a stage. Texts: <see cref="LifecycleRules"/>.</summary>
public enum LifecycleRule
{
    /// <summary>No purchase before the as-of instant → <see cref="LifecycleStage.Prospect"/>. The default value.</summary>
    NoPurchase = 0,

    /// <summary>Days since the last purchase exceed <c>DormantRatio × E</c> → <see cref="LifecycleStage.Dormant"/>.</summary>
    DormantByRhythm = 1,

    /// <summary>Days since the last purchase exceed <c>DormantMaxDays</c> (below <c>DormantRatio × E</c>) → <see cref="LifecycleStage.Dormant"/>.</summary>
    DormantByMaxDays = 2,

    /// <summary>P(alive) below <c>DormantAliveProbabilityBelow</c> → <see cref="LifecycleStage.Dormant"/>.</summary>
    DormantByAliveProbability = 3,

    /// <summary>Days since the last purchase exceed <c>DeclineRatio × E</c> → <see cref="LifecycleStage.Decline"/>.</summary>
    DeclineByRhythm = 4,

    /// <summary>P(alive) below <c>DeclineAliveProbabilityBelow</c> → <see cref="LifecycleStage.Decline"/>.</summary>
    DeclineByAliveProbability = 5,

    /// <summary>Active with at most <c>NewMaxPurchaseDays</c> purchase days → <see cref="LifecycleStage.New"/>.</summary>
    NewCustomer = 6,

    /// <summary>Active, and the interval ending at the last purchase exceeded the dormant threshold of the earlier rhythm → <see cref="LifecycleStage.Revived"/>.</summary>
    RevivedAfterLapse = 7,

    /// <summary>Active with at least <c>MaturityMinPurchaseDays</c> purchase days and <c>MaturityMinTenureDays</c> tenure → <see cref="LifecycleStage.Maturity"/>.</summary>
    Mature = 8,

    /// <summary>Active repeat buyer not yet mature → <see cref="LifecycleStage.Growth"/>.</summary>
    Growing = 9,
}

/// <summary>Stable names and reason texts of <see cref="LifecycleRule"/> values, as data. Texts name the rule and never contain personal data.</summary>
public static class LifecycleRules
{
    private static readonly string[] s_names =
    [
        "no_purchase",
        "dormant_by_rhythm",
        "dormant_by_max_days",
        "dormant_by_alive_probability",
        "decline_by_rhythm",
        "decline_by_alive_probability",
        "new_customer",
        "revived_after_lapse",
        "mature",
        "growing",
    ];

    private static readonly string[] s_reasons =
    [
        "no_purchase: no purchase before the as-of instant",
        "dormant_by_rhythm: days since the last purchase exceed DormantRatio x the expected interval",
        "dormant_by_max_days: days since the last purchase exceed DormantMaxDays",
        "dormant_by_alive_probability: P(alive) is below DormantAliveProbabilityBelow",
        "decline_by_rhythm: days since the last purchase exceed DeclineRatio x the expected interval",
        "decline_by_alive_probability: P(alive) is below DeclineAliveProbabilityBelow",
        "new_customer: active with at most NewMaxPurchaseDays purchase days",
        "revived_after_lapse: the gap before the last purchase exceeded the dormant threshold of the earlier rhythm",
        "mature: active with at least MaturityMinPurchaseDays purchase days and MaturityMinTenureDays tenure",
        "growing: active repeat buyer, not yet mature",
    ];

    /// <summary>Returns the stable snake-case name of a rule (e.g. <c>decline_by_rhythm</c>), for files and logs.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The name (a cached string: no allocation).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rule"/> is undefined.</exception>
    public static string Name(LifecycleRule rule) => s_names[Index(rule)];

    /// <summary>Returns the reason text of a rule: its name, a colon and the condition that held.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The text (a cached string: no allocation).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rule"/> is undefined.</exception>
    public static string Describe(LifecycleRule rule) => s_reasons[Index(rule)];

    /// <summary>Returns the stage a rule leads to.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The stage.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rule"/> is undefined.</exception>
    public static LifecycleStage StageOf(LifecycleRule rule) => rule switch
    {
        LifecycleRule.NoPurchase => LifecycleStage.Prospect,
        LifecycleRule.DormantByRhythm or LifecycleRule.DormantByMaxDays or LifecycleRule.DormantByAliveProbability => LifecycleStage.Dormant,
        LifecycleRule.DeclineByRhythm or LifecycleRule.DeclineByAliveProbability => LifecycleStage.Decline,
        LifecycleRule.NewCustomer => LifecycleStage.New,
        LifecycleRule.RevivedAfterLapse => LifecycleStage.Revived,
        LifecycleRule.Mature => LifecycleStage.Maturity,
        LifecycleRule.Growing => LifecycleStage.Growth,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Undefined LifecycleRule value."),
    };

    /// <summary>Returns the stage name used in files and JSON: the enum name in lower case (<c>prospect</c>, <c>new</c>, <c>growth</c>,
    /// <c>maturity</c>, <c>decline</c>, <c>dormant</c>, <c>revived</c>).</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>The name (a cached string).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stage"/> is undefined.</exception>
    public static string StageName(LifecycleStage stage) => stage switch
    {
        LifecycleStage.Prospect => "prospect",
        LifecycleStage.New => "new",
        LifecycleStage.Growth => "growth",
        LifecycleStage.Maturity => "maturity",
        LifecycleStage.Decline => "decline",
        LifecycleStage.Dormant => "dormant",
        LifecycleStage.Revived => "revived",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Undefined LifecycleStage value."),
    };

    private static int Index(LifecycleRule rule) =>
        (uint)rule < (uint)s_names.Length ? (int)rule : throw new ArgumentOutOfRangeException(nameof(rule), rule, "Undefined LifecycleRule value.");
}
