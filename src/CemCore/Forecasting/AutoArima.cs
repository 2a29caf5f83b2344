using System.Globalization;
using MathNet.Numerics;

namespace CemCore.Forecasting;

/// <summary>The model chosen by <see cref="AutoArima.Select"/>.</summary>
public sealed class AutoArimaResult
{
    internal AutoArimaResult(ArimaFit fit, int modelsFitted, bool approximation, IReadOnlyList<string> trace)
    {
        Trace = trace;
        Fit = fit;
        ModelsFitted = modelsFitted;
        Approximation = approximation;
    }

    /// <summary>Every candidate in search order with its AICc (R's <c>trace = TRUE</c> lines).</summary>
    public IReadOnlyList<string> Trace { get; }

    /// <summary>The fit of the chosen model (exact ML).</summary>
    public ArimaFit Fit { get; }

    /// <summary>The number of candidate models fitted by the search.</summary>
    public int ModelsFitted { get; }

    /// <summary>Whether R's approximation rule (n &gt; 150 or s &gt; 12) applied; see docs/forecasting.md for how it is handled.</summary>
    public bool Approximation { get; }
}

/// <summary>
/// Automatic ARIMA order selection: the Hyndman–Khandakar (2008) stepwise search with the defaults of R forecast 8.20's
/// <c>auto.arima</c> (max p = q = 5, P = Q = 2, start (2,d,2)(1,D,1), AICc, drift allowed when d + D = 1 and a mean when d + D = 0,
/// models with a unit root within 1.01 or a non-positive-definite Hessian rejected, at most 94 models). d is chosen by repeated KPSS
/// tests at 5% (<c>ndiffs</c>, lag truncation ⌊3√n/13⌋), D by the seasonal-strength heuristic (&gt; 0.64, <c>nsdiffs(test = "seas")</c>).
/// Candidates are fitted by CSS-ML as R; under R's approximation rule (n &gt; 150 or s &gt; 12) the search uses CSS with R's likelihood
/// offset and the best candidates are then refitted by CSS-ML in order. Deviation from R (docs/forecasting.md): the seasonal strength
/// uses a classical moving-average decomposition instead of STL.
/// </summary>
public static class AutoArima
{
    private const int MaxModels = 94;

    /// <summary>Selects and fits a model.</summary>
    /// <param name="series">The observations (finite, at least 4, not constant).</param>
    /// <param name="period">The seasonal period (1 = non-seasonal).</param>
    /// <param name="cancellationToken">Checked between candidate fits.</param>
    /// <returns>The chosen model.</returns>
    /// <exception cref="ArgumentException">Too short, non-finite or constant series, or no admissible model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The period is out of range.</exception>
    public static AutoArimaResult Select(ReadOnlySpan<double> series, int period = 1, CancellationToken cancellationToken = default)
    {
        if (period is < 1 or > ArimaSpecification.MaxPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, $"The seasonal period must be in [1, {ArimaSpecification.MaxPeriod}].");
        }

