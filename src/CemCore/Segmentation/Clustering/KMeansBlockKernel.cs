using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CemCore.Segmentation.Clustering;

/// <summary>
/// The rows in blocks of <see cref="Lanes"/>: block b holds feature f of rows 4b..4b+3 in consecutive doubles, so one Vector256 holds one
/// feature of four rows and a distance is computed for four rows at once. The last block is padded with copies of the last row (their
/// results are never read).
/// </summary>
internal sealed class PointBlocks
{
    public const int Lanes = 4;

    public PointBlocks(ReadOnlySpan<double> x, int n, int d)
    {
        Rows = n;
        Features = d;
        Blocks = (n + Lanes - 1) / Lanes;
        Values = GC.AllocateUninitializedArray<double>(Blocks * d * Lanes);
        for (var slot = 0; slot < Blocks * Lanes; slot++)
        {
            var i = Math.Min(slot, n - 1);
            var b = slot / Lanes;
            var lane = slot % Lanes;
            for (var f = 0; f < d; f++)
            {
                Values[(((b * d) + f) * Lanes) + lane] = x[(i * d) + f];
            }
        }
    }

    public int Rows { get; }

    public int Features { get; }

    public int Blocks { get; }

    public double[] Values { get; }

    /// <summary>Gets whether the blocked kernels run in hardware (otherwise the scalar kernels are used).</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated;
}

/// <summary>
/// Vectorized versions of the <see cref="KMeansKernel"/> distance loops: four rows per Vector256, the same operations in the same order
/// per row (<c>s = s + (w·t)·t</c>, no fused multiply-add), so every distance — and therefore every label, centre, seeding draw and
/// inertia — is bit-identical to the scalar kernel (tested).
/// </summary>
internal static class KMeansBlockKernel
{
    /// <summary>Fills <paramref name="broadcast"/> with each value broadcast to a vector.</summary>
    public static void Broadcast(ReadOnlySpan<double> values, Span<Vector256<double>> broadcast)
    {
        for (var i = 0; i < values.Length; i++)
        {
            broadcast[i] = Vector256.Create(values[i]);
        }
    }

    /// <summary>Nearest centre of the four rows of block <paramref name="block"/> (ties: lowest index) and their squared distances.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Nearest4(
        PointBlocks blocks, int block, ReadOnlySpan<Vector256<double>> centers4, int k, ReadOnlySpan<Vector256<double>> w4, out Vector256<double> bestIndex, out Vector256<double> bestDistance)
    {
        var d = blocks.Features;
        var xb = blocks.Values.AsSpan(block * d * PointBlocks.Lanes, d * PointBlocks.Lanes);
        var best = Vector256.Create(double.PositiveInfinity);
        var bestJ = Vector256<double>.Zero;
        for (var j = 0; j < k; j++)
        {
            var c = centers4.Slice(j * d, d);
            var acc = Vector256<double>.Zero;
            for (var f = 0; f < d; f++)
            {
                var t = Vector256.Create(xb.Slice(f * PointBlocks.Lanes, PointBlocks.Lanes)) - c[f];
                acc += w4[f] * t * t;
            }

            var lt = Vector256.LessThan(acc, best);
            best = Vector256.ConditionalSelect(lt, acc, best);
            bestJ = Vector256.ConditionalSelect(lt, Vector256.Create((double)j), bestJ);
        }

        bestIndex = bestJ;
        bestDistance = best;
    }

    /// <summary>Squared distances of the four rows of <paramref name="block"/> to one point given as broadcast coordinates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Distance4(PointBlocks blocks, int block, ReadOnlySpan<Vector256<double>> point4, ReadOnlySpan<Vector256<double>> w4)
    {
        var d = blocks.Features;
        var xb = blocks.Values.AsSpan(block * d * PointBlocks.Lanes, d * PointBlocks.Lanes);
        var acc = Vector256<double>.Zero;
        for (var f = 0; f < d; f++)
        {
            var t = Vector256.Create(xb.Slice(f * PointBlocks.Lanes, PointBlocks.Lanes)) - point4[f];
            acc += w4[f] * t * t;
        }

        return acc;
    }

    /// <summary>Writes the squared distance of every row to <paramref name="point"/> into <paramref name="output"/>.</summary>
    public static void Distances(PointBlocks blocks, ReadOnlySpan<double> point, ReadOnlySpan<Vector256<double>> w4, Span<Vector256<double>> point4, Span<double> output)
    {
        Broadcast(point, point4);
        var n = blocks.Rows;
        for (var b = 0; b < blocks.Blocks; b++)
        {
            var v = Distance4(blocks, b, point4, w4);
            var i0 = b * PointBlocks.Lanes;
            var m = Math.Min(PointBlocks.Lanes, n - i0);
            for (var lane = 0; lane < m; lane++)
            {
                output[i0 + lane] = v.GetElement(lane);
            }
        }
    }

    /// <summary>Assigns every row to its nearest centre; returns the inertia, summed in row order (as the scalar kernel).</summary>
    public static double Assign(PointBlocks blocks, ReadOnlySpan<double> centers, int k, ReadOnlySpan<Vector256<double>> w4, Span<Vector256<double>> centers4, Span<int> labels, Span<double> distances)
    {
        Broadcast(centers[..(k * blocks.Features)], centers4);
        var n = blocks.Rows;
        var inertia = 0.0;
        for (var b = 0; b < blocks.Blocks; b++)
        {
            Nearest4(blocks, b, centers4, k, w4, out var index, out var dist);
            var i0 = b * PointBlocks.Lanes;
            var m = Math.Min(PointBlocks.Lanes, n - i0);
            for (var lane = 0; lane < m; lane++)
            {
                labels[i0 + lane] = (int)index.GetElement(lane);
                var dl = dist.GetElement(lane);
                distances[i0 + lane] = dl;
                inertia += dl;
            }
        }

        return inertia;
    }
}
