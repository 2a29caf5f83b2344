using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace CemCore.Sources.Csv;

/// <summary>The outcome of <see cref="Utf8CsvTokenizer.TryRead"/>.</summary>
internal enum CsvReadStatus
{
    /// <summary>A record is available through <see cref="Utf8CsvTokenizer.Field"/>.</summary>
    Record,

    /// <summary>The buffer holds no complete record: call <see cref="Utf8CsvTokenizer.Fill"/> and try again.</summary>
    NeedMore,

    /// <summary>The input is exhausted.</summary>
    End,
}

/// <summary>
/// An RFC 4180 tokenizer over UTF-8 bytes: comma-separated, double-quote quoting with <c>""</c> escapes, quoted fields may span lines,
/// LF or CRLF line ends, a UTF-8 byte order mark is skipped, blank (white-space-only) lines are skipped.
/// Fields are exposed as spans into an internal buffer that stay valid until the next <see cref="TryRead"/> or <see cref="Fill"/>.
/// </summary>
/// <remarks>Not thread-safe. Allocation-free per record after warm-up (the buffer grows only for records longer than it).</remarks>
internal sealed class Utf8CsvTokenizer : IDisposable
{
    private const int DefaultBufferSize = 1 << 20;
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private byte[] _buffer;
    private int _start;
    private int _end;

    /// <summary>Bytes of <see cref="_buffer"/> before this index (from <see cref="_start"/> on) are known to be valid UTF-8.</summary>
    private int _validEnd;
    private bool _eof;
    private bool _bomChecked;
    private int[] _fieldStart = new int[32];
    private int[] _fieldLength = new int[32];
    private bool[] _fieldEscaped = new bool[32];
    private int _recordStart;
    private long _nextLine = 1;

    /// <summary>Whether <see cref="_buffer"/> is a caller's (<see cref="SwitchBuffer"/>): it is then never returned to the pool.</summary>
    private bool _borrowed;

    /// <summary>The tokenizer's own pooled buffer once it reads in a caller's: returned to the pool at <see cref="Dispose"/>, on the thread
    /// that disposes (returned on a short-lived thread, it would stay in that thread's pool cache and be lost with it).</summary>
    private byte[]? _pooled;

