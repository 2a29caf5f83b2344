using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore clv predict --spend --holdout-end</c> (issue 16, docs/clv.md): the Gamma-Gamma spend E[Z | x, m] = p(γ + x m)/(p x + q − 1)
/// (Fader, Hardie &amp; Lee 2005) from the printed parameters; the undiscounted CLV over H periods telescopes to E[Z]·E[Y(H)] (lifetimes'
/// <c>customer_lifetime_value</c> with a zero discount rate); the tracking table's expected column from the BG/NBD closed form
/// E[X(t)] = (a+b−1)/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))] (Fader, Hardie &amp; Lee 2005, eq. 9) summed over the cohort here,
/// and its actual column counted here from the generated purchases; zero-amount repeat buyers are named with their file lines.
/// </summary>
public sealed class ClvSpendCliTests
{
    private static readonly DateOnly Start = new(2024, 1, 1);
    private static readonly DateOnly CalibrationEnd = new(2024, 6, 30);
    private static readonly DateOnly HoldoutEnd = new(2024, 9, 29);

    /// <summary>Purchase days per customer (seeded BG/NBD-like process), plus "zz" whose two repeat purchases are zero amounts (lines 2-4).</summary>
    private static (List<string> Lines, Dictionary<string, SortedSet<int>> Days) Data()
    {
        var rng = new Random(1604);
        var lines = new List<string> { "customer_id,timestamp,amount", "zz,2024-01-02,10.00", "zz,2024-01-20,0", "zz,2024-02-03,0.00" };
        var days = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal) { ["zz"] = [1, 19, 33] };
        for (var c = 0; c < 250; c++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"k{c:D3}");
            var rate = new[] { 0.02, 0.05, 0.1, 0.2 }[rng.Next(4)];
            var dropout = new[] { 0.05, 0.15, 0.4 }[rng.Next(3)];
            var spend = 15 + (rng.NextDouble() * 85);
            var day = (double)rng.Next(0, 84);
            var set = new SortedSet<int>();
            while (Start.AddDays((int)day) <= HoldoutEnd)
            {
                if (set.Add((int)day))
                {
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"{id},{Start.AddDays((int)day):yyyy-MM-dd},{Math.Round(spend * (0.5 + rng.NextDouble()), 2)}"));
                }

                if (rng.NextDouble() < dropout)
                {
                    break;
                }

                day += -Math.Log(1 - rng.NextDouble()) / rate;
            }

            days[id] = set;
        }

        return (lines, days);
    }

    private static double Hyp2F1(double a, double b, double c, double z)
    {
        double term = 1, sum = 1;
        for (var n = 0; n < 100_000; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
            if (Math.Abs(term) < 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        return sum;
    }

    [Fact]
    public void Spend_Clv_Tracking_AndZeroAmountRows()
    {
        var (lines, days) = Data();
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", [.. lines]);
        var output = dir.File("clv.csv");
        var result = CliRunner.Run(
            "clv", "predict", "--transactions", input, "--calibration-end", "2024-06-30", "--horizon", "10", "--spend", "--holdout-end", "2024-09-29",
            "--out", output, "--format", "json");
        var o = CliAssert.JsonOk(result);
        Assert.Contains("customer 'zz' (zero amounts on lines 3, 4)", result.StdErr, StringComparison.Ordinal);
        Assert.True((bool)o["converged"]!);
        var spend = o["spend"]!;
        Assert.True((bool)spend["converged"]!);
        Assert.Equal(1, (int)spend["excludedZeroSpend"]!);
        double P(JsonNode node, string name) => (double)node["parameters"]![name]!;
        double p = P(spend, "p"), q = P(spend, "q"), gamma = P(spend, "gamma");

        var (header, rows) = CliAssert.ReadCsv(output);
        Assert.Equal("customer_id,frequency,recency,T,p_alive,expected_purchases,expected_average_spend,clv", header);
        Assert.Equal(string.Empty, rows["zz"]["clv"]);
        var total = 0.0;
        foreach (var (id, row) in rows.Where(r => r.Key != "zz"))
        {
            var x = int.Parse(row["frequency"], CultureInfo.InvariantCulture);
            var amounts = lines.Skip(1).Select(l => l.Split(','))
                .Where(c => c[0] == id && DateOnly.ParseExact(c[1], "yyyy-MM-dd", CultureInfo.InvariantCulture) <= CalibrationEnd).Select(c => CliAssert.D(c[2])).ToArray();
            Assert.Equal(amounts.Length - 1, x);
            var m = x == 0 ? 0 : amounts.Skip(1).Average();
            var expectedSpend = p * (gamma + (x * m)) / ((p * x) + q - 1);
            Assert.Equal(expectedSpend, CliAssert.D(row["expected_average_spend"]), 1e-9 * expectedSpend);
            var clv = CliAssert.D(row["clv"]);
            Assert.Equal(expectedSpend * CliAssert.D(row["expected_purchases"]), clv, 1e-9 * Math.Max(1, clv));
            total += clv;
        }

        Assert.Equal(total, (double)spend["totalClv"]!, 1e-9 * total);

        // Tracking: weeks from the cohort's first purchase day (2024-01-01 or later) to the holdout end.
        double r = P(o, "r"), alpha = P(o, "alpha"), a = P(o, "a"), b = P(o, "b");
        double ExpectedX(double t) => (a + b - 1) / (a - 1) * (1 - (Math.Pow(alpha / (alpha + t), r) * Hyp2F1(r, b, a + b - 1, t / (alpha + t))));
        var cohort = days.Where(kv => kv.Value.Min <= 181).ToDictionary(kv => kv.Key, kv => kv.Value);
        var start = cohort.Values.Min(s => s.Min);
        var tracking = o["tracking"]!.AsArray();
        var periods = (HoldoutEnd.DayNumber - Start.AddDays(start).DayNumber + 1 + 6) / 7;
        Assert.Equal(periods, tracking.Count);
        for (var k = 1; k <= periods; k++)
        {
            var row = tracking[k - 1]!;
            var actual = cohort.Values.Sum(s => s.Skip(1).Count(d => d < start + (7 * k) && Start.AddDays(d) <= HoldoutEnd));
            Assert.Equal(actual, (long)row["actual"]!);
            var expected = cohort.Values.Select(s => (s.Min - start) / 7.0).Where(birth => birth < k).Sum(birth => ExpectedX(k - birth));
            Assert.Equal(expected, (double)row["expected"]!, 1e-6 * Math.Max(1, expected));
            var end = DateOnly.ParseExact((string)row["end"]!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            Assert.Equal(end <= CalibrationEnd ? "calibration" : "holdout", (string)row["phase"]!);
        }

        // Discounting lowers the value, by at most the factor of the last period.
        var discounted = dir.File("clv-d.csv");
        var d = CliAssert.JsonOk(CliRunner.Run(
            "clv", "predict", "--transactions", input, "--calibration-end", "2024-06-30", "--horizon", "10", "--spend", "--discount-rate", "0.01", "--out", discounted, "--format", "json"));
        var totalDiscounted = (double)d["spend"]!["totalClv"]!;
        Assert.InRange(totalDiscounted, total / Math.Pow(1.01, 10), total * (1 - 1e-6));
        Assert.Null(d["tracking"]);
        Assert.Equal(Path.GetFullPath(discounted), (string)d["out"]!);

        Assert.Contains("--horizon", CliAssert.UsageError(CliRunner.Run(
            "clv", "predict", "--transactions", input, "--calibration-end", "2024-06-30", "--horizon", "2.5", "--spend", "--out", dir.File("x.csv"))), StringComparison.Ordinal);
    }
}
