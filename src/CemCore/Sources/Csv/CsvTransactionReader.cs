using System.Diagnostics.CodeAnalysis;
using System.Text;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Sources.Csv;

/// <summary>
/// Reads a transactions CSV file into a <see cref="TransactionTable"/>.
/// </summary>
/// <remarks>
/// <para>Format: UTF-8 (a byte order mark is skipped), comma-separated, a header row, RFC 4180 quoting (<c>"a, b"</c>, <c>""</c> for a quote,
/// quoted fields may contain line breaks), LF or CRLF line ends. Column names are matched case-insensitively after trimming;
/// unknown columns are ignored. Required: <c>customer_id</c>, <c>timestamp</c>, <c>amount</c>. Optional: <c>order_id</c>,
/// <c>channel</c>, <c>category</c>, <c>quantity</c> (default 1), <c>sku</c>, <c>discount</c> (default 0), <c>kind</c>
/// (<c>purchase</c> or <c>return</c>, default purchase; <c>order</c>/<c>sale</c> and <c>refund</c> are synonyms), <c>original_order_id</c> and
/// <c>return_reason</c> (<c>size</c>, <c>quality</c>, <c>changed_mind</c>, <c>other</c>; default <c>other</c>) for returns.</para>
/// <para>Timestamps are ISO-8601: a date (<c>2024-03-01</c>, meaning midnight UTC) or a date-time
/// <c>yyyy-MM-ddTHH:mm[:ss[.fffffff]]</c> (a space may replace the <c>T</c>), UTC unless it carries <c>Z</c> or an offset such as
/// <c>+08:00</c> / <c>+0800</c>.</para>
/// <para>Amounts and discounts are invariant decimals (<c>1234.50</c>): no thousands separators, exponents, NaN or infinity; a negative
/// amount is an error (a refund is a row of kind <c>return</c> with a positive amount). Quantities are whole numbers ≥ 1.</para>
/// <para>Every malformed row throws <see cref="DataFormatException"/> naming the file, the 1-based line, the field and why. Nothing is
/// skipped silently; blank lines are the only lines ignored. Cross-row rules of <see cref="TransactionTableBuilder"/> (reused order ids,
/// returns of unknown or foreign orders) are reported at the line of the offending row.</para>
/// <para>The parser works on UTF-8 bytes (no per-line strings); strings are allocated once per distinct customer id, order id and category.</para>
/// </remarks>
public static class CsvTransactionReader
{
    /// <summary>Reads a file.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="progress">Receives progress (stage <c>"read"</c>, bytes consumed of the file length), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 rows.</param>
    /// <returns>The table.</returns>
    /// <exception cref="DataFormatException">The file is empty, the header lacks a required column, or a row is malformed.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TransactionTable ReadTable(string path, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return ReadStream(stream, Path.GetFileName(path), progress, cancellationToken);
    }

    /// <summary>Reads a stream.</summary>
    /// <param name="stream">The CSV content.</param>
    /// <param name="fileName">The name used in error messages.</param>
    /// <param name="progress">Receives progress (stage <c>"read"</c>, bytes consumed; the total is the stream length when it can seek), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 rows.</param>
    /// <returns>The table.</returns>
    /// <exception cref="DataFormatException">The content is empty, the header lacks a required column, or a row is malformed.</exception>
    public static TransactionTable ReadStream(Stream stream, string fileName, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        long? total = stream.CanSeek ? stream.Length - stream.Position : null;
        using var tok = new Utf8CsvTokenizer(stream, fileName);
        var columns = TransactionColumns.ReadHeader(tok);
        var capacity = total is { } t ? EstimateRows(t - tok.BytesConsumed, tok.Buffered) : 4096;
        var builder = new TransactionTableBuilder(capacity);
        var numbering = new Numberings(new Utf8OrderNumbering(capacity), new KeyNumbering(capacity / 8, builder.AddResolvedCustomer), new KeyNumbering(16, builder.AddResolvedCategory));
        var lines = new RowLines();
        var pipelined = Environment.ProcessorCount > 1 && (total is null || total >= PipelineThresholdBytes);
        var rows = pipelined
            ? ReadPipelined(tok, columns, builder, numbering, lines, total, progress, cancellationToken)
            : ReadSequential(tok, columns, builder, numbering, lines, total, progress, cancellationToken);
        if (rows == 0)
        {
            throw new DataFormatException("The file has a header but no data rows.", fileName, columns.HeaderLine, "header");
        }

        progress?.Report(new OperationProgress("read", tok.BytesConsumed, total ?? tok.BytesConsumed));
        try
        {
            return builder.Build();
        }
        catch (DataFormatException ex)
        {
            throw new DataFormatException(ex.Reason, fileName, ex.Line is { } r ? lines.LineOf(r) : null, ex.Field, ex);
        }
    }

    /// <summary>Files at least this long are parsed on a second thread while the first builds the table.</summary>
    internal const long PipelineThresholdBytes = 4L << 20;

    /// <summary>
    /// Estimates the number of data rows from the bytes left to read and a sample of them (the first buffer after the header), so the
    /// table's columns are allocated once at about the right size (issue 17: sizing from the file length alone at 64 bytes per row
    /// allocated 35 % too much on the benchmark file). The sample's mean line length, plus 2 %; the exact line count when the sample
    /// is all that is left. A short estimate only costs a growth of the columns (by half), a long one address space that is never touched.
    /// </summary>
    /// <param name="remainingBytes">Bytes left in the input, the sample included.</param>
    /// <param name="sample">The first bytes left.</param>
    /// <returns>The estimate, at least 16.</returns>
    internal static int EstimateRows(long remainingBytes, ReadOnlySpan<byte> sample)
    {
        const int Max = 1 << 28;
        var lines = sample.Count((byte)'\n');
        if (sample.Length >= remainingBytes)
        {
            return Math.Clamp(lines + 1, 16, Max);
        }

        if (lines == 0)
        {
            return (int)Math.Clamp(remainingBytes / 64, 16, Max);
        }

        var meanLine = (double)(sample.LastIndexOf((byte)'\n') + 1) / lines;
        return (int)Math.Clamp((remainingBytes / meanLine * 1.02) + 64, 16, Max);
    }

    private static int ReadSequential(Utf8CsvTokenizer tok, TransactionColumns columns, TransactionTableBuilder builder, Numberings numbering,
        RowLines lines, long? total, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var row = new TransactionRowParser(tok, columns, decodeIds: false);
        var batch = new RowBatch();
        var rows = 0;
        bool more;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            more = batch.Fill(tok, row);
            rows = AddBatch(batch, builder, numbering, lines, rows, tok.FileName);
            progress?.Report(new OperationProgress("read", batch.BytesConsumed, total));
            batch.Error?.Throw();
        }
        while (more);

        return rows;
    }

    /// <summary>Adds a batch's rows to the builder, rethrowing its errors with the file name and line; returns the rows added so far.</summary>
    private static int AddBatch(RowBatch batch, TransactionTableBuilder builder, Numberings numbering, RowLines lines, int rows, string fileName)
    {
        batch.NumberOrders(numbering.Orders);
        batch.NumberCustomersAndCategories(numbering.Customers, numbering.Categories);
        for (var i = 0; i < batch.Count; i++)
        {
            lines.Add(rows + 1, batch.Line[i]);
            try
            {
                builder.AddRowResolved(batch.Customer[i], batch.Ticks[i], batch.Amount[i], batch.Kind[i], batch.Order[i], batch.Channel[i],
                    batch.Category[i], batch.Quantity[i], batch.Discount[i], batch.HasOriginal[i], batch.Original[i], batch.Reason[i]);
            }
            catch (DataFormatException ex)
            {
                throw new DataFormatException(ex.Reason, fileName, batch.Line[i], ex.Field, ex);
            }

            rows++;
        }

        return rows;
    }

    /// <summary>
    /// A two-stage pipeline: a producer thread tokenizes and parses batches of rows while the calling thread
    /// hashes and numbers their orders and adds them to the builder (the stages take about the same time on the benchmark file). Errors surface
    /// in file order: a parse error is rethrown after the rows before it were added.
    /// </summary>
    private static int ReadPipelined(Utf8CsvTokenizer tok, TransactionColumns columns, TransactionTableBuilder builder, Numberings numbering,
        RowLines lines, long? total, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var full = new System.Collections.Concurrent.BlockingCollection<RowBatch>(4);
        using var free = new System.Collections.Concurrent.BlockingCollection<RowBatch>();
        for (var i = 0; i < 5; i++)
        {
            free.Add(new RowBatch(), CancellationToken.None);
        }

        var token = stop.Token;
        var producer = new Thread(() =>
        {
            var row = new TransactionRowParser(tok, columns, decodeIds: false);
            try
            {
                bool more;
                do
                {
                    var batch = free.Take(token);
                    more = batch.Fill(tok, row);
                    full.Add(batch, token);
                }
                while (more);
            }
            catch (OperationCanceledException)
            {
                // The consumer stopped (Fill reports every other error in its batch).
            }
            finally
            {
                full.CompleteAdding();
            }
        })
        {
            IsBackground = true,
            Name = "CemCore CSV parser",
        };
        producer.Start();
        var rows = 0;
        try
        {
            foreach (var batch in full.GetConsumingEnumerable(token))
            {
                cancellationToken.ThrowIfCancellationRequested();
                rows = AddBatch(batch, builder, numbering, lines, rows, tok.FileName);
                progress?.Report(new OperationProgress("read", batch.BytesConsumed, total));
                batch.Error?.Throw();
                free.Add(batch, token);
            }
        }
        finally
        {
            stop.Cancel();
            producer.Join();
        }

        return rows;
    }

    /// <summary>A block of parsed rows, their order ids normalized, handed from the parser to the builder, which hashes and numbers the orders.</summary>
    private sealed class RowBatch
    {
        public const int Capacity = 4096;
        private byte[] _keys = new byte[Capacity * 24];
        private int _keyLength;
        private readonly int[] _key = new int[Capacity * 8]; // start/length of the normalized order id, original order id, customer id, category
        private readonly int[] _orderHash = new int[Capacity];
        private readonly int[] _originalHash = new int[Capacity];
        private long _touched; // sink of the bucket pre-reads
        private char[] _normalizedChars = new char[64];
        private byte[] _normalizedBytes = new byte[64];

        public int Count { get; private set; }

        public long BytesConsumed { get; private set; }

        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Error { get; private set; }

        public long[] Line { get; } = new long[Capacity];

        public long[] Ticks { get; } = new long[Capacity];

        public decimal[] Amount { get; } = new decimal[Capacity];

        public decimal[] Discount { get; } = new decimal[Capacity];

        public int[] Quantity { get; } = new int[Capacity];

        public TransactionKind[] Kind { get; } = new TransactionKind[Capacity];

        public ReturnReason[] Reason { get; } = new ReturnReason[Capacity];

        public SalesChannel[] Channel { get; } = new SalesChannel[Capacity];

        /// <summary>Gets each row's order number (see <see cref="Utf8OrderNumbering"/>).</summary>
        public int[] Order { get; } = new int[Capacity];

        /// <summary>Gets each return's refunded order number (-1 for other rows and returns without an original order id).</summary>
        public int[] Original { get; } = new int[Capacity];

        /// <summary>Gets whether each row names an original order id.</summary>
        public bool[] HasOriginal { get; } = new bool[Capacity];

        /// <summary>Gets each row's customer number (see <see cref="KeyNumbering"/>), or -1 when its id is empty.</summary>
        public int[] Customer { get; } = new int[Capacity];

        /// <summary>Gets each row's category number (see <see cref="KeyNumbering"/>), or -1 when it has none.</summary>
        public int[] Category { get; } = new int[Capacity];

        /// <summary>
        /// Parses up to <see cref="Capacity"/> records. An error is kept in <see cref="Error"/> (after the rows before it, which are
        /// kept), so it surfaces in file order.
        /// </summary>
        /// <returns>Whether more records may follow.</returns>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Every parse error is handed to the builder side and rethrown there, in file order.")]
        public bool Fill(Utf8CsvTokenizer tok, TransactionRowParser row)
        {
            Count = 0;
            _keyLength = 0;
            Error = null;
            var more = true;
            try
            {
                while (Count < Capacity && (more = tok.Read()))
                {
                    row.Parse();
                    Append(row, tok.Line);
                }
            }
            catch (Exception ex)
            {
                Error = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                more = false;
            }

            BytesConsumed = tok.BytesConsumed;
            return more;
        }

        private void Append(TransactionRowParser row, long line)
        {
            var i = Count;
            Line[i] = line;
            Ticks[i] = row.UtcTicks;
            Amount[i] = row.Amount;
            Discount[i] = row.Discount;
            Quantity[i] = row.Quantity;
            Kind[i] = row.Kind;
            Reason[i] = row.Reason;
            Channel[i] = row.Channel;
            StoreKey(i * 8, Utf8OrderNumbering.Normalize(row.OrderIdBytes, ref _normalizedChars, ref _normalizedBytes));
            StoreKey((i * 8) + 2, Utf8OrderNumbering.Normalize(row.OriginalOrderIdBytes, ref _normalizedChars, ref _normalizedBytes));
            StoreKey((i * 8) + 4, Utf8OrderNumbering.Normalize(row.CustomerBytes, ref _normalizedChars, ref _normalizedBytes));
            StoreKey((i * 8) + 6, Utf8OrderNumbering.Normalize(row.CategoryBytes, ref _normalizedChars, ref _normalizedBytes));
            Count++;
        }

        /// <summary>
        /// Numbers the batch's orders in row order (the row's own order, then its refunded order), after reading all their buckets first
        /// so that the cache misses overlap.
        /// </summary>
        public void NumberOrders(Utf8OrderNumbering numbering)
        {
            for (var i = 0; i < Count; i++)
            {
                var order = Key(i * 8);
                _orderHash[i] = order.IsEmpty ? 0 : Utf8OrderNumbering.Hash(order);
                var original = Key((i * 8) + 2);
                _originalHash[i] = original.IsEmpty ? 0 : Utf8OrderNumbering.Hash(original);
            }

            _touched ^= numbering.Touch(_orderHash.AsSpan(0, Count)) ^ numbering.Touch(_originalHash.AsSpan(0, Count));
            for (var i = 0; i < Count; i++)
            {
                var order = Key(i * 8);
                Order[i] = order.IsEmpty ? numbering.NewOrder() : numbering.GetOrAdd(order, _orderHash[i]);
                var original = Key((i * 8) + 2);
                HasOriginal[i] = !original.IsEmpty;
                Original[i] = Kind[i] == TransactionKind.Return && !original.IsEmpty ? numbering.GetOrAdd(original, _originalHash[i]) : -1;
            }
        }

        /// <summary>
        /// Numbers the batch's customers and categories on their normalized UTF-8 text (a run of rows of one customer costs one
        /// comparison per row); each new one is added to the builder, which numbers them in the same order of first appearance.
        /// </summary>
        public void NumberCustomersAndCategories(KeyNumbering customers, KeyNumbering categories)
        {
            for (var i = 0; i < Count; i++)
            {
                Customer[i] = customers.GetOrAdd(Key((i * 8) + 4));
                Category[i] = categories.GetOrAdd(Key((i * 8) + 6));
            }
        }

        private ReadOnlySpan<byte> Key(int slot) => _keys.AsSpan(_key[slot], _key[slot + 1]);

        private void StoreKey(int slot, ReadOnlySpan<byte> key) => Put(ref _keys, ref _keyLength, _key, slot, key);

        /// <summary>Appends <paramref name="text"/> to a growable buffer and records its start and length at <paramref name="slot"/>.</summary>
        private static void Put<T>(ref T[] buffer, ref int length, int[] index, int slot, ReadOnlySpan<T> text)
        {
            if (length + text.Length > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + text.Length));
            }

            text.CopyTo(buffer.AsSpan(length));
            index[slot] = length;
            index[slot + 1] = text.Length;
            length += text.Length;
        }
    }

    /// <summary>The builder thread's numberings of orders, customers and categories.</summary>
    private sealed record Numberings(Utf8OrderNumbering Orders, KeyNumbering Customers, KeyNumbering Categories);

    /// <summary>
    /// Numbers customer ids or categories on their normalized UTF-8 bytes (no decoding per row, issue 17) in order of first appearance,
    /// keeping the last text seen so that a run of equal values costs one comparison each. A new value is decoded once and handed to
    /// <paramref name="add"/> (the builder's), which must give it the same number.
    /// </summary>
    private sealed class KeyNumbering(int expected, Func<string, int> add)
    {
        private readonly Utf8OrderNumbering _map = new(Math.Max(expected, 16));
        private byte[] _last = new byte[64];
        private int _lastLength = -1;
        private int _lastNumber;

        /// <summary>Returns the number of <paramref name="id"/> (normalized), or -1 when it is empty.</summary>
        public int GetOrAdd(ReadOnlySpan<byte> id)
        {
            if (id.IsEmpty)
            {
                return -1;
            }

            if (_lastLength == id.Length && id.SequenceEqual(_last.AsSpan(0, _lastLength)))
            {
                return _lastNumber;
            }

            var count = _map.OrderCount;
            var number = _map.GetOrAdd(id, Utf8OrderNumbering.Hash(id));
            if (number == count && add(Encoding.UTF8.GetString(id)) != number)
            {
                throw new InvalidOperationException("The builder numbered a customer or category differently.");
            }

            if (id.Length > _last.Length)
            {
                _last = new byte[Math.Max(id.Length, _last.Length * 2)];
            }

            id.CopyTo(_last);
            _lastLength = id.Length;
            _lastNumber = number;
            return number;
        }
    }

    /// <summary>Maps 1-based data rows to file lines, storing only the breaks (blank lines, multi-line records).</summary>
    private sealed class RowLines
    {
        private readonly List<(int Row, long Line)> _jumps = [];
        private int _lastRow;
        private long _lastLine;

        public void Add(int row, long line)
        {
            if (_jumps.Count == 0 || line != _lastLine + (row - _lastRow))
            {
                _jumps.Add((row, line));
                _lastRow = row;
                _lastLine = line;
            }
        }

        public long LineOf(long row)
        {
            var (r, l) = _jumps[0];
            foreach (var j in _jumps)
            {
                if (j.Row > row)
                {
                    break;
                }

                (r, l) = j;
            }

            return l + (row - r);
        }
    }
}

