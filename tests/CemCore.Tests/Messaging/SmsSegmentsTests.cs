using CemCore.Messaging;

namespace CemCore.Tests.Messaging;

public sealed class SmsSegmentsTests
{
    // Limits per 3GPP TS 23.038 / 23.040: GSM-7 160 single, 153 per concatenated part; UCS-2 70 single, 67 per part.
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    public void Gsm7_Ascii(int length, int segments)
    {
        var count = SmsSegments.Count(new string('a', length));
        Assert.Equal(SmsEncoding.Gsm7, count.Encoding);
        Assert.Equal(length, count.Units);
        Assert.Equal(segments, count.Segments);
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Ucs2_Chinese(int length, int segments)
    {
        var count = SmsSegments.Count(new string('惠', length));
        Assert.Equal(SmsEncoding.Ucs2, count.Encoding);
        Assert.Equal(length, count.Units);
        Assert.Equal(segments, count.Segments);
    }

    [Fact]
    public void Gsm7_ExtensionCharactersCountTwo()
    {
        var count = SmsSegments.Count(new string('€', 80));
        Assert.Equal(SmsEncoding.Gsm7, count.Encoding);
        Assert.Equal(160, count.Units);
        Assert.Equal(1, count.Segments);
        Assert.Equal(2, SmsSegments.Count(new string('€', 80) + "a").Segments);
    }

    [Fact]
    public void Gsm7_ExtensionCharacterIsNotSplitAcrossParts()
    {
        // 152 septets + '€' (2) would straddle the 153 boundary: the escape pair moves to part 2.
        // 306 septets would fit 2 parts if the pair could be split; it cannot, so 152 | 2 + 151 | 1.
        var text = new string('a', 152) + "€" + new string('a', 152);
        var count = SmsSegments.Count(text);
        Assert.Equal(306, count.Units);
        Assert.Equal(3, count.Segments);
    }

    [Fact]
    public void Ucs2_SurrogatePairIsNotSplit()
    {
        var text = new string('惠', 66) + "😀" + new string('惠', 66);
        var count = SmsSegments.Count(text);
        Assert.Equal(134, count.Units);
        Assert.Equal(3, count.Segments);
    }

    [Fact]
    public void OneChineseCharacter_SwitchesWholeMessageToUcs2()
    {
        var count = SmsSegments.Count(new string('a', 69) + "退");
        Assert.Equal(SmsEncoding.Ucs2, count.Encoding);
        Assert.Equal(1, count.Segments);
        Assert.Equal(2, SmsSegments.Count(new string('a', 70) + "退").Segments);
    }
}
