using CemCore.Clv;

namespace CemCore.Forecasting;

/// <summary>
/// R's conditional-sum-of-squares objective (<c>ARIMA_CSS</c>) with its exact gradient: the residual recursion
/// eₗ = wₗ − Σ φⱼ w_{l−j} − Σ θⱼ e_{l−j} (w the differenced x − Xβ, residuals before d + D·s + p + P·s set to zero) differentiated
/// forward in every coefficient direction (∂φ/∂cₘ and ∂θ/∂cₘ of the expanded polynomials, ∂w/∂βⱼ = −differenced regressor).
/// No allocation in steady state (thread-local workspace).
/// </summary>
internal sealed partial class ArimaProblem
{
    /// <summary>½ log(S/ν) at coefficients <paramref name="c"/> (R's order), and its gradient when <paramref name="gradient"/> is not empty; NaN when S = 0 or not finite.</summary>
    public double Css(ReadOnlySpan<double> c, Span<double> gradient)
    {
        var s = _spec;
        var ws = ArimaWorkspace.ForThread();
        var r = Math.Max(P, Q + 1);
        var n = X.Length;
        var k = c.Length;
        var narma = Narma;
        var kx = k - narma;
        var directions = gradient.IsEmpty ? 0 : k;
        ws.Ensure(P, r, n, k);
        ws.EnsureCss(n, directions);
        var phi = ws.Phi.AsSpan(0, P);
        var theta = ws.Theta.AsSpan(0, Q);
        var w = ws.Y.AsSpan(0, n);
        ExpandAndAdjust(c, phi, theta, w);
        DifferenceInPlace(w);
        var tw = r - 1;
        var dPhi = ws.DPhi.AsSpan(0, narma * P);
        var dTheta = ws.DTheta.AsSpan(0, narma * tw);
        var dW = ws.DY.AsSpan(0, kx * n);
        var de = ws.CssTangents.AsSpan(0, directions * n);
        if (directions > 0)
        {
            FillDirections(c, dPhi, dTheta, r);
            for (var j = 0; j < kx; j++)
            {
                var dst = dW.Slice(j * n, n);
                var col = _columns[j];
                for (var t = 0; t < n; t++)
                {
                    dst[t] = -col[t];
                }

                DifferenceInPlace(dst);
            }

            de.Clear();
        }

        var e = ws.CssResiduals.AsSpan(0, n);
        e.Clear();
        var dSsq = ws.DSsq.AsSpan(0, k);
        dSsq.Clear();
        var ncond = s.DifferencingLength + P;
        var ssq = 0.0;
        var nu = 0;
        for (var l = ncond; l < n; l++)
        {
            var jm = Math.Min(l - ncond, Q);
            var t = w[l];
            for (var j = 0; j < P; j++)
            {
                t -= phi[j] * w[l - j - 1];
            }

            for (var j = 0; j < jm; j++)
            {
                t -= theta[j] * e[l - j - 1];
            }

            e[l] = t;
            nu++;
            ssq += t * t;
            for (var m = 0; m < directions; m++)
            {
                var dm = de.Slice(m * n, n);
                double dt;
                if (m < narma)
                {
                    dt = 0.0;
                    var dp = dPhi.Slice(m * P, P);
                    for (var j = 0; j < P; j++)
                    {
                        dt -= dp[j] * w[l - j - 1];
                    }

                    var dq = dTheta.Slice(m * tw, tw);
                    for (var j = 0; j < jm; j++)
                    {
                        dt -= (dq[j] * e[l - j - 1]) + (theta[j] * dm[l - j - 1]);
                    }
                }
                else
                {
                    var dw = dW.Slice((m - narma) * n, n);
                    dt = dw[l];
                    for (var j = 0; j < P; j++)
                    {
                        dt -= phi[j] * dw[l - j - 1];
                    }

                    for (var j = 0; j < jm; j++)
                    {
                        dt -= theta[j] * dm[l - j - 1];
                    }
                }

                dm[l] = dt;
                dSsq[m] += 2.0 * t * dt;
            }
        }

        if (!(nu > 0 && ssq > 0.0) || !double.IsFinite(ssq))
        {
            return double.NaN;
        }

        for (var m = 0; m < directions; m++)
        {
            gradient[m] = 0.5 * dSsq[m] / ssq;
        }

        return 0.5 * Math.Log(ssq / nu);
    }

    /// <summary>Applies (1 − B)^d then (1 − B^s)^D in place, leaving the first values partially differenced (R's ARIMA_CSS).</summary>
    private void DifferenceInPlace(Span<double> w)
    {
        var s = _spec;
        var n = w.Length;
        for (var i = 0; i < s.Differences; i++)
        {
            for (var l = n - 1; l > 0; l--)
            {
                w[l] -= w[l - 1];
            }
        }

        for (var i = 0; i < s.SeasonalDifferences; i++)
        {
            for (var l = n - 1; l >= s.Period; l--)
            {
                w[l] -= w[l - s.Period];
            }
        }
    }
}

/// <summary>BFGS objective of the CSS fit: coefficients with the regression part scaled (R's <c>parscale</c>), exact gradient.</summary>
internal sealed class ArimaCssObjective(ArimaProblem problem) : IObjective
{
    private readonly double[] _c = new double[problem.Names.Length];

    public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
    {
        x.CopyTo(_c);
        var narma = problem.Narma;
        for (var j = 0; j < problem.RegressionScaleCount; j++)
        {
            _c[narma + j] *= problem.RegressionScale(j);
        }

        var f = problem.Css(_c, gradient);
        if (!double.IsFinite(f))
        {
            return double.NaN;
        }

        for (var j = 0; j < problem.RegressionScaleCount; j++)
        {
            gradient[narma + j] *= problem.RegressionScale(j);
        }

        return f;
    }
}
