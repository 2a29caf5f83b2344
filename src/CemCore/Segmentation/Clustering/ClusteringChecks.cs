using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace CemCore.Segmentation.Clustering;

/// <summary>Input checks of the clustering kernels. Messages name the parameter, row and feature — never data values of a person.</summary>
internal static class ClusteringChecks
{
    public static int Rows(ReadOnlySpan<double> data, int featureCount)
    {
        if (featureCount < 1)
        {
            ThrowFeatureCount(featureCount);
        }

        if (data.IsEmpty)
        {
            ThrowEmpty(nameof(data));
        }

        if (data.Length % featureCount != 0)
        {
            ThrowNotMultiple(data.Length, featureCount, nameof(data));
        }

        return data.Length / featureCount;
    }

    public static void Finite(ReadOnlySpan<double> data, int featureCount)
    {
        for (var i = 0; i < data.Length; i++)
        {
            if (!double.IsFinite(data[i]))
            {
                ThrowNotFinite(i / featureCount, i % featureCount, data[i], nameof(data));
            }
        }
    }

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowFeatureCount(int featureCount) =>
        throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "The feature count must be at least 1.");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowEmpty(string paramName) =>
        throw new ArgumentException("The data is empty: at least one row is required.", paramName);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowNotMultiple(int length, int featureCount, string paramName) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"The data holds {length} values, which is not a multiple of the feature count {featureCount} (row-major layout)."),
            paramName);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowNotFinite(int row, int feature, double value, string paramName) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Row {row}, feature {feature} is {value}; every value must be a finite number (not NaN or infinity)."),
            paramName);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowTooFewRows(int clusterCount, int rows, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName,
            clusterCount,
            string.Create(CultureInfo.InvariantCulture, $"The cluster count must be in [1, number of rows = {rows}], but is {clusterCount}."));

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowConstant(int feature, string paramName) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Feature {feature} is constant (zero variance) and ConstantFeatureHandling.Reject is set; drop the column or use ConstantFeatureHandling.Ignore."),
            paramName);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowAllConstant(int clusterCount, string paramName) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Every feature is constant (zero variance), so all rows coincide and {clusterCount} clusters cannot be separated; use a cluster count of 1 or add a varying feature."),
            paramName);
}
