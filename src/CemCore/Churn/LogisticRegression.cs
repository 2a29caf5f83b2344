using System.Globalization;
using System.Numerics.Tensors;
using CemCore.Sources;

namespace CemCore.Churn;

/// <summary>
/// Trains <see cref="LogisticRegressionModel"/>s: L2-regularized logistic regression with scikit-learn's conventions, solved by
/// Newton's method (iteratively reweighted least squares) with a backtracking Armijo line search.
/// </summary>
/// <remarks>
/// <para>Objective (scikit-learn <c>LogisticRegression(penalty="l2", C=C, class_weight=…)</c>, User Guide §1.1.11):
/// minimize <c>0.5 · ‖w‖² + C · Σᵢ sᵢ · [log(1 + exp(zᵢ)) − yᵢ zᵢ]</c>, <c>zᵢ = b + x̃ᵢ · w</c>, where the intercept <c>b</c> is not penalized,
/// <c>sᵢ</c> is the class weight of row <c>i</c> and <c>x̃</c> are the features standardized with the training mean and population standard
/// deviation (scikit-learn <c>StandardScaler</c>; a constant column gets scale 1, so its standardized value is 0 and its coefficient 0).</para>
/// <para>The objective is strictly convex in <c>w</c> and, with both classes present, has a unique finite minimizer even when a feature
/// separates the classes perfectly: the L2 penalty bounds <c>‖w‖</c> (no infinite coefficients as in unpenalized maximum likelihood).</para>
/// <para>Convergence: the largest absolute component of the gradient divided by <c>C · Σ sᵢ</c> (the gradient of the mean weighted loss plus
/// <c>‖w‖² / (2 C Σ sᵢ)</c>) is at most <see cref="LogisticRegressionSettings.Tolerance"/>. A fit that does not converge still returns the
/// last iterate, with <see cref="LogisticRegressionDiagnostics.Status"/> saying why.</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
public static class LogisticRegression
{
    private const int Block = 512;