/// <summary>Column positions of a transactions CSV header.</summary>
internal sealed class TransactionColumns
{
    public int FieldCount { get; private init; }

    public long HeaderLine { get; private init; }

    public int Customer { get; private init; }

    public int Timestamp { get; private init; }

    public int Amount { get; private init; }

    public int Order { get; private init; } = -1;

    public int Channel { get; private init; } = -1;

    public int Category { get; private init; } = -1;

    public int Quantity { get; private init; } = -1;

    public int Discount { get; private init; } = -1;

    public int Kind { get; private init; } = -1;

    public int Original { get; private init; } = -1;

    public int Reason { get; private init; } = -1;

    public static TransactionColumns ReadHeader(Utf8CsvTokenizer tok)
    {
        if (!tok.Read())
        {
            throw new DataFormatException("The file is empty: expected a header with customer_id,timestamp,amount.", tok.FileName, 1, "header");
        }

        var names = new string[tok.FieldCount];
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = tok.FieldString(i).Trim();
            if (!map.TryAdd(names[i], i))
            {
                throw new DataFormatException($"The column '{names[i]}' appears twice in the header.", tok.FileName, tok.Line, names[i]);
            }
        }

        tok.ColumnNames = names;
        int Required(string name) => map.TryGetValue(name, out var i)
            ? i
            : throw new DataFormatException($"The header lacks the required column '{name}' (required: customer_id,timestamp,amount).", tok.FileName, tok.Line, name);
        int Optional(string name) => map.TryGetValue(name, out var i) ? i : -1;

