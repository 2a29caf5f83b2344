using System.Globalization;
using System.Text;
using CemCore.Customers;
using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Synthetic;

/// <summary>
/// A deterministic synthetic retail data generator: customers with demographics, tags, attributes, consents and preferences; purchases from a
/// heterogeneous Pareto/NBD-like process with weekly and annual seasonality and promotion spikes; order lines over categories and channels
/// with discounts; returns with reasons linked to their orders; journey interaction events (including abandoned carts); NPS/CSAT surveys.
/// </summary>
/// <remarks>
/// <para>Deterministic: the same <see cref="RetailDataSettings"/> always give the same data, on every machine (a built-in xoshiro256**
/// generator, one independent stream per customer and kind of output). Customer <c>i</c> is the same whatever <see cref="RetailDataSettings.Customers"/> is,
/// so a larger data set extends a smaller one.</para>
/// <para>Scale: every <c>Generate…</c> method except <see cref="Generate"/> streams customer by customer, and <see cref="GenerateTable"/> writes
/// straight into a columnar <see cref="TransactionTable"/>, so a million customers (about 10 million rows with the defaults) fit comfortably in memory.</para>
/// <para>Ids: customers <c>C0000000</c>…, orders <c>O&lt;customer&gt;-&lt;n&gt;</c>, returns <c>R&lt;customer&gt;-&lt;n&gt;-&lt;line&gt;</c>.
/// Every return refunds one line of an earlier order of the same customer; its amount is that line's net amount.</para>
/// <para>Thread-safe: the methods are static and hold no shared state.</para>
/// </remarks>
public static class RetailDataGenerator
{
    /// <summary>The header of the CSV written by <see cref="WriteTransactionsCsv"/> and <see cref="WriteTransactionsCsvFile"/>.</summary>
    public const string TransactionsCsvHeader = "order_id,customer_id,timestamp,amount,channel,category,quantity,discount,kind,original_order_id,return_reason";

    private static readonly string[] s_cities = ["Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Chengdu", "Hangzhou", "Wuhan", "Xi'an", "Suzhou", "Nanjing", "Changsha", "Kunming", "Xiamen", "Hefei", "Luoyang", "Guilin", "Yichang", "Dali"];
    private static readonly string[] s_regions = ["Shanghai", "Beijing", "Guangdong", "Guangdong", "Sichuan", "Zhejiang", "Hubei", "Shaanxi", "Jiangsu", "Jiangsu", "Hunan", "Yunnan", "Fujian", "Anhui", "Henan", "Guangxi", "Hubei", "Yunnan"];
    private static readonly int[] s_tiers = [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5];
    private static readonly double[] s_cityCumulative = CustomerSimulator.Cumulative([12, 10, 9, 9, 6, 6, 5, 4, 4, 4, 4, 3, 3, 3, 2, 2, 1.5, 1.5]);
    private static readonly string[] s_occupations = ["student", "office worker", "engineer", "teacher", "healthcare", "self-employed", "manager", "designer", "retired", "other"];
    private static readonly double[] s_occupationCumulative = CustomerSimulator.Cumulative([12, 25, 12, 6, 6, 10, 10, 5, 4, 10]);
    private static readonly string[] s_categoryTags = ["fashionista", "sneakerhead", "runner", "tech-lover", "beauty-fan", "home-maker", "trend-seeker", "outdoor"];
    private static readonly string[] s_lifestyles = ["urban", "family", "sporty", "outdoor", "student"];
    private static readonly ContactChannel[] s_contactChannels = [ContactChannel.WeChat, ContactChannel.AppPush, ContactChannel.Sms, ContactChannel.Email];
    private static readonly double[] s_contactCumulative = CustomerSimulator.Cumulative([0.5, 0.2, 0.15, 0.15]);
    private static readonly string[] s_positive = ["Fast delivery, great quality.", "Love the new collection.", "Easy checkout in the mini program.", "Friendly staff in store."];
    private static readonly string[] s_negative = ["Size runs small.", "Delivery took too long.", "Quality not as expected.", "Refund was slow."];

