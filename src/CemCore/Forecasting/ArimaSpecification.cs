using System.Globalization;

namespace CemCore.Forecasting;

/// <summary>
/// The orders of a seasonal ARIMA model (p,d,q)(P,D,Q)[s], with R <c>stats::arima</c>'s conventions: the mean (named
/// <c>intercept</c>) is estimated only when <see cref="IncludeMean"/> and d + D = 0; <see cref="IncludeDrift"/> adds a time-index
/// regressor named <c>drift</c> (1, 2, …, n) as R forecast's <c>Arima(include.drift = TRUE)</c> does. Immutable; checked on construction.
/// </summary>
public sealed class ArimaSpecification
{
    /// <summary>The largest accepted order of any polynomial or difference.</summary>
    public const int MaxOrder = 10;

    /// <summary>The largest accepted seasonal period.</summary>
    public const int MaxPeriod = 366;

    /// <summary>Creates a specification.</summary>
    /// <param name="ar">p, the non-seasonal AR order (0..10).</param>
    /// <param name="differences">d, the number of non-seasonal differences (0..2).</param>
    /// <param name="ma">q, the non-seasonal MA order (0..10).</param>
    /// <param name="seasonalAr">P, the seasonal AR order (0..10).</param>
    /// <param name="seasonalDifferences">D, the number of seasonal differences (0..1).</param>
    /// <param name="seasonalMa">Q, the seasonal MA order (0..10).</param>
    /// <param name="period">s, the seasonal period (1..366); 1 means no seasonal part (P, D and Q must then be 0).</param>
    /// <param name="includeMean">Estimate the mean when d + D = 0 (ignored otherwise, as in R).</param>
    /// <param name="includeDrift">Add a drift (time-index) regressor.</param>
    /// <exception cref="ArgumentOutOfRangeException">An order or the period is out of range.</exception>
    public ArimaSpecification(int ar, int differences, int ma, int seasonalAr = 0, int seasonalDifferences = 0, int seasonalMa = 0, int period = 1, bool includeMean = true, bool includeDrift = false)
    {
        Check(ar, nameof(ar), MaxOrder);
        Check(differences, nameof(differences), 2);
        Check(ma, nameof(ma), MaxOrder);
        Check(seasonalAr, nameof(seasonalAr), MaxOrder);
        Check(seasonalDifferences, nameof(seasonalDifferences), 1);
        Check(seasonalMa, nameof(seasonalMa), MaxOrder);
        if (period is < 1 or > MaxPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, $"The seasonal period must be in [1, {MaxPeriod}].");
        }

        if (period == 1 && (seasonalAr | seasonalDifferences | seasonalMa) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "A seasonal part (P, D, Q) needs a seasonal period above 1.");
        }

        Ar = ar;
        Differences = differences;
        Ma = ma;
        SeasonalAr = seasonalAr;
        SeasonalDifferences = seasonalDifferences;
        SeasonalMa = seasonalMa;
        Period = period;
        IncludeMean = includeMean;
        IncludeDrift = includeDrift;
    }

    /// <summary>p.</summary>
    public int Ar { get; }

    /// <summary>d.</summary>
    public int Differences { get; }

    /// <summary>q.</summary>
    public int Ma { get; }

    /// <summary>P.</summary>
    public int SeasonalAr { get; }

    /// <summary>D.</summary>
    public int SeasonalDifferences { get; }

    /// <summary>Q.</summary>
    public int SeasonalMa { get; }

    /// <summary>s.</summary>
    public int Period { get; }

    /// <summary>Whether the mean is requested (estimated only when d + D = 0).</summary>
    public bool IncludeMean { get; }

    /// <summary>Whether a drift regressor is added.</summary>
    public bool IncludeDrift { get; }

    /// <summary>Whether an intercept is estimated: <see cref="IncludeMean"/> and d + D = 0.</summary>
    public bool HasIntercept => IncludeMean && Differences + SeasonalDifferences == 0;

    /// <summary>The number of observations lost to differencing, d + D·s.</summary>
    public int DifferencingLength => Differences + (SeasonalDifferences * Period);

    /// <summary>The number of ARMA coefficients p + q + P + Q.</summary>
    public int ArmaCount => Ar + Ma + SeasonalAr + SeasonalMa;

    /// <summary>R's notation, e.g. <c>ARIMA(0,1,1)(0,1,1)[12]</c>.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"ARIMA({Ar},{Differences},{Ma}){(Period > 1 ? $"({SeasonalAr},{SeasonalDifferences},{SeasonalMa})[{Period}]" : string.Empty)}{(IncludeDrift ? " with drift" : string.Empty)}");

    private static void Check(int value, string name, int max)
    {
        if (value < 0 || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be in [0, {max}]."));
        }
    }
}
