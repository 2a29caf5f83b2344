using System.Globalization;

namespace CemCore.Churn;

/// <summary>
/// A dense, row-major table of <see cref="double"/> features with named columns: row <c>i</c> occupies
/// <c>Values[i * ColumnCount .. (i + 1) * ColumnCount)</c>.
/// </summary>
/// <remarks>
/// <para><see cref="double.NaN"/> marks a missing value; what happens to it is decided by a <see cref="MissingValuePolicy"/> when a model
/// is trained or applied. Infinities are never valid features and are rejected by training and by
/// <see cref="LogisticRegressionModel.PrepareRows(FeatureMatrix)"/>.</para>
/// <para>Immutable and thread-safe: the factory copies its input. Equality is by reference.</para>
/// </remarks>
public sealed class FeatureMatrix
{
    private readonly double[] _values;
    private readonly string[] _columns;

    private FeatureMatrix(string[] columns, double[] values, int rows)
    {
        _columns = columns;
        _values = values;
        RowCount = rows;
    }

    /// <summary>Gets the column names, in column order.</summary>
    public IReadOnlyList<string> ColumnNames => _columns;

    /// <summary>Gets the number of columns (features).</summary>
    public int ColumnCount => _columns.Length;

    /// <summary>Gets the number of rows.</summary>
    public int RowCount { get; }

    /// <summary>Gets all values, row-major.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>Gets one value.</summary>
    /// <param name="row">The 0-based row.</param>
    /// <param name="column">The 0-based column.</param>
    /// <returns>The value (NaN when missing).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The row or column is outside the table.</exception>
    public double this[int row, int column]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(row);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
            ArgumentOutOfRangeException.ThrowIfNegative(column);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, ColumnCount);
            return _values[(row * ColumnCount) + column];
        }
    }

    /// <summary>Gets the values of one row.</summary>
    /// <param name="row">The 0-based row.</param>
    /// <returns>The row's <see cref="ColumnCount"/> values.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside the table.</exception>
    public ReadOnlySpan<double> Row(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        return _values.AsSpan(row * ColumnCount, ColumnCount);
    }

    /// <summary>Creates a matrix from row-major values (copied).</summary>
    /// <param name="columnNames">Distinct, non-blank column names; at least one.</param>
    /// <param name="rowMajorValues">The values; the length must be a multiple of the column count.</param>
    /// <returns>The matrix.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No columns, a blank or duplicate name, or a length that is not a multiple of the column count.</exception>
    public static FeatureMatrix FromRowMajor(IReadOnlyList<string> columnNames, ReadOnlySpan<double> rowMajorValues)
    {
        var names = ValidateNames(columnNames);
        if (rowMajorValues.Length % names.Length != 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The value count {rowMajorValues.Length} is not a multiple of the column count {names.Length}."),
                nameof(rowMajorValues));
        }

        return new FeatureMatrix(names, rowMajorValues.ToArray(), rowMajorValues.Length / names.Length);
    }

    /// <summary>Returns a new matrix with the given rows, in the given order (repeats allowed).</summary>
    /// <param name="rows">0-based row indexes.</param>
    /// <returns>The selected rows.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the table.</exception>
    public FeatureMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        var k = ColumnCount;
        var values = new double[checked(rows.Length * k)];
        for (var i = 0; i < rows.Length; i++)
        {
            var r = rows[i];
            if ((uint)r >= (uint)RowCount)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), r, string.Create(CultureInfo.InvariantCulture, $"Row index at position {i} must be in [0, {RowCount})."));
            }

            _values.AsSpan(r * k, k).CopyTo(values.AsSpan(i * k, k));
        }

        return new FeatureMatrix(_columns, values, rows.Length);
    }

    /// <summary>Returns a new matrix with the named columns, in the given order.</summary>
    /// <param name="columnNames">Distinct names of existing columns.</param>
    /// <returns>The selected columns.</returns>
    /// <exception cref="ArgumentException">A name is unknown, blank or repeated, or the list is empty.</exception>
    public FeatureMatrix SelectColumns(IReadOnlyList<string> columnNames)
    {
        var names = ValidateNames(columnNames);
        var map = new int[names.Length];
        for (var j = 0; j < names.Length; j++)
        {
            map[j] = IndexOf(names[j]);
            if (map[j] < 0)
            {
                throw new ArgumentException($"The matrix has no column '{names[j]}'.", nameof(columnNames));
            }
        }

        var k = names.Length;
        var values = new double[checked(RowCount * k)];
        for (var i = 0; i < RowCount; i++)
        {
            for (var j = 0; j < k; j++)
            {
                values[(i * k) + j] = _values[(i * ColumnCount) + map[j]];
            }
        }

        return new FeatureMatrix(names, values, RowCount);
    }

    /// <summary>Copies one column.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>The column's values, one per row.</returns>
    /// <exception cref="ArgumentException">The column does not exist.</exception>
    public double[] GetColumn(string name)
    {
        var j = IndexOf(name);
        if (j < 0)
        {
            throw new ArgumentException($"The matrix has no column '{name}'.", nameof(name));
        }

        var result = new double[RowCount];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _values[(i * ColumnCount) + j];
        }

        return result;
    }

    /// <summary>Returns the 0-based index of a column (ordinal comparison), or −1.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>The index or −1.</returns>
    public int IndexOf(string name) => Array.IndexOf(_columns, name);

    internal static FeatureMatrix Own(string[] columns, double[] values) => new(columns, values, values.Length / columns.Length);

    internal string[] ColumnArray => _columns;

    internal static string[] ValidateNames(IReadOnlyList<string> columnNames)
    {
        ArgumentNullException.ThrowIfNull(columnNames);
        if (columnNames.Count == 0)
        {
            throw new ArgumentException("At least one feature column is required.", nameof(columnNames));
        }

        var names = new string[columnNames.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            var n = columnNames[i];
            if (string.IsNullOrWhiteSpace(n))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Column name {i} is null or blank."), nameof(columnNames));
            }

            if (!seen.Add(n))
            {
                throw new ArgumentException($"Column name '{n}' appears more than once.", nameof(columnNames));
            }

            names[i] = n;
        }

        return names;
    }
}
