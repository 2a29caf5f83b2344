namespace CemCore.Forecasting;

/// <summary>
/// The exact Gaussian likelihood of an ARIMA model through the state-space form and Kalman filter of R <c>stats::arima</c>
/// (Durbin &amp; Koopman 2001 §3.4; R's <c>makeARIMA</c> and <c>ARIMA_Like</c>): the ARMA part in Harvey's form with state
/// dimension r = max(p, q + 1) (expanded seasonal polynomials), the differencing polynomial δ carried as d + D·s extra states with a
/// diffuse prior of variance κ = 10⁶, and the observations whose innovation variance (in units of σ²) is ≥ 10⁴ left out of the
/// likelihood (the diffuse ones). The initial ARMA state covariance is the stationary one, computed from the ARMA autocovariances
/// (the same matrix as Gardner et al. 1980's algorithm in R). Not thread-safe: one instance per thread.
/// </summary>
internal sealed partial class ArimaKalman
{
    public const double Kappa = 1e6;

    private readonly int _r;
    private readonly int _rdFull;
    private readonly int _ndFull;
    private int _rd;
    private int _nd;
    private int _nz;
    private readonly double[] _phi;
    private readonly double[] _theta; // padded to r - 1
    private readonly int _p;
    private readonly int _q;
    private readonly double[] _delta;
    private readonly int[] _deltaIndex;
    private readonly double[] _deltaValue;
    private readonly double[] _a;
    private readonly double[] _anew;
    private readonly double[] _m;
    private readonly double[] _pMat;
    private readonly double[] _pNew;
    private readonly double[] _mm;
    private readonly double[] _gamma;
    private readonly double[] _psi;
    private readonly double[] _system;

    public ArimaKalman(int p, int q, double[] delta)
    {
        _p = p;
        _q = q;
        _r = Math.Max(p, q + 1);
        _ndFull = delta.Length;
        _rdFull = _r + _ndFull;
        _nd = _ndFull;
        _rd = _rdFull;
        _phi = new double[p];
        _theta = new double[_r - 1];
        _delta = delta;
        var idx = new List<int>();
        for (var k = 0; k < delta.Length; k++)
        {
            if (delta[k] != 0.0)
            {
                idx.Add(k);
            }
        }

        _deltaIndex = [.. idx];
        _nz = _deltaIndex.Length;
        _deltaValue = [.. idx.Select(k => delta[k])];
        _a = new double[_rdFull];
        _anew = new double[_rdFull];
        _m = new double[_rdFull];
        _pMat = new double[_rdFull * _rdFull];
        _pNew = new double[_rdFull * _rdFull];
        _mm = new double[_rdFull * _rdFull];
        _gamma = new double[_r + 1];
        _psi = new double[_r + 1];
        _system = new double[(p + 1) * (p + 2)];
    }

    public int StateDimension => _rdFull;

    public bool Matches(int p, int q, double[] delta) => p == _p && q == _q && delta.AsSpan().SequenceEqual(_delta);

