namespace CemCore.Lifecycle;

/// <summary>The recommended marketing action for a lifecycle stage.</summary>
public enum LifecycleAction
{
    /// <summary>Convert a prospect: first-purchase incentive. The default value.</summary>
    Acquisition = 0,

    /// <summary>Onboard a new customer: welcome series, second-purchase nudge.</summary>
    Onboarding = 1,

    /// <summary>Grow a repeat buyer: cross-sell and up-sell into adjacent categories.</summary>
    CrossSell = 2,

    /// <summary>Keep a mature customer: VIP care, loyalty tier benefits, early access.</summary>
    VipCare = 3,

    /// <summary>Win back a declining customer before they lapse: reminder, tailored offer.</summary>
    WinBack = 4,

    /// <summary>Reactivate a dormant customer: stronger incentive, survey of the reason for leaving.</summary>
    Reactivation = 5,

    /// <summary>Welcome back a revived customer: acknowledge the return, rebuild the habit.</summary>
    WelcomeBack = 6,
}

/// <summary>One row of a <see cref="LifecyclePlaybook"/>.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Action">The recommended action.</param>
/// <param name="Description">A short description for marketers (no personal data).</param>
public sealed record LifecyclePlaybookEntry(LifecycleStage Stage, LifecycleAction Action, string Description);

/// <summary>
/// The recommended action per lifecycle stage, as data: exactly one entry per stage. <see cref="Default"/> is the mapping of the CEM source
/// documents; hosts can build their own.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class LifecyclePlaybook
{
    /// <summary>The number of <see cref="LifecycleStage"/> values.</summary>
    internal const int StageCount = 7;

    private readonly LifecyclePlaybookEntry[] _byStage;

    /// <summary>Creates a playbook.</summary>
    /// <param name="entries">Exactly one entry for each of the seven stages, in any order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="entries"/> or an entry is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A stage is missing, repeated or undefined, or a description is blank.</exception>
    public LifecyclePlaybook(IEnumerable<LifecyclePlaybookEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _byStage = new LifecyclePlaybookEntry[StageCount];
        foreach (var e in entries)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(entries));
            if (!Enum.IsDefined(e.Stage) || !Enum.IsDefined(e.Action))
            {
                throw new ArgumentException($"An entry has an undefined stage ({(int)e.Stage}) or action ({(int)e.Action}).", nameof(entries));
            }

            if (string.IsNullOrWhiteSpace(e.Description))
            {
                throw new ArgumentException($"The entry for stage {e.Stage} has a blank description.", nameof(entries));
            }

            if (_byStage[(int)e.Stage] is not null)
            {
                throw new ArgumentException($"Stage {e.Stage} appears more than once; each stage needs exactly one entry.", nameof(entries));
            }

            _byStage[(int)e.Stage] = e;
        }

        for (var s = 0; s < StageCount; s++)
        {
            if (_byStage[s] is null)
            {
                throw new ArgumentException($"Stage {(LifecycleStage)s} has no entry; each stage needs exactly one entry.", nameof(entries));
            }
        }

        Entries = Array.AsReadOnly(_byStage);
    }

    /// <summary>Gets the default playbook: prospect → acquisition, new → onboarding, growth → cross-sell, maturity → VIP care,
    /// decline → win-back, dormant → reactivation, revived → welcome-back.</summary>
    public static LifecyclePlaybook Default { get; } = new(
    [
        new(LifecycleStage.Prospect, LifecycleAction.Acquisition, "First-purchase incentive for known contacts who have not bought yet."),
        new(LifecycleStage.New, LifecycleAction.Onboarding, "Welcome series and a nudge toward the second purchase."),
        new(LifecycleStage.Growth, LifecycleAction.CrossSell, "Cross-sell and up-sell into adjacent categories."),
        new(LifecycleStage.Maturity, LifecycleAction.VipCare, "VIP care: loyalty benefits, early access, service priority."),
        new(LifecycleStage.Decline, LifecycleAction.WinBack, "Win-back: reminder and a tailored offer before the customer lapses."),
        new(LifecycleStage.Dormant, LifecycleAction.Reactivation, "Reactivation campaign with a stronger incentive; ask why they left."),
        new(LifecycleStage.Revived, LifecycleAction.WelcomeBack, "Welcome-back message; rebuild the purchase habit."),
    ]);

    /// <summary>Gets the entries indexed by stage.</summary>
    public IReadOnlyList<LifecyclePlaybookEntry> Entries { get; }

    /// <summary>Returns the recommended action of a stage.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>The action.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stage"/> is undefined.</exception>
    public LifecycleAction ActionFor(LifecycleStage stage) => EntryFor(stage).Action;

    /// <summary>Returns the playbook entry of a stage.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stage"/> is undefined.</exception>
    public LifecyclePlaybookEntry EntryFor(LifecycleStage stage)
    {
        _ = LifecycleRules.StageName(stage);
        return _byStage[(int)stage];
    }
}
