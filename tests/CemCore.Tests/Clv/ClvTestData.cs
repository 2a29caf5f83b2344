using System.Globalization;
using CemCore.Clv;
using CemCore.Tests.Features;
using CemCore.Tests.TestSupport;
using CemCore.Transactions;

namespace CemCore.Tests.Clv;

/// <summary>Loaders for the shared CDNOW and grocery reference files (read through CEMCORE_REFERENCE_DATA; never copied into the repo).</summary>
internal static class ClvTestData
{
    /// <summary>The CDNOW calibration summary at full precision (BTYD 2.4.3 cdnowSummary$cbs): x, t_x, T, x*, m_x.</summary>
    public static (int[] X, double[] Tx, double[] T, int[] XStar, double[] Mx) CdnowCbs()
    {
        var lines = File.ReadAllLines(ReferenceData.PathOf("cdnow", "cdnowSummary_cbs.csv")).Skip(1).Where(l => l.Length > 0).ToArray();
        var x = new int[lines.Length];
        var tx = new double[lines.Length];
        var t = new double[lines.Length];
        var xs = new int[lines.Length];
        var mx = new double[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            x[i] = int.Parse(f[1], CultureInfo.InvariantCulture);
            tx[i] = double.Parse(f[2], CultureInfo.InvariantCulture);
            t[i] = double.Parse(f[3], CultureInfo.InvariantCulture);
            xs[i] = int.Parse(f[4], CultureInfo.InvariantCulture);
            mx[i] = double.Parse(f[5], CultureInfo.InvariantCulture);
        }

        return (x, tx, t, xs, mx);
    }

    /// <summary>The 2-dp CDNOW summary (lifetimes cdnow_customers_summary_with_transactions.csv): x, t_x, T, zbar.</summary>
    public static (int[] X, double[] Tx, double[] T, double[] Zbar) CdnowRounded()
    {
        var lines = File.ReadAllLines(ReferenceData.PathOf("cdnow", "cdnow_customers_summary_with_transactions.csv")).Skip(1).Where(l => l.Trim().Length > 0).ToArray();
        var x = new int[lines.Length];
        var tx = new double[lines.Length];
        var t = new double[lines.Length];
        var z = new double[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            var f = lines[i].Trim().Split(',');
            x[i] = int.Parse(f[1], CultureInfo.InvariantCulture);
            tx[i] = double.Parse(f[2], CultureInfo.InvariantCulture);
            t[i] = double.Parse(f[3], CultureInfo.InvariantCulture);
            z[i] = double.Parse(f[4], CultureInfo.InvariantCulture);
        }

        return (x, tx, t, z);
    }

    public static BtydData CdnowCbsData()
    {
        var (x, tx, t, _, _) = CdnowCbs();
        return BtydData.Create(x, tx, t);
    }

    /// <summary>The CDNOW sample log (CDNOW_sample.txt) as a transaction table (the loader of <see cref="CdnowSummaryTests"/>).</summary>
    public static TransactionTable CdnowLog() => CdnowSummaryTests.LoadSample();

    /// <summary>The BTYDplus grocery log (groceryElog.csv) as a transaction table with amount 1 per row (it has no money column).</summary>
    public static TransactionTable GroceryLog()
    {
        var builder = new TransactionTableBuilder(11000);
        foreach (var line in File.ReadLines(ReferenceData.PathOf("grocery", "groceryElog.csv")).Skip(1))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split(',');
            var date = DateTime.ParseExact(f[1], "yyyy-MM-dd", CultureInfo.InvariantCulture);
            builder.AddPurchase(f[0], new DateTimeOffset(date, TimeSpan.Zero), 1m);
        }

        return builder.Build();
    }
}
