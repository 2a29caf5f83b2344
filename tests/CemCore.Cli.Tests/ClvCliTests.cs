using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;
using CemCore.Clv;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore clv fit|predict</c> (issue 4, docs/clv.md) on a small synthetic transactions CSV simulated from a BG/NBD-like process
/// (seeded). The published CDNOW values are checked in <see cref="ClvCdnowCliTests"/>.
/// </summary>
public sealed class ClvCliTests
{
    private static readonly DateOnly Start = new(2024, 1, 1);
    private const string CalibrationEnd = "2024-09-30";

    /// <summary>300 customers; the last one, "zz", is hand-made: purchases on 2024-01-01, 2024-01-15 (twice) and 2024-02-12, one after the end.</summary>
    private static string[] Transactions(out int repeatBuyers)
    {
        var rng = new Random(12345);
        var lines = new List<string> { "customer_id,timestamp,amount" };
        var end = new DateOnly(2024, 9, 30);
        repeatBuyers = 1;
        for (var c = 0; c < 299; c++)
        {
            var rate = new[] { 0.03, 0.08, 0.15, 0.3, 0.6 }[rng.Next(5)]; // purchases per day
            var dropout = new[] { 0.05, 0.2, 0.5 }[rng.Next(3)];
            var meanSpend = 10 + (rng.NextDouble() * 90);
            var day = (double)rng.Next(0, 120);
            var days = new HashSet<int>();
            while (true)
            {
                var date = Start.AddDays((int)day);
                if (date > end.AddDays(60))
                {
                    break;
                }

                days.Add(date <= end ? (int)day : -1);
                var amount = Math.Round(meanSpend * (0.5 + rng.NextDouble()), 2);
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"k{c:D3},{date:yyyy-MM-dd},{amount}"));
                if (rng.NextDouble() < dropout)
                {
                    break;
                }

                day += -Math.Log(1 - rng.NextDouble()) / rate;
            }