    /// <summary>Runs the filter over <paramref name="y"/> with the given expanded polynomials.</summary>
    /// <returns>false when the ARMA part is not stationary or a variance is not positive.</returns>
    public bool Filter(ReadOnlySpan<double> phi, ReadOnlySpan<double> theta, ReadOnlySpan<double> y, out double ssq, out double sumLog, out int used)
    {
        ssq = 0.0;
        sumLog = 0.0;
        used = 0;
        FullDimension();
        phi.CopyTo(_phi);
        Array.Clear(_theta);
        theta.CopyTo(_theta);
        if (!InitialCovariance())
        {
            return false;
        }

        Array.Clear(_a);
        var r = _r;
        // The first max(d + D·s, 1) steps on the full state, the rest on the ARMA block (ArimaKalmanFast.cs).
        var generic = Math.Min(y.Length, Math.Max(_ndFull, 1));
        for (var l = 0; l < generic; l++)
        {
            var rd = _rd;
            Predict(l > 0);
            var resid = Observation(y, l) - _anew[0];
            for (var k = 0; k < _nz; k++)
            {
                resid -= _deltaValue[k] * _anew[r + _deltaIndex[k]];
            }

            for (var i = 0; i < rd; i++)
            {
                var row = i * rd;
                var t = _pNew[row];
                for (var k = 0; k < _nz; k++)
                {
                    t += _pNew[row + r + _deltaIndex[k]] * _deltaValue[k];
                }

                _m[i] = t;
            }

            var gain = _m[0];
            for (var k = 0; k < _nz; k++)
            {
                gain += _deltaValue[k] * _m[r + _deltaIndex[k]];
            }

            if (!(gain > 0.0) || !double.IsFinite(resid))
            {
                return false;
            }

            if (gain < 1e4)
            {
                used++;
                ssq += resid * resid / gain;
                sumLog += Math.Log(gain);
            }

            var scale = resid / gain;
            for (var i = 0; i < rd; i++)
            {
                _a[i] = _anew[i] + (_m[i] * scale);
            }

            var inv = 1.0 / gain;
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
                Reduce(0, 0);
            }
        }

        if (generic < y.Length && !FastSteps(y, generic, ref ssq, ref sumLog, ref used))
        {
            return false;
        }

