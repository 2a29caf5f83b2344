namespace CemCore.Clv;

/// <summary>A smooth objective to minimize: returns f(x) and writes ∇f(x). Non-finite values mean "outside the domain".</summary>
internal interface IObjective
{
    /// <summary>Evaluates the objective and its gradient.</summary>
    double Evaluate(ReadOnlySpan<double> x, Span<double> gradient);
}

/// <summary>Outcome of <see cref="Bfgs.Minimize"/>.</summary>
internal readonly record struct BfgsResult(double[] X, double Value, double[] Gradient, int Iterations, int Evaluations, bool Converged, string Message);

/// <summary>
/// Dense BFGS with a strong-Wolfe line search (Nocedal &amp; Wright 2006, Algorithms 6.1, 3.5 and 3.6), for the few-parameter BTYD fits.
/// Converged when ‖∇f‖∞ ≤ gradient tolerance, or when f stops decreasing (relative change ≤ 1e-15 for 3 iterations) with a small gradient.
/// </summary>
internal static class Bfgs
{
    public static BfgsResult Minimize(IObjective objective, double[] start, int maxIterations, double gradientTolerance)
    {
        var n = start.Length;
        var x = (double[])start.Clone();
        var g = new double[n];
        var f = objective.Evaluate(x, g);
        var evaluations = 1;
        if (!double.IsFinite(f) || !AllFinite(g))
        {
            return new BfgsResult(x, f, g, 0, evaluations, false, "The objective is not finite at the starting point.");
        }

        var h = Identity(n);
        var d = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        var s = new double[n];
        var y = new double[n];
        var hy = new double[n];
        var stalls = 0;
        for (var iter = 0; iter < maxIterations; iter++)
        {
            if (NormInf(g) <= gradientTolerance)
            {
                return new BfgsResult(x, f, g, iter, evaluations, true, "Gradient norm below tolerance.");
            }

            for (var i = 0; i < n; i++)
            {
                var sum = 0.0;
                for (var j = 0; j < n; j++)
                {
                    sum -= h[(i * n) + j] * g[j];
                }

                d[i] = sum;
            }

            var slope = Dot(g, d);
            if (!(slope < 0.0))
            {
                ResetIdentity(h, n);
                for (var i = 0; i < n; i++)
                {
                    d[i] = -g[i];
                }

                slope = Dot(g, d);
            }

            var initialStep = iter == 0 ? Math.Min(1.0, 1.0 / Math.Max(NormInf(g), 1e-300)) : 1.0;
            var step = LineSearch(objective, x, f, g, d, slope, initialStep, xNew, gNew, out var fNew, ref evaluations);
            if (step <= 0.0)
            {
                if (!IsIdentity(h, n))
                {
                    ResetIdentity(h, n);
                    continue;
                }

                var small = NormInf(g) <= Math.Sqrt(gradientTolerance);
                return new BfgsResult(x, f, g, iter, evaluations, small, small
                    ? "Line search made no progress at a near-stationary point."
                    : "Line search failed to find a lower value.");
            }

            for (var i = 0; i < n; i++)
            {
                s[i] = xNew[i] - x[i];
                y[i] = gNew[i] - g[i];
            }

            var sy = Dot(s, y);
            if (sy > 1e-300)
            {
                if (iter == 0 || IsIdentity(h, n))
                {
                    var scale = sy / Dot(y, y);
                    for (var i = 0; i < n; i++)
                    {
                        h[(i * n) + i] = scale;
                    }
                }

                // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
                var rho = 1.0 / sy;
                for (var i = 0; i < n; i++)
                {
                    var sum = 0.0;
                    for (var j = 0; j < n; j++)
                    {
                        sum += h[(i * n) + j] * y[j];
                    }

                    hy[i] = sum;
                }

                var yhy = Dot(y, hy);
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        h[(i * n) + j] += (((1.0 + (rho * yhy)) * rho * s[i] * s[j]) - (rho * ((hy[i] * s[j]) + (s[i] * hy[j]))));
                    }
                }
            }