            days.Remove(-1);
            if (days.Count > 1)
            {
                repeatBuyers++;
            }
        }

        lines.AddRange(["zz,2024-01-01,10", "zz,2024-01-15T08:00:00Z,20", "zz,2024-01-15T20:00:00Z,5", "zz,2024-02-12,30", "zz,2024-10-05,99"]);
        return [.. lines];
    }

    [Theory]
    [InlineData("bgnbd", new[] { "r", "alpha", "a", "b" })]
    [InlineData("paretonbd", new[] { "r", "alpha", "s", "beta" })]
    [InlineData("mbgnbd", new[] { "r", "alpha", "a", "b" })]
    [InlineData("gammagamma", new[] { "p", "q", "gamma" })]
    public void Fit_Json_ShapeAndParameterNames(string model, string[] names)
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions(out var repeatBuyers));
        var o = CliAssert.JsonOk(CliRunner.Run("clv", "fit", "--transactions", input, "--model", model, "--calibration-end", CalibrationEnd, "--format", "json"));
        Assert.Equal(["model", "parameters", "logLikelihood", "customers", "converged"], o.Select(kv => kv.Key));
        Assert.Equal(model, (string)o["model"]!);
        Assert.True((bool)o["converged"]!);
        var parameters = o["parameters"]!.AsObject();
        Assert.Equal(names, parameters.Select(kv => kv.Key));
        Assert.All(parameters, kv => Assert.True((double)kv.Value! is > 0 and < double.PositiveInfinity, kv.Key));
        Assert.True((double)o["logLikelihood"]! is < 0 and > double.NegativeInfinity);

        // Count models see every customer; Gamma-Gamma only repeat buyers (x > 0).
        Assert.Equal(model == "gammagamma" ? repeatBuyers : 300, (int)o["customers"]!);
    }

    [Fact]
    public void Predict_Csv_MatchesTheFittedModel_ForAHandMadeCustomer()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions(out _));
        var output = dir.File("pred.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("clv", "predict", "--transactions", input, "--calibration-end", CalibrationEnd, "--horizon", "13", "--out", output, "--format", "json"));
        Assert.Equal(300, (int)o["customers"]!);
        Assert.Equal("week", (string)o["timeUnit"]!);
        Assert.Equal(13.0, (double)o["horizon"]!);
        Assert.True((bool)o["converged"]!);

        var lines = File.ReadAllLines(output);
        Assert.Equal("customer_id,frequency,recency,T,p_alive,expected_purchases", lines[0]);
        Assert.Equal(301, lines.Length);
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            Assert.InRange(CliAssert.D(cells[4]), 0, 1);
            Assert.True(CliAssert.D(cells[5]) >= 0);
            Assert.True(CliAssert.D(cells[2]) <= CliAssert.D(cells[3]));
        }

        // zz: purchase days 01-01, 01-15, 02-12 → x = 2, t_x = 42/7 weeks, T = (2024-09-30 − 2024-01-01)/7 = 273/7 weeks.
        var zz = lines.Single(l => l.StartsWith("zz,", StringComparison.Ordinal)).Split(',');
        var t = (new DateOnly(2024, 9, 30).DayNumber - Start.DayNumber) / 7.0;
        Assert.Equal("2", zz[1]);
        Assert.Equal(42 / 7.0, CliAssert.D(zz[2]), 1e-12);
        Assert.Equal(t, CliAssert.D(zz[3]), 1e-12);
        var p = o["parameters"]!;
        var model = new BgNbdModel((double)p["r"]!, (double)p["alpha"]!, (double)p["a"]!, (double)p["b"]!);
        Assert.Equal(model.ProbabilityAlive(2, 6, t), CliAssert.D(zz[4]), 1e-12);
        Assert.Equal(model.ConditionalExpectedPurchases(13, 2, 6, t), CliAssert.D(zz[5]), 1e-12);
    }

    [Fact]
    public void Predict_Days_TimeUnit()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions(out _));
        var output = dir.File("pred.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("clv", "predict", "--transactions", input, "--calibration-end", CalibrationEnd, "--horizon", "90", "--time-unit", "day", "--model", "paretonbd", "--out", output, "--format", "json"));
        Assert.Equal("day", (string)o["timeUnit"]!);
        Assert.Equal(["r", "alpha", "s", "beta"], o["parameters"]!.AsObject().Select(kv => kv.Key));
        var zz = File.ReadAllLines(output).Single(l => l.StartsWith("zz,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(42.0, CliAssert.D(zz[2]));
        Assert.Equal(273.0, CliAssert.D(zz[3]));
    }

    [Fact]
    public void BadUsage_Exit2()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions(out _));
        var output = dir.File("pred.csv");
        Assert.Contains("--model", CliAssert.UsageError(CliRunner.Run("clv", "fit", "--transactions", input, "--model", "nope", "--calibration-end", CalibrationEnd)), StringComparison.Ordinal);
        Assert.Contains("--calibration-end", CliAssert.UsageError(CliRunner.Run("clv", "fit", "--transactions", input, "--model", "bgnbd")), StringComparison.Ordinal);
        Assert.Contains("--horizon", CliAssert.UsageError(CliRunner.Run("clv", "predict", "--transactions", input, "--calibration-end", CalibrationEnd, "--out", output)), StringComparison.Ordinal);
        Assert.Contains("--horizon", CliAssert.UsageError(CliRunner.Run("clv", "predict", "--transactions", input, "--calibration-end", CalibrationEnd, "--horizon", "-1", "--out", output)), StringComparison.Ordinal);
        Assert.Contains("--time-unit", CliAssert.UsageError(CliRunner.Run("clv", "fit", "--transactions", input, "--model", "bgnbd", "--calibration-end", CalibrationEnd, "--time-unit", "month")), StringComparison.Ordinal);
        Assert.Contains("--model", CliAssert.UsageError(CliRunner.Run("clv", "predict", "--transactions", input, "--calibration-end", CalibrationEnd, "--horizon", "1", "--model", "gammagamma", "--out", output)), StringComparison.Ordinal);
        Assert.Contains("calibration end", CliAssert.UsageError(CliRunner.Run("clv", "fit", "--transactions", input, "--model", "bgnbd", "--calibration-end", "2023-12-31")), StringComparison.Ordinal);
        CliAssert.UsageError(CliRunner.Run("clv"));
        CliAssert.UsageError(CliRunner.Run("clv", "explain"));
    }
}