    public Utf8CsvTokenizer(Stream stream, string fileName, bool ownsStream = false, int bufferSize = DefaultBufferSize)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        FileName = fileName;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, 64));
    }

    /// <summary>Gets the file name used in errors.</summary>
    public string FileName { get; }

    /// <summary>Gets or sets the column names used in errors (index = field position).</summary>
    public IReadOnlyList<string>? ColumnNames { get; set; }

    /// <summary>Gets the 1-based line on which the current record starts.</summary>
    public long Line { get; private set; }

    /// <summary>Gets the number of fields of the current record.</summary>
    public int FieldCount { get; private set; }

    /// <summary>Gets the number of bytes consumed so far.</summary>
    public long BytesConsumed { get; private set; }

    /// <summary>Gets the bytes read ahead and not consumed yet (a sample of what follows; valid until the next read).</summary>
    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Returns field <paramref name="index"/> of the current record (unquoted, escapes resolved).</summary>
    public ReadOnlySpan<byte> Field(int index) => _buffer.AsSpan(_recordStart + _fieldStart[index], _fieldLength[index]);

    /// <summary>Gets the current record (valid until the next <see cref="TryRead"/> or <see cref="Fill"/>).</summary>
    public CsvRecord Current => new(_buffer, _recordStart, _fieldStart, _fieldLength, 0, FieldCount, Line);

    /// <summary>Gets the buffer the current record lies in (a caller's after <see cref="SwitchBuffer"/>).</summary>
    public byte[] Buffer => _buffer;

    /// <summary>
    /// Appends the current record's place to <paramref name="block"/>: where it starts in <see cref="Buffer"/> and its field positions
    /// (fields unquoted, escapes resolved). Its bytes are not copied: they stay valid while the tokenizer reads on with
    /// <see cref="TryAppend"/>, and until the next <see cref="Fill"/> or <see cref="SwitchBuffer"/>.
    /// </summary>
    public void AddCurrentTo(CsvRecordBlock block) =>
        block.Add(_recordStart, _fieldStart.AsSpan(0, FieldCount), _fieldLength.AsSpan(0, FieldCount), Line);

    /// <summary>
    /// Reads on in <paramref name="target"/> (a caller's buffer, which it keeps): the bytes read ahead and not consumed yet are moved to its
    /// start, and records are tokenized from there (the tokenizer's own pooled buffer goes back to the pool when it is disposed). A target
    /// too small for the bytes read ahead and <paramref name="minimumRoom"/> more is replaced by a larger array; the caller takes up
    /// the buffer read into from <see cref="Buffer"/> (which <see cref="Fill"/> may also replace, for a record longer than it).
    /// Issue 17: a batch of records read into its own buffer needs no copy of each record's bytes (8 % of the parse's CPU time).
    /// </summary>
    public void SwitchBuffer(byte[] target, int minimumRoom)
    {
        ArgumentNullException.ThrowIfNull(target);
        var remaining = _end - _start;
        if (target.Length < (long)remaining + minimumRoom)
        {
            target = new byte[(int)Math.Min(Array.MaxLength, Math.Max(2L * target.Length, (long)remaining + minimumRoom))];
        }

        _validEnd = Math.Max(0, _validEnd - _start);
        if (remaining > 0)
        {
            System.Buffer.BlockCopy(_buffer, _start, target, 0, remaining);
        }

        if (!_borrowed)
        {
            _pooled = _buffer;
        }

        _buffer = target;
        _borrowed = true;
        _start = 0;
        _end = remaining;
    }

    /// <summary>
    /// Reads up to <paramref name="maxBytes"/> more bytes after those buffered, without moving them (so records taken from the buffer
    /// stay where they are); returns <see langword="false"/> when the buffer is full (nothing read).
    /// </summary>
    public bool TryAppend(int maxBytes)
    {
        var room = _buffer.Length - _end;
        if (room == 0)
        {
            return false;
        }

        ReadMore(Math.Min(room, maxBytes));
        return true;
    }

    /// <summary>Reads up to <paramref name="count"/> bytes after the buffered ones (none at the end of the input).</summary>
    private void ReadMore(int count)
    {
        var n = _stream.Read(_buffer, _end, count);
        if (n == 0)
        {
            _eof = true;
        }

        _end += n;
    }

    /// <summary>Returns the current record's field as a string.</summary>
    public string FieldString(int index) => Encoding.UTF8.GetString(Field(index));

    /// <summary>Reads more bytes synchronously.</summary>
    public void Fill()
    {
        Compact();
        ReadMore(_buffer.Length - _end);
    }

    /// <summary>Reads more bytes asynchronously.</summary>
    public async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        Compact();
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            _eof = true;
        }

        _end += n;
    }

    /// <summary>Reads the next record synchronously; returns <see langword="false"/> at the end of the input.</summary>
    public bool Read()
    {
        while (true)
        {
            switch (TryRead())
            {
                case CsvReadStatus.Record:
                    return true;
                case CsvReadStatus.End:
                    return false;
                default:
                    Fill();
                    break;
            }
        }
    }

    /// <summary>Reads the next record asynchronously; returns <see langword="false"/> at the end of the input.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (TryRead())
            {
                case CsvReadStatus.Record:
                    return true;
                case CsvReadStatus.End:
                    return false;
                default:
                    await FillAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Tries to tokenize the next record from the buffered bytes.</summary>
    public CsvReadStatus TryRead()
    {
        while (true)
        {
            if (!_bomChecked)
            {
                if (_end - _start < 3 && !_eof)
                {
                    return CsvReadStatus.NeedMore;
                }

                _bomChecked = true;
                if (_buffer.AsSpan(_start, _end - _start).StartsWith("\uFEFF"u8))
                {
                    _start += 3;
                    BytesConsumed += 3;
                }
            }

            var data = _buffer.AsSpan(_start, _end - _start);
            if (data.IsEmpty)
            {
                return _eof ? CsvReadStatus.End : CsvReadStatus.NeedMore;
            }

            var nl = ScanUnquoted(data);
            if (nl == QuoteFirst)
            {
                return ParseQuoted(data);
            }

            if (nl < 0 && !_eof)
            {
                return CsvReadStatus.NeedMore;
            }

            var consumed = nl < 0 ? data.Length : nl + 1;
            var lineLength = nl < 0 ? data.Length : nl;
            if (lineLength > 0 && data[lineLength - 1] == (byte)'\r')
            {
                lineLength--;
                if (_fieldLength[FieldCount - 1] > 0)
                {
                    _fieldLength[FieldCount - 1]--;
                }
            }

            if (FieldCount == 1 && IsBlank(data[..lineLength]))
            {
                Advance(consumed, 1);
                continue;
            }

            _recordStart = _start;
            Line = _nextLine;
            EnsureUtf8(_start, lineLength);
            Advance(consumed, 1);
            return CsvReadStatus.Record;
        }
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }

        var b = _borrowed ? _pooled ?? [] : _buffer;
        _buffer = [];
        _pooled = null;
        if (b.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    /// <summary>The display name of a field position: the column name, or <c>(field N)</c> (1-based) past the header.</summary>
    public string NameOf(int index) =>
        ColumnNames is { } names && index < names.Count ? names[index] : $"(field {index + 1})";

    /// <summary>
    /// Rejects a record that is not valid UTF-8 (a GBK or Latin-1 export read as UTF-8 would otherwise decode to U+FFFD and merge
    /// distinct customer ids): the error names the file, the line and the first field with invalid bytes. The check runs once per
    /// block of complete lines in the buffer, not once per record: a block ends just after a line feed, which is never part of a
    /// multi-byte sequence, so no character is cut. Only when a block is invalid is the record itself checked, so the error names
    /// the record that holds the invalid bytes.
    /// </summary>
    private void EnsureUtf8(int offset, int length)
    {
        var end = offset + length;
        if (end <= _validEnd)
        {
            return;
        }

        var from = Math.Max(offset, _validEnd);
        var lastNewLine = _buffer.AsSpan(from, _end - from).LastIndexOf((byte)'\n');
        var blockEnd = Math.Max(end, from + lastNewLine + 1);
        if (System.Text.Unicode.Utf8.IsValid(_buffer.AsSpan(from, blockEnd - from)))
        {
            _validEnd = blockEnd;
            return;
        }

        if (System.Text.Unicode.Utf8.IsValid(_buffer.AsSpan(from, end - from)))
        {
            _validEnd = end; // the invalid bytes are in a later record, which is checked when it is read
            return;
        }

        var field = 0;
        while (field < FieldCount - 1 && System.Text.Unicode.Utf8.IsValid(Field(field)))
        {
            field++;
        }

        throw new DataFormatException(
            "The text is not valid UTF-8 (save the file as UTF-8, or read it with its encoding, e.g. GBK, GB18030 or Latin-1).", FileName, Line, NameOf(field));
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return true;
        }

        return (line[0] is (byte)' ' or (byte)'\t' or (byte)'\r') && line.Trim(" \t\r"u8).IsEmpty;
    }

    private void Advance(int consumed, long lines)
    {
        _start += consumed;
        BytesConsumed += consumed;
        _nextLine += lines;
    }

    /// <summary><see cref="ScanUnquoted"/>'s result when a double quote comes before the end of the record's first line.</summary>
    private const int QuoteFirst = -2;

    /// <summary>
    /// Splits the record at the start of <paramref name="data"/> at its commas in one pass over its bytes (32 at a time where the
    /// hardware has 256-bit vectors, 16 where it has only 128-bit ones: one compare per delimiter and a walk over the set bits), when its
    /// line holds no double quote.
    /// </summary>
    /// <returns>The index of the line feed ending the record (the fields are set, a trailing carriage return included); -1 when
    /// <paramref name="data"/> holds no line feed (the fields then run to its end); <see cref="QuoteFirst"/> when a double quote comes
    /// first (the fields are not set).</returns>
    private int ScanUnquoted(ReadOnlySpan<byte> data)
    {
        var count = 0;
        var fieldStart = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var commas = Vector256.Create((byte)',');
            var quotes = Vector256.Create((byte)'"');
            var lineFeeds = Vector256.Create((byte)'\n');
            for (; i <= data.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var v = Vector256.Create(data.Slice(i, Vector256<byte>.Count));
                var end = ScanBlock(
                    i, Vector256.Equals(v, lineFeeds).ExtractMostSignificantBits(), Vector256.Equals(v, quotes).ExtractMostSignificantBits(), Vector256.Equals(v, commas).ExtractMostSignificantBits(), ref count, ref fieldStart);
                if (end != NoLineFeedInBlock)
                {
                    return end;
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            // 16 bytes at a time where only 128-bit vectors are accelerated (Arm64, x64 without AVX2, the CLI's x86-64-v2 NativeAOT
            // executable), instead of the byte loop below (issue 17).
            var commas = Vector128.Create((byte)',');
            var quotes = Vector128.Create((byte)'"');
            var lineFeeds = Vector128.Create((byte)'\n');
            for (; i <= data.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                var v = Vector128.Create(data.Slice(i, Vector128<byte>.Count));
                var end = ScanBlock(
                    i, Vector128.Equals(v, lineFeeds).ExtractMostSignificantBits(), Vector128.Equals(v, quotes).ExtractMostSignificantBits(), Vector128.Equals(v, commas).ExtractMostSignificantBits(), ref count, ref fieldStart);
                if (end != NoLineFeedInBlock)
                {
                    return end;
                }
            }
        }

        for (; i < data.Length; i++)
        {
            var b = data[i];
            if (b == (byte)'\n')
            {
                AddPlainField(count++, fieldStart, i - fieldStart);
                FieldCount = count;
                return i;
            }

            if (b == (byte)',')
            {
                AddPlainField(count++, fieldStart, i - fieldStart);
                fieldStart = i + 1;
            }
            else if (b == (byte)'"')
            {
                return QuoteFirst;
            }
        }

        AddPlainField(count++, fieldStart, data.Length - fieldStart);
        FieldCount = count;
        return -1;
    }

    /// <summary><see cref="ScanBlock"/>'s result when the block holds no line feed and no double quote before it (the scan goes on).</summary>
    private const int NoLineFeedInBlock = -1;

    /// <summary>
    /// One block of <see cref="ScanUnquoted"/>'s vector loop from its bit masks (bit j = byte <paramref name="i"/> + j is a line feed, a
    /// double quote, a comma): the fields ended by the block's commas before its first line feed; the index of that line feed (the record
    /// is complete), <see cref="QuoteFirst"/> when a double quote comes before it, or <see cref="NoLineFeedInBlock"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ScanBlock(int i, uint lineFeeds, uint quotes, uint commas, ref int count, ref int fieldStart)
    {
        var before = unchecked((lineFeeds & (0u - lineFeeds)) - 1u); // the bits below the first line feed (all of them when there is none)
        if ((quotes & before) != 0)
        {
            return QuoteFirst;
        }

        var c = commas & before;
        while (c != 0)
        {
            var p = i + BitOperations.TrailingZeroCount(c);
            AddPlainField(count++, fieldStart, p - fieldStart);
            fieldStart = p + 1;
            c &= unchecked(c - 1);
        }

        if (lineFeeds == 0)
        {
            return NoLineFeedInBlock;
        }

        var end = i + BitOperations.TrailingZeroCount(lineFeeds);
        AddPlainField(count++, fieldStart, end - fieldStart);
        FieldCount = count;
        return end;
    }

    /// <summary>Records an unquoted field (<see cref="ScanUnquoted"/>'s fast path: the escape flags are read only by <see cref="ParseQuoted"/>, which sets them).</summary>
    private void AddPlainField(int index, int start, int length)
    {
        var starts = _fieldStart;
        var lengths = _fieldLength;
        if ((uint)index < (uint)starts.Length && (uint)index < (uint)lengths.Length)
        {
            starts[index] = start;
            lengths[index] = length;
        }
        else
        {
            AddField(index, start, length, false);
        }
    }

    private void AddField(int index, int start, int length, bool escaped)
    {
        if (index == _fieldStart.Length)
        {
            Array.Resize(ref _fieldStart, index * 2);
            Array.Resize(ref _fieldLength, index * 2);
            Array.Resize(ref _fieldEscaped, index * 2);
        }

        _fieldStart[index] = start;
        _fieldLength[index] = length;
        _fieldEscaped[index] = escaped;
    }

    private CsvReadStatus ParseQuoted(ReadOnlySpan<byte> data)
    {
        var i = 0;
        var count = 0;
        long newlines = 0;
        var anyEscaped = false;
        while (true)
        {
            if (i < data.Length && data[i] == (byte)'"')
            {
                var openLine = newlines;
                var contentStart = i + 1;
                i++;
                var escaped = false;
                while (true)
                {
                    if (i >= data.Length)
                    {
                        if (!_eof)
                        {
                            return CsvReadStatus.NeedMore;
                        }

                        ThrowUnclosed(count, _nextLine + openLine);
                    }

                    var b = data[i];
                    if (b == (byte)'"')
                    {
                        if (i + 1 >= data.Length && !_eof)
                        {
                            return CsvReadStatus.NeedMore;
                        }

                        if (i + 1 < data.Length && data[i + 1] == (byte)'"')
                        {
                            escaped = true;
                            i += 2;
                            continue;
                        }

                        break;
                    }

                    if (b == (byte)'\n')
                    {
                        newlines++;
                    }

                    i++;
                }

                AddField(count++, contentStart, i - contentStart, escaped);
                anyEscaped |= escaped;
                i++; // closing quote
                if (i >= data.Length)
                {
                    if (!_eof)
                    {
                        return CsvReadStatus.NeedMore;
                    }

                    return Complete(count, i, newlines + 1, anyEscaped);
                }

                var next = data[i];
                if (next == (byte)',')
                {
                    i++;
                    continue;
                }

                if (next == (byte)'\n')
                {
                    return Complete(count, i + 1, newlines + 1, anyEscaped);
                }

                if (next == (byte)'\r')
                {
                    if (i + 1 >= data.Length && !_eof)
                    {
                        return CsvReadStatus.NeedMore;
                    }

                    if (i + 1 >= data.Length)
                    {
                        return Complete(count, i + 1, newlines + 1, anyEscaped);
                    }

                    if (data[i + 1] == (byte)'\n')
                    {
                        return Complete(count, i + 2, newlines + 1, anyEscaped);
                    }
                }

                ThrowAfterQuote(count - 1, _nextLine + newlines);
            }
            else
            {
                var rest = data[i..];
                var j = rest.IndexOfAny((byte)',', (byte)'\n');
                if (j < 0)
                {
                    if (!_eof)
                    {
                        return CsvReadStatus.NeedMore;
                    }

                    var len = rest.Length;
                    if (len > 0 && rest[len - 1] == (byte)'\r')
                    {
                        len--;
                    }

                    AddField(count++, i, len, false);
                    return Complete(count, data.Length, newlines + 1, anyEscaped);
                }

                if (rest[j] == (byte)',')
                {
                    AddField(count++, i, j, false);
                    i += j + 1;
                    continue;
                }

                var flen = j > 0 && rest[j - 1] == (byte)'\r' ? j - 1 : j;
                AddField(count++, i, flen, false);
                return Complete(count, i + j + 1, newlines + 1, anyEscaped);
            }
        }
    }

    private CsvReadStatus Complete(int count, int consumed, long lines, bool anyEscaped)
    {
        FieldCount = count;
        _recordStart = _start;
        Line = _nextLine;
        EnsureUtf8(_start, consumed);
        if (anyEscaped)
        {
            for (var f = 0; f < count; f++)
            {
                if (_fieldEscaped[f])
                {
                    var span = _buffer.AsSpan(_start + _fieldStart[f], _fieldLength[f]);
                    var w = 0;
                    for (var r = 0; r < span.Length; r++)
                    {
                        span[w++] = span[r];
                        if (span[r] == (byte)'"')
                        {
                            r++; // skip the second quote of the pair
                        }
                    }

                    _fieldLength[f] = w;
                }
            }
        }

        Advance(consumed, lines);
        return CsvReadStatus.Record;
    }

    private void Compact()
    {
        if (_start > 0)
        {
            _validEnd = Math.Max(0, _validEnd - _start);
            var remaining = _end - _start;
            if (remaining > 0)
            {
                System.Buffer.BlockCopy(_buffer, _start, _buffer, 0, remaining);
            }

            _end = remaining;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // A record longer than the buffer. A caller's buffer is replaced by a new array (the caller takes it up from Buffer), the
            // tokenizer's own by a larger pooled one.
            var bigger = _borrowed ? new byte[_buffer.Length * 2] : ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            System.Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            if (!_borrowed)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = bigger;
        }
    }

    [DoesNotReturn]
    private void ThrowUnclosed(int field, long line) =>
        throw new DataFormatException("A quoted field is not closed before the end of the file.", FileName, line, NameOf(field));

    [DoesNotReturn]
    private void ThrowAfterQuote(int field, long line) =>
        throw new DataFormatException("Unexpected text after a closing quote (a quote inside a quoted field must be doubled).", FileName, line, NameOf(field));
}

/// <summary>
/// One record's fields: spans of a byte buffer (unquoted, escapes resolved). A view of the tokenizer's current record
/// (<see cref="Utf8CsvTokenizer.Current"/>) or of a record in a <see cref="CsvRecordBlock"/>.
/// </summary>
internal readonly struct CsvRecord(byte[] bytes, int recordStart, int[] fieldStart, int[] fieldLength, int fieldBase, int fieldCount, long line)
{
    /// <summary>Gets the number of fields.</summary>
    public int FieldCount => fieldCount;

    /// <summary>Gets the 1-based line on which the record starts.</summary>
    public long Line => line;

    /// <summary>Returns field <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Field(int index) => bytes.AsSpan(recordStart + fieldStart[fieldBase + index], fieldLength[fieldBase + index]);

    /// <summary>Returns where field <paramref name="index"/> starts in the buffer.</summary>
    public int FieldOffset(int index) => recordStart + fieldStart[fieldBase + index];

    /// <summary>Gets the buffer the fields lie in.</summary>
    public byte[] Bytes => bytes;

    /// <summary>Gets where the record starts in <see cref="Bytes"/>.</summary>
    public int RecordStart => recordStart;

    /// <summary>Gets the fields' starts (relative to <see cref="RecordStart"/>), from <see cref="FieldBase"/> on.</summary>
    public int[] FieldStarts => fieldStart;

    /// <summary>Gets the fields' lengths, from <see cref="FieldBase"/> on.</summary>
    public int[] FieldLengths => fieldLength;

    /// <summary>Gets the index of the record's first field in <see cref="FieldStarts"/> and <see cref="FieldLengths"/>.</summary>
    public int FieldBase => fieldBase;
}

/// <summary>
/// The places of records in a tokenizer's buffer (<see cref="Utf8CsvTokenizer.AddCurrentTo"/>): where each starts in <see cref="Bytes"/>
/// and its field positions, so a block of records can be parsed on another thread while the tokenizer reads on in another buffer
/// (<see cref="Utf8CsvTokenizer.SwitchBuffer"/>). Reused: <see cref="Clear"/>.
/// </summary>
internal sealed class CsvRecordBlock
{
    private byte[] _bytes = [];
    private int[] _fieldStart = new int[1 << 12];
    private int[] _fieldLength = new int[1 << 12];
    private int _fields;
    private int[] _recordStart = new int[64];
    private int[] _fieldBase = new int[64];
    private int[] _fieldCount = new int[64];
    private long[] _line = new long[64];

    /// <summary>Gets the number of records.</summary>
    public int Count { get; private set; }

    /// <summary>Gets or sets the buffer the records lie in (fields may be rewritten in place; see <see cref="CsvRecord.FieldOffset"/>).</summary>
    public byte[] Bytes
    {
        get => _bytes;
        set => _bytes = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Returns record <paramref name="index"/>.</summary>
    public CsvRecord this[int index] =>
        new(_bytes, _recordStart[index], _fieldStart, _fieldLength, _fieldBase[index], _fieldCount[index], _line[index]);

    /// <summary>Removes every record (keeping the storage).</summary>
    public void Clear()
    {
        Count = 0;
        _fields = 0;
    }

    /// <summary>Appends a record: where it starts in <see cref="Bytes"/>, its fields' starts (relative to it) and lengths.</summary>
    public void Add(int recordStart, ReadOnlySpan<int> fieldStart, ReadOnlySpan<int> fieldLength, long line)
    {
        var r = Count;
        if (r == _recordStart.Length)
        {
            var n = r * 2;
            Array.Resize(ref _recordStart, n);
            Array.Resize(ref _fieldBase, n);
            Array.Resize(ref _fieldCount, n);
            Array.Resize(ref _line, n);
        }

        if (_fields + fieldStart.Length > _fieldStart.Length)
        {
            Ensure(ref _fieldStart, _fields + fieldStart.Length);
            Ensure(ref _fieldLength, _fields + fieldStart.Length);
        }

        fieldStart.CopyTo(_fieldStart.AsSpan(_fields));
        fieldLength.CopyTo(_fieldLength.AsSpan(_fields));
        _recordStart[r] = recordStart;
        _fieldBase[r] = _fields;
        _fieldCount[r] = fieldStart.Length;
        _line[r] = line;
        _fields += fieldStart.Length;
        Count = r + 1;
    }

    private static void Ensure<T>(ref T[] array, int length)
    {
        if (length > array.Length)
        {
            Array.Resize(ref array, Math.Max(length, array.Length * 2));
        }
    }
}
