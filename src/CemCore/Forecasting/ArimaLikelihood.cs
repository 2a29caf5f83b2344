using CemCore.Clv;

namespace CemCore.Forecasting;

/// <summary>
/// The fast likelihood path of <see cref="ArimaProblem"/>: R's exact likelihood (the same filter as <see cref="ArimaProblem.Evaluate"/>:
/// ARMA states plus diffuse differencing states, κ = 10⁶) evaluated in a per-thread workspace without allocation, and its exact
/// gradient by the filter's tangent-linear recursion (<see cref="ArimaKalman.FilterWithGradient"/>).
/// </summary>
internal sealed partial class ArimaProblem
{
    public int RegressionScaleCount => _scale.Length;

    public double RegressionScale(int j) => _scale[j];

    /// <summary>
    /// The concentrated objective ½[log(S/n*) + Σ log Fₜ / n*] at coefficients <paramref name="c"/> (R's order), and its gradient
    /// with respect to <paramref name="c"/> when <paramref name="gradient"/> is not empty. NaN outside the admissible region.
    /// No allocation in steady state (thread-local workspace).
    /// </summary>
    public double Likelihood(ReadOnlySpan<double> c, Span<double> gradient, out double ssq, out int used)
    {
        ssq = double.NaN;
        used = 0;
        var s = _spec;
        if (!ArimaPolynomials.IsStationary(c.Slice(0, s.Ar)) || !ArimaPolynomials.IsStationary(c.Slice(s.Ar + s.Ma, s.SeasonalAr)))
        {
            return double.NaN;
        }

        var ws = ArimaWorkspace.ForThread();
        var kalman = ws.Kalman(P, Q, _spec);
        var r = Math.Max(P, Q + 1);
        var n = X.Length;
        var k = c.Length;
        var narma = Narma;
        var kx = k - narma;
        ws.Ensure(P, r, n, k);
        var phi = ws.Phi.AsSpan(0, P);
        var theta = ws.Theta.AsSpan(0, Q);
        var y = ws.Y.AsSpan(0, n);
        ExpandAndAdjust(c, phi, theta, y);

        double sumLog;
        bool ok;
        if (gradient.IsEmpty)
        {
            ok = kalman.Filter(phi, theta, y, out ssq, out sumLog, out used);
        }
        else
        {
            var dPhi = ws.DPhi.AsSpan(0, narma * P);
            var dTheta = ws.DTheta.AsSpan(0, narma * (r - 1));
            var dY = ws.DY.AsSpan(0, kx * n);
            FillDirections(c, dPhi, dTheta, r);
            for (var j = 0; j < kx; j++)
            {
                var col = _columns[j];
                var dst = dY.Slice(j * n, n);
                for (var t = 0; t < n; t++)
                {
                    dst[t] = -col[t];
                }
            }

            ok = kalman.FilterWithGradient(phi, theta, y, k, narma, dPhi, dTheta, dY, ws.DSsq, ws.DSumLog, out ssq, out sumLog, out used);
        }

        if (!ok || used == 0 || !(ssq > 0.0))
        {
            return double.NaN;
        }

        var obj = 0.5 * (Math.Log(ssq / used) + (sumLog / used));
        if (!double.IsFinite(obj))
        {
            return double.NaN;
        }

        for (var i = 0; i < gradient.Length; i++)
        {
            gradient[i] = 0.5 * ((ws.DSsq[i] / ssq) + (ws.DSumLog[i] / used));
        }

        return obj;
    }

    /// <summary>The expanded polynomials φ (P values) and θ (Q values) at coefficients <paramref name="c"/>, and y = x − Xβ.</summary>
    private void ExpandAndAdjust(ReadOnlySpan<double> c, Span<double> phi, Span<double> theta, Span<double> y)
    {
        var s = _spec;
        ArimaPolynomials.Expand(c.Slice(0, s.Ar), c.Slice(s.Ar + s.Ma, s.SeasonalAr), s.Period, plus: false, phi);
        ArimaPolynomials.Expand(c.Slice(s.Ar, s.Ma), c.Slice(s.Ar + s.Ma + s.SeasonalAr, s.SeasonalMa), s.Period, plus: true, theta);
        X.CopyTo(y);
        for (var j = 0; j < _columns.Length; j++)
        {
            var b = c[Narma + j];
            var col = _columns[j];
            for (var t = 0; t < y.Length; t++)
            {
                y[t] -= b * col[t];
            }
        }
    }

