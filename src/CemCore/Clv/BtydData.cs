using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using CemCore.Features;
using CemCore.Primitives;

namespace CemCore.Clv;

/// <summary>
/// The calibration summary (x, t_x, T) of many customers, validated and compressed into distinct rows with weights: the input of
/// the BTYD model fits (<see cref="BgNbdModel.Fit"/>, <see cref="ParetoNbdModel.Fit"/>, <see cref="MbgNbdModel.Fit"/>).
/// </summary>
/// <remarks>
/// <para>Conventions (Fader, Hardie &amp; Lee 2005): <c>x</c> = repeat purchases (the first purchase is not counted), <c>t_x</c> = time
/// of the last purchase measured from the first, <c>T</c> = time from the first purchase to the calibration end, both in <see cref="Unit"/>.
/// Customers with identical (x, t_x, T) contribute identical likelihood terms, so they are stored once with a weight.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class BtydData
{
    private BtydData(TimeUnit unit, int customers, int[] x, double[] tx, double[] age, double[] weight, int[] txTime, int[] ageTime, double[] times)
    {
        Unit = unit;
        CustomerCount = customers;
        X = x;
        Tx = tx;
        T = age;
        Weight = weight;
        TxTime = txTime;
        AgeTime = ageTime;
        Times = times;
        var maxX = 0;
        long total = 0;
        var repeaters = 0;
        for (var i = 0; i < x.Length; i++)
        {
            maxX = Math.Max(maxX, x[i]);
            total += (long)x[i] * (long)weight[i];
            repeaters += x[i] > 0 ? (int)weight[i] : 0;
        }

        MaxFrequency = maxX;
        TotalRepeatPurchases = total;
        RepeatCustomerCount = repeaters;
    }

    /// <summary>Gets the time unit of recency and age (the rate parameters of a fitted model are per this unit).</summary>
    public TimeUnit Unit { get; }

    /// <summary>Gets the number of customers.</summary>
    public int CustomerCount { get; }

    /// <summary>Gets the number of customers with at least one repeat purchase (x &gt; 0).</summary>
    public int RepeatCustomerCount { get; }

    /// <summary>Gets Σx, the number of repeat purchases of all customers.</summary>
    public long TotalRepeatPurchases { get; }

    /// <summary>Gets the number of distinct (x, t_x, T) rows after compression.</summary>
    public int DistinctRowCount => X.Length;

    /// <summary>Gets the largest frequency.</summary>
    public int MaxFrequency { get; }

    internal int[] X { get; }

    internal double[] Tx { get; }

    internal double[] T { get; }

    internal double[] Weight { get; }

    /// <summary>Index of each row's t_x in <see cref="Times"/>.</summary>
    internal int[] TxTime { get; }

    /// <summary>Index of each row's T in <see cref="Times"/>.</summary>
    internal int[] AgeTime { get; }

    /// <summary>Distinct values of t_x and T, ascending.</summary>
    internal double[] Times { get; }

    /// <summary>Validates and compresses per-customer summaries.</summary>
    /// <param name="frequency">Repeat purchases x per customer (≥ 0).</param>
    /// <param name="recency">Recency t_x per customer, in <paramref name="unit"/> (finite, 0 ≤ t_x ≤ T; 0 when x = 0).</param>
    /// <param name="age">Age T per customer, in <paramref name="unit"/> (finite, ≥ 0).</param>
    /// <param name="unit">The time unit of <paramref name="recency"/> and <paramref name="age"/>.</param>
    /// <returns>The compressed data.</returns>
    /// <exception cref="ArgumentException">The spans differ in length or are empty, or a value is out of range (the message names
    /// the field, the 0-based index, the valid range and the value).</exception>
    public static BtydData Create(ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, TimeUnit unit = TimeUnit.Week)
    {
        _ = TimeUnits.DaysPerUnit(unit);
        if (recency.Length != frequency.Length || age.Length != frequency.Length)
        {
            throw new ArgumentException(
                $"frequency, recency and age must have the same length, but have {frequency.Length}, {recency.Length} and {age.Length}.", nameof(recency));
        }

        if (frequency.IsEmpty)
        {
            throw new ArgumentException("No customers: a BTYD model needs at least one customer summary.", nameof(frequency));
        }

        for (var i = 0; i < frequency.Length; i++)
        {
            Validate(frequency[i], recency[i], age[i], i);
        }

        // Compress: sort row indices by (x, t_x, T), then merge equal neighbours.
        var order = new int[frequency.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var keys = new (int X, double Tx, double T)[frequency.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = (frequency[i], recency[i], age[i]);
        }

        Array.Sort(keys, order);
        var xs = new List<int>();
        var txs = new List<double>();
        var ts = new List<double>();
        var ws = new List<double>();
        for (var i = 0; i < keys.Length; i++)
        {
            if (i > 0 && keys[i] == keys[i - 1])
            {
                ws[^1] += 1.0;
                continue;
            }

            xs.Add(keys[i].X);
            txs.Add(keys[i].Tx);
            ts.Add(keys[i].T);
            ws.Add(1.0);
        }

        var all = new double[txs.Count * 2];
        txs.CopyTo(all, 0);
        ts.CopyTo(all, txs.Count);
        Array.Sort(all);
        var distinct = 0;
        for (var i = 0; i < all.Length; i++)
        {
            if (i == 0 || all[i] != all[distinct - 1])
            {
                all[distinct++] = all[i];
            }
        }

        var times = all.AsSpan(0, distinct).ToArray();
        var txIdx = new int[txs.Count];
        var tIdx = new int[txs.Count];
        for (var i = 0; i < txs.Count; i++)
        {
            txIdx[i] = Array.BinarySearch(times, txs[i]);
            tIdx[i] = Array.BinarySearch(times, ts[i]);
        }

        return new BtydData(unit, frequency.Length, [.. xs], [.. txs], [.. ts], [.. ws], txIdx, tIdx, times);
    }

    /// <summary>Builds the data from extracted features: every customer with at least one purchase, using <see cref="CustomerFeatures.Btyd"/>.</summary>
    /// <param name="features">Features computed with the wanted <see cref="FeatureSettings.TimeUnit"/>.</param>
    /// <returns>The compressed data, in the feature set's time unit.</returns>
    /// <exception cref="ArgumentException">No customer has a purchase.</exception>
    public static BtydData FromFeatures(CustomerFeatureSet features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var x = new List<int>(features.Count);
        var tx = new List<double>(features.Count);
        var t = new List<double>(features.Count);
        foreach (var f in features)
        {
            if (!f.HasPurchased)
            {
                continue;
            }

            x.Add(f.Btyd.Frequency);
            tx.Add(f.Btyd.Recency);
            t.Add(f.Btyd.Age);
        }

        return Create(x.ToArray(), tx.ToArray(), t.ToArray(), features.Settings.TimeUnit);
    }

    /// <summary>Checks one (x, t_x, T) triple; throws <see cref="ArgumentOutOfRangeException"/> naming the field and index.</summary>
    internal static void Validate(int x, double tx, double age, int index)
    {
        if (x < 0)
        {
            ThrowField("frequency", index, x, "≥ 0");
        }

        if (!(age >= 0.0 && double.IsFinite(age)))
        {
            ThrowField("age", index, age, "finite and ≥ 0");
        }

        if (!(tx >= 0.0 && tx <= age))
        {
            ThrowField("recency", index, tx, "in [0, age] (age = " + age.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ")");
        }

        if (x == 0 && tx != 0.0)
        {
            ThrowField("recency", index, tx, "0 when frequency is 0");
        }
    }

    [DoesNotReturn, StackTraceHidden]
    internal static void ThrowField(string field, int index, double value, string range) =>
        throw new ArgumentOutOfRangeException(
            field,
            value,
            index >= 0 ? $"{field}[{index}] must be {range}." : $"{field} must be {range}.");
}
