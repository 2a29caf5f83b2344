using System.Buffers;
using System.Text;
using CemCore.Primitives;

namespace CemCore.Sources.Csv;

/// <summary>
/// Numbers the orders of a transactions file on the parser side, keyed on the order ids' UTF-8 bytes (issue 17): the same numbers, in
/// the same sequence, as <see cref="Transactions.TransactionTableBuilder"/> would assign from the decoded ids (a new number per new
/// order id, per row without an order id, and per refunded order id not seen yet), so the builder receives order numbers instead of ids.
/// </summary>
/// <remarks>
/// <para>Open addressing with linear probing; keys live in one byte arena (no string per order). The buckets hold the key's hash next to
/// the entry index, so a probe over another key rarely reads that key's entry. Half the memory of a map of UTF-16 keys, and no
/// decoding of order ids. The tokenizer has validated the bytes as UTF-8, so equal bytes ⇔ equal decoded ids.</para>
/// <para>Keys are trimmed like <see cref="MemoryExtensions.Trim(ReadOnlySpan{char})"/> trims the decoded id (see <see cref="Normalize"/>).</para>
/// <para>Not thread-safe: numbering is owned by the builder thread (<see cref="Normalize"/> is static and runs on the parser thread).</para>
/// </remarks>
internal sealed class Utf8OrderNumbering
{
    private long[] _buckets; // (hash << 32) | (entry + 1); 0 = empty
    private Entry[] _entries;
    private byte[] _arena;
    private int _arenaLength;
    private int _count;
    private int _mask;

    /// <summary>Creates the numbering.</summary>
    /// <param name="expectedRows">Expected number of rows (a hint: the map grows as needed).</param>
    public Utf8OrderNumbering(int expectedRows)
    {
        // Up to one order per row; at most half full before it grows. Sized for 3/4 of the rows: in retail exports most rows are
        // orders of their own or lines of one, and a growth near the end costs one pass over the buckets.
        var size = 16;
        while (size < expectedRows + (expectedRows / 2) && size < (1 << 30))
        {
            size <<= 1;
        }

        // The three arrays are rented (issue 17: ~40 MB of large-object-heap arrays per 1M-row file, dropped after the read, brought
        // on full collections when files are read one after another); Release returns them.
        _buckets = RentBuckets(size);
        _mask = size - 1;
        _entries = ArrayPool<Entry>.Shared.Rent(Math.Max(16, size / 2)); // entries below _count are always written first
        _arena = ArrayPool<byte>.Shared.Rent(Math.Max(64, size * 6));
    }

    /// <summary>Gets the number of orders numbered so far (the next order number).</summary>
    public int OrderCount { get; private set; }

    /// <summary>Returns the hash of a normalized key (randomized per process, as <see cref="HashCode"/> is).</summary>
    public static int Hash(ReadOnlySpan<byte> key)
    {
        var h = default(HashCode);
        h.AddBytes(key);
        return h.ToHashCode();
    }

    /// <summary>
    /// Returns the id as the builder would key it: trimmed of white space as <see cref="MemoryExtensions.Trim(ReadOnlySpan{char})"/> trims
    /// the decoded text. Ids that start and end with a printable ASCII byte (the norm) are returned as they are; others are decoded,
    /// trimmed and encoded again into <paramref name="trimmed"/> (valid until its next use). Static, so the parser thread can
    /// normalize while the builder thread numbers.
    /// </summary>
    /// <param name="id">The id's bytes as in the file.</param>
    /// <param name="chars">Scratch for the decoded text, owned by the caller (grown as needed).</param>
    /// <param name="trimmed">Scratch for the re-encoded text, owned by the caller (grown as needed); the result may point into it.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Normalize(ReadOnlySpan<byte> id, ref char[] chars, ref byte[] trimmed) =>
        id.IsEmpty || (IsPlainAscii(id[0]) && IsPlainAscii(id[^1])) ? id : Trim(id, ref chars, ref trimmed);

    private static bool IsPlainAscii(byte b) => b is > 0x20 and < 0x7F;

