using CemCore.Primitives;

namespace CemCore.Growth;

/// <summary>The state of a group-buy.</summary>
public enum GroupBuyStatus
{
    /// <summary>Open for joins.</summary>
    Open = 0,

    /// <summary>Reached its size: every member gets the group price.</summary>
    Succeeded = 1,

    /// <summary>The deadline passed short of the size: every member is released.</summary>
    Failed = 2,
}

/// <summary>The result of a join.</summary>
public enum JoinOutcome
{
    /// <summary>Joined; the group is still open.</summary>
    Joined = 0,

    /// <summary>Joined the last seat: the group succeeded with this join.</summary>
    JoinedAndCompleted = 1,

    /// <summary>Already a member; nothing changed.</summary>
    AlreadyMember = 2,

    /// <summary>The group is full or closed (succeeded or failed).</summary>
    Closed = 3,

    /// <summary>At or after the deadline (the group is closed by this call if it was still open).</summary>
    DeadlinePassed = 4,
}

/// <summary>
/// A group-buy (拼团): a product, a target size, a group price and a deadline. Members join until the group is full (it succeeds at
/// once: every member gets the price) or the deadline passes (it fails: everyone is released). The outcome is decided atomically under
/// one lock, so no member is ever in two outcomes and the last seat is taken exactly once however many join concurrently.
/// </summary>
public sealed class GroupBuy
{
    private readonly Lock _gate = new();
    private readonly List<string> _members = [];
    private readonly HashSet<string> _memberSet = new(StringComparer.Ordinal);

    /// <summary>Creates an open group.</summary>
    /// <param name="id">The group id.</param>
    /// <param name="productId">The product.</param>
    /// <param name="targetSize">Members needed (&gt;= 2).</param>
    /// <param name="groupPrice">The price each member pays on success (&gt;= 0).</param>
    /// <param name="deadline">The deadline (exclusive).</param>
    public GroupBuy(string id, string productId, int targetSize, decimal groupPrice, DateTimeOffset deadline)
    {
        Id = Check.NotBlank(id);
        ProductId = Check.NotBlank(productId);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetSize, 2);
        TargetSize = targetSize;
        GroupPrice = Check.NonNegative(groupPrice);
        Deadline = deadline;
    }

    /// <summary>Gets the id.</summary>
    public string Id { get; }

    /// <summary>Gets the product.</summary>
    public string ProductId { get; }

    /// <summary>Gets the target size.</summary>
    public int TargetSize { get; }

    /// <summary>Gets the group price.</summary>
    public decimal GroupPrice { get; }

    /// <summary>Gets the deadline.</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>Gets the status.</summary>
    public GroupBuyStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>Gets when the outcome was decided (null while open).</summary>
    public DateTimeOffset? DecidedAt { get; private set; }

    private GroupBuyStatus _status;

    /// <summary>Gets a snapshot of the members in join order.</summary>
    public IReadOnlyList<string> Members
    {
        get
        {
            lock (_gate)
            {
                return [.. _members];
            }
        }
    }

    /// <summary>Joins a member.</summary>
    /// <param name="memberId">The member.</param>
    /// <param name="at">When.</param>
    public JoinOutcome Join(string memberId, DateTimeOffset at)
    {
        Check.NotBlank(memberId);
        lock (_gate)
        {
            if (_status == GroupBuyStatus.Open && at >= Deadline)
            {
                Decide(GroupBuyStatus.Failed, Deadline);
                return JoinOutcome.DeadlinePassed;
            }

            if (_memberSet.Contains(memberId))
            {
                return JoinOutcome.AlreadyMember;
            }

            if (_status != GroupBuyStatus.Open)
            {
                return at >= Deadline ? JoinOutcome.DeadlinePassed : JoinOutcome.Closed;
            }

            _members.Add(memberId);
            _memberSet.Add(memberId);
            if (_members.Count == TargetSize)
            {
                Decide(GroupBuyStatus.Succeeded, at);
                return JoinOutcome.JoinedAndCompleted;
            }

            return JoinOutcome.Joined;
        }
    }

    /// <summary>Closes the group if its deadline has passed at <paramref name="now"/> (fails it when short); returns the status.</summary>
    /// <param name="now">The current instant (from the host's <see cref="TimeProvider"/>).</param>
    public GroupBuyStatus Settle(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_status == GroupBuyStatus.Open && now >= Deadline)
            {
                Decide(GroupBuyStatus.Failed, Deadline);
            }

            return _status;
        }
    }

    private void Decide(GroupBuyStatus status, DateTimeOffset at)
    {
        _status = status;
        DecidedAt = at;
    }
}
