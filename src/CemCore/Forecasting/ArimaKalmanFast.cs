namespace CemCore.Forecasting;

/// <summary>
/// The ARMA-block filter after the diffuse start (see ArimaKalmanReduction.cs), fused into one in-place pass per step over the upper
/// triangle of P. With T the companion matrix (φ in the first column, ones above the diagonal), R = θ̃ = (1, θ₁, …) and the previous
/// filtered covariance P: Pnew = S(P) + φgᵀ + gφᵀ + θ̃θ̃ᵀ with S(P)ᵢⱼ = P_{i+1,j+1} and gⱼ = φⱼP₀₀/2 + P_{0,j+1}; the gain vector is
/// m = Pnew e₀ (row 0), F = m₀, and the filtered P' = Pnew − m mᵀ/F. Row i of P' reads only row i + 1 of P, so the rows are overwritten
/// in increasing order. The dense work per entry is the shift and the rank-one term; the φ and θ̃ terms are added over their non-zero
/// entries only (seasonal polynomials are sparse). The tangents (Durbin &amp; Koopman 2001 §7.3) use the same pass:
/// dP' = S(dP) + dφgᵀ + g dφᵀ + φ dgᵀ + dg φᵀ + dθ̃θ̃ᵀ + θ̃dθ̃ᵀ − (dm/F − m dF/F²)mᵀ − (m/F)dmᵀ.
/// </summary>
internal sealed partial class ArimaKalman
{
    private double[] _g = [];
    private double[] _dg = [];
    private double[] _dmAll = [];
    private double[] _thetaFull = [];
    private double[] _dThetaFull = [];
    private int[] _nzPhi = [];
    private int[] _nzTheta = [];
    private int[] _nzDPhi = [];
    private int[] _nzDTheta = [];
    private int[] _nzDPhiCount = [];
    private int[] _nzDThetaCount = [];

    /// <summary>Value-only steps <paramref name="from"/>..n−1 on the reduced (or ARMA-only) state.</summary>
    private bool FastSteps(ReadOnlySpan<double> y, int from, ref double ssq, ref double sumLog, ref int used)
    {
        var r = _r;
        EnsureFast(0);
        var nzPhi = NonZeros(_phi, _nzPhi);
        var theta = ThetaFull();
        var nzTheta = NonZeros(theta, _nzTheta);
        var pm = _pMat;
        var a = _a;
        var g = _g;
        var m = _m;
        for (var l = from; l < y.Length; l++)
        {
            // State prediction, g, m, F.
            _ = PredictState(a, nzPhi);
            Gain(pm, nzPhi, nzTheta, theta, g, m);
            var f = m[0];
            var v = Observation(y, l) - a[0];
            if (!(f > 0.0) || !double.IsFinite(v))
            {
                return false;
            }

            if (f < 1e4)
            {
                used++;
                ssq += v * v / f;
                sumLog += Math.Log(f);
            }

            var inv = 1.0 / f;
            var sv = v * inv;
            for (var i = 0; i < r; i++)
            {
                a[i] += m[i] * sv;
            }

            ShiftMinusRankOne(pm, m, inv);
            AddSymmetric(pm, nzPhi, _phi, g);
            AddOuter(pm, nzTheta, theta);
        }

        MirrorUpper(pm);
        return true;
    }

