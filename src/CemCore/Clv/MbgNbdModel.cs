using CemCore.Primitives;

namespace CemCore.Clv;

/// <summary>
/// The MBG/NBD (modified BG/NBD) model of Batislam, Denizel &amp; Filiztekin (2007), "Empirical validation and comparison of models for customer base analysis", <i>IJRM</i> 24(3): Poisson purchasing at rate λ ~ Gamma(r, α) while alive; at time 0 and after each repeat purchase the customer drops out with probability p (so customers with x = 0 can be inactive), with the dropout probability
/// p ~ Beta(a, b) across customers.
/// </summary>
/// <remarks>
/// <para>Rates are per <see cref="Unit"/>: α is in units of time. Published CDNOW values (weeks): not published for CDNOW; see docs/clv.md for the grocery regression fixture.</para>
/// <para>Immutable and thread-safe; value equality over the parameters and unit. Batch methods validate every row and do not allocate.</para>
/// </remarks>
public sealed record MbgNbdModel : IBtydModel
{
    /// <summary>Creates a model from parameters.</summary>
    /// <param name="r">Shape of the purchase-rate gamma (finite, &gt; 0).</param>
    /// <param name="alpha">Scale of the purchase-rate gamma, in <paramref name="unit"/> (finite, &gt; 0).</param>
    /// <param name="a">First beta shape of the dropout probability (finite, &gt; 0).</param>
    /// <param name="b">Second beta shape of the dropout probability (finite, &gt; 0).</param>
    /// <param name="unit">Time unit of the rates. Default: weeks.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is not finite and positive, or the unit is undefined.</exception>
    public MbgNbdModel(double r, double alpha, double a, double b, TimeUnit unit = TimeUnit.Week)
    {
        BgFamily.CheckParameters(r, alpha, a, b);
        _ = TimeUnits.DaysPerUnit(unit);
        R = r;
        Alpha = alpha;
        A = a;
        B = b;
        Unit = unit;
    }

    /// <summary>Gets the gamma shape r.</summary>
    public double R { get; }

    /// <summary>Gets the gamma scale α (in <see cref="Unit"/>).</summary>
    public double Alpha { get; }

    /// <summary>Gets the beta shape a.</summary>
    public double A { get; }

    /// <summary>Gets the beta shape b.</summary>
    public double B { get; }

    /// <inheritdoc />
    public TimeUnit Unit { get; }

    /// <inheritdoc />
    public string ModelName => "mbgnbd";

    /// <inheritdoc />
    public IReadOnlyList<ModelParameter> Parameters => [new("r", R), new("alpha", Alpha), new("a", A), new("b", B)];

    /// <summary>Fits the model by maximum likelihood (BFGS on log-parameters with the analytic gradient).</summary>
    /// <param name="data">The calibration summaries.</param>
    /// <param name="settings">Fit settings; <see langword="null"/> for <see cref="BtydFitSettings.Default"/>.</param>
    /// <returns>The fitted model and its convergence report; a fit that does not converge is reported with
    /// <see cref="FitDiagnostics.Converged"/> = false, not thrown.</returns>
    public static BtydFitResult<MbgNbdModel> Fit(BtydData data, BtydFitSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        settings ??= BtydFitSettings.Default;
        var objective = new BgFamilyObjective(data, modified: true, settings.Penalizer);
        var (p, diagnostics) = FitRunner.Run(
            objective, BgFamilyObjective.StartingValues(data), settings, data.CustomerCount, p => objective.TotalLogLikelihood(p), FitRunner.CountDataReason(data), ["r", "alpha", "a", "b"]);
        return new BtydFitResult<MbgNbdModel>(Safe(p, data.Unit), diagnostics);
    }

    /// <summary>Returns the total log-likelihood Σ ℓᵢ of <paramref name="data"/> under this model.</summary>
    /// <param name="data">The calibration summaries.</param>
    /// <returns>The total log-likelihood.</returns>
    public double LogLikelihood(BtydData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new BgFamilyObjective(data, modified: true, 0.0).TotalLogLikelihood([R, Alpha, A, B]);
    }

    /// <inheritdoc />
    public double LogLikelihood(int frequency, double recency, double age)
    {
        BtydData.Validate(frequency, recency, age, -1);
        return BgFamily.LogLikelihood(R, Alpha, A, B, true, frequency, recency, age);
    }

    /// <inheritdoc />
    /// <remarks>Batislam et al. (2007): 1 / (1 + a/(b+x)·((α+T)/(α+t_x))^(r+x)), for every x including 0.</remarks>
    public double ProbabilityAlive(int frequency, double recency, double age)
    {
        BtydData.Validate(frequency, recency, age, -1);
        return BgFamily.ProbabilityAlive(R, Alpha, A, B, true, frequency, recency, age);
    }

    /// <inheritdoc />
    /// <remarks>Batislam et al. (2007): (a+b+x)/(a−1)·[1 − ((α+T)/(α+T+t))^(r+x)·₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]·P(alive).</remarks>
    public double ConditionalExpectedPurchases(double t, int frequency, double recency, double age)
    {
        FitRunner.CheckHorizon(t);
        BtydData.Validate(frequency, recency, age, -1);
        return BgFamily.ConditionalExpected(R, Alpha, A, B, true, t, frequency, recency, age);
    }

    /// <inheritdoc />
    /// <remarks>b/(a−1)·[1 − (α/(α+t))^r·₂F₁(r, b+1; a+b; t/(α+t))]: the BG/NBD expectation with b+1, times E[1−p] = b/(a+b) for surviving the initial purchase (checked against Σₙ n·P(X(t)=n)).</remarks>
    public double ExpectedPurchases(double t)
    {
        FitRunner.CheckHorizon(t);
        return BgFamily.Expected(R, Alpha, A, B, true, t);
    }

    /// <inheritdoc />
    /// <remarks>B(a, b+n+1)/B(a, b)·NB(n; r, α/(α+t)) + B(a+1, b+n)/B(a, b)·[1 − (α/(α+t))^r·Σ_{j&lt;n} Γ(r+j)/(Γ(r) j!)·(t/(α+t))^j] (as lifetimes 0.11 ModifiedBetaGeoFitter).</remarks>
    public double ProbabilityOfPurchases(int n, double t)
    {
        FitRunner.CheckCount(n);
        FitRunner.CheckHorizon(t);
        return BgFamily.ProbabilityOfPurchases(R, Alpha, A, B, true, n, t);
    }

    /// <inheritdoc />
    public void ProbabilityAlive(ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination) =>
        BgFamily.ProbabilityAlive(R, Alpha, A, B, true, frequency, recency, age, destination);

    /// <inheritdoc />
    public void ConditionalExpectedPurchases(double t, ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination) =>
        BgFamily.ConditionalExpected(R, Alpha, A, B, true, t, frequency, recency, age, destination);

    private static MbgNbdModel Safe(double[] p, TimeUnit unit)
    {
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = double.IsFinite(p[i]) && p[i] > 0.0 ? Math.Clamp(p[i], 1e-300, 1e300) : 1.0;
        }

        return new MbgNbdModel(p[0], p[1], p[2], p[3], unit);
    }
}
