using System.Globalization;
using CemCore.Clv;
using MathNet.Numerics.LinearAlgebra;

namespace CemCore.Forecasting;

/// <summary>
/// Exact Gaussian maximum-likelihood fits of (seasonal) ARIMA models and regressions with ARIMA errors, with the conventions of
/// R <c>stats::arima(method = "ML")</c> (see docs/forecasting.md). Stateless and thread-safe.
/// </summary>
/// <remarks>
/// <para>Model: yₜ = Σ βⱼ xₜⱼ + uₜ, with φ(B)Φ(B^s)(1 − B)^d(1 − B^s)^D uₜ = θ(B)Θ(B^s)εₜ, εₜ ~ N(0, σ²), where the MA polynomials carry a
/// plus sign (θ(B) = 1 + θ₁B + …). The likelihood is evaluated by the Kalman filter of <c>stats::arima</c> (diffuse differencing states
/// with κ = 10⁶) with σ² concentrated out; the objective ½[log(S/n*) + Σ log Fₜ / n*] is minimized by BFGS over the partial
/// autocorrelations (tanh-transformed) of each AR polynomial, the MA coefficients and the regression coefficients (scaled by 10 × their
/// OLS standard errors, R's <c>parscale</c>). After the fit, non-invertible MA polynomials are inverted (R's <c>maInvert</c>).</para>
/// <para>σ² = S/n*, log L = −½ n*[2·objective + 1 + log 2π], AIC = −2 log L + 2(k + 1) with k the number of coefficients;
/// AICc = AIC + 2(k+1)(k+2)/(n* − k − 2) and BIC = AIC + (k+1)(log n* − 2) as R forecast, n* = n − d − D·s.
/// Standard errors: the inverse of the numerical Hessian of −log L (σ² profiled out) in the coefficients.</para>
/// </remarks>
public static class Arima
{
    private const double GradientTolerance = 1e-7;

    /// <summary>Fits a model.</summary>
    /// <param name="series">The observations in time order (finite; &gt; 0 under a log transform).</param>
    /// <param name="specification">The orders.</param>
    /// <param name="options">Options; null = <see cref="ArimaFitOptions.Default"/>.</param>
    /// <param name="cancellationToken">Checked between optimizer iterations.</param>
    /// <returns>The fit. A fit whose optimizer did not converge has <see cref="ArimaFit.Converged"/> false and a message; its figures are those of the last iterate (finite).</returns>
    /// <exception cref="ArgumentException">Too few observations for the model, a non-finite value, a non-positive value under a log
    /// transform, a regressor of the wrong length or without variation, or a non-stationary AR start.</exception>
    public static ArimaFit Fit(ReadOnlySpan<double> series, ArimaSpecification specification, ArimaFitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(specification);
        options ??= ArimaFitOptions.Default;
        var spec = specification;
        var n = series.Length;
        var x = new double[n];
        for (var t = 0; t < n; t++)
        {
            var v = series[t];
            if (!double.IsFinite(v))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The series has a non-finite value at index {t}."), nameof(series));
            }

            if (options.LogTransform)
            {
                if (!(v > 0.0))
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The log transform needs positive values; index {t} is {v}."), nameof(series));
                }

                v = Math.Log(v);
            }