    /// <summary>
    /// Value and tangent steps <paramref name="from"/>..n−1 on the reduced (or ARMA-only) state; the tangent buffers hold the
    /// filtered tangents of step <paramref name="from"/> − 1 at stride r.
    /// </summary>
    private bool FastStepsWithGradient(
        ReadOnlySpan<double> y, int from, int directions, int armaDirections, ReadOnlySpan<double> dPhi, ReadOnlySpan<double> dTheta,
        ReadOnlySpan<double> dY, Span<double> dSsq, Span<double> dSumLog, ref double ssq, ref double sumLog, ref int used)
    {
        var r = _r;
        var rr = r * r;
        var p = _p;
        var n = y.Length;
        EnsureFast(armaDirections);
        var nzPhi = NonZeros(_phi, _nzPhi);
        var theta = ThetaFull();
        var nzTheta = NonZeros(theta, _nzTheta);
        for (var d = 0; d < armaDirections; d++)
        {
            var dth = _dThetaFull.AsSpan(d * r, r);
            dth[0] = 0.0;
            dTheta.Slice(d * (r - 1), r - 1).CopyTo(dth[1..]);
            _nzDPhiCount[d] = NonZeros(dPhi.Slice(d * p, p), _nzDPhi.AsSpan(d * r, r)).Length;
            _nzDThetaCount[d] = NonZeros(dth, _nzDTheta.AsSpan(d * r, r)).Length;
        }

        var pm = _pMat;
        var a = _a;
        var g = _g;
        var m = _m;
        for (var l = from; l < n; l++)
        {
            var a0 = PredictState(a, nzPhi);
            for (var d = 0; d < directions; d++)
            {
                var da = _da.AsSpan(d * r, r);
                _ = PredictState(da, nzPhi);
                if (d < armaDirections)
                {
                    var dphi = dPhi.Slice(d * p, p);
                    foreach (var i in _nzDPhi.AsSpan(d * r, _nzDPhiCount[d]))
                    {
                        da[i] += dphi[i] * a0;
                    }
                }
            }

            // g, m from P; dg, dm from dP (all before any covariance is overwritten).
            Gain(pm, nzPhi, nzTheta, theta, g, m);
            var p00 = pm[0];
            for (var d = 0; d < armaDirections; d++)
            {
                var dp = _dP.AsSpan(d * rr, rr);
                var dg = _dg.AsSpan(d * r, r);
                var dm = _dmAll.AsSpan(d * r, r);
                var dphi = dPhi.Slice(d * p, p);
                var nzDPhi = _nzDPhi.AsSpan(d * r, _nzDPhiCount[d]);
                var dth = _dThetaFull.AsSpan(d * r, r);
                var nzDTheta = _nzDTheta.AsSpan(d * r, _nzDThetaCount[d]);
                var dp00 = dp[0];
                for (var j = 0; j < r - 1; j++)
                {
                    dg[j] = dp[j + 1];
                    dm[j] = r > 1 ? dp[r + j + 1] : 0.0;
                }

                dg[r - 1] = 0.0;
                dm[r - 1] = 0.0;
                foreach (var j in nzPhi)
                {
                    dg[j] += _phi[j] * dp00 * 0.5;
                }

                foreach (var j in nzDPhi)
                {
                    dg[j] += dphi[j] * p00 * 0.5;
                }

                // Row 0 of dφgᵀ + g dφᵀ + φ dgᵀ + dg φᵀ + dθ̃θ̃ᵀ + θ̃dθ̃ᵀ (θ̃₀ = 1, dθ̃₀ = 0).
                RowZero(dm, nzDPhi, dphi, g);
                RowZero(dm, nzPhi, _phi, dg);
                foreach (var j in nzDTheta)
                {
                    dm[j] += dth[j];
                }
            }

            var f = m[0];
            var v = Observation(y, l) - a[0];
            if (!(f > 0.0) || !double.IsFinite(v))
            {
                return false;
            }

            var counted = f < 1e4;
            if (counted)
            {
                used++;
                ssq += v * v / f;
                sumLog += Math.Log(f);
            }

            var inv = 1.0 / f;
            var sv = v * inv;
            for (var d = 0; d < directions; d++)
            {
                var da = _da.AsSpan(d * r, r);
                var dv = (d < armaDirections ? 0.0 : Observation(dY.Slice((d - armaDirections) * n, n), l)) - da[0];
                if (d >= armaDirections)
                {
                    var c = dv * inv;
                    for (var j = 0; j < r; j++)
                    {
                        da[j] += m[j] * c;
                    }

                    if (counted)
                    {
                        dSsq[d] += 2.0 * v * dv * inv;
                    }

                    continue;
                }

                var dm = _dmAll.AsSpan(d * r, r);
                var dF = dm[0];
                var cm = (dv * inv) - (v * dF * inv * inv);
                for (var j = 0; j < r; j++)
                {
                    da[j] += (dm[j] * sv) + (m[j] * cm);
                }

                if (counted)
                {
                    dSsq[d] += (2.0 * v * dv * inv) - (v * v * dF * inv * inv);
                    dSumLog[d] += dF * inv;
                }
            }

            for (var i = 0; i < r; i++)
            {
                a[i] += m[i] * sv;
            }

            for (var d = 0; d < armaDirections; d++)
            {
                var dp = _dP.AsSpan(d * rr, rr);
                var dm = _dmAll.AsSpan(d * r, r);
                var dF = dm[0];
                var fdf = dF * inv * inv;

                // dP' = S(dP) − (dm/F − m dF/F²) mᵀ − (m/F) dmᵀ (upper triangle, rows in increasing order), then the sparse terms.
                for (var i = 0; i < r; i++)
                {
                    var alpha = (dm[i] * inv) - (m[i] * fdf);
                    var beta = m[i] * inv;
                    var row = i * r;
                    var next = row + r + 1;
                    var last = i < r - 1 ? r - 1 : i;
                    for (var j = i; j < last; j++)
                    {
                        dp[row + j] = dp[next + j] - (alpha * m[j]) - (beta * dm[j]);
                    }

                    dp[row + r - 1] = -(alpha * m[r - 1]) - (beta * dm[r - 1]);
                }

                var dphi = dPhi.Slice(d * p, p);
                AddSymmetric(dp, _nzDPhi.AsSpan(d * r, _nzDPhiCount[d]), dphi, g);
                AddSymmetric(dp, nzPhi, _phi, _dg.AsSpan(d * r, r));
                AddSymmetric(dp, _nzDTheta.AsSpan(d * r, _nzDThetaCount[d]), _dThetaFull.AsSpan(d * r, r), theta);
            }

            ShiftMinusRankOne(pm, m, inv);
            AddSymmetric(pm, nzPhi, _phi, g);
            AddOuter(pm, nzTheta, theta);
        }

        MirrorUpper(pm);
        return true;
    }

