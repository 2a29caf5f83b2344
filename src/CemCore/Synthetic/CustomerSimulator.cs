using CemCore.Transactions;

namespace CemCore.Synthetic;

/// <summary>One simulated order.</summary>
internal struct SimOrder
{
    public long UtcTicks;
    public int Channel;
    public int FirstLine;
    public int LineCount;
    public bool Promo;
    public decimal Amount;
    public decimal Discount;
}

/// <summary>One simulated order line.</summary>
internal struct SimLine
{
    public int Category;
    public int Sku;
    public int Quantity;
    public decimal UnitPrice;
    public decimal Discount;

    public readonly decimal Net => (Quantity * UnitPrice) - Discount;
}

/// <summary>One simulated return of an order line.</summary>
internal struct SimReturn
{
    public int Order;
    public int Line;
    public long UtcTicks;
    public ReturnReason Reason;
}

/// <summary>The latent traits of one customer (stream 1), shared by the profile, order, event and survey streams.</summary>
internal struct CustomerTraits
{
    public int SignupDay;
    public long SignupUtcTicks;
    public bool NeverBuys;
    public double Lambda;
    public double LifetimeDays;
    public int PreferredSales;
    public int PrimaryCategory;
    public int SecondaryCategory;
    public double DiscountAffinity;
    public double ReturnPropensity;
    public double Satisfaction;
}

/// <summary>
/// Simulates one customer at a time into reusable buffers. Every customer depends only on (seed, index), so output is identical
/// whatever subset or order of customers is generated. Not thread-safe: one simulator per thread.
/// </summary>
internal sealed class CustomerSimulator
{
    internal const int StreamProfile = 0;
    internal const int StreamTraits = 1;
    internal const int StreamOrders = 2;
    internal const int StreamEvents = 3;
    internal const int StreamSurveys = 4;

    internal static readonly string[] CategoryNames = ["apparel", "sneakers", "sportswear", "electronics", "beauty", "home", "accessories", "outdoor"];
    internal static readonly double[] CategoryCumulative = Cumulative([0.24, 0.16, 0.14, 0.08, 0.14, 0.10, 0.08, 0.06]);
    private static readonly double[] s_medianPrice = [199, 599, 299, 1499, 259, 149, 99, 399];
    private static readonly double[] s_returnBase = [0.14, 0.11, 0.09, 0.04, 0.03, 0.05, 0.06, 0.07];

    // Reason weights per category: size, quality, changed mind, other.
    private static readonly double[][] s_reasonCumulative =
    [
        Cumulative([0.55, 0.15, 0.20, 0.10]), Cumulative([0.50, 0.20, 0.20, 0.10]), Cumulative([0.45, 0.20, 0.25, 0.10]), Cumulative([0.0, 0.60, 0.30, 0.10]),
        Cumulative([0.0, 0.40, 0.45, 0.15]), Cumulative([0.05, 0.50, 0.35, 0.10]), Cumulative([0.10, 0.35, 0.45, 0.10]), Cumulative([0.35, 0.30, 0.25, 0.10]),
    ];

    internal static readonly string[] SalesChannelNames = ["online", "app", "miniprogram", "store", "social", "marketplace"];
    internal static readonly double[] SalesCumulative = Cumulative([0.28, 0.22, 0.20, 0.18, 0.05, 0.07]);
    private static readonly double[] s_hourCumulative = Cumulative(
        [0.6, 0.3, 0.2, 0.1, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 4.0, 4.5, 5.5, 5.0, 4.5, 4.5, 4.5, 5.0, 5.5, 7.0, 8.5, 9.0, 7.5, 3.0]);

    private readonly RetailDataSettings _settings;
    private readonly double[] _cumulativeIntensity; // Σ multiplier of local days before d; length Days + 1
    private readonly bool[] _promoDay;
    private readonly long _startUtcTicks;