    /// <summary>Returns the id of customer <paramref name="index"/> (<c>C</c> and at least 7 digits).</summary>
    /// <param name="index">The 0-based customer index.</param>
    /// <returns>The id.</returns>
    public static string CustomerId(int index) => "C" + index.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>Generates everything and keeps it in memory (for demos and tests; use the streaming methods at scale).</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="progress">Receives progress (stage <c>"generate"</c>, customers done), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 customers.</param>
    /// <returns>The data set.</returns>
    public static RetailDataSet Generate(RetailDataSettings settings, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var customers = GenerateCustomers(settings).ToList();
        var table = GenerateTable(settings, progress, cancellationToken);
        var events = GenerateEvents(settings).ToList();
        var surveys = GenerateSurveys(settings).ToList();
        return new RetailDataSet(settings, customers, table, events, surveys);
    }

    /// <summary>Streams the customer profiles.</summary>
    /// <param name="settings">The settings.</param>
    /// <returns>One profile per customer, in index order.</returns>
    public static IEnumerable<CustomerProfile> GenerateCustomers(RetailDataSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Core(settings);

        static IEnumerable<CustomerProfile> Core(RetailDataSettings settings)
        {
            var sim = new CustomerSimulator(settings);
            for (var i = 0; i < settings.Customers; i++)
            {
                yield return Profile(settings, sim.ComputeTraits(i), i);
            }
        }
    }

    /// <summary>Streams purchases and returns as <see cref="Transaction"/> records (orders with their lines), customer by customer.</summary>
    /// <param name="settings">The settings.</param>
    /// <returns>The transactions: each customer's orders in time order, then their returns.</returns>
    public static IEnumerable<Transaction> GenerateTransactions(RetailDataSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Core(settings);

        static IEnumerable<Transaction> Core(RetailDataSettings settings)
        {
            var sim = new CustomerSimulator(settings);
            for (var i = 0; i < settings.Customers; i++)
            {
                sim.Simulate(i);
                var id = CustomerId(i);
                for (var o = 0; o < sim.Orders.Count; o++)
                {
                    var order = sim.Orders[o];
                    var lines = new OrderLine[order.LineCount];
                    for (var l = 0; l < lines.Length; l++)
                    {
                        var line = sim.Lines[order.FirstLine + l];
                        lines[l] = new OrderLine(Sku(line), CustomerSimulator.CategoryNames[line.Category], line.Quantity, line.UnitPrice, line.Discount);
                    }

                    yield return new Transaction(OrderId(i, o), id, Instant(order.UtcTicks), order.Amount, Channel(order.Channel), lines, order.Discount);
                }

                foreach (var r in sim.Returns)
                {
                    var line = sim.Lines[r.Line];
                    yield return new Transaction(
                        ReturnId(i, r), id, Instant(r.UtcTicks), line.Net, default,
                        [new OrderLine(Sku(line), CustomerSimulator.CategoryNames[line.Category], line.Quantity, line.UnitPrice, line.Discount)],
                        kind: TransactionKind.Return, originalOrderId: OrderId(i, r.Order), returnReason: r.Reason);
                }
            }
        }
    }

    /// <summary>Generates the transactions straight into a columnar table: one row per order line and one per return (the fast path).</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="progress">Receives progress (stage <c>"generate"</c>, customers done), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 customers.</param>
    /// <returns>The table; its customers are the buyers, in index order.</returns>
    public static TransactionTable GenerateTable(RetailDataSettings settings, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return GenerateTableRange(settings, 0, settings.Customers, progress, cancellationToken);
    }