            x[t] = v;
        }

        var names = new List<string>();
        for (var i = 1; i <= spec.Ar; i++)
        {
            names.Add("ar" + i.ToString(CultureInfo.InvariantCulture));
        }

        for (var i = 1; i <= spec.Ma; i++)
        {
            names.Add("ma" + i.ToString(CultureInfo.InvariantCulture));
        }

        for (var i = 1; i <= spec.SeasonalAr; i++)
        {
            names.Add("sar" + i.ToString(CultureInfo.InvariantCulture));
        }

        for (var i = 1; i <= spec.SeasonalMa; i++)
        {
            names.Add("sma" + i.ToString(CultureInfo.InvariantCulture));
        }

        var columns = new List<double[]>();
        if (spec.HasIntercept)
        {
            names.Add("intercept");
            columns.Add(Enumerable.Repeat(1.0, n).ToArray());
        }

        if (spec.IncludeDrift)
        {
            names.Add("drift");
            columns.Add(Enumerable.Range(1, n).Select(i => (double)i).ToArray());
        }

        foreach (var reg in options.Regressors)
        {
            if (reg.Values.Count != n)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Regressor '{reg.Name}' has {reg.Values.Count} values for {n} observations."), nameof(options));
            }

            if (names.Contains(reg.Name))
            {
                throw new ArgumentException($"Duplicate coefficient name '{reg.Name}'.", nameof(options));
            }

            names.Add(reg.Name);
            columns.Add([.. reg.Values]);
        }

        var narma = spec.ArmaCount;
        var k = names.Count;
        var nUsed = n - spec.DifferencingLength;
        if (nUsed < k + 2)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The series has {n} observations; {spec} with {k} coefficients needs at least {spec.DifferencingLength + k + 2}."),
                nameof(series));
        }

        var problem = new ArimaProblem(spec, x, [.. columns], names.ToArray());
        var start = new double[k];
        if (options.InitialArma is { } init)
        {
            if (init.Count != narma)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {narma} initial ARMA coefficients, got {init.Count}."), nameof(options));
            }

            var c = init.ToArray();
            if (!ArimaPolynomials.IsStationary(c.AsSpan(0, spec.Ar)) || !ArimaPolynomials.IsStationary(c.AsSpan(spec.Ar + spec.Ma, spec.SeasonalAr)))
            {
                throw new ArgumentException("The initial AR coefficients are not stationary (non-stationary AR part).", nameof(options));
            }

            problem.InvertMa(c);
            problem.ToRaw(c, start);
        }

        if (problem.RegressionStart(start) is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }
        var method = options.Method;
        BfgsResult result;
        if (method != ArimaMethod.MaximumLikelihood && k > 0)
        {
            // Conditional sum of squares (R's armaCSS: no parameter transformation), then ML from there for CssMaximumLikelihood.
            var cssStart = problem.FromRaw(start);
            problem.ScaleRegression(cssStart);
            var css = Bfgs.Minimize(new ArimaCssObjective(problem), cssStart, options.MaxIterations, GradientTolerance);
            cancellationToken.ThrowIfCancellationRequested();
            var cssCoefficients = (double[])css.X.Clone();
            problem.UnscaleRegression(cssCoefficients);
            if (method == ArimaMethod.ConditionalSumOfSquares)
            {
                var cssValue = problem.CssObjective(cssCoefficients);
                if (!double.IsFinite(cssValue))
                {
                    throw new ArgumentException("The conditional-sum-of-squares fit failed (non-finite residuals).", nameof(series));
                }

                var cssSe = problem.StandardErrors(cssCoefficients, cssValue, problem.CssObjective);
                return Finish(spec, options, problem, names, cssCoefficients, cssSe, Math.Exp(2.0 * cssValue), cssValue, nUsed, css);
            }

            if (!ArimaPolynomials.IsStationary(cssCoefficients.AsSpan(0, spec.Ar)) || !ArimaPolynomials.IsStationary(cssCoefficients.AsSpan(spec.Ar + spec.Ma, spec.SeasonalAr)))
            {
                throw new ArgumentException("Non-stationary AR part from CSS (as R's arima with method = \"CSS-ML\").", nameof(series));
            }

            problem.InvertMa(cssCoefficients);
            problem.ToRaw(cssCoefficients, start);
            problem.ScaleRegression(cssCoefficients);
            Array.Copy(cssCoefficients, problem.Narma, start, problem.Narma, k - problem.Narma);
        }

        if (k == 0)
        {
            result = new BfgsResult([], problem.EvaluateFast([]).Objective, [], 0, 1, true, "No coefficients to estimate.");
        }
        else
        {
            result = Bfgs.Minimize(new ArimaMaximumLikelihoodObjective(problem), start, options.MaxIterations, GradientTolerance);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var coefficients = problem.FromRaw(result.X);
        problem.InvertMa(coefficients);
        var eval = problem.EvaluateFast(coefficients);
        if (!eval.Ok)
        {
            // The starting point is always finite; fall back to it.
            coefficients = problem.FromRaw(start);
            eval = problem.EvaluateFast(coefficients);
            result = result with { Converged = false, Message = "The optimizer left the admissible region; figures are at the starting values." };
        }

        var se = problem.StandardErrorsFromGradient(coefficients);
        return Finish(spec, options, problem, names, coefficients, se, eval.Ssq / nUsed, eval.Objective, nUsed, result);
    }

    private static ArimaFit Finish(
        ArimaSpecification spec, ArimaFitOptions options, ArimaProblem problem, List<string> names, double[] coefficients, double[]? se,
        double sigma2, double objective, int nUsed, BfgsResult result)
    {
        var k = coefficients.Length;
        var logLik = -0.5 * ((2.0 * nUsed * objective) + nUsed + (nUsed * Math.Log(2.0 * Math.PI)));
        var npar = k + 1;
        var aic = (-2.0 * logLik) + (2.0 * npar);
        double? aicc = nUsed - npar - 1 > 0 ? aic + (2.0 * npar * (npar + 1) / (nUsed - npar - 1)) : null;
        var bic = aic + (npar * (Math.Log(nUsed) - 2.0));
        var coefs = new ArimaCoefficient[k];
        for (var j = 0; j < k; j++)
        {
            coefs[j] = new ArimaCoefficient(names[j], coefficients[j], se is not null && double.IsFinite(se[j]) ? se[j] : null);
        }

        return new ArimaFit(spec, options.LogTransform, problem, coefs, coefficients, sigma2, logLik, aic, aicc, bic, nUsed, result.Converged, result.Message, result.Iterations);
    }
}