    /// <summary>The value-only likelihood as an <see cref="Evaluation"/>.</summary>
    public Evaluation EvaluateFast(ReadOnlySpan<double> c)
    {
        var obj = Likelihood(c, [], out var ssq, out var used);
        return double.IsFinite(obj) ? new Evaluation(true, obj, ssq, used) : Evaluation.Failed;
    }

    /// <summary>Optimizer vector → coefficients into <paramref name="c"/>, with the Jacobians of the two PACF → AR maps.</summary>
    public void FromRaw(ReadOnlySpan<double> raw, Span<double> c, Span<double> arJacobian, Span<double> sarJacobian)
    {
        var s = _spec;
        raw.CopyTo(c);
        ArimaPolynomials.PacfToAr(raw.Slice(0, s.Ar), c.Slice(0, s.Ar), arJacobian);
        var o = s.Ar + s.Ma;
        ArimaPolynomials.PacfToAr(raw.Slice(o, s.SeasonalAr), c.Slice(o, s.SeasonalAr), sarJacobian);
        for (var j = 0; j < _columns.Length; j++)
        {
            c[Narma + j] = raw[Narma + j] * _scale[j];
        }
    }

    /// <summary>Standard errors from the Hessian of n*·objective by central differences of the exact gradient (σ² profiled out), as R's optimHess.</summary>
    public double[]? StandardErrorsFromGradient(double[] c)
    {
        var k = c.Length;
        if (k == 0)
        {
            return [];
        }

        var nUsed = X.Length - _spec.DifferencingLength;
        var work = (double[])c.Clone();
        var gp = new double[k];
        var gm = new double[k];
        var hess = new double[k * k];
        for (var i = 0; i < k; i++)
        {
            var h = i < Narma ? 1e-4 : 1e-3 * _scale[i - Narma];
            work[i] = c[i] + h;
            var fp = Likelihood(work, gp, out _, out _);
            work[i] = c[i] - h;
            var fm = Likelihood(work, gm, out _, out _);
            work[i] = c[i];
            if (!double.IsFinite(fp) || !double.IsFinite(fm))
            {
                return null;
            }

            for (var j = 0; j < k; j++)
            {
                hess[(i * k) + j] = nUsed * (gp[j] - gm[j]) / (2.0 * h);
            }
        }

        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(k, k, (i, j) => 0.5 * (hess[(i * k) + j] + hess[(j * k) + i]));
        var lu = m.LU();
        if (!(Math.Abs(lu.Determinant) > 0.0) || !double.IsFinite(lu.Determinant))
        {
            return null;
        }

        var inv = lu.Inverse();
        var se = new double[k];
        for (var j = 0; j < k; j++)
        {
            se[j] = inv[j, j] > 0.0 ? Math.Sqrt(inv[j, j]) : double.NaN;
        }

        return se;
    }

    /// <summary>∂φ/∂cₘ and ∂θ/∂cₘ of the expanded polynomials for every ARMA coefficient m (derivatives of <see cref="ArimaPolynomials.Expand(ReadOnlySpan{double}, ReadOnlySpan{double}, int, bool, Span{double})"/>).</summary>
    private void FillDirections(ReadOnlySpan<double> c, Span<double> dPhi, Span<double> dTheta, int r)
    {
        var s = _spec;
        var per = s.Period;
        dPhi.Clear();
        dTheta.Clear();
        var tw = r - 1;
        var m = 0;
        var ar = c.Slice(0, s.Ar);
        var ma = c.Slice(s.Ar, s.Ma);
        var sar = c.Slice(s.Ar + s.Ma, s.SeasonalAr);
        var sma = c.Slice(s.Ar + s.Ma + s.SeasonalAr, s.SeasonalMa);
        for (var i = 0; i < s.Ar; i++, m++)
        {
            var d = dPhi.Slice(m * P, P);
            d[i] += 1.0;
            for (var j = 0; j < s.SeasonalAr; j++)
            {
                d[((j + 1) * per) + i] -= sar[j];
            }
        }

        for (var i = 0; i < s.Ma; i++, m++)
        {
            var d = dTheta.Slice(m * tw, tw);
            d[i] += 1.0;
            for (var j = 0; j < s.SeasonalMa; j++)
            {
                d[((j + 1) * per) + i] += sma[j];
            }
        }

        for (var j = 0; j < s.SeasonalAr; j++, m++)
        {
            var d = dPhi.Slice(m * P, P);
            d[((j + 1) * per) - 1] += 1.0;
            for (var i = 0; i < s.Ar; i++)
            {
                d[((j + 1) * per) + i] -= ar[i];
            }
        }

        for (var j = 0; j < s.SeasonalMa; j++, m++)
        {
            var d = dTheta.Slice(m * tw, tw);
            d[((j + 1) * per) - 1] += 1.0;
            for (var i = 0; i < s.Ma; i++)
            {
                d[((j + 1) * per) + i] += ma[i];
            }
        }
    }
}