    /// <summary>
    /// Generates the transactions of the customers <paramref name="firstCustomer"/> .. <paramref name="firstCustomer"/> + <paramref name="count"/> − 1
    /// into a columnar table. Each customer is simulated from its own seeded stream, so the rows are exactly those the whole-population
    /// <see cref="GenerateTable"/> gives these customers: a partitioned
    /// or chunked run at scale generates each customer range where it is processed instead of holding the whole table.
    /// </summary>
    /// <param name="settings">The settings.</param>
    /// <param name="firstCustomer">The first customer index (≥ 0).</param>
    /// <param name="count">The number of customers (≥ 0; the range must lie within <see cref="RetailDataSettings.Customers"/>).</param>
    /// <param name="progress">Receives progress (stage <c>"generate"</c>, customers of the range done), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 customers.</param>
    /// <returns>The table; its customers are the range's buyers, in index order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or outside the population.</exception>
    public static TransactionTable GenerateTableRange(
        RetailDataSettings settings, int firstCustomer, int count, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CheckRange(settings, firstCustomer, count);
        var sim = new CustomerSimulator(settings);
        var builder = new TransactionTableBuilder(EstimateRows(sim, firstCustomer, count));
        var channels = Array.ConvertAll(CustomerSimulator.SalesChannelNames, n => new SalesChannel(n));
        Span<char> id = stackalloc char[16];
        Span<char> order = stackalloc char[40];
        Span<char> original = stackalloc char[40];
        var end = firstCustomer + count;
        for (var i = firstCustomer; i < end; i++)
        {
            if (((i - firstCustomer) & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new OperationProgress("generate", i - firstCustomer, count));
            }

            sim.Simulate(i);
            var idLength = FormatCustomerId(id, i);
            for (var o = 0; o < sim.Orders.Count; o++)
            {
                var so = sim.Orders[o];
                var orderLength = FormatOrderId(order, 'O', i, o, -1);
                for (var l = so.FirstLine; l < so.FirstLine + so.LineCount; l++)
                {
                    var line = sim.Lines[l];
                    builder.AddRow(id[..idLength], so.UtcTicks, line.Net, TransactionKind.Purchase, order[..orderLength], channels[so.Channel],
                        CustomerSimulator.CategoryNames[line.Category], line.Quantity, line.Discount, default, ReturnReason.Unspecified);
                }
            }

            foreach (var r in sim.Returns)
            {
                var line = sim.Lines[r.Line];
                var returnLength = FormatOrderId(order, 'R', i, r.Order, r.Line - sim.Orders[r.Order].FirstLine);
                var originalLength = FormatOrderId(original, 'O', i, r.Order, -1);
                builder.AddRow(id[..idLength], r.UtcTicks, line.Net, TransactionKind.Return, order[..returnLength], default,
                    CustomerSimulator.CategoryNames[line.Category], line.Quantity, 0m, original[..originalLength], r.Reason);
            }
        }

        progress?.Report(new OperationProgress("generate", count, count));
        return builder.Build();
    }

    /// <summary>
    /// The builder's capacity for a customer range: the rows of 256 customers spread evenly over it, extrapolated with 10 % headroom
    /// (issue #13: a fixed guess of 4 rows per customer made the columns of a 250,000-customer chunk at 10 rows per customer grow
    /// 1M → 2M → 4M rows, about 1 GB of short-lived large-object-heap arrays per chunk and the gen2 collections they trigger). The sample
    /// costs about 0.1 % of the range's simulation; a range of up to 4,096 customers is not sampled.
    /// </summary>
    private static int EstimateRows(CustomerSimulator sim, int firstCustomer, int count)
    {
        const int Sample = 256;
        if (count <= 4096)
        {
            return (int)Math.Min(int.MaxValue / 2, count * 4L);
        }

        long rows = 0;
        for (var s = 0; s < Sample; s++)
        {
            sim.Simulate(firstCustomer + (int)((long)count * s / Sample));
            rows += sim.Lines.Count + sim.Returns.Count;
        }

        return (int)Math.Min(int.MaxValue / 2, (rows * count / Sample * 11 / 10) + 1024);
    }