/// <summary>The data and parametrization of one fit (internal; immutable after construction apart from scratch space per call).</summary>
internal sealed partial class ArimaProblem
{
    private readonly ArimaSpecification _spec;
    private readonly double[][] _columns;
    private readonly double[] _scale;
    private readonly double[] _delta;
    [ThreadStatic]
    private static ArimaKalman? _cached;

    public ArimaProblem(ArimaSpecification spec, double[] x, double[][] columns, string[] names)
    {
        _spec = spec;
        X = x;
        _columns = columns;
        Names = names;
        _scale = new double[columns.Length];
        _delta = ArimaPolynomials.Differencing(spec.Differences, spec.SeasonalDifferences, spec.Period);
        P = spec.Ar + (spec.SeasonalAr * spec.Period);
        Q = spec.Ma + (spec.SeasonalMa * spec.Period);
    }

    public double[] X { get; }

    public string[] Names { get; }

    public int P { get; }

    public int Q { get; }

    public int Narma => _spec.ArmaCount;

    public double[] Delta => _delta;

    public ArimaSpecification Specification => _spec;

    public IReadOnlyList<double[]> Columns => _columns;

    /// <summary>OLS of the (differenced) series on the (differenced) regressors: starting values and scales (R: lm on the differenced data).</summary>
    public string? RegressionStart(double[] raw)
    {
        var kx = _columns.Length;
        if (kx == 0)
        {
            return null;
        }

        var s = _spec;
        var dx = ArimaPolynomials.Difference(X, s.Differences, s.SeasonalDifferences, s.Period);
        var dcols = _columns.Select(c => ArimaPolynomials.Difference(c, s.Differences, s.SeasonalDifferences, s.Period)).ToArray();
        var m = dx.Length;
        var a = Matrix<double>.Build.Dense(m, kx, (i, j) => dcols[j][i]);
        var qr = a.QR();
        var rdiag = qr.R.Diagonal();
        var rmax = rdiag.AbsoluteMaximum();
        for (var j = 0; j < kx; j++)
        {
            if (!(Math.Abs(rdiag[j]) > 1e-9 * Math.Max(rmax, 1e-300)) || m <= kx)
            {
                return $"The regressor '{Names[Narma + j]}' has no variation left after differencing (or is collinear with an earlier one).";
            }
        }

        var beta = qr.Solve(Vector<double>.Build.Dense(dx));
        var resid = Vector<double>.Build.Dense(dx) - (a * beta);
        var s2 = resid.DotProduct(resid) / Math.Max(m - kx, 1);
        var rinv = qr.R.SubMatrix(0, kx, 0, kx).Inverse();
        var cov = rinv * rinv.Transpose() * s2;
        for (var j = 0; j < kx; j++)
        {
            var se = Math.Sqrt(Math.Max(cov[j, j], 0.0));
            _scale[j] = se > 0.0 && double.IsFinite(se) ? 10.0 * se : Math.Max(1.0, Math.Abs(beta[j]));
            raw[Narma + j] = beta[j] / _scale[j];
        }

        return null;
    }

    /// <summary>Optimizer vector → coefficients (AR from PACF, regression unscaled).</summary>
    public double[] FromRaw(ReadOnlySpan<double> raw)
    {
        var s = _spec;
        var c = raw.ToArray();
        ArimaPolynomials.PacfToAr(raw.Slice(0, s.Ar), c.AsSpan(0, s.Ar));
        var o = s.Ar + s.Ma;
        ArimaPolynomials.PacfToAr(raw.Slice(o, s.SeasonalAr), c.AsSpan(o, s.SeasonalAr));
        for (var j = 0; j < _columns.Length; j++)
        {
            c[Narma + j] = raw[Narma + j] * _scale[j];
        }

        return c;
    }

    /// <summary>Coefficients → optimizer vector (ARMA part only).</summary>
    public void ToRaw(ReadOnlySpan<double> c, Span<double> raw)
    {
        var s = _spec;
        c[..Narma].CopyTo(raw);
        _ = ArimaPolynomials.ArToPacf(c.Slice(0, s.Ar), raw.Slice(0, s.Ar));
        var o = s.Ar + s.Ma;
        _ = ArimaPolynomials.ArToPacf(c.Slice(o, s.SeasonalAr), raw.Slice(o, s.SeasonalAr));
    }

    public void InvertMa(double[] c)
    {
        var s = _spec;
        if (s.Ma > 0)
        {
            ArimaPolynomials.MaInvert(c.AsSpan(s.Ar, s.Ma)).CopyTo(c, s.Ar);
        }

        if (s.SeasonalMa > 0)
        {
            var o = s.Ar + s.Ma + s.SeasonalAr;
            ArimaPolynomials.MaInvert(c.AsSpan(o, s.SeasonalMa)).CopyTo(c, o);
        }
    }

