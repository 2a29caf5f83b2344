namespace CemCore.Transactions;

/// <summary>
/// An open-addressing hash map from character spans to ints that stores its keys in one shared character arena, so adding a key
/// allocates no string (the builder sees about one new order id per row; a <see cref="Dictionary{TKey, TValue}"/> of strings
/// costs an object per key and GC time at millions of keys). Keys compare ordinally. Not thread-safe.
/// </summary>
internal sealed class SpanKeyMap
{
    private long[] _buckets;     // (hash << 32) | (entry index + 1); 0 = empty. The hash in the bucket spares a second cache miss.
    private int[] _hashes;
    private int[] _keyStart;
    private int[] _keyLength;
    private int[] _values;
    private char[] _arena;
    private int _arenaLength;
    private int _count;
    private int _mask;

    public SpanKeyMap(int capacity)
    {
        var size = 16;
        while (size < capacity * 2 && size < (1 << 30))
        {
            size <<= 1;
        }

        _buckets = new long[size];
        _mask = size - 1;
        var entries = Math.Max(8, capacity);
        _hashes = GC.AllocateUninitializedArray<int>(entries); // entries below _count are always written first
        _keyStart = GC.AllocateUninitializedArray<int>(entries);
        _keyLength = GC.AllocateUninitializedArray<int>(entries);
        _values = GC.AllocateUninitializedArray<int>(entries);
        _arena = GC.AllocateUninitializedArray<char>(Math.Max(64, entries * 12));
    }

    public int Count => _count;

    public bool TryGetValue(ReadOnlySpan<char> key, out int value) => TryGetValue(key, Hash(key), out value);

    /// <summary>Returns the key's hash, for <see cref="TryGetValue(ReadOnlySpan{char}, int, out int)"/> and <see cref="Add(ReadOnlySpan{char}, int, int)"/>.</summary>
    public static int Hash(ReadOnlySpan<char> key) =>
        string.GetHashCode(key, StringComparison.Ordinal); // randomized per process, which is what an in-memory table wants (no hash flooding)

    public bool TryGetValue(ReadOnlySpan<char> key, int hash, out int value)
    {
        var b = hash & _mask;
        while (true)
        {
            var bucket = _buckets[b];
            if (bucket == 0)
            {
                value = -1;
                return false;
            }

            var e = unchecked((int)bucket) - 1; // low 32 bits: entry + 1
            if ((int)(bucket >> 32) == hash && key.SequenceEqual(_arena.AsSpan(_keyStart[e], _keyLength[e])))
            {
                value = _values[e];
                return true;
            }

            b = (b + 1) & _mask;
        }
    }

    /// <summary>Adds a key that is not present (the caller checked with TryGetValue).</summary>
    public void Add(ReadOnlySpan<char> key, int value) => Add(key, Hash(key), value);

    /// <summary>Adds a key that is not present, with its precomputed <see cref="Hash"/>.</summary>
    public void Add(ReadOnlySpan<char> key, int hash, int value)
    {
        if ((_count + 1) * 2 > _buckets.Length)
        {
            Rehash();
        }

        if (_count == _hashes.Length)
        {
            var n = _count * 2;
            Array.Resize(ref _hashes, n);
            Array.Resize(ref _keyStart, n);
            Array.Resize(ref _keyLength, n);
            Array.Resize(ref _values, n);
        }

        if (_arenaLength + key.Length > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaLength + key.Length));
        }

        var e = _count++;
        key.CopyTo(_arena.AsSpan(_arenaLength));
        _hashes[e] = hash;
        _keyStart[e] = _arenaLength;
        _keyLength[e] = key.Length;
        _values[e] = value;
        _arenaLength += key.Length;
        Insert(e, hash);
    }

    private void Insert(int entry, int hash)
    {
        var b = hash & _mask;
        while (_buckets[b] != 0)
        {
            b = (b + 1) & _mask;
        }

        _buckets[b] = ((long)hash << 32) | (uint)(entry + 1);
    }

    private void Rehash()
    {
        _buckets = new long[_buckets.Length * 2];
        _mask = _buckets.Length - 1;
        for (var e = 0; e < _count; e++)
        {
            Insert(e, _hashes[e]);
        }
    }
}