    /// <summary>Streams the profiles of the customers <paramref name="firstCustomer"/> .. <paramref name="firstCustomer"/> + <paramref name="count"/> − 1
    /// (the same profiles <see cref="GenerateCustomers"/> gives them).</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="firstCustomer">The first customer index (≥ 0).</param>
    /// <param name="count">The number of customers (≥ 0; the range must lie within <see cref="RetailDataSettings.Customers"/>).</param>
    /// <returns>One profile per customer, in index order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is negative or outside the population.</exception>
    public static IEnumerable<CustomerProfile> GenerateCustomersRange(RetailDataSettings settings, int firstCustomer, int count)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CheckRange(settings, firstCustomer, count);
        return Core(settings, firstCustomer, count);

        static IEnumerable<CustomerProfile> Core(RetailDataSettings settings, int first, int count)
        {
            var sim = new CustomerSimulator(settings);
            for (var i = first; i < first + count; i++)
            {
                yield return Profile(settings, sim.ComputeTraits(i), i);
            }
        }
    }

    private static void CheckRange(RetailDataSettings settings, int firstCustomer, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstCustomer);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)firstCustomer + count > settings.Customers)
        {
            throw new ArgumentOutOfRangeException(
                nameof(count), count, $"The customer range starting at {firstCustomer} must end within the population of {settings.Customers}.");
        }
    }

    /// <summary>
    /// Writes the transactions as CSV in the format of <see cref="Sources.Csv.CsvTransactionReader"/> with the header
    /// <see cref="TransactionsCsvHeader"/>: one row per order line and per return; timestamps with the <c>+08:00</c> offset.
    /// </summary>
    /// <param name="settings">The settings.</param>
    /// <param name="stream">The destination (UTF-8, no byte order mark, LF line ends); not closed.</param>
    /// <param name="progress">Receives progress (stage <c>"write"</c>, customers done), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 customers.</param>
    /// <returns>The number of data rows written.</returns>
    public static long WriteTransactionsCsv(RetailDataSettings settings, Stream stream, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.Write(TransactionsCsvHeader);
        writer.Write('\n');
        var sim = new CustomerSimulator(settings);
        Span<char> buffer = stackalloc char[256];
        long rows = 0;
        for (var i = 0; i < settings.Customers; i++)
        {
            if ((i & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new OperationProgress("write", i, settings.Customers));
            }

            sim.Simulate(i);
            for (var o = 0; o < sim.Orders.Count; o++)
            {
                var so = sim.Orders[o];
                for (var l = so.FirstLine; l < so.FirstLine + so.LineCount; l++)
                {
                    var line = sim.Lines[l];
                    var n = FormatRow(buffer, i, o, -1, so.UtcTicks, line.Net, CustomerSimulator.SalesChannelNames[so.Channel], line, line.Discount, ReturnReason.Unspecified);
                    writer.Write(buffer[..n]);
                    rows++;
                }
            }

            foreach (var r in sim.Returns)
            {
                var line = sim.Lines[r.Line];
                var n = FormatRow(buffer, i, r.Order, r.Line - sim.Orders[r.Order].FirstLine, r.UtcTicks, line.Net, string.Empty, line, 0m, r.Reason);
                writer.Write(buffer[..n]);
                rows++;
            }
        }

        progress?.Report(new OperationProgress("write", settings.Customers, settings.Customers));
        return rows;
    }

    /// <summary>Writes the transactions CSV to a file (see <see cref="WriteTransactionsCsv"/>).</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="progress">Receives progress, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 customers.</param>
    /// <returns>The number of data rows written.</returns>
    public static long WriteTransactionsCsvFile(RetailDataSettings settings, string path, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        return WriteTransactionsCsv(settings, stream, progress, cancellationToken);
    }

    /// <summary>
    /// Streams journey interaction events: per order an optional awareness touch (ad, social, search), a visit, product views, add-to-cart and
    /// checkout (property <c>order_id</c>), a delivery for non-store orders; a customer-service contact before each return; abandoned carts
    /// (visit, product view, cart with property <c>abandoned=true</c>; Poisson with mean <see cref="RetailDataSettings.CartAbandonmentRate"/> per order);
    /// a survey touch for each answered survey.
    /// </summary>
    /// <param name="settings">The settings.</param>
    /// <returns>The events, customer by customer (time order within a session, not across sessions).</returns>
    public static IEnumerable<InteractionEvent> GenerateEvents(RetailDataSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Core(settings);

        static IEnumerable<InteractionEvent> Core(RetailDataSettings settings)
        {
            var sim = new CustomerSimulator(settings);
            var end = sim.EndUtcTicks;
            var start = settings.StartInstant.UtcTicks;
            var channels = Array.ConvertAll(CustomerSimulator.SalesChannelNames, n => new SalesChannel(n));
            for (var i = 0; i < settings.Customers; i++)
            {
                sim.Simulate(i);
                var rng = new SyntheticRandom(settings.Seed, i, CustomerSimulator.StreamEvents);
                var id = CustomerId(i);
                for (var o = 0; o < sim.Orders.Count; o++)
                {
                    var so = sim.Orders[o];
                    var channel = channels[so.Channel];
                    var session = Math.Max(start, so.UtcTicks - (long)(rng.Exponential(20.0) * TimeSpan.TicksPerMinute) - TimeSpan.TicksPerMinute);
                    if (rng.Chance(0.3) && session - TimeSpan.TicksPerHour > start)
                    {
                        var touch = (Touchpoint)rng.Next(3); // ad, social, search
                        yield return new InteractionEvent(id, Instant(session - (long)(rng.NextDouble() * 24 * TimeSpan.TicksPerHour) - TimeSpan.TicksPerHour), touch, channel: channel);
                    }

                    var category = CustomerSimulator.CategoryNames[sim.Lines[so.FirstLine].Category];
                    var props = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["category"] = category };
                    yield return new InteractionEvent(id, Instant(session), Touchpoint.Visit, channel: channel);
                    var views = 1 + rng.Next(3);
                    var step = Math.Max(1, (so.UtcTicks - session) / (views + 3));
                    for (var v = 0; v < views; v++)
                    {
                        yield return new InteractionEvent(id, Instant(session + ((v + 1) * step)), Touchpoint.ProductView, channel: channel, properties: props);
                    }

                    yield return new InteractionEvent(id, Instant(so.UtcTicks - step), Touchpoint.Cart, channel: channel, properties: props);
                    yield return new InteractionEvent(id, Instant(so.UtcTicks), Touchpoint.Checkout, channel: channel,
                        properties: new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["order_id"] = OrderId(i, o) });
                    if (so.Channel != 3)
                    {
                        var delivered = so.UtcTicks + (long)((1 + rng.NextDouble() * 3) * TimeSpan.TicksPerDay);
                        if (delivered < end)
                        {
                            yield return new InteractionEvent(id, Instant(delivered), Touchpoint.Delivery, channel: channel);
                        }
                    }
                }

                foreach (var r in sim.Returns)
                {
                    yield return new InteractionEvent(id, Instant(r.UtcTicks - TimeSpan.TicksPerHour), Touchpoint.CustomerService,
                        properties: new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["topic"] = "return", ["order_id"] = OrderId(i, r.Order) });
                }

                if (sim.Orders.Count > 0)
                {
                    var first = sim.Orders[0].UtcTicks;
                    var last = Math.Min(end - TimeSpan.TicksPerHour, sim.Orders[^1].UtcTicks + (30 * TimeSpan.TicksPerDay));
                    var abandoned = Poisson(ref rng, settings.CartAbandonmentRate * sim.Orders.Count);
                    for (var a = 0; a < abandoned && last > first; a++)
                    {
                        var at = first + (long)(rng.NextDouble() * (last - first));
                        var channel = channels[rng.Chance(0.7) ? sim.Traits.PreferredSales : rng.Pick(CustomerSimulator.SalesCumulative)];
                        var props = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
                        {
                            ["category"] = CustomerSimulator.CategoryNames[rng.Chance(0.6) ? sim.Traits.PrimaryCategory : rng.Pick(CustomerSimulator.CategoryCumulative)],
                            ["abandoned"] = "true",
                        };
                        yield return new InteractionEvent(id, Instant(at), Touchpoint.Visit, channel: channel);
                        yield return new InteractionEvent(id, Instant(at + (2 * TimeSpan.TicksPerMinute)), Touchpoint.ProductView, channel: channel, properties: props);
                        yield return new InteractionEvent(id, Instant(at + (5 * TimeSpan.TicksPerMinute)), Touchpoint.Cart, channel: channel, properties: props);
                    }
                }

                foreach (var s in Surveys(sim, settings, i))
                {
                    yield return new InteractionEvent(id, s.Timestamp, Touchpoint.Survey);
                }
            }
        }
    }

    /// <summary>
    /// Streams survey responses: each order is followed with probability <see cref="RetailDataSettings.SurveyProbability"/> by an answer
    /// 3-10 days later with an NPS (0-10) and a CSAT (1-5) driven by the customer's latent satisfaction and lowered by a return of that order;
    /// one in five carries a short comment.
    /// </summary>
    /// <param name="settings">The settings.</param>
    /// <returns>The responses, customer by customer.</returns>
    public static IEnumerable<SurveyResponse> GenerateSurveys(RetailDataSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Core(settings);

        static IEnumerable<SurveyResponse> Core(RetailDataSettings settings)
        {
            var sim = new CustomerSimulator(settings);
            for (var i = 0; i < settings.Customers; i++)
            {
                sim.Simulate(i);
                foreach (var s in Surveys(sim, settings, i))
                {
                    yield return s;
                }
            }
        }
    }

    private static List<SurveyResponse> Surveys(CustomerSimulator sim, RetailDataSettings settings, int index)
    {
        var list = new List<SurveyResponse>();
        if (sim.Orders.Count == 0 || settings.SurveyProbability == 0)
        {
            return list;
        }

        var rng = new SyntheticRandom(settings.Seed, index, CustomerSimulator.StreamSurveys);
        var end = sim.EndUtcTicks;
        var id = CustomerId(index);
        for (var o = 0; o < sim.Orders.Count; o++)
        {
            var answered = rng.Chance(settings.SurveyProbability);
            var delay = 3.0 + (rng.NextDouble() * 7.0);
            var noise1 = rng.Normal();
            var noise2 = rng.Normal();
            var withText = rng.Chance(0.2);
            var pick = rng.Next(4);
            var at = sim.Orders[o].UtcTicks + (long)(delay * TimeSpan.TicksPerDay);
            if (!answered || at >= end)
            {
                continue;
            }

            var returned = false;
            foreach (var r in sim.Returns)
            {
                returned |= r.Order == o && r.Reason == ReturnReason.Quality;
            }

            var sat = sim.Traits.Satisfaction;
            var nps = (int)Math.Clamp(Math.Round(8.0 + (1.6 * sat) + (1.2 * noise1) - (returned ? 3.0 : 0.0)), 0, 10);
            var csat = (int)Math.Clamp(Math.Round(4.0 + (0.6 * sat) + (0.6 * noise2) - (returned ? 1.2 : 0.0)), 1, 5);
            var text = withText ? (nps >= 7 ? s_positive[pick] : s_negative[pick]) : null;
            list.Add(new SurveyResponse(id, Instant(at), nps, csat, text, OrderId(index, o)));
        }

        return list;
    }

    private static CustomerProfile Profile(RetailDataSettings settings, CustomerTraits t, int index)
    {
        var rng = new SyntheticRandom(settings.Seed, index, CustomerSimulator.StreamProfile);
        var signup = Instant(t.SignupUtcTicks);
        var g = rng.NextDouble();
        var gender = g < 0.55 ? Gender.Female : g < 0.97 ? Gender.Male : Gender.Other;
        var age = 18 + (int)Math.Min(62, rng.Gamma(2.2, 6.5));
        var birth = settings.Start.AddYears(-age).AddDays(-rng.Next(365));
        var band = age switch { < 25 => "18-24", < 35 => "25-34", < 45 => "35-44", < 55 => "45-54", _ => "55+" };
        var city = rng.Pick(s_cityCumulative);
        var knownBirth = rng.Chance(0.7);
        var demographics = new Demographics(knownBirth ? birth : null, band, gender, s_regions[city], s_cities[city], s_tiers[city],
            s_occupations[rng.Pick(s_occupationCumulative)]);

        var tags = new List<string>(4) { s_categoryTags[t.PrimaryCategory] };
        if (t.SecondaryCategory != t.PrimaryCategory && rng.Chance(0.5))
        {
            tags.Add(s_categoryTags[t.SecondaryCategory]);
        }

        if (t.DiscountAffinity > 0.35)
        {
            tags.Add("bargain-hunter");
        }

        if (t.Lambda * 365 > 3 * settings.MeanPurchasesPerYear)
        {
            tags.Add("frequent-buyer");
        }

        var attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["price_sensitivity"] = t.DiscountAffinity > 0.35 ? "high" : t.DiscountAffinity > 0.15 ? "medium" : "low",
            ["lifestyle"] = s_lifestyles[rng.Next(s_lifestyles.Length)],
            ["preferred_sales_channel"] = CustomerSimulator.SalesChannelNames[t.PreferredSales],
        };

        var consents = new List<ConsentRecord>(8);
        foreach (var channel in s_contactChannels)
        {
            // Marketing: granted 60%, later revoked by one in eight of those; service: granted 90%.
            var grantedAt = Instant(t.SignupUtcTicks + (long)(rng.NextDouble() * TimeSpan.TicksPerHour));
            if (rng.Chance(0.6))
            {
                consents.Add(new ConsentRecord(channel, ConsentPurpose.Marketing, ConsentStatus.Granted, grantedAt));
                if (rng.Chance(0.125))
                {
                    var revokedAt = grantedAt.AddDays(1 + rng.Exponential(120));
                    if (revokedAt < settings.EndInstant)
                    {
                        consents.Add(new ConsentRecord(channel, ConsentPurpose.Marketing, ConsentStatus.Revoked, revokedAt));
                    }
                }
            }
            else
            {
                consents.Add(new ConsentRecord(channel, ConsentPurpose.Marketing, ConsentStatus.Denied, grantedAt));
            }

            consents.Add(new ConsentRecord(channel, ConsentPurpose.Service, rng.Chance(0.9) ? ConsentStatus.Granted : ConsentStatus.Denied, grantedAt));
        }

        var english = rng.Chance(0.08);
        return new CustomerProfile(
            CustomerId(index),
            signup,
            demographics,
            tags,
            attributes,
            s_contactChannels[rng.Pick(s_contactCumulative)],
            english ? "en-US" : "zh-CN",
            rng.Chance(0.05) ? "Asia/Singapore" : "Asia/Shanghai",
            consents,
            rng.Chance(0.4) ? "M" + index.ToString("D8", CultureInfo.InvariantCulture) : null);
    }

    private static int Poisson(ref SyntheticRandom rng, double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean > 30)
        {
            return Math.Max(0, (int)Math.Round(mean + (Math.Sqrt(mean) * rng.Normal())));
        }

        var limit = Math.Exp(-mean);
        var k = 0;
        var p = rng.NextDouble();
        while (p > limit)
        {
            k++;
            p *= rng.NextDouble();
        }

        return k;
    }

    private static DateTimeOffset Instant(long utcTicks) => new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(RetailDataSettings.UtcOffset);

    private static SalesChannel Channel(int index) => new(CustomerSimulator.SalesChannelNames[index]);

    private static string Sku(SimLine line) => "SKU" + line.Sku.ToString("D5", CultureInfo.InvariantCulture);

    private static string OrderId(int customer, int order) => string.Create(CultureInfo.InvariantCulture, $"O{customer:D7}-{order}");

    private static string ReturnId(int customer, SimReturn r) => string.Create(CultureInfo.InvariantCulture, $"R{customer:D7}-{r.Order}-{r.Line}");

    private static int FormatCustomerId(Span<char> destination, int index)
    {
        destination[0] = 'C';
        index.TryFormat(destination[1..], out var n, "D7", CultureInfo.InvariantCulture);
        return n + 1;
    }

    private static int FormatOrderId(Span<char> destination, char prefix, int customer, int order, int line)
    {
        destination[0] = prefix;
        customer.TryFormat(destination[1..], out var n, "D7", CultureInfo.InvariantCulture);
        var p = n + 1;
        destination[p++] = '-';
        order.TryFormat(destination[p..], out n, default, CultureInfo.InvariantCulture);
        p += n;
        if (line >= 0)
        {
            destination[p++] = '-';
            line.TryFormat(destination[p..], out n, default, CultureInfo.InvariantCulture);
            p += n;
        }

        return p;
    }

    private static int FormatRow(Span<char> b, int customer, int order, int returnLine, long utcTicks, decimal amount, string channel, SimLine line, decimal discount, ReturnReason reason)
    {
        var isReturn = returnLine >= 0;
        var p = FormatOrderId(b, isReturn ? 'R' : 'O', customer, order, isReturn ? returnLine : -1);
        b[p++] = ',';
        p += FormatCustomerId(b[p..], customer);
        b[p++] = ',';
        Instant(utcTicks).TryFormat(b[p..], out var n, "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        p += n;
        b[p++] = ',';
        amount.TryFormat(b[p..], out n, default, CultureInfo.InvariantCulture);
        p += n;
        b[p++] = ',';
        channel.AsSpan().CopyTo(b[p..]);
        p += channel.Length;
        b[p++] = ',';
        var category = CustomerSimulator.CategoryNames[line.Category];
        category.AsSpan().CopyTo(b[p..]);
        p += category.Length;
        b[p++] = ',';
        line.Quantity.TryFormat(b[p..], out n, default, CultureInfo.InvariantCulture);
        p += n;
        b[p++] = ',';
        discount.TryFormat(b[p..], out n, default, CultureInfo.InvariantCulture);
        p += n;
        b[p++] = ',';
        var kind = isReturn ? "return" : "purchase";
        kind.AsSpan().CopyTo(b[p..]);
        p += kind.Length;
        b[p++] = ',';
        if (isReturn)
        {
            p += FormatOrderId(b[p..], 'O', customer, order, -1);
        }

        b[p++] = ',';
        if (isReturn)
        {
            var r = reason switch { ReturnReason.Size => "size", ReturnReason.Quality => "quality", ReturnReason.ChangedMind => "changed_mind", _ => "other" };
            r.AsSpan().CopyTo(b[p..]);
            p += r.Length;
        }

        b[p++] = '\n';
        return p;
    }
}

