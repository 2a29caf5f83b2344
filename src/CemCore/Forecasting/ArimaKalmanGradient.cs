namespace CemCore.Forecasting;

/// <summary>
/// The tangent-linear (forward-mode) recursion of the Kalman filter (Durbin &amp; Koopman 2001 §7.3; Harvey 1989 §3.4.6): for each
/// parameter direction the derivatives of the predicted state, its covariance, the innovation vₜ and its variance Fₜ are carried
/// along with the filter, so that ∂S and ∂Σ log Fₜ (S = Σ vₜ²/Fₜ) are exact up to rounding. On the full state for the first d + D·s
/// steps, then on the ARMA block (see ArimaKalmanReduction.cs). The derivative of the stationary prior covariance is exact too
/// (the differentiated autocovariance system). All buffers are grown once and reused: no allocation per evaluation.
/// </summary>
internal sealed partial class ArimaKalman
{
    private double[] _da = [];
    private double[] _danew = [];
    private double[] _dP = [];
    private double[] _dPnew = [];
    private double[] _u = [];
    private double[] _dm = [];
    private double[] _dP0 = [];
    private double[] _dGamma = [];
    private double[] _dPsi = [];
    private double[] _dSystem = [];

    /// <summary>
    /// Runs the filter and its tangents. Directions 0..<paramref name="armaDirections"/>−1 move the expanded polynomials
    /// (<paramref name="dPhi"/>: p values each, <paramref name="dTheta"/>: r − 1 values each; y unchanged); the remaining directions
    /// move only the observations (<paramref name="dY"/>: n values each, the covariance does not depend on them).
    /// </summary>
    /// <returns>false when the ARMA part is not stationary or a variance is not positive.</returns>
    public bool FilterWithGradient(
        ReadOnlySpan<double> phi, ReadOnlySpan<double> theta, ReadOnlySpan<double> y, int directions, int armaDirections,
        ReadOnlySpan<double> dPhi, ReadOnlySpan<double> dTheta, ReadOnlySpan<double> dY, Span<double> dSsq, Span<double> dSumLog,
        out double ssq, out double sumLog, out int used)
    {
        ssq = 0.0;
        sumLog = 0.0;
        used = 0;
        FullDimension();
        var r = _r;
        var rd = _rd;
        var rr = rd * rd;
        var p = _p;
        var n = y.Length;
        EnsureTangents(directions, armaDirections);
        phi.CopyTo(_phi);
        Array.Clear(_theta);
        theta.CopyTo(_theta);
        dSsq[..directions].Clear();
        dSumLog[..directions].Clear();
        if (!InitialCovariance())
        {
            return false;
        }

        for (var i = 0; i < armaDirections; i++)
        {
            // The ARMA block of the prior moves; the diffuse block (κ) does not.
            var d0 = _dPnew.AsSpan(i * rr, rr);
            d0.Clear();
            InitialCovarianceTangent(dPhi.Slice(i * p, p), dTheta.Slice(i * (r - 1), r - 1), _dP0);
            for (var a = 0; a < r; a++)
            {
                _dP0.AsSpan(a * r, r).CopyTo(d0.Slice(a * rd, r));
            }
        }

        Array.Clear(_a);
        Array.Clear(_da, 0, directions * rd);
        var q = Math.Min(_q, r - 1);
        var generic = Math.Min(n, Math.Max(_ndFull, 1));
        for (var l = 0; l < generic; l++)
        {
            rd = _rd;
            rr = rd * rd;
            var first = l == 0;
            Predict(!first);

            // u = T P e₀ (previous filtered P) for the dT P Tᵀ = dφ uᵀ terms.
            if (!first)
            {
                var p00 = _pMat[0];
                for (var j = 0; j < r; j++)
                {
                    _u[j] = (j < p ? _phi[j] * p00 : 0.0) + (j < r - 1 ? _pMat[(j + 1) * rd] : 0.0);
                }

                if (_nd > 0)
                {
                    _u[r] = p00 + ZTail(_pMat, rd);
                    for (var j = r + 1; j < rd; j++)
                    {
                        _u[j] = _pMat[(j - 1) * rd];
                    }
                }
            }

            for (var i = 0; i < directions; i++)
            {
                var da = _da.AsSpan(i * rd, rd);
                var danew = _danew.AsSpan(i * rd, rd);
                var arma = i < armaDirections;
                var dphi = arma ? dPhi.Slice(i * p, p) : [];
                if (first)
                {
                    danew.Clear();
                    continue;
                }

                var a0 = _a[0];
                var da0 = da[0];
                for (var j = 0; j < r; j++)
                {
                    var t = j < r - 1 ? da[j + 1] : 0.0;
                    if (j < p)
                    {
                        t += _phi[j] * da0;
                        if (arma)
                        {
                            t += dphi[j] * a0;
                        }
                    }

                    danew[j] = t;
                }

                if (_nd > 0)
                {
                    danew[r] = da0 + ZTail(da, 1);
                    for (var j = r + 1; j < rd; j++)
                    {
                        danew[j] = da[j - 1];
                    }
                }

                if (!arma)
                {
                    continue;
                }

                // dPnew = T dP Tᵀ + dφ uᵀ + u dφᵀ + dR Rᵀ + R dRᵀ.
                var dPnew = _dPnew.AsSpan(i * rr, rr);
                Sandwich(_dP.AsSpan(i * rr, rr), _mm, dPnew);
                for (var a = 0; a < p; a++)
                {
                    var f = dphi[a];
                    if (f == 0.0)
                    {
                        continue;
                    }

                    for (var b = 0; b < rd; b++)
                    {
                        var v = f * _u[b];
                        dPnew[(a * rd) + b] += v;
                        dPnew[(b * rd) + a] += v;
                    }
                }

                var dth = dTheta.Slice(i * (r - 1), r - 1);
                for (var a = 0; a <= q; a++)
                {
                    var ta = a == 0 ? 1.0 : _theta[a - 1];
                    var dta = a == 0 ? 0.0 : dth[a - 1];
                    for (var b = 0; b <= q; b++)
                    {
                        var tb = b == 0 ? 1.0 : _theta[b - 1];
                        var dtb = b == 0 ? 0.0 : dth[b - 1];
                        dPnew[(a * rd) + b] += (dta * tb) + (ta * dtb);
                    }
                }
            }

            // M = Pnew Zᵀ, F = Z M, v = y − Z anew (Z = e₀ + Σ δₖ e_{r+k}).
            var resid = Observation(y, l) - _anew[0] - ZTail(_anew, 1);
            for (var i = 0; i < rd; i++)
            {
                _m[i] = _pNew[i * rd] + ZTail(_pNew.AsSpan(i * rd), 1);
            }

            var gain = _m[0] + ZTail(_m, 1);
            if (!(gain > 0.0) || !double.IsFinite(resid))
            {
                return false;
            }

            var counted = gain < 1e4;
            if (counted)
            {
                used++;
                ssq += resid * resid / gain;
                sumLog += Math.Log(gain);
            }

            var inv = 1.0 / gain;
            var scale = resid * inv;
            for (var i = 0; i < directions; i++)
            {
                var da = _da.AsSpan(i * rd, rd);
                var danew = _danew.AsSpan(i * rd, rd);
                var arma = i < armaDirections;
                var dv = (arma ? 0.0 : Observation(dY.Slice((i - armaDirections) * n, n), l)) - danew[0] - ZTail(danew, 1);
                if (!arma)
                {
                    var c = dv * inv;
                    for (var j = 0; j < rd; j++)
                    {
                        da[j] = danew[j] + (_m[j] * c);
                    }

                    if (counted)
                    {
                        dSsq[i] += 2.0 * resid * dv * inv;
                    }

                    continue;
                }

                var dPnew = _dPnew.AsSpan(i * rr, rr);
                var dP = _dP.AsSpan(i * rr, rr);
                var dm = _dm;
                for (var j = 0; j < rd; j++)
                {
                    dm[j] = dPnew[j * rd] + ZTail(dPnew.Slice(j * rd), 1);
                }

                var dF = dm[0] + ZTail(dm, 1);
                var cm = (dv * inv) - (resid * dF * inv * inv);
                for (var j = 0; j < rd; j++)
                {
                    da[j] = danew[j] + (dm[j] * scale) + (_m[j] * cm);
                }

                // dP = dPnew − (dM Mᵀ + M dMᵀ)/F + M Mᵀ dF/F².
                var fdf = dF * inv * inv;
                for (var a = 0; a < rd; a++)
                {
                    var ma = _m[a];
                    var dma = dm[a];
                    var row = a * rd;
                    for (var b = a; b < rd; b++)
                    {
                        var mb = _m[b];
                        var v = dPnew[row + b] - (((dma * mb) + (ma * dm[b])) * inv) + (ma * mb * fdf);
                        dP[row + b] = v;
                        dP[(b * rd) + a] = v;
                    }
                }

                if (counted)
                {
                    dSsq[i] += (2.0 * resid * dv * inv) - (resid * resid * dF * inv * inv);
                    dSumLog[i] += dF * inv;
                }
            }

            for (var i = 0; i < rd; i++)
            {
                _a[i] = _anew[i] + (_m[i] * scale);
            }

            for (var i = 0; i < rd; i++)
            {
                var mi = _m[i] * inv;
                var row = i * rd;
                for (var j = i; j < rd; j++)
                {
                    var v = _pNew[row + j] - (mi * _m[j]);
                    _pMat[row + j] = v;
                    _pMat[(j * rd) + i] = v;
                }
            }

            if (l + 1 == _ndFull)
            {
                Reduce(directions, armaDirections);
            }
        }

        if (generic < n && !FastStepsWithGradient(y, generic, directions, armaDirections, dPhi, dTheta, dY, dSsq, dSumLog, ref ssq, ref sumLog, ref used))
        {
            return false;
        }

        RestoreFull(y);
        return double.IsFinite(ssq) && double.IsFinite(sumLog);
    }

