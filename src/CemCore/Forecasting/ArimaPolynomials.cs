using System.Numerics;
using MathNet.Numerics;

namespace CemCore.Forecasting;

/// <summary>Polynomial helpers with R <c>stats::arima</c>'s conventions (AR 1 − Σφz, MA 1 + Σθz).</summary>
internal static class ArimaPolynomials
{
    /// <summary>Expands (1 − Σ aᵢBⁱ)(1 − Σ Aⱼ B^{js}) into φ (R's <c>ARIMA_transPars</c>); with <paramref name="plus"/> the MA product with + signs.</summary>
    public static double[] Expand(ReadOnlySpan<double> nonSeasonal, ReadOnlySpan<double> seasonal, int period, bool plus)
    {
        var result = new double[nonSeasonal.Length + (seasonal.Length * period)];
        Expand(nonSeasonal, seasonal, period, plus, result);
        return result;
    }

    /// <summary>As <see cref="Expand(ReadOnlySpan{double}, ReadOnlySpan{double}, int, bool)"/> into <paramref name="result"/> (length p + P·s), no allocation.</summary>
    public static void Expand(ReadOnlySpan<double> nonSeasonal, ReadOnlySpan<double> seasonal, int period, bool plus, Span<double> result)
    {
        var p = nonSeasonal.Length;
        var sp = seasonal.Length;
        result.Clear();
        nonSeasonal.CopyTo(result);
        for (var j = 0; j < sp; j++)
        {
            result[((j + 1) * period) - 1] += seasonal[j];
            for (var i = 0; i < p; i++)
            {
                var cross = nonSeasonal[i] * seasonal[j];
                result[((j + 1) * period) + i] += plus ? cross : -cross;
            }
        }
    }

    /// <summary>The differencing polynomial δ with (1 − B)^d (1 − B^s)^D = 1 − Σ δₖ Bᵏ (R's <c>Delta</c>).</summary>
    public static double[] Differencing(int d, int seasonalD, int period)
    {
        double[] poly = [1.0];
        for (var i = 0; i < d; i++)
        {
            poly = Multiply(poly, [1.0, -1.0]);
        }

        for (var i = 0; i < seasonalD; i++)
        {
            var s = new double[period + 1];
            s[0] = 1.0;
            s[period] = -1.0;
            poly = Multiply(poly, s);
        }

        var delta = new double[poly.Length - 1];
        for (var k = 1; k < poly.Length; k++)
        {
            delta[k - 1] = -poly[k];
        }

        return delta;
    }

    /// <summary>Applies the differences to a series (length n − d − D·s).</summary>
    public static double[] Difference(ReadOnlySpan<double> x, int d, int seasonalD, int period)
    {
        var y = x.ToArray();
        for (var i = 0; i < d; i++)
        {
            y = Lagged(y, 1);
        }

        for (var i = 0; i < seasonalD; i++)
        {
            y = Lagged(y, period);
        }

        return y;
    }

    private static double[] Lagged(double[] y, int lag)
    {
        if (y.Length <= lag)
        {
            return [];
        }

        var r = new double[y.Length - lag];
        for (var t = 0; t < r.Length; t++)
        {
            r[t] = y[t + lag] - y[t];
        }

        return r;
    }

    private static double[] Multiply(double[] a, double[] b)
    {
        var r = new double[a.Length + b.Length - 1];
        for (var i = 0; i < a.Length; i++)
        {
            for (var j = 0; j < b.Length; j++)
            {
                r[i + j] += a[i] * b[j];
            }
        }

        return r;
    }

    /// <summary>R's <c>partrans</c>: unconstrained values → tanh → partial autocorrelations → AR coefficients (Durbin–Levinson).</summary>
    public static void PacfToAr(ReadOnlySpan<double> raw, Span<double> ar)
    {
        var p = raw.Length;
        Span<double> work = stackalloc double[p];
        for (var j = 0; j < p; j++)
        {
            work[j] = ar[j] = Math.Tanh(raw[j]);
        }

        for (var j = 1; j < p; j++)
        {
            var a = ar[j];
            for (var k = 0; k < j; k++)
            {
                work[k] -= a * ar[j - k - 1];
            }

            for (var k = 0; k < j; k++)
            {
                ar[k] = work[k];
            }
        }
    }