/// <summary>A generated data set held in memory (see <see cref="RetailDataGenerator.Generate"/>).</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class RetailDataSet
{
    internal RetailDataSet(RetailDataSettings settings, IReadOnlyList<CustomerProfile> customers, TransactionTable transactions,
        IReadOnlyList<InteractionEvent> events, IReadOnlyList<SurveyResponse> surveys)
    {
        Settings = settings;
        Customers = customers;
        Transactions = transactions;
        Events = events;
        Surveys = surveys;
    }

    /// <summary>Gets the settings that produced the data.</summary>
    public RetailDataSettings Settings { get; }

    /// <summary>Gets the customer profiles, in index order.</summary>
    public IReadOnlyList<CustomerProfile> Customers { get; }

    /// <summary>Gets the purchases and returns (one row per order line and per return).</summary>
    public TransactionTable Transactions { get; }

    /// <summary>Gets the journey interaction events.</summary>
    public IReadOnlyList<InteractionEvent> Events { get; }

    /// <summary>Gets the survey responses.</summary>
    public IReadOnlyList<SurveyResponse> Surveys { get; }

    /// <summary>Gets the first instant of the data.</summary>
    public DateTimeOffset Start => Settings.StartInstant;

    /// <summary>Gets the exclusive end of the data: a natural as-of instant for features.</summary>
    public DateTimeOffset End => Settings.EndInstant;
}
