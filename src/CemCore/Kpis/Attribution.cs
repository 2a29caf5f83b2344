using System.Globalization;
using CemCore.Merging;
using CemCore.Primitives;

namespace CemCore.Kpis;

/// <summary>A touch on a marketing touchpoint, or a conversion, of one customer.</summary>
/// <remarks>Immutable. Create with <see cref="Touch"/> or <see cref="Conversion"/>.</remarks>
public sealed record JourneyEvent
{
    private JourneyEvent(string customerId, DateTimeOffset timestamp, string? touchpoint, bool isConversion, decimal value)
    {
        CustomerId = Check.NotBlank(customerId);
        Timestamp = timestamp;
        Touchpoint = touchpoint;
        IsConversion = isConversion;
        Value = Check.NonNegative(value);
    }

    /// <summary>Gets the customer's CRM id.</summary>
    public string CustomerId { get; }

    /// <summary>Gets when it happened.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the touchpoint (channel) of a touch; optional on a conversion.</summary>
    public string? Touchpoint { get; }

    /// <summary>Gets a value indicating whether this is a conversion (otherwise a touch).</summary>
    public bool IsConversion { get; }

    /// <summary>Gets the revenue of a conversion (0 on touches).</summary>
    public decimal Value { get; }

    /// <summary>Creates a touch.</summary>
    /// <param name="customerId">The customer; not blank.</param>
    /// <param name="timestamp">When.</param>
    /// <param name="touchpoint">The touchpoint; not blank.</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentException">An argument is blank.</exception>
    public static JourneyEvent Touch(string customerId, DateTimeOffset timestamp, string touchpoint) =>
        new(customerId, timestamp, Check.NotBlank(touchpoint), false, 0m);

    /// <summary>Creates a conversion.</summary>
    /// <param name="customerId">The customer; not blank.</param>
    /// <param name="timestamp">When.</param>
    /// <param name="value">The revenue; ≥ 0.</param>
    /// <param name="touchpoint">Where it happened, or <see langword="null"/> (not used by attribution).</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentException"><paramref name="customerId"/> is blank or <paramref name="value"/> is negative.</exception>
    public static JourneyEvent Conversion(string customerId, DateTimeOffset timestamp, decimal value, string? touchpoint = null) =>
        new(customerId, timestamp, touchpoint, true, value);
}

/// <summary>An attribution model: how a conversion's credit is shared over the touches of its path.</summary>
public enum AttributionModel
{
    /// <summary>All credit to the first touch of the path.</summary>
    FirstTouch = 0,

    /// <summary>All credit to the last touch of the path.</summary>
    LastTouch = 1,

    /// <summary>Equal shares 1/n to each of the n touches.</summary>
    Linear = 2,

    /// <summary>Weight <c>2^(−Δ/h)</c> per touch, Δ = conversion − touch in fractional days, h = half-life; normalized to 1.</summary>
    TimeDecay = 3,

    /// <summary>U-shaped: 1 touch 100 %; 2 touches 50/50; 3 or more 40 % first, 40 % last, 20 % split equally over the middle.</summary>
    PositionBased = 4,

    /// <summary>Data-driven: first-order Markov chain removal effect (Anderl et al. 2016), credit in proportion to the removal effects.</summary>
    Markov = 5,
}

/// <summary>The credit of one channel.</summary>
/// <param name="Conversions">The fractional number of conversions credited.</param>
/// <param name="Value">The revenue credited.</param>
public sealed record ChannelCredit(double Conversions, double Value);

/// <summary>The outcome of an attribution run.</summary>
/// <param name="Model">The model.</param>
/// <param name="Conversions">The number of conversions (direct ones included).</param>
/// <param name="Value">Their total revenue.</param>
/// <param name="Channels">The credit of every channel with credit &gt; 0 (ordinal order); <see cref="Attribution.Direct"/> holds conversions with an empty path.</param>
/// <param name="RemovalEffects">For <see cref="AttributionModel.Markov"/>: the removal effect of every channel of the chain; empty otherwise.</param>
public sealed record AttributionResult(
    AttributionModel Model,
    long Conversions,
    double Value,
    IReadOnlyList<KeyValuePair<string, ChannelCredit>> Channels,
    IReadOnlyList<KeyValuePair<string, double>> RemovalEffects);