        return new TransactionColumns
        {
            FieldCount = names.Length,
            HeaderLine = tok.Line,
            Customer = Required("customer_id"),
            Timestamp = Required("timestamp"),
            Amount = Required("amount"),
            Order = Optional("order_id"),
            Channel = Optional("channel"),
            Category = Optional("category"),
            Quantity = Optional("quantity"),
            Discount = Optional("discount"),
            Kind = Optional("kind"),
            Original = Optional("original_order_id"),
            Reason = Optional("return_reason"),
        };
    }
}

/// <summary>
/// Parses the current record of a tokenizer into typed transaction fields, reusing its buffers. With <c>decodeIds</c> false the
/// customer and order ids are left as bytes (<see cref="TransactionRowParser.CustomerBytes"/>, <see cref="TransactionRowParser.OrderIdBytes"/>):
/// the table reader numbers them on their UTF-8 bytes.
/// </summary>
internal sealed class TransactionRowParser(Utf8CsvTokenizer tok, TransactionColumns columns, bool decodeIds = true)
{
    private readonly ChannelCache _channels = new();
    private char[] _customer = new char[64];
    private char[] _order = new char[64];
    private char[] _category = new char[64];
    private char[] _original = new char[64];
    private int _customerLength;
    private int _orderLength;
    private int _categoryLength;
    private int _originalLength;

