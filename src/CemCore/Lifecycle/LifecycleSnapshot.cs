namespace CemCore.Lifecycle;

/// <summary>The lifecycle stage of every customer of a feature set as of one instant (<see cref="LifecycleClassifier.ClassifyAll"/>).</summary>
/// <remarks>Customers keep the order of the feature set. Immutable and thread-safe.</remarks>
public sealed class LifecycleSnapshot
{
    private readonly string[] _ids;
    private readonly LifecycleAssessment[] _assessments;
    private readonly int[] _counts;
    private Dictionary<string, int>? _index;

    internal LifecycleSnapshot(DateTimeOffset asOf, LifecycleSettings settings, string[] ids, LifecycleAssessment[] assessments)
    {
        AsOf = asOf;
        Settings = settings;
        _ids = ids;
        _assessments = assessments;
        _counts = new int[LifecyclePlaybook.StageCount];
        foreach (var a in assessments)
        {
            _counts[(int)a.Stage]++;
        }

        CustomerIds = Array.AsReadOnly(ids);
    }

    /// <summary>Gets the exclusive as-of instant of the features.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the settings used.</summary>
    public LifecycleSettings Settings { get; }

    /// <summary>Gets the number of customers.</summary>
    public int Count => _ids.Length;

    /// <summary>Gets the customer ids in feature-set order.</summary>
    public IReadOnlyList<string> CustomerIds { get; }

    /// <summary>Gets the assessments, parallel to <see cref="CustomerIds"/>.</summary>
    public ReadOnlySpan<LifecycleAssessment> Assessments => _assessments;

    /// <summary>Returns the number of customers in a stage.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>The count.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stage"/> is undefined.</exception>
    public int CountOf(LifecycleStage stage)
    {
        _ = LifecycleRules.StageName(stage);
        return _counts[(int)stage];
    }

    /// <summary>Finds a customer's assessment by id (ordinal).</summary>
    /// <param name="customerId">The CRM id.</param>
    /// <param name="assessment">The assessment when found.</param>
    /// <returns><see langword="true"/> when the customer is in the snapshot.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="customerId"/> is <see langword="null"/>.</exception>
    public bool TryGet(string customerId, out LifecycleAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        if (Index().TryGetValue(customerId, out var i))
        {
            assessment = _assessments[i];
            return true;
        }

        assessment = default;
        return false;
    }

    internal Dictionary<string, int> Index()
    {
        if (_index is { } existing)
        {
            return existing;
        }

        var index = new Dictionary<string, int>(_ids.Length, StringComparer.Ordinal);
        for (var i = 0; i < _ids.Length; i++)
        {
            index[_ids[i]] = i;
        }

        Interlocked.CompareExchange(ref _index, index, null);
        return _index;
    }
}