    public CustomerSimulator(RetailDataSettings settings)
    {
        _settings = settings;
        _startUtcTicks = settings.StartInstant.UtcTicks;
        _cumulativeIntensity = new double[settings.Days + 1];
        _promoDay = new bool[settings.Days];
        for (var d = 0; d < settings.Days; d++)
        {
            var date = settings.Start.AddDays(d);
            _cumulativeIntensity[d + 1] = _cumulativeIntensity[d] + Seasonality(date, out _promoDay[d]);
        }
    }

    public List<SimOrder> Orders { get; } = [];

    public List<SimLine> Lines { get; } = [];

    public List<SimReturn> Returns { get; } = [];

    public CustomerTraits Traits { get; private set; }

    public long EndUtcTicks => _startUtcTicks + (_settings.Days * TimeSpan.TicksPerDay);

    /// <summary>
    /// The demand multiplier of a local day: weekday × annual cycle × promotions (Singles' Day 11-11 ×8 and its run-up ×1.5,
    /// 618 ×5 and its run-up ×1.3, 12-12 ×2.5, Spring Festival period ×0.75).
    /// </summary>
    internal static double Seasonality(DateOnly date, out bool promo)
    {
        ReadOnlySpan<double> weekday = [1.10, 0.90, 0.90, 0.95, 0.95, 1.05, 1.15]; // Sunday first
        var m = weekday[(int)date.DayOfWeek];
        m *= 1.0 + (0.12 * Math.Cos(2.0 * Math.PI * (date.DayOfYear - 355) / 365.25));
        promo = true;
        switch (date.Month, date.Day)
        {
            case (11, 11):
                return m * 8.0;
            case (11, < 11):
                return m * 1.5;
            case (6, 18):
                return m * 5.0;
            case (6, < 18):
                return m * 1.3;
            case (12, 12):
                return m * 2.5;
            case (1, >= 20) or (2, <= 15):
                promo = false;
                return m * 0.75;
            default:
                promo = false;
                return m;
        }
    }

    public CustomerTraits ComputeTraits(int index)
    {
        var rng = new SyntheticRandom(_settings.Seed, index, StreamTraits);
        var s = _settings;

        // Sign-ups: 30% are the existing base (first 60 days), the rest arrive uniformly until two weeks before the end.
        var lastSignup = Math.Max(1, s.Days - 14);
        var signupDay = rng.Chance(0.3) ? rng.Next(Math.Min(60, lastSignup)) : rng.Next(lastSignup);
        var signupTicks = _startUtcTicks + (signupDay * TimeSpan.TicksPerDay) + (long)(rng.NextDouble() * TimeSpan.TicksPerDay);
        var meanRate = s.MeanPurchasesPerYear / 365.0;
        var lambda = rng.Gamma(RetailDataSettings.PurchaseRateShape, meanRate / RetailDataSettings.PurchaseRateShape);
        var mu = rng.Gamma(RetailDataSettings.DropoutRateShape, 1.0 / s.MeanLifetimeDays / RetailDataSettings.DropoutRateShape);
        var lifetime = rng.Exponential(1.0 / mu);
        var primary = rng.Pick(CategoryCumulative);
        var secondary = rng.Pick(CategoryCumulative);
        var traits = new CustomerTraits
        {
            SignupDay = signupDay,
            SignupUtcTicks = signupTicks,
            NeverBuys = rng.Chance(s.NeverBuyShare),
            Lambda = lambda,
            LifetimeDays = lifetime,
            PreferredSales = rng.Pick(SalesCumulative),
            PrimaryCategory = primary,
            SecondaryCategory = secondary,
            DiscountAffinity = Math.Clamp(0.05 + rng.Gamma(2.0, 0.1), 0.0, 0.95),
            ReturnPropensity = rng.Gamma(2.0, 0.5),
            Satisfaction = rng.Normal(),
        };
        Traits = traits;
        return traits;
    }