    public ReadOnlySpan<char> Customer => _customer.AsSpan(0, _customerLength);

    public ReadOnlySpan<char> OrderId => _order.AsSpan(0, _orderLength);

    public ReadOnlySpan<char> Category => _category.AsSpan(0, _categoryLength);

    public ReadOnlySpan<char> OriginalOrderId => _original.AsSpan(0, _originalLength);

    /// <summary>Gets the category's bytes as in the file (untrimmed, empty without the column; valid until the tokenizer reads on).</summary>
    public ReadOnlySpan<byte> CategoryBytes => columns.Category < 0 ? default : tok.Field(columns.Category);

    /// <summary>Gets the customer id's bytes as in the file (untrimmed; valid until the tokenizer reads on).</summary>
    public ReadOnlySpan<byte> CustomerBytes => tok.Field(columns.Customer);

    /// <summary>Gets the order id's bytes as in the file (untrimmed; valid until the tokenizer reads on).</summary>
    public ReadOnlySpan<byte> OrderIdBytes => columns.Order < 0 ? default : tok.Field(columns.Order);

    /// <summary>Gets the original order id's bytes as in the file (untrimmed; valid until the tokenizer reads on).</summary>
    public ReadOnlySpan<byte> OriginalOrderIdBytes => columns.Original < 0 ? default : tok.Field(columns.Original);

