namespace CemCore.Segmentation.Rfm;

/// <summary>
/// The order of customer ids used to break ties in rank-quantile RFM (pandas <c>rank(method="first")</c> on the frame sorted by id).
/// Integer-like ids (1 to 19 ASCII digits, no leading zero except "0" itself, value below 2^63) come first and are ordered by their
/// numeric value, as pandas orders an <c>int64</c> id column ("9" before "10"); every other id follows, in ordinal (UTF-16 code
/// unit) order, as pandas orders a string column. The order is total and the same for every pair wherever it is used (batch
/// scoring, <see cref="RfmCutPoint.IsBelow"/>, <see cref="RfmPartial"/> merges), so partitioned and single-customer scores agree
/// with the batch. Ids such as "007" are not integer-like (they are distinct from "7") and sort as text.
/// </summary>
internal static class CustomerIdOrder
{
    /// <summary>Compares two ids in customer-id order.</summary>
    public static int Compare(string x, string y)
    {
        var xi = TryParseInteger(x, out var xv);
        var yi = TryParseInteger(y, out var yv);
        if (xi && yi)
        {
            return xv.CompareTo(yv);
        }

        if (xi != yi)
        {
            return xi ? -1 : 1;
        }

        return string.CompareOrdinal(x, y);
    }

    /// <summary>Returns whether <paramref name="id"/> is integer-like, with its value.</summary>
    public static bool TryParseInteger(ReadOnlySpan<char> id, out long value)
    {
        value = 0;
        if (id.IsEmpty || id.Length > 19 || (id[0] == '0' && id.Length > 1))
        {
            return false;
        }

        ulong v = 0;
        foreach (var c in id)
        {
            var d = unchecked((uint)(c - '0'));
            if (d > 9)
            {
                return false;
            }

            v = unchecked((v * 10) + d);
        }

        // 19 digits can exceed long.MaxValue (up to 9,999,999,999,999,999,999 < 2^64): not integer-like then.
        if (v > long.MaxValue)
        {
            return false;
        }

        value = (long)v;
        return true;
    }
}
