using System.Text;
using CemCore.Experiments;
using FsCheck;
using FsCheck.Xunit;

namespace CemCore.Tests.Experiments;

/// <summary>
/// Issue #17: the assignment hot path hashes short ASCII ids straight from their characters and compares integer bounds instead of
/// unit-interval doubles. Both must give exactly the specified result: XXH64 of the UTF-8 bytes (reference: the byte-wise
/// implementation tested against the published vectors) and the double-point comparison of the specification.
/// </summary>
public sealed class AssignmentFastPathTests
{
    private const string Alphabet = "abcXYZ0123456789-_.:@ ~\u007f";

    [Property(MaxTest = 500)]
    public bool ShortAsciiIds_HashLikeTheirUtf8Bytes(PositiveInt seedArg, byte lengthArg, ulong hashSeed)
    {
        var random = new Random(seedArg.Get);
        var length = lengthArg % 40; // 0..39: every tail shape below and above the 32-character cut
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[random.Next(Alphabet.Length)];
        }

        var expected = XxHash64.Hash(Encoding.UTF8.GetBytes(chars), hashSeed);
        var fast = XxHash64.TryHashShortAscii(chars, hashSeed, out var h);
        return Experiment.Hash(hashSeed, chars) == expected && (length >= 32 ? !fast : fast && h == expected);
    }

    [Theory]
    [InlineData("c\u0080")]
    [InlineData("\u00e9")]
    [InlineData("abcdefg\u00ff")]
    [InlineData("klant-\u00dcn\u00efc\u00f8d\u00e9")]
    public void NonAsciiIds_LeaveTheFastPath_AndHashTheirUtf8Bytes(string id)
    {
        Assert.False(XxHash64.TryHashShortAscii(id, 7, out _));
        Assert.Equal(XxHash64.Hash(Encoding.UTF8.GetBytes(id), 7), Experiment.Hash(7, id));
    }

    [Property(MaxTest = 300)]
    public bool IntegerBounds_AssignExactlyAsTheUnitIntervalPoints(PositiveInt seedArg, byte armsArg, bool fullTraffic)
    {
        var random = new Random(seedArg.Get);
        var arms = 2 + (armsArg % 5);
        var raw = Enumerable.Range(0, arms).Select(_ => 0.05 + random.NextDouble()).ToArray();
        var total = raw.Sum();
        var variants = raw.Select((w, i) => new Variant("v" + i, w / total, isControl: i == 0)).ToList();
        var traffic = fullTraffic ? 1.0 : 0.01 + (0.98 * random.NextDouble());
        Experiment e;
        try
        {
            e = new Experiment("exp", variants, traffic);
        }
        catch (ArgumentException)
        {
            return true; // normalised weights outside the ±1e-9 tolerance: not an experiment
        }

        for (var i = 0; i < 2_000; i++)
        {
            var id = "c" + random.Next();
            var a = e.Assign(id);
            var expected = e.AssignByPoints(e.ComputeHash(id));
            if ((a.IsAssigned ? a.VariantIndex : -1) != expected)
            {
                return false;
            }
        }

        return true;
    }
}