    public long UtcTicks { get; private set; }

    public decimal Amount { get; private set; }

    public decimal Discount { get; private set; }

    public int Quantity { get; private set; }

    public TransactionKind Kind { get; private set; }

    public ReturnReason Reason { get; private set; }

    public SalesChannel Channel { get; private set; }

    /// <summary>Parses the tokenizer's current record.</summary>
    public void Parse()
    {
        if (tok.FieldCount != columns.FieldCount)
        {
            var field = tok.FieldCount < columns.FieldCount ? tok.NameOf(tok.FieldCount) : tok.NameOf(columns.FieldCount);
            Throw($"Expected {columns.FieldCount} fields as in the header but found {tok.FieldCount}.", field);
        }

        _customerLength = decodeIds ? Decode(tok.Field(columns.Customer), ref _customer) : 0;
        if (!Utf8Parsing.TryParseTimestamp(tok.Field(columns.Timestamp), out var ticks))
        {
            Throw("The timestamp is not an ISO-8601 date (yyyy-MM-dd) or date-time (yyyy-MM-ddTHH:mm[:ss[.fffffff]][Z|±HH:mm]).", columns.Timestamp);
        }

        if (ticks < MinTicks || ticks >= MaxTicks)
        {
            // Year 0001 or 9999 is a placeholder or a typo, and date arithmetic (as-of + 1 day, horizons) would overflow near the ends.
            Throw("The timestamp is outside the supported range 1900-01-01 to 2199-12-31 (UTC).", columns.Timestamp);
        }

        UtcTicks = ticks;
        Amount = ParseMoney(columns.Amount, "amount");
        Discount = columns.Discount < 0 || Utf8Parsing.Trim(tok.Field(columns.Discount)).IsEmpty ? 0m : ParseMoney(columns.Discount, "discount");
        Quantity = 1;
        if (columns.Quantity >= 0)
        {
            var q = tok.Field(columns.Quantity);
            if (q.Length == 1 && q[0] is >= (byte)'1' and <= (byte)'9')
            {
                Quantity = q[0] - '0'; // the usual single digit
            }
            else if (!Utf8Parsing.Trim(q).IsEmpty)
            {
                if (!Utf8Parsing.TryParseInt(q, out var quantity))
                {
                    Throw("The quantity is not a whole number.", columns.Quantity);
                }

                if (quantity < 1)
                {
                    Throw("The quantity must be at least 1.", columns.Quantity);
                }

                Quantity = quantity;
            }
        }

        Kind = columns.Kind < 0 ? TransactionKind.Purchase : ParseKind(Utf8Parsing.Trim(tok.Field(columns.Kind)));
        Reason = columns.Reason < 0
            ? (Kind == TransactionKind.Return ? ReturnReason.Other : ReturnReason.Unspecified)
            : ParseReason(Utf8Parsing.Trim(tok.Field(columns.Reason)));
        _orderLength = columns.Order < 0 || !decodeIds ? 0 : Decode(tok.Field(columns.Order), ref _order);
        _categoryLength = columns.Category < 0 || !decodeIds ? 0 : Decode(tok.Field(columns.Category), ref _category);
        _originalLength = columns.Original < 0 || !decodeIds ? 0 : Decode(tok.Field(columns.Original), ref _original);
        Channel = columns.Channel < 0 ? default : _channels.Get(tok.Field(columns.Channel));
    }

