#pragma warning disable CA5394 // Random seeds the initial factors, not security.

using System.Globalization;
using System.Runtime.Intrinsics;

namespace CemCore.Recommendations;

/// <summary>Settings of <see cref="ImplicitAls"/>.</summary>
/// <param name="Factors">Latent factors f, at least 1.</param>
/// <param name="Regularization">λ ≥ 0.</param>
/// <param name="Alpha">Confidence slope α ≥ 0: c(u, i) = 1 + α r(u, i), r = purchase count.</param>
/// <param name="Iterations">Alternating sweeps (users then items), at least 1.</param>
/// <param name="CgSteps">Conjugate-gradient steps per row, at least 1.</param>
/// <param name="Seed">Seed of the initial factors (uniform in [0, 0.01)).</param>
public sealed record ImplicitAlsSettings(int Factors = 32, double Regularization = 0.01, double Alpha = 40, int Iterations = 15, int CgSteps = 3, int Seed = 42)
{
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Factors, 1, nameof(Factors));
        ArgumentOutOfRangeException.ThrowIfLessThan(Iterations, 1, nameof(Iterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(CgSteps, 1, nameof(CgSteps));
        if (!(Regularization >= 0 && double.IsFinite(Regularization)))
        {
            throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, string.Create(CultureInfo.InvariantCulture, $"Regularization must be finite and ≥ 0, not {Regularization}."));
        }

        if (!(Alpha >= 0 && double.IsFinite(Alpha)))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, string.Create(CultureInfo.InvariantCulture, $"Alpha must be finite and ≥ 0, not {Alpha}."));
        }
    }
}

/// <summary>
/// Matrix factorization for implicit feedback (Hu, Koren and Volinsky 2008, "Collaborative Filtering for Implicit Feedback Datasets"):
/// minimizes Σ c(u,i) (p(u,i) − xᵤ·yᵢ)² + λ(Σ‖xᵤ‖² + Σ‖yᵢ‖²) with p = 1 for bought items, by alternating least squares where each row's
/// system (YᵀY + Yᵀ(Cᵤ − I)Y + λI) xᵤ = Yᵀ Cᵤ p(u) is solved by a few warm-started conjugate-gradient steps (Takács, Pilászy and Tikk 2011),
/// never forming the f × f matrix of a row.
/// </summary>
/// <remarks>Deterministic: seeded initial factors; rows are independent within a half-sweep, so the parallel result equals the serial one.</remarks>
public static class ImplicitAls
{
    /// <summary>Fits the model to a history (r(u, i) = number of purchase events of the item by the customer).</summary>
    /// <param name="history">The history.</param>
    /// <param name="settings">The settings, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Checked between half-sweeps.</param>
    /// <returns>The model.</returns>
    public static ImplicitAlsModel Fit(PurchaseHistory history, ImplicitAlsSettings? settings = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        settings ??= new ImplicitAlsSettings();
        settings.Validate();
        var f = settings.Factors;
        var users = history.Customers.Count;
        var items = history.Items.Count;
        var random = new Random(settings.Seed);
        var x = new double[users * f];
        var y = new double[items * f];
        for (var k = 0; k < x.Length; k++)
        {
            x[k] = random.NextDouble() * 0.01;
        }

        for (var k = 0; k < y.Length; k++)
        {
            y[k] = random.NextDouble() * 0.01;
        }

        var userRows = new SparseRows(history.CustomerStart, history.CustomerItems, history.CustomerCounts.Select(r => (double)r).ToArray());
        var itemRows = userRows.Transpose(items);
        Run(userRows, itemRows, x, y, settings, cancellationToken);
        return new ImplicitAlsModel(history, f, x, y);
    }

    /// <summary>The alternating sweeps on explicit rows and initial factors (tests use it with a reference's initial factors).</summary>
    internal static void Run(SparseRows userRows, SparseRows itemRows, double[] x, double[] y, ImplicitAlsSettings settings, CancellationToken cancellationToken)
    {
        for (var it = 0; it < settings.Iterations; it++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            HalfSweep(userRows, x, y, settings);
            cancellationToken.ThrowIfCancellationRequested();
            HalfSweep(itemRows, y, x, settings);
        }
    }