    /// <summary>Simulates the orders and returns of customer <paramref name="index"/> into <see cref="Orders"/>, <see cref="Lines"/>, <see cref="Returns"/>.</summary>
    public void Simulate(int index)
    {
        Orders.Clear();
        Lines.Clear();
        Returns.Clear();
        var t = ComputeTraits(index);
        if (t.NeverBuys)
        {
            return;
        }

        var rng = new SyntheticRandom(_settings.Seed, index, StreamOrders);
        var days = _settings.Days;
        var firstDay = t.SignupDay + (int)rng.Exponential(7.0);
        if (firstDay >= days)
        {
            return;
        }

        AddOrder(ref rng, firstDay, t);
        var deathDay = firstDay + t.LifetimeDays;
        var horizon = (int)Math.Min(days, Math.Ceiling(deathDay));
        var u = _cumulativeIntensity[firstDay + 1];
        while (t.Lambda > 0)
        {
            u += rng.Exponential(1.0) / t.Lambda;
            if (u >= _cumulativeIntensity[horizon])
            {
                break;
            }

            var day = Array.BinarySearch(_cumulativeIntensity, u);
            day = day >= 0 ? day : ~day - 1;
            if (day >= deathDay)
            {
                break;
            }

            AddOrder(ref rng, day, t);
        }

        // Returns, line by line (base rate per category × the customer's propensity × the settings' scale).
        var end = EndUtcTicks;
        for (var o = 0; o < Orders.Count; o++)
        {
            var order = Orders[o];
            for (var l = order.FirstLine; l < order.FirstLine + order.LineCount; l++)
            {
                var line = Lines[l];
                var p = Math.Min(0.9, s_returnBase[line.Category] * t.ReturnPropensity * _settings.ReturnRateScale * (order.Promo ? 1.3 : 1.0));
                if (!rng.Chance(p))
                {
                    continue;
                }

                var at = order.UtcTicks + ((long)((2.0 + (rng.NextDouble() * 18.0)) * 86_400.0) * TimeSpan.TicksPerSecond); // whole seconds
                var reason = (ReturnReason)(1 + rng.Pick(s_reasonCumulative[line.Category]));
                if (at < end)
                {
                    Returns.Add(new SimReturn { Order = o, Line = l, UtcTicks = at, Reason = reason });
                }
            }
        }
    }

    private void AddOrder(ref SyntheticRandom rng, int day, in CustomerTraits t)
    {
        var hour = rng.Pick(s_hourCumulative);
        var localOffset = (hour * TimeSpan.TicksPerHour) + (rng.Next(3600) * TimeSpan.TicksPerSecond);
        var utc = _startUtcTicks + (day * TimeSpan.TicksPerDay) + localOffset;
        var promo = _promoDay[day];
        var order = new SimOrder
        {
            UtcTicks = utc,
            Channel = rng.Chance(0.7) ? t.PreferredSales : rng.Pick(SalesCumulative),
            FirstLine = Lines.Count,
            Promo = promo,
        };
        var lineCount = 1 + (rng.Chance(0.35) ? 1 + (rng.Chance(0.3) ? 1 : 0) : 0);
        for (var i = 0; i < lineCount; i++)
        {
            var u = rng.NextDouble();
            var category = u < 0.55 ? t.PrimaryCategory : u < 0.8 ? t.SecondaryCategory : rng.Pick(CategoryCumulative);
            var price = Math.Max(9.0, s_medianPrice[category] * Math.Exp(0.45 * rng.Normal()));
            var unit = Math.Round((decimal)Math.Round(price), 2) - (rng.Chance(0.5) ? 0.10m : 0m);
            var q = rng.NextDouble();
            var quantity = q < 0.85 ? 1 : q < 0.96 ? 2 : 3;
            var rate = promo ? 0.15 + (rng.NextDouble() * 0.25) : rng.Chance(t.DiscountAffinity) ? 0.05 + (rng.NextDouble() * 0.2) : 0.0;
            var discount = Math.Round(quantity * unit * (decimal)rate, 2);
            var line = new SimLine { Category = category, Sku = (category * 1000) + rng.Next(1000), Quantity = quantity, UnitPrice = unit, Discount = discount };
            Lines.Add(line);
            order.Amount += line.Net;
            order.Discount += discount;
        }

        order.LineCount = lineCount;
        Orders.Add(order);
    }

    internal static double[] Cumulative(double[] weights)
    {
        var c = new double[weights.Length];
        double sum = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            c[i] = sum;
        }

        return c;
    }
}
