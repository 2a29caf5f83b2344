using System.Globalization;
using System.Runtime.CompilerServices;
using CemCore.Transactions;

namespace CemCore.Sources.Csv;

/// <summary>
/// An <see cref="ITransactionSource"/> that streams <see cref="Transaction"/> records from a transactions CSV file
/// (the format of <see cref="CsvTransactionReader"/>), one record per data row, keeping only rows inside the requested window.
/// </summary>
/// <remarks>
/// <para>Each enumeration re-reads the file. A row with a <c>category</c> or <c>sku</c> becomes a transaction with one
/// <see cref="OrderLine"/> (unit price = (amount + discount) / quantity); rows sharing an order id become separate records with that id,
/// which <see cref="TransactionTableBuilder.Add(Transaction)"/> joins into one order again. A row without <c>order_id</c> gets the id
/// <c>#line&lt;N&gt;</c> (its line number).</para>
/// <para>Malformed rows throw <see cref="DataFormatException"/> (file, line, field, why) during enumeration. Cross-row rules (reused order ids,
/// returns of unknown orders) are checked by the consumer, e.g. <see cref="TransactionTableBuilder"/>.</para>
/// <para>Thread-safe: enumerations are independent.</para>
/// </remarks>
public sealed class CsvTransactionSource : ITransactionSource
{
    private readonly string _path;

    /// <summary>Creates the source.</summary>
    /// <param name="path">The CSV file; it must exist when enumeration starts.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is blank.</exception>
    public CsvTransactionSource(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = path;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The window's start is after its end.</exception>
    public IAsyncEnumerable<Transaction> ReadTransactionsAsync(TimeWindow window, CancellationToken cancellationToken = default)
    {
        window.Validate();
        return ReadCoreAsync(window, cancellationToken);
    }

    private async IAsyncEnumerable<Transaction> ReadCoreAsync(TimeWindow window, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var tok = new Utf8CsvTokenizer(stream, Path.GetFileName(_path), ownsStream: true);
        var columns = TransactionColumns.ReadHeader(tok);
        var row = new TransactionRowParser(tok, columns);
        long rows = 0;
        while (await tok.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if ((++rows & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            row.Parse();
            var at = new DateTimeOffset(row.UtcTicks, TimeSpan.Zero);
            if (!window.Contains(at))
            {
                continue;
            }

            yield return ToTransaction(row, at, tok);
        }
    }

    private static Transaction ToTransaction(TransactionRowParser row, DateTimeOffset at, Utf8CsvTokenizer tok)
    {
        try
        {
            OrderLine[]? lines = null;
            if (!row.Category.IsEmpty)
            {
                var unit = (row.Amount + row.Discount) / row.Quantity;
                lines = [new OrderLine(string.Empty, row.Category.Trim().ToString(), row.Quantity, unit, Math.Min(row.Discount, row.Quantity * unit))];
            }

            var orderId = row.OrderId.Trim();
            var isReturn = row.Kind == TransactionKind.Return;
            return new Transaction(
                orderId.IsEmpty ? "#line" + tok.Line.ToString(CultureInfo.InvariantCulture) : orderId.ToString(),
                row.Customer.Trim().ToString(),
                at,
                row.Amount,
                row.Channel,
                lines,
                row.Discount,
                kind: row.Kind,
                originalOrderId: isReturn ? row.OriginalOrderId.Trim().ToString() : null,
                returnReason: isReturn ? row.Reason : ReturnReason.Unspecified);
        }
        catch (ArgumentException ex)
        {
            var field = ex.ParamName switch
            {
                "customerId" => "customer_id",
                "originalOrderId" => "original_order_id",
                "orderId" => "order_id",
                _ => ex.ParamName,
            };
            var reason = field == "original_order_id" && row.Kind == TransactionKind.Purchase
                ? "Only a return may carry an original order id or a return reason."
                : field == "original_order_id" ? "A return must name the order it refunds." : "The value must not be empty.";
            throw new DataFormatException(reason, tok.FileName, tok.Line, field, ex);
        }
    }
}