    private static int Decode(ReadOnlySpan<byte> bytes, ref char[] buffer)
    {
        if (bytes.Length > buffer.Length)
        {
            buffer = new char[Math.Max(bytes.Length, buffer.Length * 2)];
        }

        return Encoding.UTF8.GetChars(bytes, buffer);
    }

    /// <summary>The first instant accepted in a timestamp: 1900-01-01 00:00 UTC.</summary>
    private static readonly long MinTicks = new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>The first instant rejected in a timestamp: 2200-01-01 00:00 UTC.</summary>
    private static readonly long MaxTicks = new DateTime(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>The largest amount or discount accepted: 1e18, so that 2^31 rows sum to less than decimal's 7.9e28.</summary>
    private const decimal MaxMoney = 1_000_000_000_000_000_000m;

    private decimal ParseMoney(int column, string name)
    {
        if (!Utf8Parsing.TryParseDecimal(tok.Field(column), out var value, out var fast))
        {
            Throw($"The {name} is not a decimal number (digits with an optional '.'; no thousands separators, exponents, NaN or infinity).", column);
        }

        if (fast)
        {
            // At most 18 digits: below MaxMoney, and negative exactly when the sign bit is set (no decimal comparison).
            if (decimal.IsNegative(value))
            {
                Throw($"The {name} is negative; record a refund as kind=return with a positive amount.", column);
            }

            return value;
        }

        if (value < 0m)
        {
            Throw($"The {name} is negative; record a refund as kind=return with a positive amount.", column);
        }

        if (value > MaxMoney)
        {
            // Bounded so that no sum over a file (up to 2^31 rows) can overflow decimal (7.9e28) in features, RFM or CLV.
            Throw($"The {name} exceeds 1e18, the largest amount accepted (so that sums over the file cannot overflow).", column);
        }

        return value;
    }

    private TransactionKind ParseKind(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty || System.Text.Ascii.EqualsIgnoreCase(s, "purchase"u8) || System.Text.Ascii.EqualsIgnoreCase(s, "order"u8) || System.Text.Ascii.EqualsIgnoreCase(s, "sale"u8))
        {
            return TransactionKind.Purchase;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(s, "return"u8) || System.Text.Ascii.EqualsIgnoreCase(s, "refund"u8))
        {
            return TransactionKind.Return;
        }

        Throw("The kind must be 'purchase' or 'return'.", columns.Kind);
        return default;
    }

