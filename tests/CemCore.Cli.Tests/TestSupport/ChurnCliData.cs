using System.Globalization;

namespace CemCore.Cli.Tests.TestSupport;

/// <summary>
/// The small churn table of the churn CLI tests: 60 customers (seeded) with recency, orders, a text segment, spend and a churn label
/// drawn from a noisy linear score, as CSV lines and as the numeric matrix and labels the tests recompute results from.
/// </summary>
internal static class ChurnCliData
{
    /// <summary>Rows in the table.</summary>
    public const int Rows = 60;

    /// <summary>The CSV lines (header first), the numeric columns (recency, orders, spend) per row and the labels.</summary>
    /// <returns>Lines, matrix and labels.</returns>
    public static (string[] Lines, double[][] X, int[] Y) Create()
    {
        var rng = new Random(20240601);
        var lines = new List<string> { "customer_id,recency,orders,segment,spend,churned" };
        var x = new double[Rows][];
        var y = new int[Rows];
        for (var i = 0; i < Rows; i++)
        {
            var recency = Math.Round(rng.NextDouble() * 100, 2);
            var orders = rng.Next(1, 11);
            var spend = Math.Round(20 + (rng.NextDouble() * 200), 2);
            var score = (recency / 100) - (orders / 20.0) + ((rng.NextDouble() - 0.5) * 0.6);
            y[i] = score > 0.2 ? 1 : 0;
            x[i] = [recency, orders, spend];
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"c{i:D3},{recency},{orders},seg{i % 3},{spend},{y[i]}"));
        }

        return ([.. lines], x, y);
    }
}
