using System.Globalization;
using CemCore.Features;

namespace CemCore.Churn;

/// <summary>A churn-model input derived from <see cref="CustomerFeatures"/>. The column name used in matrices is given per value.</summary>
public enum ChurnFeature
{
    /// <summary><c>frequency</c>: repeat purchase orders (<see cref="CustomerFeatures.RepeatCount"/>).</summary>
    Frequency = 0,

    /// <summary><c>recency_days</c>: days from the last purchase to the as-of instant (<see cref="CustomerFeatures.RecencyDays"/>); missing without a purchase.</summary>
    RecencyDays = 1,

    /// <summary><c>tenure_days</c>: days from the first purchase to the as-of instant (<see cref="CustomerFeatures.TenureDays"/>); missing without a purchase.</summary>
    TenureDays = 2,

    /// <summary><c>average_order_value</c>: <see cref="CustomerFeatures.MonetaryMean"/>; missing without an order.</summary>
    AverageOrderValue = 3,

    /// <summary><c>monetary_total</c>: net spend (<see cref="CustomerFeatures.MonetaryTotal"/>).</summary>
    MonetaryTotal = 4,

    /// <summary><c>return_rate</c>: return orders per purchase order (<see cref="CustomerFeatures.ReturnRate"/>).</summary>
    ReturnRate = 5,

    /// <summary><c>discount_share</c>: discount share of list value (<see cref="CustomerFeatures.DiscountShare"/>).</summary>
    DiscountShare = 6,

    /// <summary><c>interval_mean_days</c>: mean days between purchase days (<see cref="CustomerFeatures.IntervalMeanDays"/>); missing with fewer than two purchase days.</summary>
    IntervalMeanDays = 7,

    /// <summary><c>purchase_days</c>: distinct purchase days (<see cref="CustomerFeatures.PurchaseDays"/>).</summary>
    PurchaseDays = 8,

    /// <summary><c>interval_sd_days</c>: population SD of the days between purchase days (<see cref="CustomerFeatures.IntervalPopulationStdDevDays"/>); missing with fewer than two purchase days.</summary>
    IntervalStdDevDays = 9,

    /// <summary><c>order_count</c>: purchase orders (<see cref="CustomerFeatures.OrderCount"/>).</summary>
    OrderCount = 10,

    /// <summary><c>quantity</c>: units bought (<see cref="CustomerFeatures.Quantity"/>).</summary>
    Quantity = 11,
}

/// <summary>
/// The feature pipeline from <see cref="CustomerFeatures"/> to a dense row-major <see cref="FeatureMatrix"/> with named columns. A value that
/// is undefined for a customer (for example recency without a purchase) is written as <see cref="double.NaN"/> (missing) and is then handled by
/// the model's <see cref="MissingValuePolicy"/>.
/// </summary>
/// <remarks>Immutable and thread-safe; equality by reference.</remarks>
public sealed class ChurnFeatureMap
{
    private readonly ChurnFeature[] _features;
    private readonly string[] _names;