    private ReturnReason ParseReason(ReadOnlySpan<byte> s) =>
        s.IsEmpty ? (Kind == TransactionKind.Return ? ReturnReason.Other : ReturnReason.Unspecified) : ParseReasonText(s);

    /// <summary>Parses a non-empty reason (apart from <see cref="ParseReason"/>, whose usual empty case then needs no stack buffer).</summary>
    private ReturnReason ParseReasonText(ReadOnlySpan<byte> s)
    {
        Span<byte> letters = stackalloc byte[16];
        var n = 0;
        foreach (var b in s)
        {
            if (b is (byte)'_' or (byte)'-' or (byte)' ')
            {
                continue;
            }

            if (n == letters.Length)
            {
                n = 0;
                break;
            }

            letters[n++] = b;
        }

        var t = letters[..n];
        if (System.Text.Ascii.EqualsIgnoreCase(t, "size"u8))
        {
            return ReturnReason.Size;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(t, "quality"u8))
        {
            return ReturnReason.Quality;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(t, "changedmind"u8))
        {
            return ReturnReason.ChangedMind;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(t, "other"u8))
        {
            return ReturnReason.Other;
        }

        Throw("The return_reason must be size, quality, changed_mind or other.", columns.Reason);
        return default;
    }

    [DoesNotReturn]
    private void Throw(string reason, int column) => Throw(reason, tok.NameOf(column));

    [DoesNotReturn]
    private void Throw(string reason, string field) => throw new DataFormatException(reason, tok.FileName, tok.Line, field);

    /// <summary>Maps channel bytes to <see cref="SalesChannel"/> values; a handful of distinct values is the norm.</summary>
    private sealed class ChannelCache
    {
        private readonly List<(byte[] Bytes, SalesChannel Channel)> _items = [];
        private byte[]? _lastBytes;
        private SalesChannel _last;

        public SalesChannel Get(ReadOnlySpan<byte> bytes)
        {
            if (_lastBytes is { } last && bytes.SequenceEqual(last))
            {
                return _last; // runs of one channel are common
            }

            foreach (var (b, c) in _items)
            {
                if (bytes.SequenceEqual(b))
                {
                    _lastBytes = b;
                    _last = c;
                    return c;
                }
            }

            var channel = new SalesChannel(Encoding.UTF8.GetString(bytes));
            if (_items.Count < 256)
            {
                _items.Add((bytes.ToArray(), channel));
            }

            return channel;
        }
    }
}