    /// <summary>Fits a model.</summary>
    /// <param name="features">The training features; NaN is missing and handled by <see cref="LogisticRegressionSettings.MissingValues"/>.</param>
    /// <param name="labels">One label per row: <see langword="true"/> = churned (class 1).</param>
    /// <param name="settings">The settings; <see langword="null"/> means <see cref="LogisticRegressionSettings.Default"/>.</param>
    /// <param name="cancellationToken">Checked every 512 rows of every pass.</param>
    /// <returns>The model; check <see cref="LogisticRegressionModel.Diagnostics"/> for convergence.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">No rows, a label count different from the row count, or only one class among the labels.</exception>
    /// <exception cref="DataFormatException">An infinite value, a missing value under <see cref="MissingValueStrategy.Reject"/>, or a column with no
    /// value at all under <see cref="MissingValueStrategy.ImputeTrainingMean"/> (the message names the column and row).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static LogisticRegressionModel Fit(
        FeatureMatrix features,
        ReadOnlySpan<bool> labels,
        LogisticRegressionSettings? settings = null,
        CancellationToken cancellationToken = default) => FitWeighted(features, labels, [], settings, cancellationToken);

    /// <summary>Fits a model with a weight per row (scikit-learn <c>sample_weight</c>): row <c>i</c>'s loss is multiplied by
    /// <c>sampleWeights[i]</c> times its class weight. An empty span means every row has weight 1.</summary>
    internal static LogisticRegressionModel FitWeighted(
        FeatureMatrix features,
        ReadOnlySpan<bool> labels,
        ReadOnlySpan<double> sampleWeights,
        LogisticRegressionSettings? settings,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(features);
        settings ??= LogisticRegressionSettings.Default;
        var n = features.RowCount;
        var k = features.ColumnCount;
        if (n == 0)
        {
            throw new ArgumentException("The training data has no rows.", nameof(features));
        }

        if (labels.Length != n)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {n} labels (one per row) but got {labels.Length}."), nameof(labels));
        }

        var positives = 0;
        foreach (var l in labels)
        {
            positives += l ? 1 : 0;
        }

        if (positives == 0 || positives == n)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The labels contain a single class ({n} rows, all {(positives == 0 ? "0 (not churned)" : "1 (churned)")}); training needs both classes."),
                nameof(labels));
        }

        var names = features.ColumnArray;
        var x = features.Values;
        var fill = ComputeFill(x, n, k, names, settings.MissingValues);

        // Standardize into a feature-major copy: z[j·n + i].
        var means = new double[k];
        var scales = new double[k];
        var z = new double[checked(n * k)];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var v = x[(i * k) + j];
                z[(j * n) + i] = double.IsNaN(v) ? fill[j] : v;
            }
        }

        for (var j = 0; j < k; j++)
        {
            var col = z.AsSpan(j * n, n);
            if (!settings.Standardize)
            {
                means[j] = 0;
                scales[j] = 1;
                continue;
            }

            // Standardize in units of the column's largest magnitude: sums of squares of values near 1e308 overflowed to infinity, the
            // scale became infinite and the column (however predictive) was silently zeroed.
            var min = double.PositiveInfinity;
            var max = double.NegativeInfinity;
            foreach (var v in col)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            var unit = Math.Max(Math.Abs(min), Math.Abs(max));
            if (min == max || unit == 0)
            {
                means[j] = min;
                scales[j] = 1.0;
                col.Clear();
                continue;
            }

            var invUnit = 1.0 / unit;
            double meanUnits = 0;
            foreach (var v in col)
            {
                meanUnits += v * invUnit;
            }

            meanUnits /= n;
            double ss = 0;
            foreach (var v in col)
            {
                var d = (v * invUnit) - meanUnits;
                ss += d * d;
            }

            var sdUnits = Math.Sqrt(ss / n);
            means[j] = meanUnits * unit;
            scales[j] = sdUnits * unit;
            var inv = 1.0 / sdUnits;
            for (var i = 0; i < col.Length; i++)
            {
                col[i] = ((col[i] * invUnit) - meanUnits) * inv;
            }
        }

        if (!sampleWeights.IsEmpty && sampleWeights.Length != n)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {n} sample weights (one per row) but got {sampleWeights.Length}."), nameof(sampleWeights));
        }

        var (wNeg, wPos) = settings.ClassWeights.Resolve(n - positives, positives);
        var y = new double[n];
        var sw = new double[n];
        var totalWeight = 0.0;
        var positiveWeight = 0.0;
        for (var i = 0; i < n; i++)
        {
            var rowWeight = sampleWeights.IsEmpty ? 1.0 : sampleWeights[i];
            if (!(double.IsFinite(rowWeight) && rowWeight > 0))
            {
                throw new ArgumentOutOfRangeException(nameof(sampleWeights), rowWeight, string.Create(CultureInfo.InvariantCulture, $"Sample weight {i} must be finite and > 0."));
            }

            y[i] = labels[i] ? 1.0 : 0.0;
            sw[i] = (labels[i] ? wPos : wNeg) * rowWeight;
            totalWeight += sw[i];
            positiveWeight += labels[i] ? sw[i] : 0.0;
        }

        var solver = new NewtonSolver(z, y, sw, n, k, settings.C * totalWeight, cancellationToken);
        var theta = new double[k + 1];
        theta[k] = Math.Log(positiveWeight / (totalWeight - positiveWeight));
        var diagnostics = solver.Solve(theta, settings.Tolerance, settings.MaxIterations);
        var scale = settings.C * totalWeight;
        var objective = diagnostics.Objective * scale;
        return new LogisticRegressionModel(
            names, means, scales, theta.AsSpan(0, k).ToArray(), theta[k], settings.Standardize, settings.MissingValues, fill,
            settings.C, settings.ClassWeights, n, diagnostics with { Objective = objective });
    }

    private static double[] ComputeFill(ReadOnlySpan<double> x, int n, int k, string[] names, MissingValuePolicy policy)
    {
        var sums = new double[k];
        var counts = new int[k];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var v = x[(i * k) + j];
                if (double.IsNaN(v))
                {
                    if (policy.Strategy == MissingValueStrategy.Reject)
                    {
                        throw LogisticRegressionModel.MissingValue(names[j], i);
                    }
                }
                else if (double.IsInfinity(v))
                {
                    throw LogisticRegressionModel.Infinite(names[j], i);
                }
                else
                {
                    sums[j] += v;
                    counts[j]++;
                }
            }
        }

        var fill = new double[k];
        for (var j = 0; j < k; j++)
        {
            fill[j] = policy.Strategy switch
            {
                MissingValueStrategy.ImputeConstant => policy.Constant,
                MissingValueStrategy.ImputeTrainingMean => counts[j] > 0
                    ? sums[j] / counts[j]
                    : throw new DataFormatException("every training value of the column is missing, so there is no mean to impute.", null, null, names[j]),
                _ => double.NaN,
            };
        }

        return fill;
    }

    /// <summary>Newton/IRLS on the scaled objective F(θ) = Σ sᵢ ℓᵢ / S + ‖w‖² / (2 C S), θ = (w, b).</summary>
    private sealed class NewtonSolver(double[] z, double[] y, double[] sw, int n, int k, double cs, CancellationToken cancellationToken)
    {
        private readonly int _p = k + 1;
        private readonly double _totalWeight = SumOf(sw);

        public LogisticRegressionDiagnostics Solve(double[] theta, double tolerance, int maxIterations)
        {
            var p = _p;
            var g = new double[p];
            var h = new double[p * p];
            var gTrial = new double[p];
            var hTrial = new double[p * p];
            var d = new double[p];
            var trial = new double[p];
            var f = Evaluate(theta, g, h);
            var iterations = 0;
            while (true)
            {
                var gNorm = Math.Abs(TensorPrimitives.MaxMagnitude<double>(g));
                if (gNorm <= tolerance)
                {
                    return new LogisticRegressionDiagnostics(iterations, gNorm, f, LogisticRegressionStatus.Converged);
                }

                if (iterations >= maxIterations)
                {
                    return new LogisticRegressionDiagnostics(iterations, gNorm, f, LogisticRegressionStatus.MaxIterationsReached);
                }

                SolveNewton(h, g, d, p);
                var slope = TensorPrimitives.Dot<double>(g, d);
                if (!(slope < 0))
                {
                    // Not a descent direction (H numerically singular): fall back to steepest descent.
                    TensorPrimitives.Negate<double>(g, d);
                    slope = -TensorPrimitives.Dot<double>(g, g);
                }

                var alpha = 1.0;
                var accepted = false;
                for (var ls = 0; ls < 40; ls++)
                {
                    for (var j = 0; j < p; j++)
                    {
                        trial[j] = theta[j] + (alpha * d[j]);
                    }

                    var fTrial = Evaluate(trial, gTrial, hTrial);
                    if (fTrial <= f + (1e-4 * alpha * slope) + (1e-15 * Math.Abs(f)))
                    {
                        Array.Copy(trial, theta, p);
                        Array.Copy(gTrial, g, p);
                        Array.Copy(hTrial, h, p * p);
                        f = fTrial;
                        accepted = true;
                        break;
                    }

                    alpha *= 0.5;
                }

                iterations++;
                if (!accepted)
                {
                    return new LogisticRegressionDiagnostics(iterations, Math.Abs(TensorPrimitives.MaxMagnitude<double>(g)), f, LogisticRegressionStatus.LineSearchFailed);
                }
            }
        }

        /// <summary>Returns F(θ) and fills the gradient and Hessian (row-major p×p).</summary>
        private double Evaluate(double[] theta, double[] g, double[] h)
        {
            var p = _p;
            Array.Clear(g);
            Array.Clear(h);
            Span<double> zb = stackalloc double[Block];
            Span<double> r = stackalloc double[Block];
            Span<double> hw = stackalloc double[Block];
            Span<double> t = stackalloc double[Block];
            var loss = 0.0;
            var b = theta[k];
            for (var start = 0; start < n; start += Block)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var m = Math.Min(Block, n - start);
                var zs = zb[..m];
                zs.Fill(b);
                for (var j = 0; j < k; j++)
                {
                    TensorPrimitives.MultiplyAdd(z.AsSpan((j * n) + start, m), theta[j], zs, zs);
                }

                var rs = r[..m];
                var hs = hw[..m];
                for (var i = 0; i < m; i++)
                {
                    var zi = zs[i];
                    var yi = y[start + i];
                    var wi = sw[start + i];
                    var e = Math.Exp(-Math.Abs(zi));
                    var softplus = Math.Max(zi, 0.0) + Math.Log(1.0 + e);
                    loss += wi * (softplus - (yi * zi));
                    var pi = zi >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
                    rs[i] = wi * (pi - yi);
                    hs[i] = wi * pi * (1.0 - pi);
                }

                var ts = t[..m];
                for (var j = 0; j < k; j++)
                {
                    var zj = z.AsSpan((j * n) + start, m);
                    g[j] += TensorPrimitives.Dot(zj, (ReadOnlySpan<double>)rs);
                    TensorPrimitives.Multiply(zj, (ReadOnlySpan<double>)hs, ts);
                    for (var l = j; l < k; l++)
                    {
                        h[(j * p) + l] += TensorPrimitives.Dot(ts, z.AsSpan((l * n) + start, m));
                    }

                    h[(j * p) + k] += TensorPrimitives.Sum<double>(ts);
                }

                g[k] += TensorPrimitives.Sum<double>(rs);
                h[(k * p) + k] += TensorPrimitives.Sum<double>(hs);
            }

            var invS = 1.0 / _totalWeight;
            var reg = 1.0 / cs;
            var penalty = 0.0;
            for (var j = 0; j < p; j++)
            {
                g[j] *= invS;
                for (var l = j; l < p; l++)
                {
                    h[(j * p) + l] *= invS;
                    h[(l * p) + j] = h[(j * p) + l];
                }
            }

            for (var j = 0; j < k; j++)
            {
                g[j] += reg * theta[j];
                h[(j * p) + j] += reg;
                penalty += theta[j] * theta[j];
            }

            return (loss * invS) + (0.5 * reg * penalty);
        }

        private static double SumOf(double[] values) => TensorPrimitives.Sum<double>(values);

        /// <summary>Solves H d = −g by Cholesky; adds a small ridge if H is not numerically positive definite.</summary>
        private static void SolveNewton(double[] h, double[] g, double[] d, int p)
        {
            var l = new double[p * p];
            var ridge = 0.0;
            for (var attempt = 0; attempt < 20; attempt++)
            {
                if (Cholesky(h, l, p, ridge))
                {
                    // Forward: L u = −g; backward: Lᵀ d = u.
                    for (var i = 0; i < p; i++)
                    {
                        var s = -g[i];
                        for (var j = 0; j < i; j++)
                        {
                            s -= l[(i * p) + j] * d[j];
                        }

                        d[i] = s / l[(i * p) + i];
                    }

                    for (var i = p - 1; i >= 0; i--)
                    {
                        var s = d[i];
                        for (var j = i + 1; j < p; j++)
                        {
                            s -= l[(j * p) + i] * d[j];
                        }

                        d[i] = s / l[(i * p) + i];
                    }

                    return;
                }

                ridge = ridge == 0 ? 1e-12 * Math.Max(1.0, MaxDiagonal(h, p)) : ridge * 10;
            }

            TensorPrimitives.Negate<double>(g, d);
        }

        private static double MaxDiagonal(double[] h, int p)
        {
            var m = 0.0;
            for (var i = 0; i < p; i++)
            {
                m = Math.Max(m, Math.Abs(h[(i * p) + i]));
            }

            return m;
        }

        private static bool Cholesky(double[] a, double[] l, int p, double ridge)
        {
            Array.Clear(l);
            for (var i = 0; i < p; i++)
            {
                for (var j = 0; j <= i; j++)
                {
                    var s = a[(i * p) + j] + (i == j ? ridge : 0.0);
                    for (var m = 0; m < j; m++)
                    {
                        s -= l[(i * p) + m] * l[(j * p) + m];
                    }

                    if (i == j)
                    {
                        if (!(s > 0))
                        {
                            return false;
                        }

                        l[(i * p) + i] = Math.Sqrt(s);
                    }
                    else
                    {
                        l[(i * p) + j] = s / l[(j * p) + j];
                    }
                }
            }

            return true;
        }
    }
}