    /// <summary>Creates a map.</summary>
    /// <param name="features">Distinct features, in column order; at least one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">Empty, repeated or undefined features.</exception>
    public ChurnFeatureMap(IEnumerable<ChurnFeature> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        _features = features.ToArray();
        if (_features.Length == 0)
        {
            throw new ArgumentException("At least one feature is required.", nameof(features));
        }

        _names = new string[_features.Length];
        for (var j = 0; j < _features.Length; j++)
        {
            if (!Enum.IsDefined(_features[j]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Feature {j} has the undefined value {(int)_features[j]}."), nameof(features));
            }

            _names[j] = ColumnName(_features[j]);
        }

        _ = FeatureMatrix.ValidateNames(_names);
    }

    /// <summary>Gets the default map: the nine features <c>frequency, recency_days, tenure_days, average_order_value, monetary_total,
    /// return_rate, discount_share, interval_mean_days, purchase_days</c>.</summary>
    public static ChurnFeatureMap Default { get; } = new(
    [
        ChurnFeature.Frequency, ChurnFeature.RecencyDays, ChurnFeature.TenureDays, ChurnFeature.AverageOrderValue, ChurnFeature.MonetaryTotal,
        ChurnFeature.ReturnRate, ChurnFeature.DiscountShare, ChurnFeature.IntervalMeanDays, ChurnFeature.PurchaseDays,
    ]);

    /// <summary>Gets the features, in column order.</summary>
    public IReadOnlyList<ChurnFeature> Features => _features;

    /// <summary>Gets the column names, in column order.</summary>
    public IReadOnlyList<string> ColumnNames => _names;

    /// <summary>Returns the column name of a feature (snake_case, as listed on <see cref="ChurnFeature"/>).</summary>
    /// <param name="feature">The feature.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Undefined value.</exception>
    public static string ColumnName(ChurnFeature feature) => feature switch
    {
        ChurnFeature.Frequency => "frequency",
        ChurnFeature.RecencyDays => "recency_days",
        ChurnFeature.TenureDays => "tenure_days",
        ChurnFeature.AverageOrderValue => "average_order_value",
        ChurnFeature.MonetaryTotal => "monetary_total",
        ChurnFeature.ReturnRate => "return_rate",
        ChurnFeature.DiscountShare => "discount_share",
        ChurnFeature.IntervalMeanDays => "interval_mean_days",
        ChurnFeature.PurchaseDays => "purchase_days",
        ChurnFeature.IntervalStdDevDays => "interval_sd_days",
        ChurnFeature.OrderCount => "order_count",
        ChurnFeature.Quantity => "quantity",
        _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, "Undefined churn feature."),
    };

    /// <summary>Writes one customer's row (NaN for missing values).</summary>
    /// <param name="customer">The customer's features.</param>
    /// <param name="destination">Exactly <c>ColumnNames.Count</c> values.</param>
    /// <exception cref="ArgumentNullException"><paramref name="customer"/> is null.</exception>
    /// <exception cref="ArgumentException">Wrong destination length.</exception>
    public void Write(CustomerFeatures customer, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(customer);
        if (destination.Length != _features.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {_features.Length} values but got {destination.Length}."), nameof(destination));
        }

        for (var j = 0; j < _features.Length; j++)
        {
            destination[j] = Value(customer, _features[j]);
        }
    }

    /// <summary>Builds the matrix of a list of customers (one row each, in list order).</summary>
    /// <param name="customers">The customers.</param>
    /// <returns>The matrix; NaN marks missing values.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="customers"/> or an element is null.</exception>
    public FeatureMatrix ToMatrix(IReadOnlyList<CustomerFeatures> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var k = _features.Length;
        var values = new double[checked(customers.Count * k)];
        for (var i = 0; i < customers.Count; i++)
        {
            Write(customers[i], values.AsSpan(i * k, k));
        }

        return FeatureMatrix.Own(_names, values);
    }

    private static double Value(CustomerFeatures c, ChurnFeature f) => f switch
    {
        ChurnFeature.Frequency => c.RepeatCount,
        ChurnFeature.RecencyDays => c.RecencyDays ?? double.NaN,
        ChurnFeature.TenureDays => c.TenureDays ?? double.NaN,
        ChurnFeature.AverageOrderValue => c.OrderCount == 0 ? double.NaN : (double)c.MonetaryMean,
        ChurnFeature.MonetaryTotal => (double)c.MonetaryTotal,
        ChurnFeature.ReturnRate => c.ReturnRate,
        ChurnFeature.DiscountShare => c.DiscountShare,
        ChurnFeature.IntervalMeanDays => c.IntervalMeanDays ?? double.NaN,
        ChurnFeature.PurchaseDays => c.PurchaseDays,
        ChurnFeature.IntervalStdDevDays => c.IntervalPopulationStdDevDays ?? double.NaN,
        ChurnFeature.OrderCount => c.OrderCount,
        _ => c.Quantity,
    };
}
