using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore clv predict --spend</c> (Gamma-Gamma monetary CLV, discounted per time unit as lifetimes' <c>customer_lifetime_value</c>),
/// <c>--holdout-end</c> (the calibration-vs-holdout tracking table) and the report of repeat buyers whose repeat purchases sum to zero.
/// </summary>
internal static class ClvExtras
{
    internal sealed record Options(bool Spend, double DiscountRate, double Margin, DateOnly? HoldoutEnd);

    internal sealed record MonetaryResult(GammaGammaModel Model, FitDiagnostics Diagnostics, double[] Spend, double[] Clv, int Excluded, ClvSettings Settings)
    {
        public JsonObject Json()
        {
            var parameters = new JsonObject();
            foreach (var p in Model.Parameters)
            {
                parameters[p.Name] = CliJson.Number(p.Value);
            }

            var finite = Clv.Where(double.IsFinite).ToArray();
            var o = new JsonObject
            {
                ["model"] = "gammagamma",
                ["parameters"] = parameters,
                ["converged"] = Diagnostics.Converged,
                ["repeatCustomers"] = Diagnostics.Customers,
                ["excludedZeroSpend"] = Excluded,
                ["horizonPeriods"] = Settings.HorizonPeriods,
                ["discountRatePerPeriod"] = Settings.DiscountRatePerPeriod,
                ["margin"] = Settings.Margin,
                ["totalClv"] = CliJson.Number(finite.Sum()),
                ["meanClv"] = finite.Length == 0 ? null : CliJson.Number(finite.Average()),
            };
            if (!Diagnostics.Converged)
            {
                o["identifiable"] = Diagnostics.Identifiable;
                o["reason"] = Diagnostics.Message;
            }

            return o;
        }
    }

    /// <summary>
    /// The frequencies for a Gamma-Gamma fit: repeat buyers whose mean repeat spend is not positive (zero-amount purchases) get x = 0, which
    /// leaves them out of the fit; a warning names up to 5 of them with the file lines of their zero-amount rows.
    /// </summary>
    public static int[] SpendFrequency(CalibrationHoldoutSplit split, string path, string encoding, string command)
    {
        var x = split.Frequency.ToArray();
        var bad = new List<int>();
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] > 0 && !(split.MeanRepeatSpend[i] > 0))
            {
                bad.Add(i);
                x[i] = 0;
            }
        }

        if (bad.Count > 0)
        {
            var ids = bad.Take(5).Select(i => split.CustomerIds[i]).ToArray();
            var lines = encoding == "utf-8" ? ZeroAmountLines(path, ids) : new Dictionary<string, List<long>>();
            var examples = string.Join("; ", ids.Select(id => lines.TryGetValue(id, out var l) && l.Count > 0
                ? $"customer '{id}' (zero amounts on line{(l.Count > 1 ? "s" : string.Empty)} {string.Join(", ", l.Take(5))})"
                : $"customer '{id}'"));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cemcore {command}: warning: {bad.Count} repeat buyers have a zero or negative mean repeat spend in {Path.GetFileName(path)} and are left out of the Gamma-Gamma fit (their spend and CLV are empty): {examples}{(bad.Count > 5 ? "; ..." : string.Empty)}."));
        }

        return x;
    }

    public static MonetaryResult Monetary(IBtydModel purchases, CalibrationHoldoutSplit split, double horizon, TimeUnit unit, Options options, string path, string encoding)
    {
        if (horizon < 1 || horizon != Math.Floor(horizon) || horizon > ClvSettings.MaxHorizonPeriods)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--spend needs a whole --horizon from 1 to {ClvSettings.MaxHorizonPeriods} time units (the CLV discounts each {unit.ToString().ToLowerInvariant()}), not {horizon}."));
        }

        var settings = new ClvSettings(unit, (int)horizon, options.DiscountRate, options.Margin);
        var x = SpendFrequency(split, path, encoding, "clv predict");
        if (!x.Any(v => v > 0))
        {
            throw new UsageException("--spend: no repeat buyer with a positive repeat spend before --calibration-end; the Gamma-Gamma model cannot be fitted.");
        }

        var fit = GammaGammaModel.Fit(x, split.MeanRepeatSpend);
        var spend = new double[split.Count];
        var clv = new double[split.Count];
        var excluded = 0;
        for (var i = 0; i < split.Count; i++)
        {
            if (x[i] != split.Frequency[i])
            {
                spend[i] = clv[i] = double.NaN;
                excluded++;
                continue;
            }

            spend[i] = fit.Model.ConditionalExpectedAverageSpend(split.Frequency[i], split.MeanRepeatSpend[i]);
            clv[i] = CustomerLifetimeValue.Compute(purchases, fit.Model, settings, split.Frequency[i], split.Recency[i], split.Age[i], split.MeanRepeatSpend[i]);
        }

        if (!fit.Diagnostics.Converged)
        {
            Console.Error.WriteLine($"cemcore clv predict: warning: the Gamma-Gamma fit did not converge ({fit.Diagnostics.Message}); spend and CLV are not meaningful.");
        }

        return new MonetaryResult(fit.Model, fit.Diagnostics, spend, clv, excluded, settings);
    }

    /// <summary>
    /// The tracking table (Fader, Hardie &amp; Lee 2005, figure 2): for the calibration cohort (customers with a purchase on or before the
    /// calibration end), per time unit from the cohort's first purchase day, the actual cumulative repeat purchase days and the model's
    /// expectation (each customer contributes E[X(t − birth)], birth = its first purchase day).
    /// </summary>
    public static JsonArray Tracking(IBtydModel model, TransactionTable table, CalibrationHoldoutSplit split, DateOnly holdoutEnd, TimeUnit unit)
    {
        var calEnd = split.CalibrationEnd;
        if (holdoutEnd < calEnd)
        {
            throw new UsageException($"--holdout-end {holdoutEnd:yyyy-MM-dd} is before --calibration-end {calEnd:yyyy-MM-dd}.");
        }

        var unitDays = TimeUnits.DaysPerUnit(unit);
        var calEndDay = (long)calEnd.DayNumber;
        var days = new HashSet<(int Customer, long Day)>();
        var first = new Dictionary<int, long>();
        for (var i = 0; i < table.Count; i++)
        {
            if (table.Kinds[i] != TransactionKind.Purchase)
            {
                continue;
            }

            var day = table.UtcTicks[i] / TimeSpan.TicksPerDay;
            var c = table.CustomerIndex[i];
            days.Add((c, day));
            first[c] = first.TryGetValue(c, out var f) ? Math.Min(f, day) : day;
        }

        var cohort = first.Where(kv => kv.Value <= calEndDay).ToDictionary(kv => kv.Key, kv => kv.Value);
        var start = cohort.Values.Min();
        var totalDays = (long)holdoutEnd.DayNumber + 1 - start;
        var periods = (int)Math.Min(2000, (totalDays + unitDays - 1) / unitDays);
        var actual = new long[periods];
        foreach (var (c, day) in days)
        {
            if (cohort.TryGetValue(c, out var f) && day != f && day <= holdoutEnd.DayNumber)
            {
                var k = (day - start) / unitDays;
                if (k < periods)
                {
                    actual[k]++;
                }
            }
        }

        var births = cohort.Values.GroupBy(f => f).Select(g => ((double)(g.Key - start) / unitDays, g.Count())).ToArray();
        var rows = new JsonArray();
        long cumulative = 0;
        for (var k = 1; k <= periods; k++)
        {
            cumulative += actual[k - 1];
            var expected = 0.0;
            foreach (var (birth, count) in births)
            {
                if (birth < k)
                {
                    expected += count * model.ExpectedPurchases(k - birth);
                }
            }

            var endDay = DateOnly.FromDayNumber((int)Math.Min(start + ((long)k * unitDays) - 1, holdoutEnd.DayNumber));
            rows.Add((JsonNode)new JsonObject
            {
                ["period"] = k,
                ["end"] = endDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["phase"] = endDay <= calEnd ? "calibration" : "holdout",
                ["actual"] = cumulative,
                ["expected"] = CliJson.Number(expected),
            });
        }

        return rows;
    }

    /// <summary>File lines (1-based, the header is line 1) of rows with a zero amount for the given customers (UTF-8 files, unquoted cells).</summary>
    private static Dictionary<string, List<long>> ZeroAmountLines(string path, IReadOnlyCollection<string> ids)
    {
        var result = ids.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => new List<long>(), StringComparer.Ordinal);
        long line = 0;
        int idColumn = -1, amountColumn = -1;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            var cells = text.Split(',');
            if (line == 1)
            {
                var header = cells.Select(c => c.Trim().TrimStart('\uFEFF')).ToList();
                idColumn = header.IndexOf("customer_id");
                amountColumn = header.IndexOf("amount");
                if (idColumn < 0 || amountColumn < 0)
                {
                    return result;
                }

                continue;
            }

            if (cells.Length > Math.Max(idColumn, amountColumn)
                && result.TryGetValue(cells[idColumn].Trim(), out var list)
                && decimal.TryParse(cells[amountColumn].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount == 0)
            {
                list.Add(line);
            }
        }

        return result;
    }
}
