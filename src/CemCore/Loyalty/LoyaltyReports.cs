namespace CemCore.Loyalty;

/// <summary>An expiry reminder: a member with points expiring soon.</summary>
/// <param name="AccountId">The member's account.</param>
/// <param name="Points">Points expiring within the horizon.</param>
/// <param name="FirstExpiry">The earliest expiry among them.</param>
public sealed record ExpiryReminder(string AccountId, long Points, DateTimeOffset FirstExpiry);

/// <summary>Reports over an <see cref="ILoyaltyStore"/>.</summary>
public static class LoyaltyReports
{
    /// <summary>Lists the members with points expiring in [<paramref name="asOf"/>, asOf + <paramref name="days"/>), by account id.</summary>
    /// <param name="store">The store.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="days">The horizon in days (&gt;= 1).</param>
    public static IReadOnlyList<ExpiryReminder> ExpiryReminders(ILoyaltyStore store, DateTimeOffset asOf, int days)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        var until = asOf.AddDays(days);
        var list = new List<ExpiryReminder>();
        foreach (var id in store.GetAccountIds())
        {
            var view = store.GetAccount(id);
            if (view is null)
            {
                continue;
            }

            long points = 0;
            var first = DateTimeOffset.MaxValue;
            foreach (var lot in view.Lots)
            {
                if (lot.ExpiresAt >= asOf && lot.ExpiresAt < until)
                {
                    points = checked(points + lot.Remaining);
                    first = lot.ExpiresAt < first ? lot.ExpiresAt : first;
                }
            }

            if (points > 0)
            {
                list.Add(new ExpiryReminder(id, points, first));
            }
        }

        return list;
    }
}
