namespace CemCore.Merging;

/// <summary>
/// An exact sum of doubles: a non-overlapping expansion of partial sums (Shewchuk 1997, "Adaptive Precision Floating-Point Arithmetic
/// and Fast Robust Geometric Predicates"; the algorithm of Python's <c>math.fsum</c>). <see cref="Value"/> is the exact sum correctly
/// rounded to the nearest double (ties to even), so it does not depend on the order of the additions: merged partials equal the one-pass
/// sum bit for bit.
/// </summary>
/// <remarks>Not thread-safe. Typically 1–3 partials are kept; adding costs one pass over them.</remarks>
internal sealed class ExactSum
{
    private readonly List<double> _partials = new(2);

    /// <summary>Gets the exact sum rounded to the nearest double (+0 for an empty sum).</summary>
    public double Value
    {
        get
        {
            var p = _partials;
            var n = p.Count;
            if (n == 0)
            {
                return 0.0;
            }

            var hi = p[--n];
            var lo = 0.0;
            while (n > 0)
            {
                var x = hi;
                var y = p[--n];
                hi = x + y;
                var yr = hi - x;
                lo = y - yr;
                if (lo != 0.0)
                {
                    break;
                }
            }

            // Round half to even: when the rest has the sign of lo, the exact sum is beyond the half-way point.
            if (n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)))
            {
                var y = lo * 2.0;
                var x = hi + y;
                var yr = x - hi;
                if (y == yr)
                {
                    hi = x;
                }
            }

            return hi + 0.0;
        }
    }

    /// <summary>Adds a finite value.</summary>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The value is NaN or infinite, or the sum overflows.</exception>
    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException("value must be finite.", nameof(value));
        }

        var p = _partials;
        var x = value;
        var i = 0;
        for (var j = 0; j < p.Count; j++)
        {
            var y = p[j];
            if (Math.Abs(x) < Math.Abs(y))
            {
                (x, y) = (y, x);
            }

            var hi = x + y;
            var lo = y - (hi - x);
            if (lo != 0.0)
            {
                p[i++] = lo;
            }

            x = hi;
        }

        if (!double.IsFinite(x))
        {
            throw new ArgumentException("The sum overflowed the range of double.", nameof(value));
        }

        p.RemoveRange(i, p.Count - i);
        p.Add(x);
    }

    /// <summary>Adds another exact sum.</summary>
    /// <param name="other">The other sum.</param>
    public void Add(ExactSum other)
    {
        foreach (var v in other._partials.ToArray())
        {
            Add(v);
        }
    }

    /// <summary>Writes the partials.</summary>
    /// <param name="w">The writer.</param>
    public void Write(BinaryWriter w)
    {
        w.Write(_partials.Count);
        foreach (var v in _partials)
        {
            w.Write(v);
        }
    }

    /// <summary>Reads partials written by <see cref="Write"/>.</summary>
    /// <param name="r">The reader.</param>
    /// <returns>The sum.</returns>
    public static ExactSum Read(BinaryReader r)
    {
        var n = r.ReadCount("partial sum");
        var s = new ExactSum();
        for (var i = 0; i < n; i++)
        {
            s.Add(r.ReadFinite("a partial sum"));
        }

        return s;
    }
}