        var x = series.ToArray();
        var n = x.Length;
        if (n < 4)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The series has {n} observations; automatic selection needs at least 4."), nameof(series));
        }

        foreach (var v in x)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("The series has a non-finite value.", nameof(series));
            }
        }

        if (IsConstant(x))
        {
            throw new ArgumentException("The series is constant; there is nothing to model.", nameof(series));
        }

        var m = period;
        int maxP = Math.Min(5, n / 3), maxQ = Math.Min(5, n / 3), maxSP = Math.Min(2, n / 3 / m), maxSQ = Math.Min(2, n / 3 / m);
        int seasonalD;
        if (m == 1)
        {
            seasonalD = 0;
            maxSP = maxSQ = 0;
        }
        else if (n <= 2 * m)
        {
            seasonalD = 0;
        }
        else
        {
            seasonalD = SeasonalStrength(x, m) > 0.64 ? 1 : 0;
        }

        var dx = seasonalD > 0 ? ArimaPolynomials.Difference(x, 0, 1, m) : x;
        var d = Ndiffs(dx);
        if (d > 0)
        {
            dx = ArimaPolynomials.Difference(dx, d, 0, 1);
        }

        if (dx.Length == 0 || IsConstant(dx))
        {
            throw new ArgumentException("The differenced series is constant (a polynomial trend); ARIMA selection does not apply.", nameof(series));
        }

        if (m > 1)
        {
            if (maxSP > 0)
            {
                maxP = Math.Min(maxP, m - 1);
            }

            if (maxSQ > 0)
            {
                maxQ = Math.Min(maxQ, m - 1);
            }
        }

        var approximation = n > 150 || m > 12;
        var allowDrift = d + seasonalD == 1;
        var allowMean = d + seasonalD == 0;
        var constant = allowDrift || allowMean;
        int startP = 2, startQ = 2, startSP = 1, startSQ = 1;
        if (n < 10)
        {
            startP = startQ = 1;
            startSP = startSQ = 0;
        }

        var offset = 0.0;
        if (approximation)
        {
            try
            {
                var baseFit = Arima.Fit(x, new ArimaSpecification(0, d, 0, 0, seasonalD, 0, m), new ArimaFitOptions(method: ArimaMethod.CssMaximumLikelihood), cancellationToken);
                offset = (-2.0 * baseFit.LogLikelihood) - (n * Math.Log(baseFit.Sigma2));
            }
            catch (ArgumentException)
            {
                offset = 0.0;
            }
        }

        var search = new Search(x, d, seasonalD, m, approximation, offset, cancellationToken);
        int p = Math.Min(startP, maxP), q = Math.Min(startQ, maxQ), sp = Math.Min(startSP, maxSP), sq = Math.Min(startSQ, maxSQ);
        {
            // The first models do not depend on each other's outcome: fit them in parallel (on more than one core), then register in R's order.
            var initial = new List<(int, int, int, int, bool)> { (p, q, sp, sq, constant), (0, 0, 0, 0, constant) };
            if (maxP > 0 || maxSP > 0)
            {
                initial.Add((maxP > 0 ? 1 : 0, 0, m > 1 && maxSP > 0 ? 1 : 0, 0, constant));
            }

            if (maxQ > 0 || maxSQ > 0)
            {
                initial.Add((0, maxQ > 0 ? 1 : 0, 0, m > 1 && maxSQ > 0 ? 1 : 0, constant));
            }

            if (constant)
            {
                initial.Add((0, 0, 0, 0, false));
            }

            search.Prefit(initial);
        }

        search.Try(p, q, sp, sq, constant);
        if (search.Try(0, 0, 0, 0, constant))
        {
            p = q = sp = sq = 0;
        }

        if (maxP > 0 || maxSP > 0)
        {
            int tp = maxP > 0 ? 1 : 0, tsp = m > 1 && maxSP > 0 ? 1 : 0;
            if (search.Try(tp, 0, tsp, 0, constant))
            {
                (p, sp, q, sq) = (tp, tsp, 0, 0);
            }
        }

        if (maxQ > 0 || maxSQ > 0)
        {
            int tq = maxQ > 0 ? 1 : 0, tsq = m > 1 && maxSQ > 0 ? 1 : 0;
            if (search.Try(0, tq, 0, tsq, constant))
            {
                (p, sp, q, sq) = (0, 0, tq, tsq);
            }
        }

        if (constant && search.Try(0, 0, 0, 0, false))
        {
            p = q = sp = sq = 0;
        }

        var startK = -1;
        while (startK < search.Count && search.Count < MaxModels)
        {
            startK = search.Count;
            (int dp, int dq, int dsp, int dsq)[] moves =
            [
                (0, 0, -1, 0), (0, 0, 0, -1), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, -1, -1), (0, 0, -1, 1), (0, 0, 1, -1), (0, 0, 1, 1),
                (-1, 0, 0, 0), (0, -1, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0), (-1, -1, 0, 0), (-1, 1, 0, 0), (1, -1, 0, 0), (1, 1, 0, 0),
            ];
            var improved = false;
            foreach (var (dp, dq, dsp, dsq) in moves)
            {
                int np = p + dp, nq = q + dq, nsp = sp + dsp, nsq = sq + dsq;
                if (np < 0 || nq < 0 || nsp < 0 || nsq < 0 || np > maxP || nq > maxQ || nsp > maxSP || nsq > maxSQ || search.Seen(np, nq, nsp, nsq, constant))
                {
                    continue;
                }

                if (search.Count >= MaxModels)
                {
                    break;
                }

                if (!search.Cached(np, nq, nsp, nsq, constant))
                {
                    // Parallel look-ahead: fit this neighbour and the next eligible ones together (one per core); they are
                    // registered only when the sequential search reaches them, so the result and trace equal the sequential search.
                    var batch = new List<(int, int, int, int, bool)>();
                    foreach (var (ep, eq, esp, esq) in moves)
                    {
                        int cp = p + ep, cq = q + eq, csp = sp + esp, csq = sq + esq;
                        if (batch.Count < search.Parallelism && cp >= 0 && cq >= 0 && csp >= 0 && csq >= 0 && cp <= maxP && cq <= maxQ && csp <= maxSP && csq <= maxSQ
                            && !search.Seen(cp, cq, csp, csq, constant) && (batch.Count > 0 || (cp, cq, csp, csq) == (np, nq, nsp, nsq)))
                        {
                            batch.Add((cp, cq, csp, csq, constant));
                        }
                    }

                    search.Prefit(batch.Take(MaxModels - search.Count).ToList());
                }

                if (search.Try(np, nq, nsp, nsq, constant))
                {
                    (p, q, sp, sq) = (np, nq, nsp, nsq);
                    improved = true;
                    break;
                }
            }

            if (improved)
            {
                continue;
            }

            if ((allowDrift || allowMean) && !search.Seen(p, q, sp, sq, !constant) && search.Count < MaxModels && search.Try(p, q, sp, sq, !constant))
            {
                constant = !constant;
            }
        }

        if (approximation && search.Best is not null)
        {
            search.RefitWithoutApproximation();
        }

        if (search.Best is null)
        {
            throw new ArgumentException("No suitable ARIMA model found (every candidate had a unit root or failed).", nameof(series));
        }

        return new AutoArimaResult(search.Best, search.Count, approximation, search.Trace);
    }

    private sealed class Search(double[] x, int d, int seasonalD, int m, bool approximation, double offset, CancellationToken cancellationToken)
    {
        private readonly List<(int P, int Q, int SP, int SQ, bool C)> _seen = [];
        private readonly Dictionary<(int P, int Q, int SP, int SQ, bool C), (ArimaFit? Fit, double Ic, string Trace)> _prefitted = [];

        /// <summary>Candidates fitted at once: the number of cores (1 = strictly sequential).</summary>
        public int Parallelism { get; } = Math.Max(1, Environment.ProcessorCount);

        public bool Cached(int p, int q, int sp, int sq, bool c) => _prefitted.ContainsKey((p, q, sp, sq, c));

        /// <summary>Fits the candidates in parallel (when there is more than one core and more than one candidate) for later <see cref="Try"/>s.</summary>
        public void Prefit(List<(int P, int Q, int SP, int SQ, bool C)> candidates)
        {
            var todo = candidates.Distinct().Where(c => !_prefitted.ContainsKey(c)).ToArray();
            if (Parallelism < 2 || todo.Length < 2)
            {
                return;
            }

            var results = new (ArimaFit? Fit, double Ic, string Trace)[todo.Length];
            var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
            try
            {
                Parallel.For(0, todo.Length, options, i => results[i] = FitOne(todo[i].P, todo[i].Q, todo[i].SP, todo[i].SQ, todo[i].C, approximation));
            }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw;
            }

            for (var i = 0; i < todo.Length; i++)
            {
                _prefitted[todo[i]] = results[i];
            }
        }
        private readonly List<double> _ics = [];
        private double _bestIc = double.PositiveInfinity;

        public ArimaFit? Best { get; private set; }

        public List<string> Trace { get; } = [];

        public int Count => _seen.Count;

        public bool Seen(int p, int q, int sp, int sq, bool c) => _seen.Contains((p, q, sp, sq, c));

        /// <summary>Fits the candidate; returns true when it beats the best so far (strictly lower AICc).</summary>
        public bool Try(int p, int q, int sp, int sq, bool constant)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _seen.Add((p, q, sp, sq, constant));
            if (!_prefitted.Remove((p, q, sp, sq, constant), out var one))
            {
                one = FitOne(p, q, sp, sq, constant, approximation);
            }

            var (fit, ic, line) = one;
            Trace.Add(line);
            _ics.Add(ic);
            if (fit is null)
            {
                return false;
            }

            if (ic < _bestIc)
            {
                _bestIc = ic;
                Best = fit;
                return true;
            }

            return false;
        }

        /// <summary>After an approximate search: refits the candidates in increasing order of their approximate AICc with CSS-ML and keeps the first admissible one (R).</summary>
        public void RefitWithoutApproximation()
        {
            var order = Enumerable.Range(0, _seen.Count).Where(i => double.IsFinite(_ics[i])).OrderBy(i => _ics[i]).ToArray();
            foreach (var i in order)
            {
                var (p, q, sp, sq, c) = _seen[i];
                var (fit, ic, line) = FitOne(p, q, sp, sq, c, approximate: false);
                Trace.Add(line);
                if (fit is not null && double.IsFinite(ic))
                {
                    Best = fit;
                    return;
                }
            }
        }

        private (ArimaFit? Fit, double Ic, string Trace) FitOne(int p, int q, int sp, int sq, bool constant, bool approximate)
        {
            var diffs = d + seasonalD;
            var label = string.Create(CultureInfo.InvariantCulture, $"ARIMA({p},{d},{q}){(m > 1 ? $"({sp},{seasonalD},{sq})[{m}]" : string.Empty)}{(constant ? (diffs == 0 ? " with non-zero mean" : diffs == 1 ? " with drift" : string.Empty) : string.Empty)}");
            ArimaFit fit;
            try
            {
                var spec = new ArimaSpecification(p, d, q, sp, seasonalD, sq, m, includeMean: constant && diffs == 0, includeDrift: constant && diffs == 1);
                fit = Arima.Fit(x, spec, new ArimaFitOptions(method: approximate ? ArimaMethod.ConditionalSumOfSquares : ArimaMethod.CssMaximumLikelihood), cancellationToken);
            }
            catch (ArgumentException)
            {
                return (null, double.PositiveInfinity, label + " : failed");
            }

            double ic;
            if (approximate)
            {
                // R forecast's myarima with method "CSS": aic = offset + n*·log σ² + 2·npar.
                var npar = fit.Coefficients.Count + 1;
                var nstar = fit.UsedObservations;
                var aic = offset + (nstar * Math.Log(fit.Sigma2)) + (2.0 * npar);
                ic = nstar - npar - 1 > 0 ? aic + (2.0 * npar * (npar + 1) / (nstar - npar - 1)) : double.PositiveInfinity;
            }
            else
            {
                ic = fit.Aicc ?? double.PositiveInfinity;
            }

            if (!Admissible(fit) || !double.IsFinite(ic))
            {
                ic = double.PositiveInfinity;
            }

            return (fit, ic, string.Create(CultureInfo.InvariantCulture, $"{label} : {ic:F4}"));
        }

        private static bool Admissible(ArimaFit fit)
        {
            if (fit.Coefficients.Any(c => c.StandardError is null))
            {
                return false;
            }

            var s = fit.Specification;
            var c = fit.Coefficients.Select(x => x.Estimate).ToArray();
            var phi = ArimaPolynomials.Expand(c.AsSpan(0, s.Ar), c.AsSpan(s.Ar + s.Ma, s.SeasonalAr), s.Period, plus: false);
            var theta = ArimaPolynomials.Expand(c.AsSpan(s.Ar, s.Ma), c.AsSpan(s.Ar + s.Ma + s.SeasonalAr, s.SeasonalMa), s.Period, plus: true);
            return MinRoot(phi, -1.0) >= 1.01 && MinRoot(theta, 1.0) >= 1.01;
        }

        /// <summary>The smallest root modulus of 1 + sign·Σ cᵢzⁱ (truncated at the last |cᵢ| &gt; 1e-8), or 2 when there is none (R forecast's myarima).</summary>
        private static double MinRoot(double[] coefficients, double sign)
        {
            var last = -1;
            for (var i = 0; i < coefficients.Length; i++)
            {
                if (Math.Abs(coefficients[i]) > 1e-8)
                {
                    last = i;
                }
            }

            if (last < 0)
            {
                return 2.0;
            }

            var poly = new double[last + 2];
            poly[0] = 1.0;
            for (var i = 0; i <= last; i++)
            {
                poly[i + 1] = sign * coefficients[i];
            }

            var roots = FindRoots.Polynomial(poly);
            return Math.Min(2.0, roots.Min(r => r.Magnitude));
        }
    }

    /// <summary>R forecast <c>ndiffs(test = "kpss", alpha = 0.05, max.d = 2)</c>.</summary>
    internal static int Ndiffs(double[] x)
    {
        var d = 0;
        if (IsConstant(x))
        {
            return 0;
        }

        var doDiff = KpssPValue(x) < 0.05;
        while (doDiff && d < 2)
        {
            d++;
            x = ArimaPolynomials.Difference(x, 1, 0, 1);
            if (IsConstant(x))
            {
                return d;
            }

            doDiff = KpssPValue(x) < 0.05;
        }

        return d;
    }

    /// <summary>KPSS level-stationarity statistic (urca <c>ur.kpss(type = "mu")</c>, Bartlett window, lag ⌊3√n/13⌋) and its p-value
    /// interpolated linearly in the critical values 0.347, 0.463, 0.574, 0.739 (10%, 5%, 2.5%, 1%), clamped to [0.01, 0.10].</summary>
    internal static double KpssPValue(double[] y)
    {
        var n = y.Length;
        var mean = y.Average();
        var res = y.Select(v => v - mean).ToArray();
        double s = 0, eta = 0, s2 = 0;
        foreach (var e in res)
        {
            s += e;
            eta += s * s;
            s2 += e * e;
        }

        eta /= (double)n * n;
        s2 /= n;
        var l = (int)Math.Truncate(3.0 * Math.Sqrt(n) / 13.0);
        var lrv = s2;
        for (var lag = 1; lag <= l; lag++)
        {
            var cov = 0.0;
            for (var t = lag; t < n; t++)
            {
                cov += res[t] * res[t - lag];
            }

            lrv += 2.0 / n * (1.0 - (lag / (l + 1.0))) * cov;
        }

        var stat = eta / lrv;
        double[] cval = [0.347, 0.463, 0.574, 0.739];
        double[] pct = [0.10, 0.05, 0.025, 0.01];
        if (stat <= cval[0])
        {
            return pct[0];
        }

        if (stat >= cval[^1])
        {
            return pct[^1];
        }

        var i = 0;
        while (stat > cval[i + 1])
        {
            i++;
        }

        return pct[i] + ((stat - cval[i]) / (cval[i + 1] - cval[i]) * (pct[i + 1] - pct[i]));
    }

    /// <summary>
    /// Seasonal strength max(0, 1 − Var(R)/Var(S + R)) (Wang, Smith &amp; Hyndman 2006) from a classical additive decomposition: trend by
    /// the centred 2×s moving average, seasonal by the mean detrended value of each season position (centred), remainder the rest.
    /// R uses STL (<c>mstl</c>) here; on strongly or weakly seasonal series the decision at 0.64 is the same.
    /// </summary>
    internal static double SeasonalStrength(double[] x, int m)
    {
        var n = x.Length;
        var trend = new double[n];
        Array.Fill(trend, double.NaN);
        var half = m / 2;
        for (var t = half; t < n - half; t++)
        {
            double sum;
            if (m % 2 == 0)
            {
                sum = 0.5 * (x[t - half] + x[t + half]);
                for (var k = -half + 1; k < half; k++)
                {
                    sum += x[t + k];
                }
            }
            else
            {
                sum = 0.0;
                for (var k = -half; k <= half; k++)
                {
                    sum += x[t + k];
                }
            }

            trend[t] = sum / m;
        }

        var seasonSum = new double[m];
        var seasonCount = new int[m];
        for (var t = 0; t < n; t++)
        {
            if (!double.IsNaN(trend[t]))
            {
                seasonSum[t % m] += x[t] - trend[t];
                seasonCount[t % m]++;
            }
        }

        var fig = new double[m];
        for (var i = 0; i < m; i++)
        {
            fig[i] = seasonCount[i] > 0 ? seasonSum[i] / seasonCount[i] : 0.0;
        }

        var figMean = fig.Average();
        var rem = new List<double>();
        var seasRem = new List<double>();
        for (var t = 0; t < n; t++)
        {
            if (!double.IsNaN(trend[t]))
            {
                var seasonal = fig[t % m] - figMean;
                var r = x[t] - trend[t] - seasonal;
                rem.Add(r);
                seasRem.Add(r + seasonal);
            }
        }

        var vr = Variance(rem);
        var vsr = Variance(seasRem);
        return vsr > 0.0 ? Math.Max(0.0, Math.Min(1.0, 1.0 - (vr / vsr))) : 0.0;
    }

    private static double Variance(List<double> v)
    {
        if (v.Count < 2)
        {
            return 0.0;
        }

        var mean = v.Average();
        return v.Sum(a => (a - mean) * (a - mean)) / (v.Count - 1);
    }

    private static bool IsConstant(double[] x)
    {
        for (var i = 1; i < x.Length; i++)
        {
            if (x[i] != x[0])
            {
                return false;
            }
        }

        return true;
    }
}