            var change = Math.Abs(f - fNew) / Math.Max(Math.Max(Math.Abs(f), Math.Abs(fNew)), 1.0);
            stalls = change <= 1e-15 ? stalls + 1 : 0;
            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            f = fNew;
            if (stalls >= 3 && NormInf(g) <= Math.Sqrt(gradientTolerance))
            {
                return new BfgsResult(x, f, g, iter + 1, evaluations, true, "Objective stopped decreasing at a near-stationary point.");
            }
        }

        var done = NormInf(g) <= gradientTolerance;
        return new BfgsResult(x, f, g, maxIterations, evaluations, done, done ? "Gradient norm below tolerance." : "Iteration limit reached.");
    }

    private static double LineSearch(
        IObjective objective, double[] x, double f0, double[] g0, double[] d, double slope0, double initialStep,
        double[] xOut, double[] gOut, out double fOut, ref int evaluations)
    {
        const double c1 = 1e-4, c2 = 0.9;
        double prevStep = 0.0, prevF = f0, prevSlope = slope0;
        var step = initialStep;
        fOut = f0;
        for (var i = 0; i < 40; i++)
        {
            var f = Eval(objective, x, d, step, xOut, gOut, ref evaluations);
            if (!double.IsFinite(f))
            {
                // Outside the domain: shrink towards the last good step.
                step = prevStep + ((step - prevStep) * 0.25);
                continue;
            }

            if (f > f0 + (c1 * step * slope0) || (i > 0 && f >= prevF))
            {
                return Zoom(objective, x, f0, slope0, d, prevStep, prevF, prevSlope, step, f, xOut, gOut, out fOut, ref evaluations);
            }

            var slope = Dot(gOut, d);
            if (Math.Abs(slope) <= -c2 * slope0)
            {
                fOut = f;
                return step;
            }

            if (slope >= 0.0)
            {
                return Zoom(objective, x, f0, slope0, d, step, f, slope, prevStep, prevF, xOut, gOut, out fOut, ref evaluations);
            }

            prevStep = step;
            prevF = f;
            prevSlope = slope;
            step *= 2.0;
        }

        return 0.0;
    }

    private static double Zoom(
        IObjective objective, double[] x, double f0, double slope0, double[] d,
        double lo, double fLo, double slopeLo, double hi, double fHi,
        double[] xOut, double[] gOut, out double fOut, ref int evaluations)
    {
        const double c1 = 1e-4, c2 = 0.9;
        _ = fHi;
        for (var i = 0; i < 60; i++)
        {
            // Quadratic interpolation from (lo, fLo, slopeLo) and (hi, fHi), safeguarded to the middle 80% of the bracket.
            var width = hi - lo;
            var denom = 2.0 * (fHi - fLo - (slopeLo * width));
            var step = denom > 0.0 ? lo - (slopeLo * width * width / denom) : lo + (0.5 * width);
            var lowEdge = Math.Min(lo, hi) + (0.1 * Math.Abs(width));
            var highEdge = Math.Max(lo, hi) - (0.1 * Math.Abs(width));
            if (!(step >= lowEdge && step <= highEdge))
            {
                step = lo + (0.5 * width);
            }

            var f = Eval(objective, x, d, step, xOut, gOut, ref evaluations);
            if (!double.IsFinite(f) || f > f0 + (c1 * step * slope0) || f >= fLo)
            {
                hi = step;
                fHi = double.IsFinite(f) ? f : double.MaxValue;
            }
            else
            {
                var slope = Dot(gOut, d);
                if (Math.Abs(slope) <= -c2 * slope0)
                {
                    fOut = f;
                    return step;
                }

                if (slope * (hi - lo) >= 0.0)
                {
                    hi = lo;
                    fHi = fLo;
                }

                lo = step;
                fLo = f;
                slopeLo = slope;
            }

            if (Math.Abs(hi - lo) <= 1e-16 * Math.Max(1.0, Math.Abs(lo)))
            {
                break;
            }
        }

        // Accept the best point seen if it decreased f (the Wolfe curvature condition may be unreachable at machine precision).
        if (lo > 0.0 && fLo < f0)
        {
            fOut = Eval(objective, x, d, lo, xOut, gOut, ref evaluations);
            return lo;
        }

        fOut = f0;
        return 0.0;
    }

    private static double Eval(IObjective objective, double[] x, double[] d, double step, double[] xOut, double[] gOut, ref int evaluations)
    {
        for (var i = 0; i < x.Length; i++)
        {
            xOut[i] = x[i] + (step * d[i]);
        }

        evaluations++;
        var f = objective.Evaluate(xOut, gOut);
        return double.IsFinite(f) && AllFinite(gOut) ? f : double.NaN;
    }

    private static double[] Identity(int n)
    {
        var h = new double[n * n];
        ResetIdentity(h, n);
        return h;
    }

    private static void ResetIdentity(double[] h, int n)
    {
        Array.Clear(h);
        for (var i = 0; i < n; i++)
        {
            h[(i * n) + i] = 1.0;
        }
    }

    private static bool IsIdentity(double[] h, int n)
    {
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                if (h[(i * n) + j] != (i == j ? 1.0 : 0.0))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    internal static double NormInf(ReadOnlySpan<double> a)
    {
        var m = 0.0;
        foreach (var v in a)
        {
            m = Math.Max(m, Math.Abs(v));
        }

        return m;
    }

    private static bool AllFinite(ReadOnlySpan<double> a)
    {
        foreach (var v in a)
        {
            if (!double.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Wraps a value-only function with a central-difference gradient (step 1e-5·max(1,|xᵢ|)).</summary>
internal sealed class NumericGradientObjective(Func<double[], double> value, int dimension) : IObjective
{
    private readonly double[] _work = new double[dimension];

    public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
    {
        x.CopyTo(_work);
        var f = value(_work);
        if (!double.IsFinite(f))
        {
            return double.NaN;
        }

        for (var i = 0; i < x.Length; i++)
        {
            var h = 1e-5 * Math.Max(1.0, Math.Abs(x[i]));
            _work[i] = x[i] + h;
            var fp = value(_work);
            _work[i] = x[i] - h;
            var fm = value(_work);
            _work[i] = x[i];
            gradient[i] = (fp - fm) / (2.0 * h);
        }

        return f;
    }
}
