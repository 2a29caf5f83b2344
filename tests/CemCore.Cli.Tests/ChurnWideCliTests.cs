using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;
using CemCore.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore churn train</c> on wide tables (more feature columns than rows, issue 16: 2,000 columns × 300 rows took 61 s with no
/// progress). The fit solves the Newton system in its n × n dual form and reports each iteration on stderr.
/// </summary>
public sealed class ChurnWideCliTests
{
    private const int Columns = 2000;
    private const int TableRows = 300;

    [Fact]
    public void Train_2000Columns300Rows_ConvergesToTheOptimum_AndPrintsProgress()
    {
        var (x, y) = WideTable();
        using var dir = new TempDir();
        var data = dir.File("wide.csv");
        var text = new StringBuilder("customer_id,").Append(string.Join(',', Enumerable.Range(0, Columns).Select(j => "f" + j.ToString(CultureInfo.InvariantCulture)))).Append(",churned\n");
        for (var i = 0; i < TableRows; i++)
        {
            text.Append('c').Append(i.ToString(CultureInfo.InvariantCulture));
            foreach (var v in x[i])
            {
                text.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append(',').Append(y[i]).Append('\n');
        }

        File.WriteAllText(data, text.ToString());
        var result = CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--holdout-fraction", "0", "--format", "json");
        var o = CliAssert.JsonOk(result);

        // Progress: the announcement naming the dual form, one line per Newton iteration, and the total time.
        Assert.Contains("fitting 2000 features on 300 rows; more features than rows", result.StdErr, StringComparison.Ordinal);
        var training = o["training"]!;
        Assert.True((bool)training["converged"]!);
        var iterations = (int)training["iterations"]!;
        for (var it = 0; it <= iterations; it++)
        {
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"iteration {it}: gradient "), result.StdErr, StringComparison.Ordinal);
        }

        Assert.Contains("fitted in ", result.StdErr, StringComparison.Ordinal);

        // Optimality recomputed here from the printed coefficients (scikit-learn's objective on population-SD standardized features,
        // C = 1): ∂/∂w_j = w_j + Σᵢ (pᵢ − yᵢ) x̃ᵢⱼ and ∂/∂b = Σᵢ (pᵢ − yᵢ) vanish at the optimum; the CLI's 1e-10 tolerance is on these
        // divided by C·n = 300, so 1e-6 leaves room for the 17-digit JSON round trip.
        var w = Enumerable.Range(0, Columns).Select(j => (double)o["coefficients"]!["f" + j.ToString(CultureInfo.InvariantCulture)]!).ToArray();
        var b = (double)o["intercept"]!;
        var standardized = Standardize(x);
        var residual = new double[TableRows];
        for (var i = 0; i < TableRows; i++)
        {
            var z = b;
            for (var j = 0; j < Columns; j++)
            {
                z += w[j] * standardized[i][j];
            }

            residual[i] = (1 / (1 + Math.Exp(-z))) - y[i];
        }

        Assert.True(Math.Abs(residual.Sum()) < 1e-6, $"intercept gradient {residual.Sum()}");
        for (var j = 0; j < Columns; j++)
        {
            var g = w[j];
            for (var i = 0; i < TableRows; i++)
            {
                g += residual[i] * standardized[i][j];
            }

            Assert.True(Math.Abs(g) < 1e-6, $"gradient of f{j}: {g}");
        }

        // The informative columns carry the signal (a ridge fit spreads weight but keeps their signs).
        Assert.True(w[0] > 0 && w[1] < 0, $"w0 {w[0]}, w1 {w[1]}");
    }

    [Fact]
    public void Train_WideReferenceTable_MatchesScikitLearn()
    {
        // tests/CemCore.Tests/ReferenceData/Churn/generate_wide_reference.py: 60 rows × 200 features, scikit-learn 1.2.1 lbfgs, C = 1.
        var folder = Path.Combine(ReferenceData.RepositoryRoot, "tests", "CemCore.Tests", "ReferenceData", "Churn");
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "wide_c1.expected.json")))!;
        var o = CliAssert.JsonOk(CliRunner.Run(
            "churn", "train", "--data", Path.Combine(folder, "wide_c1.csv"), "--label", "y", "--holdout-fraction", "0", "--format", "json"));
        var coefficients = o["coefficients"]!.AsObject().Select(kv => (double)kv.Value!).ToArray();
        var reference = expected["coefficients"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.Equal(200, coefficients.Length);
        for (var j = 0; j < reference.Length; j++)
        {
            Assert.Equal(reference[j], coefficients[j], 1e-4);
        }

        Assert.Equal((double)expected["intercept"]!, (double)o["intercept"]!, 1e-4);
    }

    private static (double[][] X, int[] Y) WideTable()
    {
        var rng = new Random(16_2000);
        var x = new double[TableRows][];
        var y = new int[TableRows];
        for (var i = 0; i < TableRows; i++)
        {
            x[i] = new double[Columns];
            for (var j = 0; j < Columns; j++)
            {
                x[i][j] = Math.Round((rng.NextDouble() * 10) + j, 3);
            }

            var score = ((x[i][0] - 5) / 3) - ((x[i][1] - 6) / 3) + ((rng.NextDouble() - 0.5) * 2);
            y[i] = score > 0 ? 1 : 0;
        }

        return (x, y);
    }

    private static double[][] Standardize(double[][] x)
    {
        var result = x.Select(r => (double[])r.Clone()).ToArray();
        for (var j = 0; j < Columns; j++)
        {
            var mean = x.Average(r => r[j]);
            var sd = Math.Sqrt(x.Average(r => (r[j] - mean) * (r[j] - mean)));
            foreach (var r in result)
            {
                r[j] = (r[j] - mean) / sd;
            }
        }

        return result;
    }
}
