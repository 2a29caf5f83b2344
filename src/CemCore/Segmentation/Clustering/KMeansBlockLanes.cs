using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CemCore.Segmentation.Clustering;

/// <summary>The four seeding candidates' potentials, summed in row order (a value, so the width's code keeps them in registers).</summary>
internal struct Potentials4
{
    public double P0;
    public double P1;
    public double P2;
    public double P3;
}

/// <summary>
/// The width-specific part of <see cref="KMeansBlockKernel{TLanes}"/>: what happens to one block of four rows (<see cref="PointBlocks"/>).
/// Every distance is <c>s = s + (w·t)·t</c> in feature order, as in the scalar kernel, and every choice is the scalar kernel's
/// (<c>a &lt; b ? a : b</c>; ties to the lower centre index), so both widths give the scalar kernel's bits.
/// </summary>
internal unsafe interface IBlockLanes
{
    /// <summary>
    /// The nearest centre (ties: the lowest index) of each of the four rows of the block at <paramref name="xp"/> (d vectors) and its
    /// squared distance, the k centres in the <see cref="KMeansBlockKernel.BroadcastGrouped"/> layout at <paramref name="cp"/>: writes
    /// four labels and four distances and returns how many of the four labels differ from those there before.
    /// </summary>
    static abstract int Nearest(double* xp, double* cp, double* wp, int d, int k, int* labels, double* distances);

    /// <summary><c>sum[f] += row[f]</c> for the d features (per element the scalar addition).</summary>
    static abstract void AddRow(double* sum, double* row, int d);

    /// <summary>
    /// The seeding's fold for one block: <c>closest ← D(x, point)²</c> (<paramref name="initialize"/>) or <c>min(closest, D(x, point)²)</c>
    /// for the four rows, the running sums from <paramref name="sum"/> (in row order) to <paramref name="cumulative"/>; returns the last.
    /// </summary>
    static abstract double Fold(double* xp, double* wp, double* pp, int d, double* closest, double* cumulative, double sum, bool initialize);

    /// <summary>Adds <c>min(D(x, candidate_t)², closest)</c> of the four rows, in row order, to each of the four candidates' potentials
    /// (the candidates in one group of the <see cref="KMeansBlockKernel.BroadcastGrouped"/> layout at <paramref name="cp"/>).</summary>
    static abstract Potentials4 Potentials(double* xp, double* wp, double* cp, int d, double* closest, Potentials4 p);
}

/// <summary>The labels of one block of four rows.</summary>
internal static class BlockLabels
{
    /// <summary>Stores the four labels and returns how many differ from those there before.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int Store(Vector128<int> labels, int* destination)
    {
        var same = Vector128.Equals(Vector128.Load(destination), labels).ExtractMostSignificantBits();
        labels.Store(destination);
        return PointBlocks.Lanes - BitOperations.PopCount(same);
    }
}

