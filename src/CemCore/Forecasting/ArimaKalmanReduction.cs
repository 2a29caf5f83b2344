namespace CemCore.Forecasting;

/// <summary>
/// The exact reduction of R's filter after the diffuse start. The differencing states hold the last d + D·s observations
/// (state r + k at time t is y_{t−1−k}); the observation equation has no noise, so once the first d + D·s observations have been
/// filtered every differencing state is known exactly: its variance and its covariances with the ARMA states are zero and its mean is the
/// observed value. From then on the filter is the ARMA filter of dimension r on the differenced series wₜ = yₜ − Σ δₖ y_{t−1−k}
/// (the first d + D·s steps, which carry the κ = 10⁶ prior into the ARMA state, run on the full state as R does). The likelihood is the
/// same Gaussian quantity as R's (it differs only by R's rounding noise of order κ·ε in the known block), at O(r²) instead of
/// O((r + d + D·s)²) per step.
/// </summary>
internal sealed partial class ArimaKalman
{
    private bool _reduced;

    /// <summary>The full state (ARMA and differencing states), as at the start of every filter run.</summary>
    private void FullDimension()
    {
        _rd = _rdFull;
        _nd = _ndFull;
        _nz = _deltaIndex.Length;
        _reduced = false;
    }

    /// <summary>The observation of step <paramref name="l"/> as the current state sees it: yₗ on the full state, wₗ once reduced.</summary>
    private double Observation(ReadOnlySpan<double> y, int l) => _reduced ? Differenced(y, l) : y[l];

    /// <summary>wₗ = yₗ − Σ δₖ y_{l−1−k} (l ≥ d + D·s).</summary>
    private double Differenced(ReadOnlySpan<double> y, int l)
    {
        var w = y[l];
        for (var k = 0; k < _deltaIndex.Length; k++)
        {
            w -= _deltaValue[k] * y[l - 1 - _deltaIndex[k]];
        }

        return w;
    }

    /// <summary>
    /// After the update of step d + D·s − 1: keeps the ARMA block of the filtered state, its covariance and the tangents of the first
    /// <paramref name="directions"/> directions (covariance tangents for the first <paramref name="armaDirections"/>), compacted in place
    /// from stride r + d + D·s to stride r.
    /// </summary>
    private void Reduce(int directions, int armaDirections)
    {
        var r = _r;
        var rd = _rdFull;
        if (_ndFull == 0)
        {
            return;
        }

        Compact(_pMat, 0, rd, r);
        for (var i = 0; i < directions; i++)
        {
            Array.Copy(_da, i * rd, _da, i * r, r);
        }

        for (var i = 0; i < armaDirections; i++)
        {
            Compact(_dP, i * rd * rd, rd, r);
        }

        _rd = r;
        _nd = 0;
        _nz = 0;
        _reduced = true;
    }

    /// <summary>Rows of the leading r × r block of a matrix of stride <paramref name="from"/> at <paramref name="source"/>, to stride <paramref name="to"/> at source·to²/from².</summary>
    private static void Compact(double[] m, int source, int from, int to)
    {
        var target = source / from / from * to * to;
        for (var a = 0; a < to; a++)
        {
            // Destinations never pass their sources (to ≤ from), so the forward in-place copy is safe.
            Array.Copy(m, source + (a * from), m, target + (a * to), to);
        }
    }

    /// <summary>After a reduced run: the full filtered state again (ARMA block, the known differencing states, zero covariance on them) for <see cref="Forecast"/>.</summary>
    private void RestoreFull(ReadOnlySpan<double> y)
    {
        if (!_reduced)
        {
            return;
        }

        var r = _r;
        var rd = _rdFull;
        for (var a = r - 1; a >= 0; a--)
        {
            // Backwards: destinations are at or after their sources.
            Array.Copy(_pMat, a * r, _pMat, a * rd, r);
            Array.Clear(_pMat, (a * rd) + r, rd - r);
        }

        Array.Clear(_pMat, r * rd, (rd - r) * rd);
        var n = y.Length;
        for (var k = 0; k < _ndFull; k++)
        {
            var t = n - 2 - k;
            _a[r + k] = t >= 0 ? y[t] : 0.0;
        }

        FullDimension();
    }
}
