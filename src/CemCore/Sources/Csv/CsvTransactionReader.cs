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
        builder.ExpectCustomers(capacity / 8);
        var numbering = new Numberings(new Utf8OrderNumbering(capacity), new KeyNumbering(capacity / 8, builder.AddResolvedCustomer), new KeyNumbering(16, builder.AddResolvedCategory));
        var lines = new RowLines();
        var pipelined = Environment.ProcessorCount > 1 && (total is null || total >= PipelineThresholdBytes);
        int rows;
        try
        {
            rows = pipelined
                ? ReadPipelined(tok, columns, builder, numbering, lines, total, progress, cancellationToken)
                : ReadSequential(tok, columns, builder, numbering, lines, total, progress, cancellationToken);
        }
        finally
        {
            numbering.Release();
        }

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
        var batches = RowBatch.TakeSpare();
        var batch = batches[0];
        var rows = 0;
        try
        {
            bool more;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                more = batch.Tokenize(tok);
                batch.Parse(row);
                rows = AddBatch(batch, builder, numbering, lines, rows, tok.FileName);
                progress?.Report(new OperationProgress("read", batch.BytesConsumed, total));
                batch.Error?.Throw();
            }
            while (more);
        }
        finally
        {
            RowBatch.ReturnSpare(batches);
        }

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
                builder.AddRowResolved(batch.Customer[i], batch.Ticks[i], batch.Amount[i], batch.AmountPacked[i], batch.Kind[i], batch.Order[i],
                    batch.Channel[i], batch.Category[i], batch.Quantity[i], batch.Discount[i], batch.DiscountPacked[i], batch.HasOriginal[i],
                    batch.Original[i], batch.Reason[i]);
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
    /// Reads with two threads sharing three stages: tokenizing (in file order, on a second thread, into a ring of batches), parsing the
    /// tokenized batches' fields (by whichever thread is free, oldest batch first) and numbering and adding the rows to the builder (in
    /// file order, on the calling thread). Issue 17: with a fixed split (tokenize + parse on one thread, build on the other) the stages'
    /// times depend on the data, and the faster thread waited; sharing the parse keeps both busy. Errors surface in file order: a batch's
    /// error is rethrown after the rows before it were added.
    /// </summary>
    private static int ReadPipelined(Utf8CsvTokenizer tok, TransactionColumns columns, TransactionTableBuilder builder, Numberings numbering,
        RowLines lines, long? total, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var pipeline = new BatchRing(tok, columns, builder.Prefault);
        var producer = new Thread(pipeline.RunProducer)
        {
            IsBackground = true,
            Name = "CemCore CSV parser",
        };
        producer.Start();
        var rows = 0;
        try
        {
            while (pipeline.Next() is { } batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                rows = AddBatch(batch, builder, numbering, lines, rows, tok.FileName);
                progress?.Report(new OperationProgress("read", batch.BytesConsumed, total));
                batch.Error?.Throw();
                pipeline.Release();
            }
        }
        finally
        {
            pipeline.Stop();
            producer.Join();
            pipeline.ReturnBatches();
        }

        return rows;
    }

    /// <summary>
    /// The ring of batches of <see cref="ReadPipelined"/> and its schedule, under one lock: batch <c>n</c> lives in slot <c>n % Slots</c>;
    /// batches below <c>_tokenized</c> hold records, below <c>_claimed</c> are parsed or being parsed, below <c>_consumed</c> were added to
    /// the builder (their slots are free again).
    /// </summary>
    private sealed class BatchRing(Utf8CsvTokenizer tok, TransactionColumns columns, Action<int, int>? prefault)
    {
        private const int Slots = RowBatch.SpareCount;
        private readonly object _gate = new();
        private readonly RowBatch[] _batches = RowBatch.TakeSpare();
        private readonly bool[] _parsed = new bool[Slots];
        private readonly TransactionRowParser.ChannelCache _channels = new();
        private TransactionRowParser? _consumerParser;
        private int _tokenized;
        private int _claimed;
        private int _consumed;
        private bool _ended;
        private bool _stopped;
        private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _producerError;

        /// <summary>The second thread: tokenizes while a slot is free, otherwise parses the oldest unclaimed batch.</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "An unexpected failure of the second thread is handed to the calling thread, which would otherwise wait for it forever.")]
        public void RunProducer()
        {
            try
            {
                Produce();
            }
            catch (Exception ex)
            {
                lock (_gate)
                {
                    _producerError = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                    Monitor.PulseAll(_gate);
                }
            }
        }

        private void Produce()
        {
            var parser = new TransactionRowParser(tok, columns, decodeIds: false, _channels);
            while (true)
            {
                int job;
                bool tokenize;
                lock (_gate)
                {
                    if (_stopped)
                    {
                        return;
                    }

                    if (!_ended && _tokenized - _consumed < Slots)
                    {
                        (job, tokenize) = (_tokenized, true);
                    }
                    else if (_claimed < _tokenized)
                    {
                        (job, tokenize) = (_claimed++, false);
                    }
                    else if (_ended)
                    {
                        return; // every batch is claimed; the calling thread finishes
                    }
                    else
                    {
                        Monitor.Wait(_gate);
                        continue;
                    }
                }

                if (tokenize)
                {
                    // Batch `job` holds rows from at most job × Capacity on (no batch holds more than Capacity): map the column pages
                    // from there for the builder thread, which adds them only after this batch is handed over below.
                    prefault?.Invoke((int)Math.Min(int.MaxValue, (long)job * RowBatch.Capacity), (int)Math.Min(int.MaxValue, (job + 1L) * RowBatch.Capacity));
                    var more = _batches[job % Slots].Tokenize(tok);
                    lock (_gate)
                    {
                        _tokenized++;
                        _ended |= !more;
                        Monitor.PulseAll(_gate);
                    }
                }
                else
                {
                    Parse(job, parser);
                }
            }
        }

        /// <summary>Returns the next batch in file order once parsed (parsing batches itself while it waits), or null at the end.</summary>
        public RowBatch? Next()
        {
            _consumerParser ??= new TransactionRowParser(tok, columns, decodeIds: false, _channels);
            var seq = _consumed;
            while (true)
            {
                int job;
                lock (_gate)
                {
                    if (seq < _tokenized && _parsed[seq % Slots])
                    {
                        return _batches[seq % Slots];
                    }

                    _producerError?.Throw(); // tokenizing and parsing errors are in the batches; this is anything else

                    if (seq >= _tokenized && _ended)
                    {
                        return null;
                    }

                    if (_claimed < _tokenized)
                    {
                        job = _claimed++;
                    }
                    else
                    {
                        Monitor.Wait(_gate);
                        continue;
                    }
                }

                Parse(job, _consumerParser);
            }
        }

        /// <summary>Frees the slot of the batch <see cref="Next"/> returned.</summary>
        public void Release()
        {
            lock (_gate)
            {
                _parsed[_consumed % Slots] = false;
                _consumed++;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Hands the batches back for the next read (after the second thread has ended).</summary>
        public void ReturnBatches() => RowBatch.ReturnSpare(_batches);

        /// <summary>Stops the second thread after its current batch.</summary>
        public void Stop()
        {
            lock (_gate)
            {
                _stopped = true;
                Monitor.PulseAll(_gate);
            }
        }

        private void Parse(int job, TransactionRowParser parser)
        {
            _batches[job % Slots].Parse(parser);
            lock (_gate)
            {
                _parsed[job % Slots] = true;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>
    /// A block of rows: tokenized into a <see cref="CsvRecordBlock"/>, then parsed into typed columns (ids and categories normalized in
    /// place, as offsets into the block's bytes), then numbered and added to the builder by the builder thread.
    /// </summary>
    private sealed class RowBatch
    {
        public const int Capacity = 4096;

        /// <summary>The number of batches of a read (the pipeline's ring; the sequential read uses the first).</summary>
        public const int SpareCount = 6;

        /// <summary>One read's batches (about 1.2 MB each), kept for the next read: issue 17, reading files one after another
        /// allocated them anew each time on the large-object heap. A read that finds none (another read holds them) makes its own.</summary>
        private static RowBatch[]? s_spare;

        /// <summary>Takes the kept batches, or makes new ones.</summary>
        public static RowBatch[] TakeSpare() =>
            Interlocked.Exchange(ref s_spare, null) ?? [.. Enumerable.Range(0, SpareCount).Select(_ => new RowBatch())];

        /// <summary>Keeps <paramref name="batches"/> for the next read, without the errors and channels of this one.</summary>
        public static void ReturnSpare(RowBatch[] batches)
        {
            foreach (var b in batches)
            {
                b.Error = null;
                b._tokenizeError = null;
                Array.Clear(b.Channel);
            }

            Volatile.Write(ref s_spare, batches);
        }

        /// <summary>Bytes read at a time into a batch's buffer; at most this much (plus a partial record) is moved to the next batch's.</summary>
        private const int ReadStep = 1 << 17;

        /// <summary>The records, and the buffer they lie in: the batch's own, read into by the tokenizer (<see cref="Tokenize"/>).</summary>
        private readonly CsvRecordBlock _records = new() { Bytes = new byte[1 << 19] };
        private readonly int[] _key = new int[Capacity * 8]; // start/length in the record bytes of the normalized order id, original order id, customer id, category
        private readonly int[] _orderHash = new int[Capacity];
        private readonly int[] _originalHash = new int[Capacity];
        private readonly bool[] _sameOrder = new bool[Capacity];
        private long _touched; // sink of the bucket pre-reads
        private char[] _normalizedChars = new char[64];
        private byte[] _normalizedBytes = new byte[64];
        private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _tokenizeError;

        /// <summary>Gets the number of rows parsed (those before <see cref="Error"/>, if any).</summary>
        public int Count { get; private set; }

        public long BytesConsumed { get; private set; }

        /// <summary>Gets the batch's first error (parsing or tokenizing), after <see cref="Count"/> good rows.</summary>
        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Error { get; private set; }

        public long[] Line { get; } = new long[Capacity];

        public long[] Ticks { get; } = new long[Capacity];

        public decimal[] Amount { get; } = new decimal[Capacity];

        public decimal[] Discount { get; } = new decimal[Capacity];

        public long[] AmountPacked { get; } = new long[Capacity];

        public long[] DiscountPacked { get; } = new long[Capacity];

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
        /// Tokenizes up to <see cref="Capacity"/> records into the batch (fewer when they fill its buffer, i.e. for long lines). An error is kept (after the records before it) and surfaces
        /// from <see cref="Parse"/> after theirs, so errors come in file order.
        /// </summary>
        /// <returns>Whether more records may follow.</returns>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Every error is handed to the builder side and rethrown there, in file order.")]
        public bool Tokenize(Utf8CsvTokenizer tok)
        {
            _records.Clear();
            _tokenizeError = null;
            var more = true;
            try
            {
                tok.SwitchBuffer(_records.Bytes, ReadStep);
                while (_records.Count < Capacity)
                {
                    var status = tok.TryRead();
                    if (status == CsvReadStatus.Record)
                    {
                        tok.AddCurrentTo(_records);
                    }
                    else if (status == CsvReadStatus.End)
                    {
                        more = false;
                        break;
                    }
                    else if (_records.Count == 0)
                    {
                        tok.Fill(); // no record lies in the buffer yet, so its bytes may move (and it may grow, for a record longer than it)
                    }
                    else if (!tok.TryAppend(ReadStep))
                    {
                        break; // the buffer is full: the next batch goes on from the partial record, in its own buffer
                    }
                }
            }
            catch (Exception ex)
            {
                _tokenizeError = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                more = false;
            }

            _records.Bytes = tok.Buffer; // the batch's buffer, or the larger one that replaced it
            BytesConsumed = tok.BytesConsumed;
            return more;
        }

        /// <summary>Parses the tokenized records; the first error is kept in <see cref="Error"/> with the rows before it.</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Every error is handed to the builder side and rethrown there, in file order.")]
        public void Parse(TransactionRowParser row)
        {
            var columns = row.Columns;
            var i = 0;
            try
            {
                for (; i < _records.Count; i++)
                {
                    var record = _records[i];
                    row.Parse(record);
                    Line[i] = record.Line;
                    Ticks[i] = row.UtcTicks;
                    Amount[i] = row.Amount;
                    Discount[i] = row.Discount;
                    AmountPacked[i] = row.AmountPacked;
                    DiscountPacked[i] = row.DiscountPacked;
                    Quantity[i] = row.Quantity;
                    Kind[i] = row.Kind;
                    Reason[i] = row.Reason;
                    Channel[i] = row.Channel;
                    StoreKey(i * 8, record, columns.Order);
                    StoreKey((i * 8) + 2, record, columns.Original);
                    StoreKey((i * 8) + 4, record, columns.Customer);
                    StoreKey((i * 8) + 6, record, columns.Category);
                }
            }
            catch (Exception ex)
            {
                Count = i;
                Error = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                return;
            }

            Count = i;
            Error = _tokenizeError;
        }

        /// <summary>
        /// Numbers the batch's orders in row order (the row's own order, then its refunded order), after reading all their buckets first
        /// so that the cache misses overlap. A row with the previous row's order id (the next line of an order) takes its number unhashed.
        /// </summary>
        public void NumberOrders(Utf8OrderNumbering numbering)
        {
            for (var i = 0; i < Count; i++)
            {
                var order = Key(i * 8);
                _sameOrder[i] = i > 0 && !order.IsEmpty && order.SequenceEqual(Key((i - 1) * 8));
                _orderHash[i] = order.IsEmpty || _sameOrder[i] ? 0 : Utf8OrderNumbering.Hash(order);
                var original = Key((i * 8) + 2);
                _originalHash[i] = original.IsEmpty ? 0 : Utf8OrderNumbering.Hash(original);
            }

            _touched ^= numbering.Touch(_orderHash.AsSpan(0, Count)) ^ numbering.Touch(_originalHash.AsSpan(0, Count));
            for (var i = 0; i < Count; i++)
            {
                var order = Key(i * 8);
                Order[i] = _sameOrder[i] ? Order[i - 1] : order.IsEmpty ? numbering.NewOrder() : numbering.GetOrAdd(order, _orderHash[i]);
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

        private ReadOnlySpan<byte> Key(int slot) => _records.Bytes.AsSpan(_key[slot], _key[slot + 1]);

        /// <summary>
        /// Records where the normalized value of a column (empty when the file lacks it) lies in the record bytes: the field itself, or,
        /// when trimming shortened it (rare), the trimmed text written over the field's start.
        /// </summary>
        private void StoreKey(int slot, in CsvRecord record, int column)
        {
            if (column < 0)
            {
                _key[slot] = 0;
                _key[slot + 1] = 0;
                return;
            }

            var field = record.Field(column);
            var start = record.FieldOffset(column);
            var key = Utf8OrderNumbering.Normalize(field, ref _normalizedChars, ref _normalizedBytes);
            if (key.Length != field.Length)
            {
                key.CopyTo(_records.Bytes.AsSpan(start)); // trimming only removes text, so the key fits in the field
            }

            _key[slot] = start;
            _key[slot + 1] = key.Length;
        }
    }

    /// <summary>The builder thread's numberings of orders, customers and categories.</summary>
    private sealed record Numberings(Utf8OrderNumbering Orders, KeyNumbering Customers, KeyNumbering Categories)
    {
        /// <summary>Returns the maps' rented arrays.</summary>
        public void Release()
        {
            Orders.Release();
            Customers.Release();
            Categories.Release();
        }
    }

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

        /// <summary>Returns the map's rented arrays.</summary>
        public void Release() => _map.Release();

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
/// Parses a record (the tokenizer's current one, or one copied into a <see cref="CsvRecordBlock"/>) into typed transaction fields,
/// reusing its buffers. Parsers on different threads may share one <see cref="ChannelCache"/>; a parser itself is not thread-safe. With <c>decodeIds</c> false the
/// customer and order ids are left as bytes (<see cref="TransactionRowParser.CustomerBytes"/>, <see cref="TransactionRowParser.OrderIdBytes"/>):
/// the table reader numbers them on their UTF-8 bytes.
/// </summary>
internal sealed class TransactionRowParser(Utf8CsvTokenizer tok, TransactionColumns columns, bool decodeIds = true, TransactionRowParser.ChannelCache? channels = null)
{
    private readonly ChannelCache _channels = channels ?? new();
    private int _lastChannel = -1;

    // The current record, unpacked: its arrays change only between buffers or blocks, so a row stores them only when they changed (a
    // struct field holding three references would cost three GC write barriers per row).
    private byte[] _bytes = [];
    private int[] _fieldStarts = [];
    private int[] _fieldLengths = [];
    private int _recordStart;
    private int _fieldBase;
    private long _line;
    private char[] _customer = new char[64];
    private char[] _order = new char[64];
    private char[] _category = new char[64];
    private char[] _original = new char[64];
    private int _customerLength;
    private int _orderLength;
    private int _categoryLength;
    private int _originalLength;

    /// <summary>Gets the columns the parser reads.</summary>
    public TransactionColumns Columns => columns;

    public ReadOnlySpan<char> Customer => _customer.AsSpan(0, _customerLength);

    public ReadOnlySpan<char> OrderId => _order.AsSpan(0, _orderLength);

    public ReadOnlySpan<char> Category => _category.AsSpan(0, _categoryLength);

    public ReadOnlySpan<char> OriginalOrderId => _original.AsSpan(0, _originalLength);

    /// <summary>Gets the category's bytes as in the file (untrimmed, empty without the column; valid until the tokenizer reads on).</summary>
    public ReadOnlySpan<byte> CategoryBytes => columns.Category < 0 ? default : Field(columns.Category);

    /// <summary>Gets the customer id's bytes as in the file (untrimmed; valid until the tokenizer reads on).</summary>
    public ReadOnlySpan<byte> CustomerBytes => Field(columns.Customer);

    /// <summary>Gets the order id's bytes as in the file (untrimmed; valid until the tokenizer reads on).</summary>
    public ReadOnlySpan<byte> OrderIdBytes => columns.Order < 0 ? default : Field(columns.Order);

    /// <summary>Gets the original order id's bytes as in the file (untrimmed; valid until the tokenizer reads on).</summary>
    public ReadOnlySpan<byte> OriginalOrderIdBytes => columns.Original < 0 ? default : Field(columns.Original);

    public long UtcTicks { get; private set; }

    public decimal Amount { get; private set; }

    /// <summary>Gets <see cref="Amount"/> packed (<see cref="Primitives.PackedMoney"/>), or -1 when it does not pack.</summary>
    public long AmountPacked { get; private set; }

    public decimal Discount { get; private set; }

    /// <summary>Gets <see cref="Discount"/> packed (<see cref="Primitives.PackedMoney"/>), or -1 when it does not pack.</summary>
    public long DiscountPacked { get; private set; }

    public int Quantity { get; private set; }

    public TransactionKind Kind { get; private set; }

    public ReturnReason Reason { get; private set; }

    public SalesChannel Channel { get; private set; }

    /// <summary>Parses the tokenizer's current record.</summary>
    public void Parse() => Parse(tok.Current);

    /// <summary>Parses a record; the id and category bytes then point into its buffer.</summary>
    public void Parse(in CsvRecord record)
    {
        if (!ReferenceEquals(_bytes, record.Bytes))
        {
            _bytes = record.Bytes;
        }

        if (!ReferenceEquals(_fieldStarts, record.FieldStarts))
        {
            _fieldStarts = record.FieldStarts;
        }

        if (!ReferenceEquals(_fieldLengths, record.FieldLengths))
        {
            _fieldLengths = record.FieldLengths;
        }

        _recordStart = record.RecordStart;
        _fieldBase = record.FieldBase;
        _line = record.Line;
        if (record.FieldCount != columns.FieldCount)
        {
            var field = record.FieldCount < columns.FieldCount ? tok.NameOf(record.FieldCount) : tok.NameOf(columns.FieldCount);
            Throw($"Expected {columns.FieldCount} fields as in the header but found {record.FieldCount}.", field);
        }

        _customerLength = decodeIds ? Decode(Field(columns.Customer), ref _customer) : 0;
        if (!Utf8Parsing.TryParseTimestamp(Field(columns.Timestamp), out var ticks))
        {
            Throw("The timestamp is not an ISO-8601 date (yyyy-MM-dd) or date-time (yyyy-MM-ddTHH:mm[:ss[.fffffff]][Z|±HH:mm]).", columns.Timestamp);
        }

        if (ticks < MinTicks || ticks >= MaxTicks)
        {
            // Year 0001 or 9999 is a placeholder or a typo, and date arithmetic (as-of + 1 day, horizons) would overflow near the ends.
            Throw("The timestamp is outside the supported range 1900-01-01 to 2199-12-31 (UTC).", columns.Timestamp);
        }

        UtcTicks = ticks;
        Amount = ParseMoney(columns.Amount, "amount", out var amountPacked);
        AmountPacked = amountPacked;
        if (columns.Discount < 0 || Utf8Parsing.Trim(Field(columns.Discount)).IsEmpty)
        {
            Discount = 0m;
            DiscountPacked = 0; // 0m packed
        }
        else
        {
            Discount = ParseMoney(columns.Discount, "discount", out var discountPacked);
            DiscountPacked = discountPacked;
        }
        Quantity = 1;
        if (columns.Quantity >= 0)
        {
            var q = Field(columns.Quantity);
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

        Kind = columns.Kind < 0 ? TransactionKind.Purchase : ParseKind(Utf8Parsing.Trim(Field(columns.Kind)));
        Reason = columns.Reason < 0
            ? (Kind == TransactionKind.Return ? ReturnReason.Other : ReturnReason.Unspecified)
            : ParseReason(Utf8Parsing.Trim(Field(columns.Reason)));
        _orderLength = columns.Order < 0 || !decodeIds ? 0 : Decode(Field(columns.Order), ref _order);
        _categoryLength = columns.Category < 0 || !decodeIds ? 0 : Decode(Field(columns.Category), ref _category);
        _originalLength = columns.Original < 0 || !decodeIds ? 0 : Decode(Field(columns.Original), ref _original);
        Channel = columns.Channel < 0 ? default : _channels.Get(Field(columns.Channel), ref _lastChannel);
    }

    private ReadOnlySpan<byte> Field(int index) => _bytes.AsSpan(_recordStart + _fieldStarts[_fieldBase + index], _fieldLengths[_fieldBase + index]);

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

    private decimal ParseMoney(int column, string name, out long packed)
    {
        if (!Utf8Parsing.TryParseDecimal(Field(column), out var value, out var fast, out packed))
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
    private void Throw(string reason, string field) => throw new DataFormatException(reason, tok.FileName, _line, field);

    /// <summary>
    /// Maps channel bytes to <see cref="SalesChannel"/> values (a handful of distinct values is the norm), shared by the parsers of one
    /// file so that a channel is one string whichever thread parsed it. Lookups read a copy-on-write array without locking.
    /// </summary>
    internal sealed class ChannelCache
    {
        private const int MaxItems = 256;
        private readonly Lock _gate = new();
        private (byte[] Bytes, SalesChannel Channel)[] _items = [];

        /// <summary>Returns the channel of <paramref name="bytes"/>; <paramref name="last"/> is the caller's index of its last hit.</summary>
        public SalesChannel Get(ReadOnlySpan<byte> bytes, ref int last)
        {
            var items = Volatile.Read(ref _items);
            if (last >= 0 && last < items.Length && bytes.SequenceEqual(items[last].Bytes))
            {
                return items[last].Channel; // runs of one channel are common
            }

            for (var i = 0; i < items.Length; i++)
            {
                if (bytes.SequenceEqual(items[i].Bytes))
                {
                    last = i;
                    return items[i].Channel;
                }
            }

            return Add(bytes);
        }

        private SalesChannel Add(ReadOnlySpan<byte> bytes)
        {
            lock (_gate)
            {
                foreach (var (b, c) in _items)
                {
                    if (bytes.SequenceEqual(b))
                    {
                        return c; // added by the other parser meanwhile
                    }
                }

                var channel = new SalesChannel(Encoding.UTF8.GetString(bytes));
                if (_items.Length < MaxItems)
                {
                    Volatile.Write(ref _items, [.. _items, (bytes.ToArray(), channel)]);
                }

                return channel;
            }
        }
    }
}