/// <summary>Four rows per Vector256 (x64 with AVX2): the selections are <c>vminpd</c> and <c>vblendvpd</c>.</summary>
internal readonly struct Lanes256 : IBlockLanes
{
    private const int L = PointBlocks.Lanes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int Nearest(double* xp, double* cp, double* wp, int d, int k, int* labels, double* distances)
    {
        var best = Vector256.Create(double.PositiveInfinity);
        var bestJ = Vector256<double>.Zero;
        var one = Vector256<double>.One;
        var two = Vector256.Create(2.0);
        var three = Vector256.Create(3.0);
        var four = Vector256.Create(4.0);
        var jv = Vector256<double>.Zero; // the centre index j in every lane (small integers: exact)
        unchecked
        {
            var c = cp;
            var j = 0;
            for (; j + 4 <= k; j += 4)
            {
                DistancesGrouped(xp, wp, c, d, out var a0, out var a1, out var a2, out var a3);
                c += (nint)d * 4 * L;
                Keep(a0, jv, ref best, ref bestJ);
                Keep(a1, jv + one, ref best, ref bestJ);
                Keep(a2, jv + two, ref best, ref bestJ);
                Keep(a3, jv + three, ref best, ref bestJ);
                jv += four;
            }

            for (; j < k; j++)
            {
                Keep(Distance(xp, wp, c, d), jv, ref best, ref bestJ);
                c += (nint)d * L;
                jv += one;
            }
        }

        best.Store(distances);
        return BlockLabels.Store(Avx.ConvertToVector128Int32WithTruncation(bestJ), labels);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void AddRow(double* sum, double* row, int d)
    {
        unchecked
        {
            var f = 0;
            for (; f + L <= d; f += L)
            {
                (Vector256.Load(sum + f) + Vector256.Load(row + f)).Store(sum + f);
            }

            for (; f < d; f++)
            {
                sum[f] += row[f];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe double Fold(double* xp, double* wp, double* pp, int d, double* closest, double* cumulative, double sum, bool initialize)
    {
        var v = Distance(xp, wp, pp, d);
        var kept = initialize ? v : Avx.Min(v, Vector256.Load(closest)); // per lane dist < old ? dist : old, no branch
        kept.Store(closest);
        var s0 = sum + kept.GetElement(0);
        var s1 = s0 + kept.GetElement(1);
        var s2 = s1 + kept.GetElement(2);
        sum = s2 + kept.GetElement(3);
        Vector256.Create(s0, s1, s2, sum).Store(cumulative);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Potentials4 Potentials(double* xp, double* wp, double* cp, int d, double* closest, Potentials4 p)
    {
        DistancesGrouped(xp, wp, cp, d, out var a0, out var a1, out var a2, out var a3);
        var cv = Vector256.Load(closest);
        p.P0 = AddLanes(p.P0, Avx.Min(a0, cv));
        p.P1 = AddLanes(p.P1, Avx.Min(a1, cv));
        p.P2 = AddLanes(p.P2, Avx.Min(a2, cv));
        p.P3 = AddLanes(p.P3, Avx.Min(a3, cv));
        return p;
    }

    /// <summary>The squared distances of the four rows at <paramref name="xp"/> to the four points of one group at <paramref name="c"/>:
    /// four independent accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void DistancesGrouped(
        double* xp, double* wp, double* c, int d, out Vector256<double> a0, out Vector256<double> a1, out Vector256<double> a2, out Vector256<double> a3)
    {
        a0 = Vector256<double>.Zero;
        a1 = Vector256<double>.Zero;
        a2 = Vector256<double>.Zero;
        a3 = Vector256<double>.Zero;
        unchecked
        {
            for (var f = 0; f < d; f++)
            {
                var xv = Vector256.Load(xp);
                var wv = Vector256.Load(wp);
                var t0 = xv - Vector256.Load(c);
                var t1 = xv - Vector256.Load(c + L);
                var t2 = xv - Vector256.Load(c + (2 * L));
                var t3 = xv - Vector256.Load(c + (3 * L));
                a0 += wv * t0 * t0;
                a1 += wv * t1 * t1;
                a2 += wv * t2 * t2;
                a3 += wv * t3 * t3;
                xp += L;
                wp += L;
                c += 4 * L;
            }
        }
    }

    /// <summary>Keeps the lanes of <paramref name="acc"/> that are strictly nearer than <paramref name="best"/> (ties: the earlier centre).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep(Vector256<double> acc, Vector256<double> j, ref Vector256<double> best, ref Vector256<double> bestJ)
    {
        // vminpd returns its first operand where it is strictly less, else the second: exactly acc < best ? acc : best, in one
        // instruction; vblendvpd takes the mask as is (the portable Vector256.ConditionalSelect compiled to and/andnot/or, three).
        var lt = Vector256.LessThan(acc, best);
        best = Avx.Min(acc, best);
        bestJ = Avx.BlendVariable(bestJ, j, lt);
    }

    /// <summary>The squared distances of the four rows at <paramref name="xp"/> to one broadcast point (d consecutive vectors at
    /// <paramref name="c"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<double> Distance(double* xp, double* wp, double* c, int d)
    {
        var acc = Vector256<double>.Zero;
        unchecked
        {
            for (var f = 0; f < d; f++)
            {
                var t = Vector256.Load(xp + (f * L)) - Vector256.Load(c + (f * L));
                acc += Vector256.Load(wp + (f * L)) * t * t;
            }
        }

        return acc;
    }

    /// <summary><c>((s + v₀) + v₁) + v₂) + v₃</c>: the lanes added in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double AddLanes(double s, Vector256<double> v) => s + v.GetElement(0) + v.GetElement(1) + v.GetElement(2) + v.GetElement(3);
}

/// <summary>
/// Four rows as two Vector128 halves (rows 0–1 and 2–3), for machines where Vector256 is not accelerated: x64 without AVX2, Arm64, and
/// NativeAOT code built for the default x86-64-v2. The Lloyd step keeps eight accumulators (four centres × two halves) in registers. On x64
/// the selections are <c>minpd</c> and SSE4.1's <c>blendvpd</c>; elsewhere the portable compare-and-select, which gives the same
/// values (distances are never NaN or −0, so every minimum is <c>a &lt; b ? a : b</c>).
/// </summary>
internal readonly struct Lanes128 : IBlockLanes
{
    private const int L = PointBlocks.Lanes;

    private const int H = 2; // doubles per half

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int Nearest(double* xp, double* cp, double* wp, int d, int k, int* labels, double* distances)
    {
        var bestLo = Vector128.Create(double.PositiveInfinity);
        var bestHi = bestLo;
        var jLo = Vector128<double>.Zero;
        var jHi = Vector128<double>.Zero;
        var one = Vector128<double>.One;
        var two = Vector128.Create(2.0);
        var three = Vector128.Create(3.0);
        var four = Vector128.Create(4.0);
        var jv = Vector128<double>.Zero; // the centre index j in every lane (small integers: exact)
        unchecked
        {
            var c = cp;
            var j = 0;
            for (; j + 4 <= k; j += 4)
            {
                DistancesGrouped(xp, wp, c, d, out var a0, out var b0, out var a1, out var b1, out var a2, out var b2, out var a3, out var b3);
                c += (nint)d * 4 * L;
                Keep(a0, b0, jv, ref bestLo, ref bestHi, ref jLo, ref jHi);
                Keep(a1, b1, jv + one, ref bestLo, ref bestHi, ref jLo, ref jHi);
                Keep(a2, b2, jv + two, ref bestLo, ref bestHi, ref jLo, ref jHi);
                Keep(a3, b3, jv + three, ref bestLo, ref bestHi, ref jLo, ref jHi);
                jv += four;
            }

            for (; j < k; j++)
            {
                Distance(xp, wp, c, d, out var lo, out var hi);
                Keep(lo, hi, jv, ref bestLo, ref bestHi, ref jLo, ref jHi);
                c += (nint)d * L;
                jv += one;
            }
        }

        bestLo.Store(distances);
        bestHi.Store(distances + H);
        return BlockLabels.Store(ToInt32(jLo, jHi), labels);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void AddRow(double* sum, double* row, int d)
    {
        unchecked
        {
            var f = 0;
            for (; f + H <= d; f += H)
            {
                (Vector128.Load(sum + f) + Vector128.Load(row + f)).Store(sum + f);
            }

            if (f < d)
            {
                sum[f] += row[f];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe double Fold(double* xp, double* wp, double* pp, int d, double* closest, double* cumulative, double sum, bool initialize)
    {
        Distance(xp, wp, pp, d, out var lo, out var hi);
        var keptLo = initialize ? lo : Min(lo, Vector128.Load(closest));
        var keptHi = initialize ? hi : Min(hi, Vector128.Load(closest + H));
        keptLo.Store(closest);
        keptHi.Store(closest + H);
        var s0 = sum + keptLo.GetElement(0);
        var s1 = s0 + keptLo.GetElement(1);
        var s2 = s1 + keptHi.GetElement(0);
        sum = s2 + keptHi.GetElement(1);
        Vector128.Create(s0, s1).Store(cumulative);
        Vector128.Create(s2, sum).Store(cumulative + H);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Potentials4 Potentials(double* xp, double* wp, double* cp, int d, double* closest, Potentials4 p)
    {
        DistancesGrouped(xp, wp, cp, d, out var a0, out var b0, out var a1, out var b1, out var a2, out var b2, out var a3, out var b3);
        var lo = Vector128.Load(closest);
        var hi = Vector128.Load(closest + H);
        p.P0 = AddLanes(p.P0, Min(a0, lo), Min(b0, hi));
        p.P1 = AddLanes(p.P1, Min(a1, lo), Min(b1, hi));
        p.P2 = AddLanes(p.P2, Min(a2, lo), Min(b2, hi));
        p.P3 = AddLanes(p.P3, Min(a3, lo), Min(b3, hi));
        return p;
    }

    /// <summary>The squared distances of the four rows at <paramref name="xp"/> (halves a: rows 0–1, b: rows 2–3) to the four points of one
    /// group at <paramref name="c"/>: eight independent accumulators; each broadcast point is read once per feature (its first half).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void DistancesGrouped(
        double* xp,
        double* wp,
        double* c,
        int d,
        out Vector128<double> a0,
        out Vector128<double> b0,
        out Vector128<double> a1,
        out Vector128<double> b1,
        out Vector128<double> a2,
        out Vector128<double> b2,
        out Vector128<double> a3,
        out Vector128<double> b3)
    {
        a0 = b0 = a1 = b1 = a2 = b2 = a3 = b3 = Vector128<double>.Zero;
        unchecked
        {
            for (var f = 0; f < d; f++)
            {
                var xa = Vector128.Load(xp);
                var xb = Vector128.Load(xp + H);
                var wv = Vector128.Load(wp);
                var c0 = Vector128.Load(c);
                var c1 = Vector128.Load(c + L);
                var c2 = Vector128.Load(c + (2 * L));
                var c3 = Vector128.Load(c + (3 * L));
                var t = xa - c0;
                a0 += wv * t * t;
                t = xb - c0;
                b0 += wv * t * t;
                t = xa - c1;
                a1 += wv * t * t;
                t = xb - c1;
                b1 += wv * t * t;
                t = xa - c2;
                a2 += wv * t * t;
                t = xb - c2;
                b2 += wv * t * t;
                t = xa - c3;
                a3 += wv * t * t;
                t = xb - c3;
                b3 += wv * t * t;
                xp += L;
                wp += L;
                c += 4 * L;
            }
        }
    }

    /// <summary>The squared distances of the four rows at <paramref name="xp"/> (two halves) to one broadcast point (d consecutive vectors
    /// at <paramref name="c"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Distance(double* xp, double* wp, double* c, int d, out Vector128<double> lo, out Vector128<double> hi)
    {
        lo = Vector128<double>.Zero;
        hi = Vector128<double>.Zero;
        unchecked
        {
            for (var f = 0; f < d; f++)
            {
                var o = f * L;
                var cv = Vector128.Load(c + o);
                var wv = Vector128.Load(wp + o);
                var t = Vector128.Load(xp + o) - cv;
                lo += wv * t * t;
                t = Vector128.Load(xp + o + H) - cv;
                hi += wv * t * t;
            }
        }
    }

    /// <summary>Keeps the lanes of (<paramref name="accLo"/>, <paramref name="accHi"/>) that are strictly nearer than the best so far
    /// (ties: the earlier centre).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep(
        Vector128<double> accLo,
        Vector128<double> accHi,
        Vector128<double> j,
        ref Vector128<double> bestLo,
        ref Vector128<double> bestHi,
        ref Vector128<double> jLo,
        ref Vector128<double> jHi)
    {
        var ltLo = Vector128.LessThan(accLo, bestLo);
        var ltHi = Vector128.LessThan(accHi, bestHi);
        bestLo = Min(accLo, bestLo);
        bestHi = Min(accHi, bestHi);
        jLo = Select(ltLo, j, jLo);
        jHi = Select(ltHi, j, jHi);
    }

    /// <summary>Per lane <c>a &lt; b ? a : b</c> (<c>minpd</c> on x64: its first operand where strictly less, else the second).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Min(Vector128<double> a, Vector128<double> b) =>
        Sse2.IsSupported ? Sse2.Min(a, b) : Vector128.ConditionalSelect(Vector128.LessThan(a, b), a, b);

    /// <summary>Per lane <c>mask ? yes : no</c> (<c>blendvpd</c> with SSE4.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Select(Vector128<double> mask, Vector128<double> yes, Vector128<double> no) =>
        Sse41.IsSupported ? Sse41.BlendVariable(no, yes, mask) : Vector128.ConditionalSelect(mask, yes, no);

    /// <summary>The four lanes' centre indices (small non-negative integers held as doubles) as integers, rows 0–3 in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> ToInt32(Vector128<double> lo, Vector128<double> hi)
    {
        if (Sse2.IsSupported)
        {
            // cvttpd2dq puts the two integers in the low half; the two halves' low 64 bits side by side.
            return Sse2.UnpackLow(Sse2.ConvertToVector128Int32WithTruncation(lo).AsInt64(), Sse2.ConvertToVector128Int32WithTruncation(hi).AsInt64()).AsInt32();
        }

        return Vector128.Narrow(Vector128.ConvertToInt64(lo), Vector128.ConvertToInt64(hi));
    }

    /// <summary><c>(((s + lo₀) + lo₁) + hi₀) + hi₁</c>: the four rows added in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double AddLanes(double s, Vector128<double> lo, Vector128<double> hi) =>
        s + lo.GetElement(0) + lo.GetElement(1) + hi.GetElement(0) + hi.GetElement(1);
}
