using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Sources.Csv;
using CemCore.Tests.TestSupport;

namespace CemCore.Tests.Clv;

/// <summary>
/// The CLI path end to end: the CDNOW log converted at test time into a temporary customer_id,timestamp,amount CSV (never committed),
/// read by <see cref="CsvTransactionReader"/>, split at 1997-09-30 inclusive, fitted. Published values: FHL (2005), see <see cref="BtydFitTests"/>.
/// </summary>
public sealed class ClvCliTests
{
    [ReferenceDataFact]
    public void CsvPath_CdnowLog_ReproducesPublishedBgNbd()
    {
        var path = ClvTestData.CdnowCsvTempFile();
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

    [CliFact]
    public void Cli_FitJson_Cdnow_PublishedValues()
    {
        var path = ClvTestData.CdnowCsvTempFile();
        try
        {
            var (code, stdout, stderr) = RunCli("clv", "fit", "--transactions", path, "--model", "paretonbd", "--calibration-end", "1997-09-30", "--format", "json");
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

            var gg = JsonNode.Parse(RunCli("clv", "fit", "--transactions", path, "--model", "gammagamma", "--calibration-end", "1997-09-30", "--format", "json").Stdout)!;
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

    [CliFact]
    public void Cli_Predict_WritesCsv_AndBadUsageExits2()
    {
        var path = ClvTestData.CdnowCsvTempFile();
        var outPath = Path.ChangeExtension(path, ".out.csv");
        try
        {
            var (code, _, stderr) = RunCli("clv", "predict", "--transactions", path, "--calibration-end", "1997-09-30", "--horizon", "39", "--out", outPath);
            Assert.True(code == 0, stderr);
            var lines = File.ReadAllLines(outPath);
            Assert.Equal("customer_id,frequency,recency,T,p_alive,expected_purchases", lines[0]);
            Assert.Equal(2358, lines.Length);

            // Customer 1: x = 2, t_x = 30.43, T = 38.86 (cbs row 1); P(alive) and E[Y(39)] at the fitted parameters.
            var row = lines.Single(l => l.StartsWith("1,", StringComparison.Ordinal)).Split(',');
            var model = new BgNbdModel(0.243, 4.414, 0.793, 2.426);
            Assert.Equal(model.ProbabilityAlive(2, 213 / 7.0, 272 / 7.0), double.Parse(row[4], CultureInfo.InvariantCulture), 1e-3);
            Assert.Equal(model.ConditionalExpectedPurchases(39, 2, 213 / 7.0, 272 / 7.0), double.Parse(row[5], CultureInfo.InvariantCulture), 1e-3);

            Assert.Equal(2, RunCli("clv", "fit", "--transactions", path, "--model", "nope", "--calibration-end", "1997-09-30").Code);
            Assert.Equal(2, RunCli("clv", "predict", "--transactions", path, "--calibration-end", "1997-09-30", "--out", outPath).Code);
            Assert.Equal(2, RunCli("clv", "fit", "--transactions", path, "--model", "bgnbd", "--calibration-end", "1990-01-01").Code);
        }
        finally
        {
            File.Delete(path);
            File.Delete(outPath);
        }
    }

    internal static string? CliDll()
    {
        // artifacts/bin/CemCore.Tests/<config>/ → artifacts/bin/CemCore.Cli/<config>/CemCore.Cli.dll
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var config = dir.Name;
        var path = Path.Combine(dir.Parent!.Parent!.FullName, "CemCore.Cli", config, "CemCore.Cli.dll");
        return File.Exists(path) ? path : null;
    }

    private static (int Code, string Stdout, string Stderr) RunCli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CliDll()!);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.GetAwaiter().GetResult(), stderr);
    }
}

/// <summary>Runs only when the reference data is available and the CLI has been built (dotnet build samples/CemCore.Cli).</summary>
public sealed class CliFactAttribute : FactAttribute
{
    public CliFactAttribute()
    {
        if (ReferenceData.Root is null)
        {
            Skip = ReferenceData.SkipReason;
        }
        else if (ClvCliTests.CliDll() is null)
        {
            Skip = "Build samples/CemCore.Cli (same configuration) to run the CLI end-to-end tests.";
        }
    }
}