    // Updates every row of `solve` (n × f) given the fixed factors `fixedF`.
    private static void HalfSweep(SparseRows rows, double[] solve, double[] fixedF, ImplicitAlsSettings s)
    {
        var f = s.Factors;
        var m = fixedF.Length / f;
        var gram = new double[f * f];
        for (var i = 0; i < m; i++)
        {
            var yi = fixedF.AsSpan(i * f, f);
            for (var a = 0; a < f; a++)
            {
                var ya = yi[a];
                if (ya == 0)
                {
                    continue;
                }

                var row = gram.AsSpan(a * f, f);
                for (var b = 0; b < f; b++)
                {
                    row[b] += ya * yi[b];
                }
            }
        }

        for (var a = 0; a < f; a++)
        {
            gram[(a * f) + a] += s.Regularization;
        }

        var n = rows.Start.Length - 1;
        Parallel.For(
            0,
            n,
            () => new double[3 * f],
            (u, _, buf) =>
            {
                Solve(rows, u, solve.AsSpan(u * f, f), fixedF, gram, s, buf);
                return buf;
            },
            _ => { });
    }

    private static void Solve(SparseRows rows, int u, Span<double> x, double[] fixedF, double[] gram, ImplicitAlsSettings s, double[] buf)
    {
        var f = x.Length;
        var r = buf.AsSpan(0, f);
        var p = buf.AsSpan(f, f);
        var ap = buf.AsSpan(2 * f, f);

        // r = b − A x with A = YᵀY + λI + Σ (c − 1) yᵢyᵢᵀ and b = Σ c yᵢ.
        MulGram(gram, x, r);
        for (var k = 0; k < f; k++)
        {
            r[k] = -r[k];
        }

        for (var q = rows.Start[u]; q < rows.Start[u + 1]; q++)
        {
            var yi = fixedF.AsSpan(rows.Columns[q] * f, f);
            var c = 1 + (s.Alpha * rows.Values[q]);
            Axpy(c - ((c - 1) * Dot(yi, x)), yi, r);
        }

        r.CopyTo(p);
        var rsOld = Dot(r, r);
        for (var step = 0; step < s.CgSteps; step++)
        {
            if (rsOld < 1e-20)
            {
                break;
            }

            MulGram(gram, p, ap);
            for (var q = rows.Start[u]; q < rows.Start[u + 1]; q++)
            {
                var yi = fixedF.AsSpan(rows.Columns[q] * f, f);
                var c = 1 + (s.Alpha * rows.Values[q]);
                Axpy((c - 1) * Dot(yi, p), yi, ap);
            }

            var alpha = rsOld / Dot(p, ap);
            Axpy(alpha, p, x);
            Axpy(-alpha, ap, r);
            var rsNew = Dot(r, r);
            if (rsNew < 1e-20)
            {
                break;
            }

            var beta = rsNew / rsOld;
            for (var k = 0; k < f; k++)
            {
                p[k] = r[k] + (beta * p[k]);
            }

            rsOld = rsNew;
        }
    }

    private static void MulGram(double[] gram, ReadOnlySpan<double> v, Span<double> result)
    {
        var f = v.Length;
        for (var a = 0; a < f; a++)
        {
            result[a] = Dot(gram.AsSpan(a * f, f), v);
        }
    }

    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        for (var k = 0; k < a.Length; k++)
        {
            sum += a[k] * b[k];
        }

        return sum;
    }

    private static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        for (var k = 0; k < x.Length; k++)
        {
            y[k] += a * x[k];
        }
    }

    /// <summary>CSR rows with values.</summary>
    internal sealed class SparseRows(int[] start, int[] columns, double[] values)
    {
        public int[] Start { get; } = start;

        public int[] Columns { get; } = columns;

        public double[] Values { get; } = values;

        public SparseRows Transpose(int columnCount)
        {
            var t = new int[columnCount + 1];
            foreach (var c in Columns)
            {
                t[c + 1]++;
            }

            for (var j = 0; j < columnCount; j++)
            {
                t[j + 1] += t[j];
            }

            var fill = t[..^1].ToArray();
            var cols = new int[Columns.Length];
            var vals = new double[Columns.Length];
            for (var r = 0; r < Start.Length - 1; r++)
            {
                for (var q = Start[r]; q < Start[r + 1]; q++)
                {
                    var at = fill[Columns[q]]++;
                    cols[at] = r;
                    vals[at] = Values[q];
                }
            }

            return new SparseRows(t, cols, vals);
        }
    }
}