/// <summary>BFGS objective in the optimizer's coordinates (PACF-transformed AR parts, scaled regression) with the exact gradient.</summary>
internal sealed class ArimaMaximumLikelihoodObjective : IObjective
{
    private readonly ArimaProblem _problem;
    private readonly double[] _c;
    private readonly double[] _gc;
    private readonly double[] _arJacobian;
    private readonly double[] _sarJacobian;

    public ArimaMaximumLikelihoodObjective(ArimaProblem problem)
    {
        _problem = problem;
        var k = problem.Names.Length;
        _c = new double[k];
        _gc = new double[k];
        var s = problem.Specification;
        _arJacobian = new double[s.Ar * s.Ar];
        _sarJacobian = new double[s.SeasonalAr * s.SeasonalAr];
    }

    public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
    {
        var s = _problem.Specification;
        _problem.FromRaw(x, _c, _arJacobian, _sarJacobian);
        var f = _problem.Likelihood(_c, _gc, out _, out _);
        if (!double.IsFinite(f))
        {
            return double.NaN;
        }

        _gc.CopyTo(gradient);
        ChainAr(gradient, 0, s.Ar, _arJacobian);
        ChainAr(gradient, s.Ar + s.Ma, s.SeasonalAr, _sarJacobian);
        var narma = _problem.Narma;
        for (var j = 0; j < _problem.RegressionScaleCount; j++)
        {
            gradient[narma + j] = _gc[narma + j] * _problem.RegressionScale(j);
        }

        return f;
    }

    private void ChainAr(Span<double> gradient, int offset, int p, double[] jacobian)
    {
        for (var m = 0; m < p; m++)
        {
            var g = 0.0;
            for (var i = 0; i < p; i++)
            {
                g += _gc[offset + i] * jacobian[(i * p) + m];
            }

            gradient[offset + m] = g;
        }
    }
}

/// <summary>Per-thread buffers of the likelihood (grown, never shrunk) and ARMA filters by state shape, reused across fits and candidate models.</summary>
internal sealed class ArimaWorkspace
{
    private const int MaxFilters = 64;

    [ThreadStatic]
    private static ArimaWorkspace? _current;

    private readonly Dictionary<(int P, int Q, int D, int SD, int S), ArimaKalman> _filters = [];

    public double[] Phi { get; private set; } = [];

    public double[] Theta { get; private set; } = [];

    public double[] Y { get; private set; } = [];

    public double[] DPhi { get; private set; } = [];

    public double[] DTheta { get; private set; } = [];

    public double[] DY { get; private set; } = [];

    public double[] DSsq { get; private set; } = [];

    public double[] DSumLog { get; private set; } = [];

    public double[] CssResiduals { get; private set; } = [];

    public double[] CssTangents { get; private set; } = [];

    public static ArimaWorkspace ForThread() => _current ??= new ArimaWorkspace();

    public ArimaKalman Kalman(int p, int q, ArimaSpecification spec)
    {
        var key = (p, q, spec.Differences, spec.SeasonalDifferences, spec.SeasonalDifferences > 0 ? spec.Period : 1);
        if (_filters.TryGetValue(key, out var k))
        {
            return k;
        }

        if (_filters.Count >= MaxFilters)
        {
            _filters.Clear();
        }

        k = new ArimaKalman(p, q, ArimaPolynomials.Differencing(spec.Differences, spec.SeasonalDifferences, spec.Period));
        _filters[key] = k;
        return k;
    }

    public void Ensure(int p, int r, int n, int k)
    {
        Phi = Grow(Phi, p);
        Theta = Grow(Theta, r);
        Y = Grow(Y, n);
        DPhi = Grow(DPhi, k * p);
        DTheta = Grow(DTheta, k * r);
        DY = Grow(DY, k * n);
        DSsq = Grow(DSsq, k);
        DSumLog = Grow(DSumLog, k);
    }

    public void EnsureCss(int n, int directions)
    {
        CssResiduals = Grow(CssResiduals, n);
        CssTangents = Grow(CssTangents, directions * n);
    }

    private static double[] Grow(double[] a, int n) => a.Length >= n ? a : new double[Math.Max(n, 2 * a.Length)];
}
