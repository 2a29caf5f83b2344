using CemCore.Churn;
using CemCore.Customers;
using CemCore.Lifecycle;
using CemCore.Loyalty;
using CemCore.Personalization;

namespace CemCore.Samples.Orleans.Domain;

/// <summary>
/// The programme's rules shared by every customer grain of a silo (immutable, thread-safe): earning rules and ledger policy (loyalty),
/// lifecycle thresholds, the churn model, the standard personalization rule set and the contact policy (frequency cap and quiet hours).
/// </summary>
public sealed class MemberRules
{
    /// <summary>Creates the sample programme's rules.</summary>
    /// <param name="earning">Earning rules; <see langword="null"/> for 1 point per currency unit, rounded down.</param>
    /// <param name="decisions">Contact policy; <see langword="null"/> for at most 2 marketing messages per 7 days and quiet hours 21:00-08:00.</param>
    public MemberRules(EarningRules? earning = null, DecisionSettings? decisions = null)
    {
        Earning = earning ?? new EarningRules(1m);
        // Budgets are counted per engine (per activation here), so the sample leaves campaign budgets to the nightly batch.
        Decisions = decisions ?? new DecisionSettings(
            caps: [new FrequencyCap(2, TimeSpan.FromDays(7), Purpose: ConsentPurpose.Marketing)],
            quietHours: new QuietHours(new TimeOnly(21, 0), new TimeOnly(8, 0)),
            reserveBudget: false);
        RuleSet = StandardCampaigns.Create();
        // A fixed demonstration churn model on (days since last purchase, purchase days): not trained here; replace with a trained
        // LogisticRegression model (docs/churn.md) in a real deployment.
        Churn = LogisticRegressionModel.FromStandardizedCoefficients(["recencyDays", "purchaseDays"], [60.0, 3.0], [45.0, 2.5], [1.4, -0.9], -0.4);
    }

    /// <summary>Gets the earning rules.</summary>
    public EarningRules Earning { get; }

    /// <summary>Gets the ledger policy (points available at once, never expire).</summary>
    public LedgerPolicy Ledger { get; } = LedgerPolicy.Default;

    /// <summary>Gets the lifecycle classifier.</summary>
    public LifecycleClassifier Lifecycle { get; } = new();

    /// <summary>Gets the churn model.</summary>
    public IChurnModel Churn { get; }

    /// <summary>Gets the rule set of the decision engine.</summary>
    public PersonalizationRuleSet RuleSet { get; }

    /// <summary>Gets the contact policy.</summary>
    public DecisionSettings Decisions { get; }
}
