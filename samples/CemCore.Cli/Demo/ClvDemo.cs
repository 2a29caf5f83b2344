using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;

namespace CemCore.Cli.Demo;

/// <summary>Demo section: BG/NBD + Gamma-Gamma on the demo data, 52-week discounted CLV, top 5 customers (synthetic ids).</summary>
internal static class ClvDemo
{
    public static void Run(DemoContext context)
    {
        context.Heading("Customer lifetime value (BG/NBD + Gamma-Gamma)");
        var features = FeatureExtractor.Compute(context.Transactions, context.AsOf, new FeatureSettings(TimeUnit.Week));
        var ids = new List<string>();
        var x = new List<int>();
        var tx = new List<double>();
        var t = new List<double>();
        var m = new List<double>();
        foreach (var f in features)
        {
            if (!f.HasPurchased)
            {
                continue;
            }

            ids.Add(f.CustomerId);
            x.Add(f.Btyd.Frequency);
            tx.Add(f.Btyd.Recency);
            t.Add(f.Btyd.Age);
            m.Add((double)f.Btyd.MeanRepeatSpend);
        }

        if (ids.Count == 0 || !x.Exists(v => v > 0))
        {
            context.Line("not enough repeat purchases to fit the models");
            context.Json["clv"] = new JsonObject { ["fitted"] = false };
            return;
        }

        // Plain maximum likelihood. (An L2 penalizer is available, but with the lifetimes convention it penalizes γ in money units,
        // so it is scale-dependent for Gamma-Gamma.)
        var bg = BgNbdModel.Fit(BtydData.Create(x.ToArray(), tx.ToArray(), t.ToArray(), TimeUnit.Week));
        var gg = GammaGammaModel.Fit(x.ToArray(), m.ToArray());
        var settings = new ClvSettings(TimeUnit.Week, horizonPeriods: 52, discountRatePerPeriod: 0.0019, margin: 0.3);
        var clv = new double[ids.Count];
        CustomerLifetimeValue.Compute(bg.Model, gg.Model, settings, x.ToArray(), tx.ToArray(), t.ToArray(), m.ToArray(), clv);
        var pAlive = new double[ids.Count];
        bg.Model.ProbabilityAlive(x.ToArray(), tx.ToArray(), t.ToArray(), pAlive);

        context.Line(Format(bg.Model.Parameters, bg.Diagnostics));
        context.Line(Format(gg.Model.Parameters, gg.Diagnostics));
        context.Line("CLV: 52 weeks, discount 0.19% per week (≈ 10% a year), margin 30%");
        // A Gamma-Gamma fit with q ≤ 1 has no finite population mean: such customers get +∞ and are left out of the ranking.
        var order = Enumerable.Range(0, ids.Count).Where(i => double.IsFinite(clv[i])).OrderByDescending(i => clv[i]).ThenBy(i => ids[i], StringComparer.Ordinal).Take(5).ToArray();
        var top = new JsonArray();
        foreach (var i in order)
        {
            context.Line(string.Create(CultureInfo.InvariantCulture,
                $"  {ids[i]}  x={x[i],2}  P(alive)={pAlive[i]:F3}  E[spend]={gg.Model.ConditionalExpectedAverageSpend(x[i], m[i]),8:F2}  CLV={clv[i],9:F2}"));
            top.Add((JsonNode)new JsonObject { ["customerId"] = ids[i], ["frequency"] = x[i], ["pAlive"] = pAlive[i], ["clv"] = clv[i] });
        }

        context.Json["clv"] = new JsonObject
        {
            ["bgnbd"] = ToJson(bg.Model.Parameters, bg.Diagnostics),
            ["gammagamma"] = ToJson(gg.Model.Parameters, gg.Diagnostics),
            ["horizonWeeks"] = 52,
            ["discountRatePerWeek"] = 0.0019,
            ["margin"] = 0.3,
            ["totalClv"] = clv.Where(double.IsFinite).Sum(),
            ["nonFiniteClv"] = clv.Count(v => !double.IsFinite(v)),
            ["top"] = top,
        };
    }

    private static string Format(IReadOnlyList<ModelParameter> parameters, FitDiagnostics d) =>
        string.Join(", ", parameters.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name}={p.Value:F4}")))
        + string.Create(CultureInfo.InvariantCulture, $"  (LL {d.LogLikelihood:F2}, {d.Customers} customers, converged {d.Converged})");

    private static JsonObject ToJson(IReadOnlyList<ModelParameter> parameters, FitDiagnostics d)
    {
        var p = new JsonObject();
        foreach (var parameter in parameters)
        {
            p[parameter.Name] = parameter.Value;
        }

        return new JsonObject { ["parameters"] = p, ["logLikelihood"] = d.LogLikelihood, ["customers"] = d.Customers, ["converged"] = d.Converged };
    }
}