/// <summary>
/// A fitted implicit-feedback factor model: score(u, i) = xᵤ · yᵢ. Recommends the best unbought items; the reason names the purchase whose
/// factors are closest (largest yᵢ · yⱼ) to the recommended item. Unknown customers get popular items.
/// </summary>
/// <remarks>
/// <para>Scoring is exact but prunes: a single-precision copy of the item factors gives every item's score within a proven bound,
/// |s̃ − s| ≤ (f + 4)·2⁻²³·‖xᵤ‖‖yⱼ‖ (the float dot product's error, at most γ_f·Σ|xₖyₖ| (Higham 2002, §3.1), plus the rounding of both vectors to
/// float, doubled); only the items whose upper bound reaches the K-th largest lower bound are scored in double precision, in the same
/// order and with the same arithmetic as a full scan, so the result equals the full scan's bit for bit.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class ImplicitAlsModel : IRecommender
{
    // Factors up to this magnitude keep single precision far from overflow and underflow is covered by the absolute slack.
    private const double FloatSafe = 1e15;
    private const double AbsoluteSlack = 1e-30;
    private readonly PurchaseHistory _history;
    private readonly double[] _x;
    private readonly double[] _y;
    private const int Lanes = 16;
    private readonly float[] _panels; // single-precision item factors in panels of 16 items: [(block · f + k) · 16 + lane]
    private readonly double[] _yNorm;
    private readonly bool _pruning;
    private readonly double _eps;
    private readonly int[] _popular;

    internal ImplicitAlsModel(PurchaseHistory history, int factors, double[] x, double[] y)
    {
        _history = history;
        Factors = factors;
        _x = x;
        _y = y;
        _popular = PopularityRecommender.Ranking(history);
        var items = y.Length / factors;
        _panels = new float[checked((items + Lanes - 1) / Lanes * factors * Lanes)];
        _yNorm = new double[items];
        _pruning = true;
        for (var k = 0; k < y.Length; k++)
        {
            var (j, kf) = Math.DivRem(k, factors);
            _panels[((((j / Lanes) * factors) + kf) * Lanes) + (j % Lanes)] = (float)y[k];
            _pruning &= Math.Abs(y[k]) < FloatSafe;
        }

        for (var j = 0; j < items; j++)
        {
            _yNorm[j] = Math.Sqrt(ImplicitAls.Dot(y.AsSpan(j * factors, factors), y.AsSpan(j * factors, factors))) * (1 + 1e-12);
        }

        _eps = (factors + 4) * Math.ScaleB(1.0, -23);
    }

    /// <summary>Gets the number of latent factors.</summary>
    public int Factors { get; }

    internal double[] UserFactors => _x;

    internal double[] ItemFactors => _y;

    /// <summary>Returns the model's score of a customer and an item, or <see langword="null"/> when either is unknown.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="item">The item.</param>
    /// <returns>xᵤ · yᵢ or null.</returns>
    public double? Score(string customerId, string item)
    {
        var u = _history.IndexOfCustomer(customerId);
        var i = _history.IndexOfItem(item);
        return u < 0 || i < 0 ? null : ImplicitAls.Dot(_x.AsSpan(u * Factors, Factors), _y.AsSpan(i * Factors, Factors));
    }

    /// <inheritdoc/>
    public IReadOnlyList<ItemRecommendation> Recommend(string customerId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var items = new int[count];
        var scores = new double[count];
        var n = RecommendInto(customerId, items, scores);
        var u = _history.IndexOfCustomer(customerId);
        var owned = u < 0 ? [] : _history.ItemsOfIndex(u);
        var f = Factors;
        var list = new ItemRecommendation[n];
        for (var q = 0; q < n; q++)
        {
            var j = items[q];
            if (owned.IsEmpty)
            {
                list[q] = new ItemRecommendation(_history.Items[j], 0, new RecommendationReason(RecommendationReasonKind.Popular, null));
                continue;
            }

            var best = -1;
            var bestScore = double.NegativeInfinity;
            foreach (var i in owned)
            {
                var s = ImplicitAls.Dot(_y.AsSpan(i * f, f), _y.AsSpan(j * f, f));
                if (s > bestScore)
                {
                    (best, bestScore) = (i, s);
                }
            }

            list[q] = new ItemRecommendation(_history.Items[j], scores[q], new RecommendationReason(RecommendationReasonKind.Model, best < 0 ? null : _history.Items[best]));
        }

        return list;
    }

    /// <summary>
    /// Writes a customer's best unbought items into caller buffers without allocating (after the first call on a thread): item indices
    /// into <see cref="PurchaseHistory.Items"/> of the history the model was fitted on, best first, and their scores xᵤ · yⱼ (ties by
    /// index). A customer who is unknown or has no purchases gets the most popular items with score 0.
    /// </summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="items">Receives the item indices; its length is K (at least 1).</param>
    /// <param name="scores">Receives the scores; at least as long as <paramref name="items"/>.</param>
    /// <returns>The number of items written (fewer than K only when fewer items are left).</returns>
    /// <exception cref="ArgumentException"><paramref name="items"/> is empty or <paramref name="scores"/> is shorter.</exception>
    public int RecommendInto(string customerId, Span<int> items, Span<double> scores) => RecommendInto(customerId, items, scores, AlsScoringKernel.Auto);

    /// <summary><see cref="RecommendInto(string, Span{int}, Span{double})"/> with the single-precision scoring kernel chosen (tests).</summary>
    internal int RecommendInto(string customerId, Span<int> items, Span<double> scores, AlsScoringKernel kernel)
    {
        if (items.IsEmpty || scores.Length < items.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected 1 ≤ items.Length ≤ scores.Length, not {items.Length} and {scores.Length}."), nameof(items));
        }

        var count = items.Length;
        var u = _history.IndexOfCustomer(customerId);
        var owned = u < 0 ? [] : _history.ItemsOfIndex(u);
        if (owned.IsEmpty)
        {
            var m = 0;
            for (var p = 0; p < _popular.Length && m < count; p++)
            {
                items[m] = _popular[p];
                scores[m++] = 0;
            }

            return m;
        }

        var f = Factors;
        var xu = _x.AsSpan(u * f, f);
        var nItems = _yNorm.Length;
        var xNorm = Math.Sqrt(ImplicitAls.Dot(xu, xu)) * (1 + 1e-12);
        var pruning = _pruning && xNorm < FloatSafe && nItems - owned.Length > count;
        var n = 0;
        if (!pruning)
        {
            var o = 0;
            for (var j = 0; j < nItems; j++)
            {
                if (o < owned.Length && owned[o] == j)
                {
                    o++;
                    continue;
                }

                n = ItemCfRecommender.Insert(items, scores, n, count, j, ImplicitAls.Dot(xu, _y.AsSpan(j * f, f)));
            }

            return n;
        }

        var padded = _panels.Length / f;
        var approx = System.Buffers.ArrayPool<double>.Shared.Rent(padded);
        var lowest = System.Buffers.ArrayPool<double>.Shared.Rent(count);
        Span<float> xf = stackalloc float[f <= 256 ? f : 0];
        var xfArray = f <= 256 ? null : new float[f];
        if (xfArray is not null)
        {
            xf = xfArray;
        }

        try
        {
            // Single-precision scores of every item (panel kernel), owned items set to −∞ so that no bound below selects them.
            for (var k = 0; k < f; k++)
            {
                xf[k] = (float)xu[k];
            }

            ApproxScores(xf, approx.AsSpan(0, padded), kernel == AlsScoringKernel.Auto ? BestKernel : kernel);
            foreach (var j in owned)
            {
                approx[j] = double.NegativeInfinity;
            }

            // τ = the K-th largest lower bound among unbought items (a min-heap of K lower bounds). More than K items are unbought, so −∞
            // entries never end up in the heap's K largest. Vector blocks whose lower bounds are all below the heap's minimum are skipped.
            var slack = _eps * xNorm;
            var size = 0;
            var width = System.Numerics.Vector<double>.Count;
            var vSlack = new System.Numerics.Vector<double>(slack);
            var vAbs = new System.Numerics.Vector<double>(AbsoluteSlack);
            var j0 = 0;
            for (; j0 < count && j0 < nItems; j0++)
            {
                MinHeap.Push(lowest, size++, approx[j0] - (slack * _yNorm[j0]) - AbsoluteSlack);
            }

            for (; j0 < nItems && j0 % width != 0; j0++)
            {
                MinHeap.Offer(lowest, size, approx[j0] - (slack * _yNorm[j0]) - AbsoluteSlack);
            }

            for (; j0 + width <= nItems; j0 += width)
            {
                var low = new System.Numerics.Vector<double>(approx, j0) - (vSlack * new System.Numerics.Vector<double>(_yNorm, j0)) - vAbs;
                if (System.Numerics.Vector.GreaterThanAny(low, new System.Numerics.Vector<double>(lowest[0])))
                {
                    for (var q = 0; q < width; q++)
                    {
                        MinHeap.Offer(lowest, size, low[q]);
                    }
                }
            }

            for (; j0 < nItems; j0++)
            {
                MinHeap.Offer(lowest, size, approx[j0] - (slack * _yNorm[j0]) - AbsoluteSlack);
            }

            // Exact scores of the items whose upper bound reaches τ, in index order as in a full scan.
            var tau = lowest[0];
            var vTau = new System.Numerics.Vector<double>(tau);
            var j1 = 0;
            for (; j1 + width <= nItems; j1 += width)
            {
                var high = new System.Numerics.Vector<double>(approx, j1) + (vSlack * new System.Numerics.Vector<double>(_yNorm, j1)) + vAbs;
                if (System.Numerics.Vector.GreaterThanOrEqualAny(high, vTau))
                {
                    for (var q = 0; q < width; q++)
                    {
                        if (high[q] >= tau)
                        {
                            n = ItemCfRecommender.Insert(items, scores, n, count, j1 + q, ImplicitAls.Dot(xu, _y.AsSpan((j1 + q) * f, f)));
                        }
                    }
                }
            }

            for (; j1 < nItems; j1++)
            {
                if (approx[j1] + (slack * _yNorm[j1]) + AbsoluteSlack >= tau)
                {
                    n = ItemCfRecommender.Insert(items, scores, n, count, j1, ImplicitAls.Dot(xu, _y.AsSpan(j1 * f, f)));
                }
            }

            return n;
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(lowest);
            System.Buffers.ArrayPool<double>.Shared.Return(approx);
        }
    }

    /// <summary>The widest scoring kernel this machine runs in hardware: AVX-512, else AVX2 with FMA (Vector256), else Vector128 (x64
    /// without AVX2, Arm64, a NativeAOT executable built for x86-64-v2), else scalar.</summary>
    internal static AlsScoringKernel BestKernel { get; } =
        Vector512.IsHardwareAccelerated ? AlsScoringKernel.Vector512
        : Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? AlsScoringKernel.Vector256
        : Vector128.IsHardwareAccelerated ? AlsScoringKernel.Vector128
        : AlsScoringKernel.Scalar;

    // approx[j] = Σ_k xf[k] · y_j[k] in single precision for every item (padding included), 16 items at a time over one contiguous panel:
    // broadcast x_k times the panel's row k (one 16-lane vector, or two 8-lane vectors), independent accumulators. Summation order differs
    // from a sequential dot product and between kernels; the pruning slack bounds the error of any order (Higham 2002, §3.1:
    // |error| ≤ γ_f Σ|x_k y_k|), and the selected items are rescored exactly in double, so every kernel gives the same top-K.
    private void ApproxScores(ReadOnlySpan<float> xf, Span<double> approx, AlsScoringKernel kernel)
    {
        switch (kernel)
        {
            case AlsScoringKernel.Vector512:
                ApproxScores512(xf, approx);
                break;
            case AlsScoringKernel.Vector256:
                ApproxScores256(xf, approx);
                break;
            case AlsScoringKernel.Vector128:
                ApproxScores128(xf, approx);
                break;
            default:
                ApproxScoresScalar(xf, approx);
                break;
        }
    }

    private void ApproxScores512(ReadOnlySpan<float> xf, Span<double> approx)
    {
        unchecked
        {
            var f = xf.Length;
            var blocks = approx.Length / Lanes;
            ReadOnlySpan<float> panel = _panels;
            for (var b = 0; b < blocks; b++)
            {
                var a0 = Vector512<float>.Zero;
                var a1 = a0;
                var a2 = a0;
                var a3 = a0;
                var at = b * f * Lanes;
                var k = 0;
                for (; k + 4 <= f; k += 4, at += 4 * Lanes)
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(xf[k]), Vector512.Create(panel.Slice(at, Lanes)), a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(xf[k + 1]), Vector512.Create(panel.Slice(at + Lanes, Lanes)), a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(xf[k + 2]), Vector512.Create(panel.Slice(at + (2 * Lanes), Lanes)), a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(xf[k + 3]), Vector512.Create(panel.Slice(at + (3 * Lanes), Lanes)), a3);
                }

                for (; k < f; k++, at += Lanes)
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(xf[k]), Vector512.Create(panel.Slice(at, Lanes)), a0);
                }

                var (lo, hi) = Vector512.Widen((a0 + a1) + (a2 + a3));
                lo.CopyTo(approx.Slice(b * Lanes, 8));
                hi.CopyTo(approx.Slice((b * Lanes) + 8, 8));
            }
        }
    }

    // AVX2 + FMA: each 16-item panel row is two 8-lane vectors; four factors per step, so eight independent accumulators (enough to
    // cover the FMA latency at two FMAs per cycle).
    private void ApproxScores256(ReadOnlySpan<float> xf, Span<double> approx)
    {
        unchecked
        {
            const int Half = Lanes / 2;
            var f = xf.Length;
            var blocks = approx.Length / Lanes;
            ReadOnlySpan<float> panel = _panels;
            for (var b = 0; b < blocks; b++)
            {
                Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
                var at = b * f * Lanes;
                var k = 0;
                for (; k + 4 <= f; k += 4, at += 4 * Lanes)
                {
                    var x0 = Vector256.Create(xf[k]);
                    var x1 = Vector256.Create(xf[k + 1]);
                    var x2 = Vector256.Create(xf[k + 2]);
                    var x3 = Vector256.Create(xf[k + 3]);
                    var row = panel.Slice(at, 4 * Lanes);
                    a0 = Vector256.FusedMultiplyAdd(x0, Vector256.Create(row[..Half]), a0);
                    b0 = Vector256.FusedMultiplyAdd(x0, Vector256.Create(row.Slice(Half, Half)), b0);
                    a1 = Vector256.FusedMultiplyAdd(x1, Vector256.Create(row.Slice(Lanes, Half)), a1);
                    b1 = Vector256.FusedMultiplyAdd(x1, Vector256.Create(row.Slice(Lanes + Half, Half)), b1);
                    a2 = Vector256.FusedMultiplyAdd(x2, Vector256.Create(row.Slice(2 * Lanes, Half)), a2);
                    b2 = Vector256.FusedMultiplyAdd(x2, Vector256.Create(row.Slice((2 * Lanes) + Half, Half)), b2);
                    a3 = Vector256.FusedMultiplyAdd(x3, Vector256.Create(row.Slice(3 * Lanes, Half)), a3);
                    b3 = Vector256.FusedMultiplyAdd(x3, Vector256.Create(row.Slice((3 * Lanes) + Half, Half)), b3);
                }

                for (; k < f; k++, at += Lanes)
                {
                    var x0 = Vector256.Create(xf[k]);
                    a0 = Vector256.FusedMultiplyAdd(x0, Vector256.Create(panel.Slice(at, Half)), a0);
                    b0 = Vector256.FusedMultiplyAdd(x0, Vector256.Create(panel.Slice(at + Half, Half)), b0);
                }

                var (l0, l1) = Vector256.Widen((a0 + a1) + (a2 + a3));
                var (h0, h1) = Vector256.Widen((b0 + b1) + (b2 + b3));
                var target = approx.Slice(b * Lanes, Lanes);
                l0.CopyTo(target[..4]);
                l1.CopyTo(target.Slice(4, 4));
                h0.CopyTo(target.Slice(8, 4));
                h1.CopyTo(target.Slice(12, 4));
            }
        }
    }

    // Four 4-lane vectors per panel row, two factors per step: eight independent accumulators. MultiplyAddEstimate is a fused
    // multiply-add where the hardware has one (Arm64) and a multiply and an add where it has not (x86-64-v2): either is within the
    // slack, which bounds the error of unfused products and sums.
    private void ApproxScores128(ReadOnlySpan<float> xf, Span<double> approx)
    {
        unchecked
        {
            const int Q = Lanes / 4;
            var f = xf.Length;
            var blocks = approx.Length / Lanes;
            ReadOnlySpan<float> panel = _panels;
            for (var b = 0; b < blocks; b++)
            {
                Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default, c0 = default, c1 = default, c2 = default, c3 = default;
                var at = b * f * Lanes;
                var k = 0;
                for (; k + 2 <= f; k += 2, at += 2 * Lanes)
                {
                    var x0 = Vector128.Create(xf[k]);
                    var x1 = Vector128.Create(xf[k + 1]);
                    var row = panel.Slice(at, 2 * Lanes);
                    a0 = Vector128.MultiplyAddEstimate(x0, Vector128.Create(row[..Q]), a0);
                    a1 = Vector128.MultiplyAddEstimate(x0, Vector128.Create(row.Slice(Q, Q)), a1);
                    a2 = Vector128.MultiplyAddEstimate(x0, Vector128.Create(row.Slice(2 * Q, Q)), a2);
                    a3 = Vector128.MultiplyAddEstimate(x0, Vector128.Create(row.Slice(3 * Q, Q)), a3);
                    c0 = Vector128.MultiplyAddEstimate(x1, Vector128.Create(row.Slice(Lanes, Q)), c0);
                    c1 = Vector128.MultiplyAddEstimate(x1, Vector128.Create(row.Slice(Lanes + Q, Q)), c1);
                    c2 = Vector128.MultiplyAddEstimate(x1, Vector128.Create(row.Slice(Lanes + (2 * Q), Q)), c2);
                    c3 = Vector128.MultiplyAddEstimate(x1, Vector128.Create(row.Slice(Lanes + (3 * Q), Q)), c3);
                }

                if (k < f)
                {
                    var x0 = Vector128.Create(xf[k]);
                    var row = panel.Slice(at, Lanes);
                    a0 = Vector128.MultiplyAddEstimate(x0, Vector128.Create(row[..Q]), a0);
                    a1 = Vector128.MultiplyAddEstimate(x0, Vector128.Create(row.Slice(Q, Q)), a1);
                    a2 = Vector128.MultiplyAddEstimate(x0, Vector128.Create(row.Slice(2 * Q, Q)), a2);
                    a3 = Vector128.MultiplyAddEstimate(x0, Vector128.Create(row.Slice(3 * Q, Q)), a3);
                }

                var target = approx.Slice(b * Lanes, Lanes);
                WidenTo(a0 + c0, target[..Q]);
                WidenTo(a1 + c1, target.Slice(Q, Q));
                WidenTo(a2 + c2, target.Slice(2 * Q, Q));
                WidenTo(a3 + c3, target.Slice(3 * Q, Q));
            }
        }

        static void WidenTo(Vector128<float> sum, Span<double> target)
        {
            var (lower, upper) = Vector128.Widen(sum);
            lower.CopyTo(target);
            upper.CopyTo(target[2..]);
        }
    }

    private void ApproxScoresScalar(ReadOnlySpan<float> xf, Span<double> approx)
    {
        unchecked
        {
            var f = xf.Length;
            var blocks = approx.Length / Lanes;
            for (var b = 0; b < blocks; b++)
            {
                var at = b * f * Lanes;
                for (var lane = 0; lane < Lanes; lane++)
                {
                    var sum = 0f;
                    for (var k = 0; k < f; k++)
                    {
                        sum += xf[k] * _panels[at + (k * Lanes) + lane];
                    }

                    approx[(b * Lanes) + lane] = sum;
                }
            }
        }
    }
}

/// <summary>The single-precision panel kernel of <see cref="ImplicitAlsModel.RecommendInto(string, Span{int}, Span{double})"/>.</summary>
internal enum AlsScoringKernel
{
    /// <summary>The widest kernel the hardware runs (<see cref="ImplicitAlsModel.BestKernel"/>).</summary>
    Auto = 0,

    /// <summary>Portable scalar loop.</summary>
    Scalar = 1,

    /// <summary>8-lane vectors with fused multiply-add (AVX2 + FMA on x64).</summary>
    Vector256 = 2,

    /// <summary>16-lane vectors with fused multiply-add (AVX-512).</summary>
    Vector512 = 3,

    /// <summary>4-lane vectors, multiply-add fused where the hardware has it (x64 without AVX2, Arm64, x86-64-v2 NativeAOT code).</summary>
    Vector128 = 4,
}