/// <summary>Settings of the path rules.</summary>
public sealed record AttributionSettings
{
    /// <summary>Creates settings.</summary>
    /// <param name="lookbackDays">The lookback in days (&gt; 0): a touch belongs to a path when conversion − touch ≤ lookback.</param>
    /// <param name="halfLifeDays">The half-life of <see cref="AttributionModel.TimeDecay"/> in days (&gt; 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is not positive and finite.</exception>
    public AttributionSettings(double lookbackDays = 30, double halfLifeDays = 7)
    {
        if (!(lookbackDays > 0 && double.IsFinite(lookbackDays)))
        {
            throw new ArgumentOutOfRangeException(nameof(lookbackDays), lookbackDays, "The lookback must be a positive number of days.");
        }

        if (!(halfLifeDays > 0 && double.IsFinite(halfLifeDays)))
        {
            throw new ArgumentOutOfRangeException(nameof(halfLifeDays), halfLifeDays, "The half-life must be a positive number of days.");
        }

        LookbackDays = lookbackDays;
        HalfLifeDays = halfLifeDays;
    }

    /// <summary>Gets the lookback in days.</summary>
    public double LookbackDays { get; }

    /// <summary>Gets the time-decay half-life in days.</summary>
    public double HalfLifeDays { get; }
}

/// <summary>
/// Multi-touch attribution of conversions to touchpoints.
/// </summary>
/// <remarks>
/// <para>Paths: a conversion's path is the customer's touches strictly before it, strictly after the customer's previous conversion and
/// within the lookback (conversion − touch ≤ lookback·86,400 s); older touches belong to no path. A touch at the instant of a conversion is
/// neither before it nor after it, so it belongs to no conversion path. Events need not be sorted. A conversion with an empty path is
/// credited to <see cref="Direct"/>.</para>
/// <para>Markov: states start, the touchpoints, conversion and null. The conversion paths are as above; a customer's null path is the run of
/// touches strictly after the last conversion (all of them when there is none; no lookback; an empty run adds nothing). Transition counts
/// over all paths give the maximum-likelihood transition matrix. P(conversion) is the absorption probability from start. The removal
/// effect of c is <c>1 − P(conversion | c removed)/P(conversion)</c>, where every transition into c goes to null instead (nothing is
/// renormalized). The non-direct conversions and their value are split in proportion to the removal effects.</para>
/// <para>Mergeable: <see cref="AttributionAccumulator"/> keeps additive state (credits, transition counts); partitions must hold whole
/// customers.</para>
/// </remarks>
public static class Attribution
{
    /// <summary>The channel name of conversions with an empty path.</summary>
    public const string Direct = "(direct)";

    /// <summary>Attributes every conversion in <paramref name="events"/>.</summary>
    /// <param name="events">Touches and conversions of any number of customers, in any order.</param>
    /// <param name="model">The model.</param>
    /// <param name="settings">The path settings, or <see langword="null"/> for 30-day lookback and 7-day half-life.</param>
    /// <returns>The result.</returns>
    public static AttributionResult Compute(IEnumerable<JourneyEvent> events, AttributionModel model, AttributionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var acc = new AttributionAccumulator(model, settings);
        foreach (var group in GroupByCustomer(events))
        {
            acc.AddCustomer(group);
        }

        return acc.Finish();
    }

    internal static IEnumerable<List<JourneyEvent>> GroupByCustomer(IEnumerable<JourneyEvent> events)
    {
        var groups = new Dictionary<string, List<JourneyEvent>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!groups.TryGetValue(e.CustomerId, out var list))
            {
                list = [];
                groups.Add(e.CustomerId, list);
            }