    /// <summary>Σ δₖ v[(r + k)·stride] over the non-zero δₖ (the differencing part of Z v, or of a column of a matrix with row stride).</summary>
    private double ZTail(ReadOnlySpan<double> v, int stride)
    {
        var t = 0.0;
        for (var k = 0; k < _nz; k++)
        {
            t += _deltaValue[k] * v[(_r + _deltaIndex[k]) * stride];
        }

        return t;
    }

    private void EnsureTangents(int directions, int armaDirections)
    {
        var r = _r;
        var rd = _rd;
        if (_da.Length < directions * rd)
        {
            _da = new double[directions * rd];
            _danew = new double[directions * rd];
        }

        if (_dP.Length < armaDirections * rd * rd)
        {
            _dP = new double[armaDirections * rd * rd];
            _dPnew = new double[armaDirections * rd * rd];
        }

        if (_u.Length < rd)
        {
            _u = new double[rd];
            _dm = new double[rd];
            _dP0 = new double[r * r];
            _dGamma = new double[r + 1];
            _dPsi = new double[r + 1];
            _dSystem = new double[(_p + 1) * (_p + 2)];
        }
    }

    /// <summary>dst = T src Tᵀ (src symmetric) for the full transition (ARMA block and differencing rows); <paramref name="mm"/> is scratch.</summary>
    private void Sandwich(ReadOnlySpan<double> src, Span<double> mm, Span<double> dst)
    {
        var r = _r;
        var rd = _rd;
        var p = _p;

        // mm = T src: row i < r: φᵢ src[0,:] + src[i+1,:]; row r: src[0,:] + Σ δₖ src[r+k,:]; row r+i: src[r+i−1,:].
        for (var i = 0; i < r; i++)
        {
            var row = mm.Slice(i * rd, rd);
            var f = i < p ? _phi[i] : 0.0;
            if (i < r - 1)
            {
                var next = src.Slice((i + 1) * rd, rd);
                if (f != 0.0)
                {
                    for (var j = 0; j < rd; j++)
                    {
                        row[j] = (f * src[j]) + next[j];
                    }
                }
                else
                {
                    next.CopyTo(row);
                }
            }
            else
            {
                for (var j = 0; j < rd; j++)
                {
                    row[j] = f * src[j];
                }
            }
        }

        if (_nd > 0)
        {
            var row = mm.Slice(r * rd, rd);
            src[..rd].CopyTo(row);
            for (var k = 0; k < _nz; k++)
            {
                var from = src.Slice((r + _deltaIndex[k]) * rd, rd);
                var dv = _deltaValue[k];
                for (var j = 0; j < rd; j++)
                {
                    row[j] += dv * from[j];
                }
            }

            for (var i = r + 1; i < rd; i++)
            {
                src.Slice((i - 1) * rd, rd).CopyTo(mm.Slice(i * rd, rd));
            }
        }

        // dst = mm Tᵀ (upper triangle, then mirrored).
        for (var i = 0; i < rd; i++)
        {
            var row = i * rd;
            var m0 = mm[row];
            for (var j = i; j < rd; j++)
            {
                double v;
                if (j < r)
                {
                    v = j < r - 1 ? mm[row + j + 1] : 0.0;
                    if (j < p)
                    {
                        v += _phi[j] * m0;
                    }
                }
                else if (j == r)
                {
                    v = m0 + ZTail(mm.Slice(row), 1);
                }
                else
                {
                    v = mm[row + j - 1];
                }

                dst[row + j] = v;
                dst[(j * rd) + i] = v;
            }
        }
    }