    /// <summary>
    /// <see cref="PacfToAr(ReadOnlySpan{double}, Span{double})"/> with its Jacobian, <paramref name="jacobian"/>[i·p + m] = ∂arᵢ/∂rawₘ (forward-mode through tanh and the
    /// Durbin–Levinson recursion).
    /// </summary>
    public static void PacfToAr(ReadOnlySpan<double> raw, Span<double> ar, Span<double> jacobian)
    {
        var p = raw.Length;
        Span<double> work = stackalloc double[p];
        Span<double> dwork = stackalloc double[p * p];
        jacobian[..(p * p)].Clear();
        for (var j = 0; j < p; j++)
        {
            var t = Math.Tanh(raw[j]);
            work[j] = ar[j] = t;
            dwork[(j * p) + j] = jacobian[(j * p) + j] = 1.0 - (t * t);
        }

        for (var j = 1; j < p; j++)
        {
            var a = ar[j];
            for (var k = 0; k < j; k++)
            {
                var o = j - k - 1;
                work[k] -= a * ar[o];
                for (var m = 0; m < p; m++)
                {
                    dwork[(k * p) + m] -= (jacobian[(j * p) + m] * ar[o]) + (a * jacobian[(o * p) + m]);
                }
            }

            for (var k = 0; k < j; k++)
            {
                ar[k] = work[k];
                dwork.Slice(k * p, p).CopyTo(jacobian.Slice(k * p, p));
            }
        }
    }

    /// <summary>The inverse of <see cref="PacfToAr(ReadOnlySpan{double}, Span{double})"/> (R's <c>invpartrans</c>); false when the AR part is not stationary.</summary>
    public static bool ArToPacf(ReadOnlySpan<double> ar, Span<double> raw)
    {
        var p = ar.Length;
        Span<double> work = stackalloc double[p];
        Span<double> cur = stackalloc double[p];
        ar.CopyTo(cur);
        for (var j = p - 1; j > 0; j--)
        {
            var a = cur[j];
            if (!(Math.Abs(a) < 1.0))
            {
                return false;
            }

            for (var k = 0; k < j; k++)
            {
                work[k] = (cur[k] + (a * cur[j - k - 1])) / (1.0 - (a * a));
            }

            for (var k = 0; k < j; k++)
            {
                cur[k] = work[k];
            }
        }

        for (var j = 0; j < p; j++)
        {
            if (!(Math.Abs(cur[j]) < 1.0))
            {
                return false;
            }

            raw[j] = Math.Atanh(cur[j]);
        }

        return true;
    }

    /// <summary>Whether 1 − Σ φᵢ zⁱ has all roots outside the unit circle.</summary>
    public static bool IsStationary(ReadOnlySpan<double> ar)
    {
        Span<double> raw = stackalloc double[ar.Length];
        return ArToPacf(ar, raw);
    }

    /// <summary>R's <c>maInvert</c>: reflects the roots of 1 + Σ θᵢ zⁱ inside the unit circle to make the MA part invertible.</summary>
    public static double[] MaInvert(ReadOnlySpan<double> ma)
    {
        var q = ma.Length;
        var q0 = 0;
        for (var i = 0; i < q; i++)
        {
            if (ma[i] != 0.0)
            {
                q0 = i + 1;
            }
        }

        if (q0 == 0)
        {
            return ma.ToArray();
        }

        var coefficients = new double[q0 + 1];
        coefficients[0] = 1.0;
        ma[..q0].CopyTo(coefficients.AsSpan(1));
        var roots = FindRoots.Polynomial(coefficients);
        var any = false;
        for (var i = 0; i < roots.Length; i++)
        {
            if (roots[i].Magnitude < 1.0)
            {
                any = true;
                roots[i] = Complex.One / roots[i];
            }
        }

        if (!any)
        {
            return ma.ToArray();
        }

        var result = new double[q];
        if (q0 == 1)
        {
            result[0] = 1.0 / ma[0];
            return result;
        }

        // x = Π (1 − z / root)
        var x = new Complex[q0 + 1];
        x[0] = Complex.One;
        var len = 1;
        foreach (var root in roots)
        {
            for (var k = len; k >= 1; k--)
            {
                x[k] -= x[k - 1] / root;
            }

            len++;
        }

        for (var i = 0; i < q0; i++)
        {
            result[i] = x[i + 1].Real;
        }

        return result;
    }
}