            list.Add(e);
        }

        return groups.Values;
    }
}

/// <summary>
/// A mergeable attribution accumulator: add whole customers (<see cref="AddCustomer"/>), merge partitions, <see cref="Finish"/>.
/// Conversion counts and Markov transition counts are exact integers and fractional credits are exact sums (correctly rounded when
/// read), and the Markov chain is solved in ordinal channel order, so merged partitions give the one-pass result bit for bit.
/// </summary>
/// <remarks>Not thread-safe; one accumulator per thread, then merge.</remarks>
public sealed class AttributionAccumulator : IMergeable<AttributionAccumulator, AttributionResult>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.kpis.attribution";

    private const int Start = -1;
    private const int Converted = -2;
    private const int Null = -3;
    private readonly Dictionary<string, int> _states = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private readonly Dictionary<(int From, int To), long> _transitions = [];
    private readonly Dictionary<string, (ExactSum Conversions, ExactSum Value)> _credit = new(StringComparer.Ordinal);
    private readonly double _lookbackTicks;
    private long _conversions;
    private decimal _value;
    private long _directConversions;
    private decimal _directValue;
    private decimal _pathValue;

    /// <summary>Creates an empty accumulator.</summary>
    /// <param name="model">The model.</param>
    /// <param name="settings">The path settings, or <see langword="null"/> for the defaults.</param>
    public AttributionAccumulator(AttributionModel model, AttributionSettings? settings = null)
    {
        Model = Enum.IsDefined(model) ? model : throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown attribution model.");
        Settings = settings ?? new AttributionSettings();
        _lookbackTicks = Settings.LookbackDays * TimeSpan.TicksPerDay;
    }

    /// <summary>Gets the model.</summary>
    public AttributionModel Model { get; }

    /// <summary>Gets the settings.</summary>
    public AttributionSettings Settings { get; }

    /// <summary>Adds all events of one customer (in any order). Call once per customer.</summary>
    /// <param name="events">The customer's touches and conversions.</param>
    public void AddCustomer(IEnumerable<JourneyEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var list = events.ToArray();

        // Time order; at equal instants conversions first (the path rules make the tie order irrelevant, this only makes it deterministic).
        Array.Sort(list, static (a, b) =>
        {
            var c = a.Timestamp.UtcTicks.CompareTo(b.Timestamp.UtcTicks);
            return c != 0 ? c : b.IsConversion.CompareTo(a.IsConversion);
        });
        var buffer = new List<JourneyEvent>();
        var lastConversion = long.MinValue;
        foreach (var e in list)
        {
            var t = e.Timestamp.UtcTicks;
            if (!e.IsConversion)
            {
                if (t > lastConversion)
                {
                    buffer.Add(e);
                }

                continue;
            }

            _conversions++;
            _value += e.Value;
            var path = buffer.Where(x => x.Timestamp.UtcTicks < t && t - x.Timestamp.UtcTicks <= _lookbackTicks).ToList();
            buffer.Clear();
            lastConversion = t;
            if (path.Count == 0)
            {
                _directConversions++;
                _directValue += e.Value;
                continue;
            }

            _pathValue += e.Value;
            if (Model == AttributionModel.Markov)
            {
                CountPath(path, Converted);
            }
            else
            {
                Credit(path, t, (double)e.Value);
            }
        }

        if (Model == AttributionModel.Markov && buffer.Count > 0)
        {
            CountPath(buffer, Null);
        }
    }

    /// <summary>Adds the state of another accumulator (same model and settings) to this one.</summary>
    /// <param name="other">The other partition.</param>
    /// <exception cref="ArgumentException">The model or settings differ.</exception>
    public void Merge(AttributionAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Model != Model || other.Settings != Settings)
        {
            throw new ArgumentException("Only accumulators with the same model and settings can be merged.", nameof(other));
        }

        _conversions += other._conversions;
        _value += other._value;
        _directConversions += other._directConversions;
        _directValue += other._directValue;
        _pathValue += other._pathValue;
        foreach (var (k, v) in other._credit)
        {
            var mine = Credit(k);
            mine.Conversions.Add(v.Conversions);
            mine.Value.Add(v.Value);
        }

        foreach (var ((from, to), n) in other._transitions)
        {
            var f = from < 0 ? from : State(other._names[from]);
            var g = to < 0 ? to : State(other._names[to]);
            _transitions[(f, g)] = _transitions.GetValueOrDefault((f, g)) + n;
        }
    }

    /// <inheritdoc/>
    /// <remarks>Version 1; settings text <c>model=M;lookbackDays=L;halfLifeDays=H</c> (numbers round-trip formatted). Payload: model (int32),
    /// lookback and half-life days (doubles); conversions (int64), value (decimal), direct conversions (int64), direct value and path value
    /// (decimals); credit count (int32) and per channel in ordinal order: name, conversions and value as exact sums (count + partials);
    /// state count (int32) and names; transition count (int32) and per transition: from (−1 start, else state index), to (−2 conversion,
    /// −3 null, else state index) as int32 and the count (int64).</remarks>
    public PartialFormat Format => new(KindId, 1, PartialFormat.FingerprintOf(string.Create(
        CultureInfo.InvariantCulture, $"model={Model};lookbackDays={Settings.LookbackDays:R};halfLifeDays={Settings.HalfLifeDays:R}")));

    /// <inheritdoc/>
    public AttributionAccumulator MergeWith(AttributionAccumulator other) => PartialFormat.Fold(this, other, Merge);

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write((int)Model);
        w.Write(Settings.LookbackDays);
        w.Write(Settings.HalfLifeDays);
        w.Write(_conversions);
        w.WriteDecimal(_value);
        w.Write(_directConversions);
        w.WriteDecimal(_directValue);
        w.WriteDecimal(_pathValue);
        w.Write(_credit.Count);
        foreach (var (name, (conversions, value)) in _credit.OrderBy(static c => c.Key, StringComparer.Ordinal))
        {
            w.Write(name);
            conversions.Write(w);
            value.Write(w);
        }

        w.Write(_names.Count);
        foreach (var name in _names)
        {
            w.Write(name);
        }

        w.Write(_transitions.Count);
        foreach (var ((from, to), count) in _transitions.OrderBy(static t => t.Key))
        {
            w.Write(from);
            w.Write(to);
            w.Write(count);
        }
    }

    /// <inheritdoc/>
    public static AttributionAccumulator ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var model = (AttributionModel)r.ReadInt32();
        var lookback = r.ReadDouble();
        var halfLife = r.ReadDouble();
        var acc = new AttributionAccumulator(model, new AttributionSettings(lookback, halfLife))
        {
            _conversions = r.ReadNonNegative("conversion count"),
            _value = Check.NonNegative(r.ReadDecimal(), "value"),
            _directConversions = r.ReadNonNegative("direct conversion count"),
            _directValue = Check.NonNegative(r.ReadDecimal(), "directValue"),
            _pathValue = Check.NonNegative(r.ReadDecimal(), "pathValue"),
        };
        var credits = r.ReadCount("credit");
        for (var i = 0; i < credits; i++)
        {
            var sums = acc.Credit(Check.NotBlank(r.ReadString(), "channel"));
            sums.Conversions.Add(ExactSum.Read(r));
            sums.Value.Add(ExactSum.Read(r));
        }

        var states = r.ReadCount("state");
        for (var i = 0; i < states; i++)
        {
            if (acc.State(Check.NotBlank(r.ReadString(), "state")) != i)
            {
                throw new InvalidDataException("The attribution partial is corrupt: a state appears twice.");
            }
        }

        var transitions = r.ReadCount("transition");
        for (var i = 0; i < transitions; i++)
        {
            var from = r.ReadInt32();
            var to = r.ReadInt32();
            var count = r.ReadNonNegative("transition count");
            if (from < Start || from >= states || to < Null || to >= states || to == Start || !acc._transitions.TryAdd((from, to), count))
            {
                throw new InvalidDataException("The attribution partial is corrupt: a transition is out of range or appears twice.");
            }
        }

        return acc;
    });

    /// <summary>Computes the credits.</summary>
    /// <returns>The result.</returns>
    public AttributionResult Finish()
    {
        var credit = _credit.ToDictionary(static c => c.Key, static c => (Conversions: c.Value.Conversions.Value, Value: c.Value.Value.Value), StringComparer.Ordinal);
        IReadOnlyList<KeyValuePair<string, double>> effects = [];
        if (Model == AttributionModel.Markov)
        {
            var removal = MarkovRemovalEffects();
            effects = removal;
            var sum = removal.Sum(r => r.Value);
            var pathConversions = _conversions - _directConversions;
            if (sum > 0)
            {
                foreach (var (name, re) in removal)
                {
                    if (re > 0)
                    {
                        credit[name] = (pathConversions * re / sum, (double)_pathValue * re / sum);
                    }
                }
            }
        }

        if (_directConversions > 0)
        {
            credit[Attribution.Direct] = (_directConversions, (double)_directValue);
        }

        var channels = credit.Where(c => c.Value.Conversions > 0)
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => new KeyValuePair<string, ChannelCredit>(c.Key, new ChannelCredit(c.Value.Conversions, c.Value.Value)))
            .ToArray();
        return new AttributionResult(Model, _conversions, (double)_value, channels, effects);
    }

    private void Credit(List<JourneyEvent> path, long conversionTicks, double value)
    {
        var n = path.Count;
        switch (Model)
        {
            case AttributionModel.FirstTouch:
                Add(path[0].Touchpoint!, 1.0, value);
                break;
            case AttributionModel.LastTouch:
                Add(path[^1].Touchpoint!, 1.0, value);
                break;
            case AttributionModel.Linear:
                foreach (var e in path)
                {
                    Add(e.Touchpoint!, 1.0 / n, value / n);
                }

                break;
            case AttributionModel.TimeDecay:
                {
                    var weights = new double[n];
                    var total = 0.0;
                    for (var i = 0; i < n; i++)
                    {
                        var days = (double)(conversionTicks - path[i].Timestamp.UtcTicks) / TimeSpan.TicksPerDay;
                        weights[i] = Math.Pow(2.0, -days / Settings.HalfLifeDays);
                        total += weights[i];
                    }

                    for (var i = 0; i < n; i++)
                    {
                        // total > 0 unless every weight underflows (Δ ≫ half-life); then fall back to equal shares.
                        var w = total > 0 ? weights[i] / total : 1.0 / n;
                        Add(path[i].Touchpoint!, w, value * w);
                    }

                    break;
                }

            default:
                for (var i = 0; i < n; i++)
                {
                    var w = PositionWeight(i, n);
                    Add(path[i].Touchpoint!, w, value * w);
                }

                break;
        }
    }

    /// <summary>The position-based (U-shaped) weight of touch <paramref name="i"/> of <paramref name="n"/>.</summary>
    internal static double PositionWeight(int i, int n) => n switch
    {
        1 => 1.0,
        2 => 0.5,
        _ => i == 0 || i == n - 1 ? 0.4 : 0.2 / (n - 2),
    };

    private void Add(string channel, double conversions, double value)
    {
        var sums = Credit(channel);
        sums.Conversions.Add(conversions);
        sums.Value.Add(value);
    }

    private (ExactSum Conversions, ExactSum Value) Credit(string channel)
    {
        if (!_credit.TryGetValue(channel, out var sums))
        {
            sums = (new ExactSum(), new ExactSum());
            _credit.Add(channel, sums);
        }

        return sums;
    }

    private int State(string name)
    {
        if (!_states.TryGetValue(name, out var s))
        {
            s = _names.Count;
            _states.Add(name, s);
            _names.Add(name);
        }

        return s;
    }

    private void CountPath(List<JourneyEvent> path, int end)
    {
        var from = Start;
        foreach (var e in path)
        {
            var to = State(e.Touchpoint!);
            _transitions[(from, to)] = _transitions.GetValueOrDefault((from, to)) + 1;
            from = to;
        }

        _transitions[(from, end)] = _transitions.GetValueOrDefault((from, end)) + 1;
    }

    private KeyValuePair<string, double>[] MarkovRemovalEffects()
    {
        var n = _names.Count;
        if (n == 0)
        {
            return [];
        }

        // Canonical (ordinal) state order, so the floating-point solution does not depend on the order in which partitions met the channels.
        var sorted = _names.Order(StringComparer.Ordinal).ToArray();
        var map = new int[n];
        for (var i = 0; i < n; i++)
        {
            map[_states[sorted[i]]] = i;
        }

        // Transition probabilities from the counts; index n = start.
        var outTotal = new double[n + 1];
        foreach (var ((from, _), c) in _transitions)
        {
            outTotal[from == Start ? n : map[from]] += c;
        }

        var q = new double[n + 1][];
        for (var i = 0; i <= n; i++)
        {
            q[i] = new double[n];
        }

        var toConversion = new double[n + 1];
        foreach (var ((from, to), c) in _transitions)
        {
            var f = from == Start ? n : map[from];
            var p = c / outTotal[f];
            if (to >= 0)
            {
                q[f][map[to]] += p;
            }
            else if (to == Converted)
            {
                toConversion[f] += p;
            }
        }

        var baseline = ConversionProbability(q, toConversion, n, removed: -1);
        var result = new KeyValuePair<string, double>[n];
        for (var c = 0; c < n; c++)
        {
            var without = ConversionProbability(q, toConversion, n, removed: c);
            var effect = baseline > 0 ? Math.Max(0.0, 1.0 - (without / baseline)) : 0.0;
            result[c] = new KeyValuePair<string, double>(sorted[c], effect);
        }

        Array.Sort(result, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return result;
    }

    /// <summary>
    /// The absorption probability in conversion from start: solves <c>x = r + Q x</c> over the channel states (x of a removed state is 0,
    /// i.e. its incoming transitions go to null) by Gaussian elimination with partial pivoting, then returns <c>r_start + Q_start·x</c>.
    /// </summary>
    private static double ConversionProbability(double[][] q, double[] r, int n, int removed)
    {
        var a = new double[n][];
        for (var i = 0; i < n; i++)
        {
            a[i] = new double[n + 1];
        }

        for (var i = 0; i < n; i++)
        {
            a[i][i] = 1.0;
            if (i == removed)
            {
                continue;
            }

            for (var j = 0; j < n; j++)
            {
                if (j != removed)
                {
                    a[i][j] -= q[i][j];
                }
            }

            a[i][n] = r[i];
        }

        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < n; row++)
            {
                if (Math.Abs(a[row][col]) > Math.Abs(a[pivot][col]))
                {
                    pivot = row;
                }
            }

            if (pivot != col)
            {
                for (var k = col; k <= n; k++)
                {
                    (a[col][k], a[pivot][k]) = (a[pivot][k], a[col][k]);
                }
            }

            var d = a[col][col];
            for (var row = 0; row < n; row++)
            {
                if (row == col || a[row][col] == 0)
                {
                    continue;
                }

                var f = a[row][col] / d;
                for (var k = col; k <= n; k++)
                {
                    a[row][k] -= f * a[col][k];
                }
            }
        }

        var p = r[n];
        for (var j = 0; j < n; j++)
        {
            if (j != removed)
            {
                p += q[n][j] * (a[j][n] / a[j][j]);
            }
        }

        return p;
    }
}