    /// <summary>
    /// The derivative of the stationary prior covariance (<see cref="InitialCovariance"/>, after it ran) in the direction
    /// (<paramref name="dPhi"/>, <paramref name="dTheta"/>): the same recursions differentiated term by term; the autocovariance
    /// system A γ = c gives A dγ = dc − dA γ.
    /// </summary>
    private void InitialCovarianceTangent(ReadOnlySpan<double> dPhi, ReadOnlySpan<double> dTheta, Span<double> dP0)
    {
        var r = _r;
        var p = _p;
        dP0.Clear();
        static double DThetaAt(ReadOnlySpan<double> dTheta, int k) => k == 0 ? 0.0 : (k - 1 < dTheta.Length ? dTheta[k - 1] : 0.0);

        // dψ
        _dPsi[0] = 0.0;
        for (var j = 1; j <= r; j++)
        {
            var s = DThetaAt(dTheta, j);
            for (var k = 1; k <= Math.Min(j, p); k++)
            {
                s += (dPhi[k - 1] * _psi[j - k]) + (_phi[k - 1] * _dPsi[j - k]);
            }

            _dPsi[j] = s;
        }

        double DC(int h, ReadOnlySpan<double> dTheta)
        {
            var s = 0.0;
            for (var j = h; j <= r - 1; j++)
            {
                s += (DThetaAt(dTheta, j) * _psi[j - h]) + (Theta(j) * _dPsi[j - h]);
            }

            return s;
        }

        if (p == 0)
        {
            for (var h = 0; h <= r; h++)
            {
                _dGamma[h] = DC(h, dTheta);
            }
        }
        else
        {
            var w = p + 2;
            var a = _dSystem;
            Array.Clear(a);
            for (var h = 0; h <= p; h++)
            {
                a[(h * w) + h] += 1.0;
                var rhs = DC(h, dTheta);
                for (var k = 1; k <= p; k++)
                {
                    a[(h * w) + Math.Abs(h - k)] -= _phi[k - 1];

                    // − dA γ: dA[h][|h−k|] = −dφ_k.
                    rhs += dPhi[k - 1] * _gamma[Math.Abs(h - k)];
                }

                a[(h * w) + p + 1] = rhs;
            }

            _ = Solve(a, p + 1, w);
            for (var h = 0; h <= Math.Min(p, r); h++)
            {
                _dGamma[h] = a[(h * w) + p + 1];
            }

            for (var h = p + 1; h <= r; h++)
            {
                var s = DC(h, dTheta);
                for (var k = 1; k <= p; k++)
                {
                    s += (dPhi[k - 1] * _gamma[h - k]) + (_phi[k - 1] * _dGamma[h - k]);
                }

                _dGamma[h] = s;
            }
        }

        for (var j = 0; j < r; j++)
        {
            var s = 0.0;
            for (var k = j + 1; k <= r; k++)
            {
                if (k <= p)
                {
                    s += (dPhi[k - 1] * _gamma[k - j]) + (_phi[k - 1] * _dGamma[k - j]);
                }
            }

            for (var k = j; k <= r - 1; k++)
            {
                s += (DThetaAt(dTheta, k) * _psi[k - j]) + (Theta(k) * _dPsi[k - j]);
            }

            dP0[j] = s;
            dP0[j * r] = s;
        }

        var g0 = _gamma[0];
        var dg0 = _dGamma[0];
        for (var i = r - 1; i >= 1; i--)
        {
            var fi = i < p ? _phi[i] : 0.0;
            var dfi = i < p ? dPhi[i] : 0.0;
            for (var j = r - 1; j >= i; j--)
            {
                var fj = j < p ? _phi[j] : 0.0;
                var dfj = j < p ? dPhi[j] : 0.0;
                var v = (dfi * fj * g0) + (fi * dfj * g0) + (fi * fj * dg0) + (DThetaAt(dTheta, i) * Theta(j)) + (Theta(i) * DThetaAt(dTheta, j));
                if (j + 1 < r)
                {
                    v += (dfi * _pNew[j + 1]) + (fi * dP0[j + 1]) + dP0[((i + 1) * r) + j + 1];
                }

                if (i + 1 < r)
                {
                    v += (dfj * _pNew[i + 1]) + (fj * dP0[i + 1]);
                }

                dP0[(i * r) + j] = v;
                dP0[(j * r) + i] = v;
            }
        }
    }
}