        RestoreFull(y);
        return double.IsFinite(ssq) && double.IsFinite(sumLog);
    }

    /// <summary>After <see cref="Filter"/>: h-step forecasts (state means) and their variances in units of σ² (R's <c>KalmanForecast</c>).</summary>
    public void Forecast(int horizon, Span<double> mean, Span<double> variance)
    {
        var r = _r;
        for (var h = 0; h < horizon; h++)
        {
            Predict(true);
            Array.Copy(_anew, _a, _rd);
            Array.Copy(_pNew, _pMat, _pMat.Length);
            var fc = _a[0];
            for (var k = 0; k < _nz; k++)
            {
                fc += _deltaValue[k] * _a[r + _deltaIndex[k]];
            }

            // Z P Z'
            var v = 0.0;
            for (var i = 0; i < _rd; i++)
            {
                var zi = i == 0 ? 1.0 : (i >= r ? _delta[i - r] : 0.0);
                if (zi == 0.0)
                {
                    continue;
                }

                var row = i * _rd;
                var t = _pMat[row];
                for (var k = 0; k < _nz; k++)
                {
                    t += _pMat[row + r + _deltaIndex[k]] * _deltaValue[k];
                }

                v += zi * t;
            }

            mean[h] = fc;
            variance[h] = v;
        }
    }

    /// <summary>anew = T a; Pnew = T P Tᵀ + V (or the initial covariance when <paramref name="update"/> is false).</summary>
    private void Predict(bool update)
    {
        var r = _r;
        var rd = _rd;
        var p = _p;
        var a = _a;
        for (var i = 0; i < r; i++)
        {
            var t = i < r - 1 ? a[i + 1] : 0.0;
            if (i < p)
            {
                t += _phi[i] * a[0];
            }

            _anew[i] = t;
        }

        if (_nd > 0)
        {
            var t = a[0];
            for (var k = 0; k < _nz; k++)
            {
                t += _deltaValue[k] * a[r + _deltaIndex[k]];
            }

            _anew[r] = t;
            for (var i = r + 1; i < rd; i++)
            {
                _anew[i] = a[i - 1];
            }
        }

        if (!update)
        {
            return;
        }

        // mm = T P (row-major): row i < r: phi_i P[0,:] + P[i+1,:]; row r: P[0,:] + Σ δ_k P[r+k,:]; row r+i: P[r+i-1,:].
        var pm = _pMat;
        var mm = _mm;
        for (var i = 0; i < r; i++)
        {
            var row = i * rd;
            var f = i < p ? _phi[i] : 0.0;
            if (i < r - 1)
            {
                var next = (i + 1) * rd;
                if (f != 0.0)
                {
                    for (var j = 0; j < rd; j++)
                    {
                        mm[row + j] = (f * pm[j]) + pm[next + j];
                    }
                }
                else
                {
                    Array.Copy(pm, next, mm, row, rd);
                }
            }
            else
            {
                for (var j = 0; j < rd; j++)
                {
                    mm[row + j] = f * pm[j];
                }
            }
        }

        if (_nd > 0)
        {
            var row = r * rd;
            Array.Copy(pm, 0, mm, row, rd);
            for (var k = 0; k < _nz; k++)
            {
                var src = (r + _deltaIndex[k]) * rd;
                var dv = _deltaValue[k];
                for (var j = 0; j < rd; j++)
                {
                    mm[row + j] += dv * pm[src + j];
                }
            }

            for (var i = r + 1; i < rd; i++)
            {
                Array.Copy(pm, (i - 1) * rd, mm, i * rd, rd);
            }
        }

        // Pnew = mm Tᵀ: column j < r: phi_j mm[:,0] + mm[:,j+1]; column r: mm[:,0] + Σ δ_k mm[:,r+k]; column r+i: mm[:,r+i-1].
        var pn = _pNew;
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
                    v = m0;
                    for (var k = 0; k < _nz; k++)
                    {
                        v += _deltaValue[k] * mm[row + r + _deltaIndex[k]];
                    }
                }
                else
                {
                    v = mm[row + j - 1];
                }

                pn[row + j] = v;
            }
        }

        // + V = R Rᵀ with R = (1, θ₁, …, θ_q, 0, …)
        var q = Math.Min(_q, r - 1);
        for (var i = 0; i <= q; i++)
        {
            var vi = i == 0 ? 1.0 : _theta[i - 1];
            for (var j = i; j <= q; j++)
            {
                pn[(i * rd) + j] += vi * (j == 0 ? 1.0 : _theta[j - 1]);
            }
        }

        for (var i = 0; i < rd; i++)
        {
            for (var j = i + 1; j < rd; j++)
            {
                pn[(j * rd) + i] = pn[(i * rd) + j];
            }
        }
    }

    /// <summary>Pnew := the prior covariance: stationary ARMA covariance (σ² = 1) and κ on the differencing states.</summary>
    private bool InitialCovariance()
    {
        var r = _r;
        var rd = _rd;
        var p = _p;
        Array.Clear(_pNew);
        if (!ArmaAutocovariance())
        {
            return false;
        }

        // First row P[0][j] = Σ_{k=j+1}^{r} φ_k γ(k−j) + Σ_{k=j}^{r−1} θ_k ψ_{k−j}, then
        // P[i][j] = φ_{i+1}φ_{j+1}γ0 + φ_{i+1}P[0][j+1] + φ_{j+1}P[0][i+1] + P[i+1][j+1] + θ_iθ_j (θ₀ = 1).
        for (var j = 0; j < r; j++)
        {
            var s = 0.0;
            for (var k = j + 1; k <= r; k++)
            {
                if (k <= p)
                {
                    s += _phi[k - 1] * _gamma[k - j];
                }
            }

            for (var k = j; k <= r - 1; k++)
            {
                s += Theta(k) * _psi[k - j];
            }

            _pNew[j] = s;
            _pNew[j * rd] = s;
        }

        var g0 = _gamma[0];
        for (var i = r - 1; i >= 1; i--)
        {
            var fi = i < p ? _phi[i] : 0.0;
            for (var j = r - 1; j >= i; j--)
            {
                var fj = j < p ? _phi[j] : 0.0;
                var v = (fi * fj * g0) + (Theta(i) * Theta(j));
                if (j + 1 < r)
                {
                    v += (fi * _pNew[j + 1]) + _pNew[((i + 1) * rd) + j + 1];
                }

                if (i + 1 < r)
                {
                    v += fj * _pNew[i + 1];
                }

                _pNew[(i * rd) + j] = v;
                _pNew[(j * rd) + i] = v;
            }
        }

        for (var i = r; i < rd; i++)
        {
            _pNew[(i * rd) + i] = Kappa;
        }

        return _pNew[0] > 0.0 && double.IsFinite(_pNew[0]);
    }

    private double Theta(int k) => k == 0 ? 1.0 : (k - 1 < _theta.Length ? _theta[k - 1] : 0.0);

    /// <summary>γ(0..r) and ψ(0..r) of the ARMA process with σ² = 1 (Brockwell &amp; Davis 1991, §3.3, method 2).</summary>
    private bool ArmaAutocovariance()
    {
        var p = _p;
        var r = _r;
        _psi[0] = 1.0;
        for (var j = 1; j <= r; j++)
        {
            var s = j - 1 < _theta.Length ? _theta[j - 1] : 0.0;
            for (var k = 1; k <= Math.Min(j, p); k++)
            {
                s += _phi[k - 1] * _psi[j - k];
            }

            _psi[j] = s;
        }

        // c_h = Σ_{j=h}^{q} θ_j ψ_{j−h}
        double C(int h)
        {
            var s = 0.0;
            for (var j = h; j <= r - 1; j++)
            {
                s += Theta(j) * _psi[j - h];
            }

            return s;
        }

        if (p == 0)
        {
            for (var h = 0; h <= r; h++)
            {
                _gamma[h] = C(h);
            }

            return _gamma[0] > 0.0;
        }

        // (p+1) x (p+1) system, augmented: rows h = 0..p, unknowns γ(0..p).
        var w = p + 2;
        var a = _system;
        Array.Clear(a);
        for (var h = 0; h <= p; h++)
        {
            a[(h * w) + h] += 1.0;
            for (var k = 1; k <= p; k++)
            {
                a[(h * w) + Math.Abs(h - k)] -= _phi[k - 1];
            }

            a[(h * w) + p + 1] = C(h);
        }

        if (!Solve(a, p + 1, w))
        {
            return false;
        }

        for (var h = 0; h <= Math.Min(p, r); h++)
        {
            _gamma[h] = a[(h * w) + p + 1];
        }

        for (var h = p + 1; h <= r; h++)
        {
            var s = C(h);
            for (var k = 1; k <= p; k++)
            {
                s += _phi[k - 1] * _gamma[h - k];
            }

            _gamma[h] = s;
        }

        return _gamma[0] > 0.0 && double.IsFinite(_gamma[0]);
    }

    /// <summary>Gauss–Jordan elimination with partial pivoting on an n × (n+1) augmented matrix; the solution ends in the last column.</summary>
    private static bool Solve(double[] a, int n, int w)
    {
        for (var c = 0; c < n; c++)
        {
            var piv = c;
            for (var i = c + 1; i < n; i++)
            {
                if (Math.Abs(a[(i * w) + c]) > Math.Abs(a[(piv * w) + c]))
                {
                    piv = i;
                }
            }

            if (Math.Abs(a[(piv * w) + c]) < 1e-300)
            {
                return false;
            }

            if (piv != c)
            {
                for (var j = 0; j < w; j++)
                {
                    (a[(c * w) + j], a[(piv * w) + j]) = (a[(piv * w) + j], a[(c * w) + j]);
                }
            }

            var inv = 1.0 / a[(c * w) + c];
            for (var j = c; j < w; j++)
            {
                a[(c * w) + j] *= inv;
            }

            for (var i = 0; i < n; i++)
            {
                if (i == c)
                {
                    continue;
                }

                var f = a[(i * w) + c];
                if (f == 0.0)
                {
                    continue;
                }

                for (var j = c; j < w; j++)
                {
                    a[(i * w) + j] -= f * a[(c * w) + j];
                }
            }
        }

        return true;
    }
}