    /// <summary>The slow path of <see cref="Normalize"/>: decodes, trims and encodes again.</summary>
    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> id, ref char[] chars, ref byte[] trimmed)
    {
        if (chars.Length < id.Length)
        {
            chars = new char[id.Length * 2];
        }

        var text = chars.AsSpan(0, Encoding.UTF8.GetChars(id, chars)).Trim();
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (trimmed.Length < max)
        {
            trimmed = new byte[max];
        }

        return trimmed.AsSpan(0, Encoding.UTF8.GetBytes(text, trimmed));
    }

    /// <summary>Returns a new order number for a row without an order id.</summary>
    public int NewOrder() => OrderCount++;

    /// <summary>Reads the bucket of each hash, so the cache misses of a batch of upcoming lookups overlap instead of stalling one by one.</summary>
    /// <returns>A value that depends on the loads, so they are not optimized away.</returns>
    public long Touch(ReadOnlySpan<int> hashes)
    {
        var buckets = _buckets;
        var mask = _mask;
        long sum = 0;
        foreach (var h in hashes)
        {
            sum ^= buckets[h & mask];
        }

        return sum;
    }

    /// <summary>Returns the number of the order with this (normalized, non-empty) id, numbering it when it is new.</summary>
    /// <param name="key">The normalized id.</param>
    /// <param name="hash">Its <see cref="Hash"/>.</param>
    /// <returns>The order number.</returns>
    public int GetOrAdd(ReadOnlySpan<byte> key, int hash)
    {
        var b = hash & _mask;
        while (true)
        {
            var bucket = _buckets[b];
            if (bucket == 0)
            {
                break;
            }

            if ((int)(bucket >> 32) == hash)
            {
                ref var e = ref _entries[unchecked((int)bucket) - 1];
                if (key.SequenceEqual(_arena.AsSpan(e.Start, e.Length)))
                {
                    return e.Order;
                }
            }

            b = (b + 1) & _mask;
        }

        if ((_count + 1) * 2 > (_mask + 1))
        {
            Grow();
            return GetOrAdd(key, hash); // rare: the map doubled; find the free bucket again
        }

        if (_count == _entries.Length)
        {
            PooledArrays.Regrow(ref _entries, _count, _count * 2);
        }

        if (_arenaLength + key.Length > _arena.Length)
        {
            PooledArrays.Regrow(ref _arena, _arenaLength, Math.Max(_arena.Length * 2, _arenaLength + key.Length));
        }

        key.CopyTo(_arena.AsSpan(_arenaLength));
        var order = OrderCount++;
        _entries[_count] = new Entry { Start = _arenaLength, Length = key.Length, Order = order };
        _arenaLength += key.Length;
        _count++;
        _buckets[b] = ((long)hash << 32) | (uint)_count;
        return order;
    }

    /// <summary>Returns the rented arrays to the pool; the numbering must not be used afterwards.</summary>
    public void Release()
    {
        ArrayPool<long>.Shared.Return(_buckets);
        ArrayPool<Entry>.Shared.Return(_entries);
        ArrayPool<byte>.Shared.Return(_arena);
        _buckets = [];
        _entries = [];
        _arena = [];
    }

    /// <summary>Rents a bucket array of exactly <paramref name="size"/> usable slots (a power of two), cleared.</summary>
    private static long[] RentBuckets(int size)
    {
        var buckets = ArrayPool<long>.Shared.Rent(size);
        Array.Clear(buckets, 0, size);
        return buckets;
    }

    private void Grow()
    {
        var old = _buckets;
        var oldSize = _mask + 1;
        _buckets = RentBuckets(oldSize * 2);
        _mask = (oldSize * 2) - 1;
        foreach (var bucket in old.AsSpan(0, oldSize))
        {
            if (bucket != 0)
            {
                var b = (int)(bucket >> 32) & _mask;
                while (_buckets[b] != 0)
                {
                    b = (b + 1) & _mask;
                }

                _buckets[b] = bucket;
            }
        }

        ArrayPool<long>.Shared.Return(old);
    }

    private struct Entry
    {
        public int Start;
        public int Length;
        public int Order;
    }
}
