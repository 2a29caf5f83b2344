namespace CemCore.Synthetic;

/// <summary>
/// Settings of <see cref="RetailDataGenerator"/>: scale, seed, period and the behavioural parameters of the simulated retailer.
/// Immutable; checked on construction.
/// </summary>
/// <remarks>
/// <para>The simulated shop lives in China Standard Time (UTC+08:00, no daylight saving): calendar effects (weekdays, Singles' Day 11-11,
/// 618, 12-12, the Spring Festival dip) are taken on local days, and timestamps are written with the <c>+08:00</c> offset.</para>
/// <para>Purchase process (Pareto/NBD, Schmittlein, Morrison &amp; Colombo 1987): each buyer has a purchase rate λ ~ Gamma(shape
/// <see cref="PurchaseRateShape"/>, mean <see cref="MeanPurchasesPerYear"/>/365 per day) modulated by seasonality, and a lifetime ~
/// Exponential(μ) with μ ~ Gamma(shape <see cref="DropoutRateShape"/>, mean 1/<see cref="MeanLifetimeDays"/>).</para>
/// </remarks>
public sealed record RetailDataSettings
{
    /// <summary>The largest number of customers.</summary>
    public const int MaxCustomers = 10_000_000;

    /// <summary>The longest period in days.</summary>
    public const int MaxDays = 3_660;

    /// <summary>Creates settings.</summary>
    /// <param name="customers">Number of customers, in [1, <see cref="MaxCustomers"/>]. Default 5,000.</param>
    /// <param name="seed">The seed: the same settings always give the same data. Default 42.</param>
    /// <param name="start">First local day of the data. Default 2024-01-01.</param>
    /// <param name="days">Length of the period in days, in [1, <see cref="MaxDays"/>]. Default 731 (2024-01-01 to 2025-12-31).</param>
    /// <param name="meanPurchasesPerYear">Mean purchase rate of an active buyer per year, in (0, 365]. Default 4.</param>
    /// <param name="meanLifetimeDays">Mean time until a buyer drops out, in days, in (0, 36500]. Default 540.</param>
    /// <param name="returnRateScale">Multiplies every category's base return probability, in [0, 5]. Default 1.</param>
    /// <param name="surveyProbability">Probability that an order is followed by an answered survey, in [0, 1]. Default 0.15.</param>
    /// <param name="cartAbandonmentRate">Abandoned carts per order (Poisson mean), in [0, 20]. Default 0.6.</param>
    /// <param name="neverBuyShare">Share of customers who sign up but never buy, in [0, 1]. Default 0.15.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range (NaN included).</exception>
    public RetailDataSettings(
        int customers = 5_000,
        int seed = 42,
        DateOnly? start = null,
        int days = 731,
        double meanPurchasesPerYear = 4.0,
        double meanLifetimeDays = 540.0,
        double returnRateScale = 1.0,
        double surveyProbability = 0.15,
        double cartAbandonmentRate = 0.6,
        double neverBuyShare = 0.15)
    {
        Customers = customers is >= 1 and <= MaxCustomers ? customers : throw new ArgumentOutOfRangeException(nameof(customers), customers, $"Expected 1 to {MaxCustomers} customers.");
        Seed = seed;
        Start = start ?? new DateOnly(2024, 1, 1);
        Days = days is >= 1 and <= MaxDays ? days : throw new ArgumentOutOfRangeException(nameof(days), days, $"Expected 1 to {MaxDays} days.");
        MeanPurchasesPerYear = meanPurchasesPerYear is > 0 and <= 365 ? meanPurchasesPerYear : throw new ArgumentOutOfRangeException(nameof(meanPurchasesPerYear), meanPurchasesPerYear, "Expected a rate in (0, 365] per year.");
        MeanLifetimeDays = meanLifetimeDays is > 0 and <= 36_500 ? meanLifetimeDays : throw new ArgumentOutOfRangeException(nameof(meanLifetimeDays), meanLifetimeDays, "Expected a mean lifetime in (0, 36500] days.");
        ReturnRateScale = returnRateScale is >= 0 and <= 5 ? returnRateScale : throw new ArgumentOutOfRangeException(nameof(returnRateScale), returnRateScale, "Expected a scale in [0, 5].");
        SurveyProbability = surveyProbability is >= 0 and <= 1 ? surveyProbability : throw new ArgumentOutOfRangeException(nameof(surveyProbability), surveyProbability, "Expected a probability in [0, 1].");
        CartAbandonmentRate = cartAbandonmentRate is >= 0 and <= 20 ? cartAbandonmentRate : throw new ArgumentOutOfRangeException(nameof(cartAbandonmentRate), cartAbandonmentRate, "Expected a rate in [0, 20].");
        NeverBuyShare = neverBuyShare is >= 0 and <= 1 ? neverBuyShare : throw new ArgumentOutOfRangeException(nameof(neverBuyShare), neverBuyShare, "Expected a share in [0, 1].");
    }

    /// <summary>Gets the shape of the gamma distribution of purchase rates across customers (heterogeneity; smaller = more skewed).</summary>
    public const double PurchaseRateShape = 0.8;

    /// <summary>Gets the shape of the gamma distribution of dropout rates across customers.</summary>
    public const double DropoutRateShape = 1.5;

    /// <summary>Gets the local time zone offset of the simulated shop (UTC+08:00).</summary>
    public static TimeSpan UtcOffset { get; } = TimeSpan.FromHours(8);

    /// <summary>Gets the number of customers. <value>The default is 5,000.</value></summary>
    public int Customers { get; }

    /// <summary>Gets the seed. <value>The default is 42.</value></summary>
    public int Seed { get; }

    /// <summary>Gets the first local day. <value>The default is 2024-01-01.</value></summary>
    public DateOnly Start { get; }

    /// <summary>Gets the period length in days. <value>The default is 731.</value></summary>
    public int Days { get; }

    /// <summary>Gets the mean purchases per year of an active buyer. <value>The default is 4.</value></summary>
    public double MeanPurchasesPerYear { get; }

    /// <summary>Gets the mean lifetime in days. <value>The default is 540.</value></summary>
    public double MeanLifetimeDays { get; }

    /// <summary>Gets the return probability multiplier. <value>The default is 1.</value></summary>
    public double ReturnRateScale { get; }

    /// <summary>Gets the probability of a survey after an order. <value>The default is 0.15.</value></summary>
    public double SurveyProbability { get; }

    /// <summary>Gets the abandoned carts per order. <value>The default is 0.6.</value></summary>
    public double CartAbandonmentRate { get; }

    /// <summary>Gets the share of customers who never buy. <value>The default is 0.15.</value></summary>
    public double NeverBuyShare { get; }

    /// <summary>Gets the first instant of the period (local midnight of <see cref="Start"/> at UTC+08:00).</summary>
    public DateTimeOffset StartInstant => new(Start.ToDateTime(TimeOnly.MinValue), UtcOffset);

    /// <summary>Gets the exclusive end of the period: local midnight after the last day. Nothing is generated at or after it.</summary>
    public DateTimeOffset EndInstant => StartInstant.AddDays(Days);
}