    /// <summary>a := T a (T the companion matrix of φ); returns the previous a₀.</summary>
    private double PredictState(Span<double> a, ReadOnlySpan<int> nzPhi)
    {
        var r = _r;
        var a0 = a[0];
        a[1..r].CopyTo(a);
        a[r - 1] = 0.0;
        foreach (var i in nzPhi)
        {
            a[i] += _phi[i] * a0;
        }

        return a0;
    }

    /// <summary>g = φP₀₀/2 + P_{0,·+1} and m = row 0 of Pnew, from the previous filtered P (upper triangle, stride r).</summary>
    private void Gain(double[] pm, ReadOnlySpan<int> nzPhi, ReadOnlySpan<int> nzTheta, ReadOnlySpan<double> theta, Span<double> g, Span<double> m)
    {
        var r = _r;
        var p00 = pm[0];
        for (var j = 0; j < r - 1; j++)
        {
            g[j] = pm[j + 1];
            m[j] = pm[r + j + 1];
        }

        g[r - 1] = 0.0;
        m[r - 1] = 0.0;
        foreach (var j in nzPhi)
        {
            g[j] += _phi[j] * p00 * 0.5;
        }

        RowZero(m, nzPhi, _phi, g);
        foreach (var j in nzTheta)
        {
            m[j] += theta[j];
        }
    }

    /// <summary>m += row 0 of x gᵀ + g xᵀ for x with non-zeros at <paramref name="nz"/>: mⱼ += x₀gⱼ + g₀xⱼ.</summary>
    private void RowZero(Span<double> m, ReadOnlySpan<int> nz, ReadOnlySpan<double> x, ReadOnlySpan<double> g)
    {
        var r = _r;
        var g0 = g[0];
        foreach (var j in nz)
        {
            m[j] += g0 * x[j];
            if (j == 0)
            {
                var x0 = x[0];
                for (var k = 0; k < r; k++)
                {
                    m[k] += x0 * g[k];
                }
            }
        }
    }

    /// <summary>P := S(P) − m mᵀ/F on the upper triangle, in place, rows in increasing order.</summary>
    private void ShiftMinusRankOne(double[] pm, ReadOnlySpan<double> m, double inv)
    {
        var r = _r;
        for (var i = 0; i < r; i++)
        {
            var c = m[i] * inv;
            var row = i * r;
            var next = row + r + 1;
            var last = i < r - 1 ? r - 1 : i;
            for (var j = i; j < last; j++)
            {
                pm[row + j] = pm[next + j] - (c * m[j]);
            }

            pm[row + r - 1] = -(c * m[r - 1]);
        }
    }

    /// <summary>Upper triangle of P += x yᵀ + y xᵀ, x with non-zeros at <paramref name="nz"/>.</summary>
    private void AddSymmetric(Span<double> pm, ReadOnlySpan<int> nz, ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var r = _r;
        foreach (var i in nz)
        {
            var xi = x[i];
            var row = i * r;
            for (var j = i; j < r; j++)
            {
                pm[row + j] += xi * y[j];
            }

            for (var k = 0; k <= i; k++)
            {
                pm[(k * r) + i] += y[k] * xi;
            }
        }
    }

    /// <summary>Upper triangle of P += x xᵀ over the non-zeros of x.</summary>
    private void AddOuter(double[] pm, ReadOnlySpan<int> nz, ReadOnlySpan<double> x)
    {
        var r = _r;
        foreach (var i in nz)
        {
            foreach (var j in nz)
            {
                if (j >= i)
                {
                    pm[(i * r) + j] += x[i] * x[j];
                }
            }
        }
    }

    private void MirrorUpper(double[] pm)
    {
        var r = _r;
        for (var i = 0; i < r; i++)
        {
            for (var j = i + 1; j < r; j++)
            {
                pm[(j * r) + i] = pm[(i * r) + j];
            }
        }
    }

    /// <summary>θ̃ = (1, θ₁, …, θ_{r−1}).</summary>
    private ReadOnlySpan<double> ThetaFull()
    {
        _thetaFull[0] = 1.0;
        _theta.CopyTo(_thetaFull, 1);
        return _thetaFull;
    }

    private static ReadOnlySpan<int> NonZeros(ReadOnlySpan<double> x, Span<int> buffer)
    {
        var c = 0;
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] != 0.0)
            {
                buffer[c++] = i;
            }
        }

        return buffer[..c];
    }

    private void EnsureFast(int armaDirections)
    {
        var r = _r;
        if (_g.Length < r)
        {
            _g = new double[r];
            _thetaFull = new double[r];
            _nzPhi = new int[r];
            _nzTheta = new int[r];
        }

        if (_dg.Length < armaDirections * r)
        {
            _dg = new double[armaDirections * r];
            _dmAll = new double[armaDirections * r];
            _dThetaFull = new double[armaDirections * r];
            _nzDPhi = new int[armaDirections * r];
            _nzDPhiCount = new int[armaDirections];
            _nzDThetaCount = new int[armaDirections];
            _nzDTheta = new int[armaDirections * r];
        }
    }
}
