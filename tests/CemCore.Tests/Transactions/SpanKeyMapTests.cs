using CemCore.Transactions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CemCore.Tests.Transactions;

/// <summary>
/// <see cref="SpanKeyMap"/> (the builder's order-id map, issue 17) against <see cref="Dictionary{TKey, TValue}"/> as the
/// reference: every interleaving of adds and lookups gives the same answers, across rehashes.
/// </summary>
public sealed class SpanKeyMapTests
{
    public static Arbitrary<(int Capacity, string[] Keys)> Scripts() =>
        (from capacity in Gen.Choose(0, 64)
         from keys in Gen.ArrayOf(Gen.Choose(0, 40).Select(i => "k" + i))
         select (capacity, keys)).ToArbitrary();

    [Property(MaxTest = 300, Arbitrary = [typeof(SpanKeyMapTests)])]
    public bool AddAndLookup_AgreeWithDictionary((int Capacity, string[] Keys) script)
    {
        var map = new SpanKeyMap(script.Capacity);
        var reference = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in script.Keys)
        {
            var found = map.TryGetValue(key, out var value);
            if (found != reference.TryGetValue(key, out var expected) || (found && value != expected))
            {
                return false;
            }

            if (!found)
            {
                map.Add(key, reference.Count * 7);
                reference.Add(key, reference.Count * 7);
            }
        }

        return map.Count == reference.Count && reference.All(kv => map.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(300_000)]
    public void ManyKeys_EveryKeyFound_AndNoUnknownKeyFound(int capacity)
    {
        // 300,000 keys: from a small capacity, several rehashes.
        var map = new SpanKeyMap(capacity);
        const int N = 300_000;
        for (var i = 0; i < N; i++)
        {
            var key = "O" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(map.TryGetValue(key, out _));
            map.Add(key, i);
            if (i % 997 == 0)
            {
                // A lookup of the key just added finds it.
                Assert.True(map.TryGetValue(key, out var v));
                Assert.Equal(i, v);
            }
        }

        Assert.Equal(N, map.Count);
        for (var i = 0; i < N; i++)
        {
            Assert.True(map.TryGetValue("O" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), out var v));
            Assert.Equal(i, v);
            Assert.False(map.TryGetValue("X" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), out _));
        }
    }
}
