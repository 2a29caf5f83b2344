using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;
using CemCore.Tests.TestSupport;
using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Sources.Csv;

namespace CemCore.Cli.Tests;

/// <summary>
/// The CLI path end to end: the CDNOW log converted at test time into a temporary customer_id,timestamp,amount CSV (never committed),
/// read by <see cref="CsvTransactionReader"/>, split at 1997-09-30 inclusive, fitted. Published values: Fader, Hardie &amp; Lee (2005), "Counting your customers the easy way" (BG/NBD) and "RFM and CLV" (Pareto/NBD, Gamma-Gamma).
/// Moved from CemCore.Tests: here the CLI is always built by the project reference, so the CLI tests never skip for a missing build.
/// </summary>
public sealed class ClvCdnowCliTests
{
    [ReferenceDataFact]
    public void CsvPath_CdnowLog_ReproducesPublishedBgNbd()
    {
        var path = CdnowCsvTempFile();
        try
        {
            var table = CsvTransactionReader.ReadTable(path);
            var split = CalibrationHoldoutSplit.Create(table, new DateOnly(1997, 9, 30), new DateOnly(1997, 9, 30), new FeatureSettings(TimeUnit.Week));
            var fit = BgNbdModel.Fit(split.ToBtydData());
            Assert.Equal(0.243, fit.Model.R, 0.0005);
            Assert.Equal(4.414, fit.Model.Alpha, 0.0005);
            Assert.Equal(0.793, fit.Model.A, 0.0005);
            Assert.Equal(2.426, fit.Model.B, 0.0005);
            Assert.Equal(-9582.4292, fit.Diagnostics.LogLikelihood, 0.001);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [ReferenceDataFact]
    public void Cli_FitJson_Cdnow_PublishedValues()
    {
        var path = CdnowCsvTempFile();
        try
        {
            var (code, stdout, stderr) = Run("clv", "fit", "--transactions", path, "--model", "paretonbd", "--calibration-end", "1997-09-30", "--format", "json");
            Assert.True(code == 0, stderr);
            var o = JsonNode.Parse(stdout)!.AsObject();
            Assert.Equal("paretonbd", (string)o["model"]!);
            Assert.Equal(2357, (int)o["customers"]!);
            Assert.True((bool)o["converged"]!);
            Assert.Equal(0.553, (double)o["parameters"]!["r"]!, 0.0005);
            Assert.Equal(10.578, (double)o["parameters"]!["alpha"]!, 0.0005);
            Assert.Equal(0.606, (double)o["parameters"]!["s"]!, 0.0005);
            Assert.Equal(11.669, (double)o["parameters"]!["beta"]!, 0.0005);
            Assert.Equal(-9595.0, (double)o["logLikelihood"]!, 0.05);

            var gg = JsonNode.Parse(Run("clv", "fit", "--transactions", path, "--model", "gammagamma", "--calibration-end", "1997-09-30", "--format", "json").Stdout)!;
            Assert.Equal(6.25, (double)gg["parameters"]!["p"]!, 0.005);
            Assert.Equal(3.74, (double)gg["parameters"]!["q"]!, 0.005);
            Assert.Equal(15.44, (double)gg["parameters"]!["gamma"]!, 0.005);
            Assert.Equal(946, (int)gg["customers"]!);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [ReferenceDataFact]
    public void Cli_Predict_WritesCsv_AndBadUsageExits2()
    {
        var path = CdnowCsvTempFile();
        var outPath = Path.ChangeExtension(path, ".out.csv");
        try
        {
            var (code, _, stderr) = Run("clv", "predict", "--transactions", path, "--calibration-end", "1997-09-30", "--horizon", "39", "--out", outPath);
            Assert.True(code == 0, stderr);
            var lines = File.ReadAllLines(outPath);
            Assert.Equal("customer_id,frequency,recency,T,p_alive,expected_purchases", lines[0]);
            Assert.Equal(2358, lines.Length);

            // Customer 1: x = 2, t_x = 30.43, T = 38.86 (cbs row 1); P(alive) and E[Y(39)] at the fitted parameters.
            var row = lines.Single(l => l.StartsWith("1,", StringComparison.Ordinal)).Split(',');
            var model = new BgNbdModel(0.243, 4.414, 0.793, 2.426);
            Assert.Equal(model.ProbabilityAlive(2, 213 / 7.0, 272 / 7.0), double.Parse(row[4], CultureInfo.InvariantCulture), 1e-3);
            Assert.Equal(model.ConditionalExpectedPurchases(39, 2, 213 / 7.0, 272 / 7.0), double.Parse(row[5], CultureInfo.InvariantCulture), 1e-3);

            Assert.Equal(2, Run("clv", "fit", "--transactions", path, "--model", "nope", "--calibration-end", "1997-09-30").Code);
            Assert.Equal(2, Run("clv", "predict", "--transactions", path, "--calibration-end", "1997-09-30", "--out", outPath).Code);
            Assert.Equal(2, Run("clv", "fit", "--transactions", path, "--model", "bgnbd", "--calibration-end", "1990-01-01").Code);
        }
        finally
        {
            File.Delete(path);
            File.Delete(outPath);
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var r = CliRunner.Run(args);
        return (r.ExitCode, r.StdOut, r.StdErr);
    }

    /// <summary>The CDNOW sample log as a temporary customer_id,timestamp,amount CSV .</summary>
    private static string CdnowCsvTempFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cemcore-clv-{Guid.NewGuid():N}.csv");
        using var w = new StreamWriter(path);
        w.WriteLine("customer_id,timestamp,amount");
        foreach (var line in File.ReadLines(ReferenceData.PathOf("cdnow", "CDNOW_sample.txt")))
        {
            var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (p.Length < 5)
            {
                continue;
            }

            var id = int.Parse(p[1], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
            w.WriteLine($"{id},{p[2][..4]}-{p[2][4..6]}-{p[2][6..]},{p[4]}");
        }

        return path;
    }
}
