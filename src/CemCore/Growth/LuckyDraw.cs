using System.Security.Cryptography;
using System.Text;
using CemCore.Primitives;

namespace CemCore.Growth;

/// <summary>A prize of a lucky draw.</summary>
/// <param name="Name">The prize.</param>
/// <param name="Cost">Its cost to the budget (&gt;= 0).</param>
/// <param name="Count">How many (&gt;= 1).</param>
public sealed record DrawPrize(string Name, decimal Cost, int Count);

/// <summary>A winner.</summary>
/// <param name="MemberId">The member.</param>
/// <param name="Prize">The prize name.</param>
/// <param name="Cost">Its cost.</param>
public sealed record DrawWinner(string MemberId, string Prize, decimal Cost);

/// <summary>
/// A provably fair lucky draw (commit–reveal): the operator picks a secret seed and publishes <see cref="Commitment"/> = hex SHA-256 of
/// its UTF-8 bytes before entries open; entries close; the seed is revealed and checked against the commitment; the winners follow from
/// <see cref="ComputeWinners"/>, which anyone can rerun: entries are de-duplicated and sorted ordinally (entry order cannot matter),
/// shuffled by Fisher–Yates with indices drawn (rejection sampling, unbiased) from HMAC-SHA256(seed, drawId ‖ counter), and prizes are
/// handed out in the listed order while the budget allows: a prize whose cost would overspend the budget is skipped, never awarded.
/// </summary>
public sealed class LuckyDraw
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _entries = new(StringComparer.Ordinal);
    private IReadOnlyList<DrawWinner>? _winners;

    /// <summary>Creates a draw from its published commitment.</summary>
    /// <param name="id">The draw id.</param>
    /// <param name="commitment">Hex SHA-256 of the secret seed.</param>
    /// <param name="prizes">Prizes in award order.</param>
    /// <param name="budget">The prize budget (&gt;= 0).</param>
    public LuckyDraw(string id, string commitment, IEnumerable<DrawPrize> prizes, decimal budget)
    {
        Id = Check.NotBlank(id);
        Commitment = Check.NotBlank(commitment).ToUpperInvariant();
        ArgumentNullException.ThrowIfNull(prizes);
        Prizes = [.. prizes];
        foreach (var p in Prizes)
        {
            if (p.Cost < 0m || p.Count < 1)
            {
                throw new ArgumentException($"Prize '{p.Name}' needs a non-negative cost and a count >= 1.", nameof(prizes));
            }
        }

        Budget = Check.NonNegative(budget);
    }

    /// <summary>Gets the id.</summary>
    public string Id { get; }

    /// <summary>Gets the commitment (upper-case hex).</summary>
    public string Commitment { get; }

    /// <summary>Gets the prizes.</summary>
    public IReadOnlyList<DrawPrize> Prizes { get; }

    /// <summary>Gets the budget.</summary>
    public decimal Budget { get; }

    /// <summary>Gets whether entries are closed.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Returns the commitment of a seed (hex SHA-256 of its UTF-8 bytes).</summary>
    /// <param name="seed">The secret seed (use at least 128 random bits).</param>
    public static string Commit(string seed) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(seed ?? throw new ArgumentNullException(nameof(seed)))));

    /// <summary>Enters a member (once; later entries of the same member change nothing); false after closing.</summary>
    /// <param name="memberId">The member.</param>
    public bool Enter(string memberId)
    {
        Check.NotBlank(memberId);
        lock (_gate)
        {
            return !IsClosed && _entries.Add(memberId);
        }
    }

    /// <summary>Closes entries.</summary>
    public void Close()
    {
        lock (_gate)
        {
            IsClosed = true;
        }
    }

    /// <summary>Reveals the seed (must match the commitment; entries must be closed) and returns the winners.</summary>
    /// <param name="seed">The seed.</param>
    public IReadOnlyList<DrawWinner> Reveal(string seed)
    {
        lock (_gate)
        {
            if (!IsClosed)
            {
                throw new InvalidOperationException("Close the entries before revealing the seed.");
            }

            if (!string.Equals(Commit(seed), Commitment, StringComparison.Ordinal))
            {
                throw new ArgumentException("The seed does not match the commitment.", nameof(seed));
            }

            return _winners ??= ComputeWinners(Id, seed, _entries, Prizes, Budget);
        }
    }

    /// <summary>Recomputes the winners from public data (anyone can verify a draw).</summary>
    /// <param name="drawId">The draw id.</param>
    /// <param name="seed">The revealed seed.</param>
    /// <param name="entries">The entries (any order, duplicates ignored).</param>
    /// <param name="prizes">The prizes in award order.</param>
    /// <param name="budget">The budget.</param>
    public static IReadOnlyList<DrawWinner> ComputeWinners(string drawId, string seed, IEnumerable<string> entries, IReadOnlyList<DrawPrize> prizes, decimal budget)
    {
        ArgumentNullException.ThrowIfNull(drawId);
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(prizes);
        var pool = entries.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(seed));
        var counter = 0L;
        for (var i = pool.Length - 1; i > 0; i--)
        {
            var range = (ulong)(i + 1);
            var limit = ulong.MaxValue - (ulong.MaxValue % range);
            ulong x;
            do
            {
                x = BitConverter.ToUInt64(hmac.ComputeHash(Encoding.UTF8.GetBytes(drawId + ":" + counter.ToString(System.Globalization.CultureInfo.InvariantCulture))), 0);
                counter++;
            }
            while (x >= limit);

            var j = (int)(x % range);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        var winners = new List<DrawWinner>();
        var spent = 0m;
        var next = 0;
        foreach (var prize in prizes)
        {
            for (var k = 0; k < prize.Count && next < pool.Length; k++)
            {
                if (spent + prize.Cost > budget)
                {
                    break;
                }

                spent += prize.Cost;
                winners.Add(new DrawWinner(pool[next++], prize.Name, prize.Cost));
            }
        }

        return winners;
    }
}