    public double Objective(double[] raw) => Evaluate(FromRaw(raw)).Objective;

    public void ScaleRegression(double[] c)
    {
        for (var j = 0; j < _columns.Length; j++)
        {
            c[Narma + j] /= _scale[j];
        }
    }

    public void UnscaleRegression(double[] c)
    {
        for (var j = 0; j < _columns.Length; j++)
        {
            c[Narma + j] *= _scale[j];
        }
    }

    /// <summary>R's <c>ARIMA_CSS</c>: ½ log(mean squared conditional residual), conditioning on the first d + D·s + p + P·s values.</summary>
    public double CssObjective(double[] c) => Css(c, []);

    public ArimaKalman NewKalman() => new(P, Q, _delta);

    /// <summary>Runs the filter at coefficients <paramref name="c"/> on a thread-local filter.</summary>
    public Evaluation Evaluate(ReadOnlySpan<double> c, ArimaKalman? kalman = null)
    {
        var s = _spec;
        if (!ArimaPolynomials.IsStationary(c.Slice(0, s.Ar)) || !ArimaPolynomials.IsStationary(c.Slice(s.Ar + s.Ma, s.SeasonalAr)))
        {
            return Evaluation.Failed;
        }

        var phi = ArimaPolynomials.Expand(c.Slice(0, s.Ar), c.Slice(s.Ar + s.Ma, s.SeasonalAr), s.Period, plus: false);
        var theta = ArimaPolynomials.Expand(c.Slice(s.Ar, s.Ma), c.Slice(s.Ar + s.Ma + s.SeasonalAr, s.SeasonalMa), s.Period, plus: true);
        var y = Adjusted(c);
        if (kalman is null)
        {
            kalman = _cached;
            if (kalman is null || !kalman.Matches(P, Q, _delta))
            {
                kalman = _cached = NewKalman();
            }
        }

        if (!kalman.Filter(phi, theta, y, out var ssq, out var sumLog, out var used) || used == 0 || !(ssq > 0.0))
        {
            return Evaluation.Failed;
        }

        var obj = 0.5 * (Math.Log(ssq / used) + (sumLog / used));
        return double.IsFinite(obj) ? new Evaluation(true, obj, ssq, used) : Evaluation.Failed;
    }

    /// <summary>x − X β.</summary>
    public double[] Adjusted(ReadOnlySpan<double> c)
    {
        var y = (double[])X.Clone();
        for (var j = 0; j < _columns.Length; j++)
        {
            var b = c[Narma + j];
            var col = _columns[j];
            for (var t = 0; t < y.Length; t++)
            {
                y[t] -= b * col[t];
            }
        }

        return y;
    }

    /// <summary>Standard errors from the central-difference Hessian of n*·objective (= −log L + const, σ² profiled out).</summary>
    public double[]? StandardErrors(double[] c, double f0, Func<double[], double> objective)
    {
        var k = c.Length;
        if (k == 0)
        {
            return [];
        }

        var nUsed = X.Length - _spec.DifferencingLength;
        var h = new double[k];
        for (var j = 0; j < k; j++)
        {
            h[j] = j < Narma ? 1e-4 : 1e-3 * _scale[j - Narma];
        }

        var work = (double[])c.Clone();
        double F(int i, double di, int j, double dj)
        {
            work[i] += di;
            work[j] += dj;
            var e = objective(work);
            work[i] = c[i];
            work[j] = c[j];
            return nUsed * e;
        }

        var hess = Matrix<double>.Build.Dense(k, k);
        for (var i = 0; i < k; i++)
        {
            var fp = F(i, h[i], i, 0.0);
            var fm = F(i, -h[i], i, 0.0);
            hess[i, i] = (fp - (2.0 * nUsed * f0) + fm) / (h[i] * h[i]);
            for (var j = 0; j < i; j++)
            {
                var v = (F(i, h[i], j, h[j]) - F(i, h[i], j, -h[j]) - F(i, -h[i], j, h[j]) + F(i, -h[i], j, -h[j])) / (4.0 * h[i] * h[j]);
                hess[i, j] = v;
                hess[j, i] = v;
            }
        }

        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                if (!double.IsFinite(hess[i, j]))
                {
                    return null;
                }
            }
        }

        // As R: var = solve(H); a coefficient whose variance is not positive has no standard error (R's NaN).
        var lu = hess.LU();
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

    internal readonly record struct Evaluation(bool Ok, double Objective, double Ssq, int Used)
    {
        public static readonly Evaluation Failed = new(false, double.NaN, double.NaN, 0);
    }
}
