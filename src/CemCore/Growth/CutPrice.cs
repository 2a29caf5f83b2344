using System.Security.Cryptography;
using System.Text;
using CemCore.Primitives;

namespace CemCore.Growth;

/// <summary>One cut of a cut-price campaign (auditable).</summary>
/// <param name="Index">0-based index in the sequence.</param>
/// <param name="FriendId">Who cut.</param>
/// <param name="Amount">The amount cut (in currency units, 2 decimals).</param>
/// <param name="PriceAfter">The price after the cut.</param>
/// <param name="At">When.</param>
public sealed record PriceCut(int Index, string FriendId, decimal Amount, decimal PriceAfter, DateTimeOffset At);

/// <summary>
/// Friends-cut-the-price (砍价): friends each cut the price once until the floor or the deadline. The cut amounts are fixed in advance
/// by <see cref="Sequence"/> from a seed: the allowed discount (price − floor) in cents is split into <c>maxCuts</c> positive parts by
/// sorted uniform cut points drawn from SHA-256(seed ‖ counter); anyone with the seed recomputes the sequence, and the parts sum to the
/// allowed discount exactly, so the total never exceeds it. Thread-safe.
/// </summary>
public sealed class CutPriceCampaign
{
    private readonly Lock _gate = new();
    private readonly decimal[] _sequence;
    private readonly List<PriceCut> _cuts = [];
    private readonly HashSet<string> _friends = new(StringComparer.Ordinal);

    /// <summary>Creates a campaign.</summary>
    /// <param name="id">The campaign id.</param>
    /// <param name="price">The starting price (&gt; floor; 2 decimals).</param>
    /// <param name="floor">The floor price (&gt;= 0).</param>
    /// <param name="maxCuts">Cuts needed to reach the floor (&gt;= 1, at most the discount in cents).</param>
    /// <param name="deadline">The deadline (exclusive).</param>
    /// <param name="seed">The seed (publish its SHA-256 first to make the sequence auditable).</param>
    public CutPriceCampaign(string id, decimal price, decimal floor, int maxCuts, DateTimeOffset deadline, string seed)
    {
        Id = Check.NotBlank(id);
        Check.NotBlank(seed);
        if (floor < 0m || price <= floor || decimal.Round(price, 2) != price || decimal.Round(floor, 2) != floor)
        {
            throw new ArgumentException($"Need 0 <= floor < price with at most 2 decimals (price {price}, floor {floor}).", nameof(price));
        }

        Price = price;
        Floor = floor;
        Deadline = deadline;
        Seed = seed;
        _sequence = Sequence(seed, price - floor, maxCuts);
    }

    /// <summary>Gets the id.</summary>
    public string Id { get; }

    /// <summary>Gets the starting price.</summary>
    public decimal Price { get; }

    /// <summary>Gets the floor.</summary>
    public decimal Floor { get; }

    /// <summary>Gets the deadline.</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>Gets the seed.</summary>
    public string Seed { get; }

    /// <summary>Gets the cuts so far.</summary>
    public IReadOnlyList<PriceCut> Cuts
    {
        get
        {
            lock (_gate)
            {
                return [.. _cuts];
            }
        }
    }

    /// <summary>Gets the current price.</summary>
    public decimal CurrentPrice
    {
        get
        {
            lock (_gate)
            {
                return _cuts.Count == 0 ? Price : _cuts[^1].PriceAfter;
            }
        }
    }

    /// <summary>The deterministic cut sequence: <paramref name="discount"/> in cents split into <paramref name="cuts"/> positive parts.</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="discount">The allowed discount (2 decimals, &gt; 0).</param>
    /// <param name="cuts">The number of parts.</param>
    public static decimal[] Sequence(string seed, decimal discount, int cuts)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var cents = (long)(discount * 100m);
        if (cents <= 0 || cents != discount * 100m)
        {
            throw new ArgumentOutOfRangeException(nameof(discount), discount, "The discount must be positive with at most 2 decimals.");
        }

        if (cuts < 1 || cuts > cents)
        {
            throw new ArgumentOutOfRangeException(nameof(cuts), cuts, "Need 1 <= cuts <= the discount in cents.");
        }

        // Draw cuts − 1 distinct cut points in [1, cents − 1] (rejection sampling on 64-bit SHA-256 outputs; unbiased), sort them.
        var points = new SortedSet<long>();
        var counter = 0L;
        var range = (ulong)(cents - 1);
        while (points.Count < cuts - 1)
        {
            var h = SHA256.HashData(Encoding.UTF8.GetBytes(seed + ":" + counter.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            counter++;
            var x = BitConverter.ToUInt64(h, 0);
            var limit = ulong.MaxValue - (ulong.MaxValue % range);
            if (x >= limit)
            {
                continue;
            }

            points.Add(1 + (long)(x % range));
        }

        var parts = new decimal[cuts];
        var prev = 0L;
        var i = 0;
        foreach (var p in points)
        {
            parts[i++] = (p - prev) / 100m;
            prev = p;
        }

        parts[i] = (cents - prev) / 100m;
        return parts;
    }

    /// <summary>A friend cuts the price once; null when they already cut, the floor is reached or the deadline passed.</summary>
    /// <param name="friendId">The friend.</param>
    /// <param name="at">When.</param>
    public PriceCut? Cut(string friendId, DateTimeOffset at)
    {
        Check.NotBlank(friendId);
        lock (_gate)
        {
            if (at >= Deadline || _cuts.Count == _sequence.Length || !_friends.Add(friendId))
            {
                return null;
            }

            var amount = _sequence[_cuts.Count];
            var cut = new PriceCut(_cuts.Count, friendId, amount, (_cuts.Count == 0 ? Price : _cuts[^1].PriceAfter) - amount, at);
            _cuts.Add(cut);
            return cut;
        }
    }
}
