using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using CemCore.Forecasting;

namespace CemCore.Benchmarks;

/// <summary>
/// Forecasting performance (issue 11): the airline model (ARIMA(0,1,1)(0,1,1)[12] on log AirPassengers) fit and 12-step forecast,
/// <c>auto.arima</c>-style selection on AirPassengers (s = 12), and 10,000 store × category series (104 weekly points, ARIMA(1,0,1),
/// seeded) fitted and forecast in parallel. Peer in the same run: R 4.2.2 <c>stats::arima</c> and forecast 8.20 <c>auto.arima</c>
/// timed by benchmarks/peers/arima_r.R (Rscript, when installed), printed in the log as "// R peer" lines.
/// </summary>
[MemoryDiagnoser]
public class ForecastBenchmarks
{
    private const int Stores = 10_000;
    private static readonly ArimaSpecification Airline = new(0, 1, 1, 0, 1, 1, 12);
    private static readonly ArimaFitOptions Log = new(logTransform: true);
    private double[] _air = [];
    private double[][] _many = [];

    [GlobalSetup]
    public void Setup()
    {
        var file = Path.Combine(RepositoryRoot(), "tests", "CemCore.Tests", "ReferenceData", "Forecasting", "air.csv");
        _air = File.ReadAllLines(file).Skip(1).Where(l => l.Length > 0).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        var rng = new Random(42);
        _many = new double[Stores][];
        for (var s = 0; s < Stores; s++)
        {
            var x = new double[104];
            double prev = 0, prevE = 0;
            for (var t = 0; t < x.Length; t++)
            {
                var e = Gaussian(rng);
                prev = (0.6 * prev) + e + (0.3 * prevE);
                prevE = e;
                x[t] = 100 + (10 * prev);
            }

            _many[s] = x;
        }

        RunPeer();
    }

    /// <summary>Airline model: exact ML fit and 12-step forecast.</summary>
    [Benchmark]
    public double AirlineFit() => Arima.Fit(_air, Airline, Log).Forecast(12)[11].Mean;

    /// <summary>Automatic order selection on AirPassengers (s = 12).</summary>
    [Benchmark]
    public int AutoAirline() => AutoArima.Select(_air, 12).ModelsFitted;

    /// <summary>10,000 series fitted and forecast 8 steps, Parallel.For over all cores (series/s = 10,000 / time).</summary>
    [Benchmark]
    public double ManySeriesParallel()
    {
        var sums = new double[_many.Length];
        Parallel.For(0, _many.Length, i => sums[i] = Arima.Fit(_many[i], new ArimaSpecification(1, 0, 1)).Forecast(8)[7].Mean);
        return sums.Sum();
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static void RunPeer()
    {
        var script = Path.Combine(RepositoryRoot(), "benchmarks", "peers", "arima_r.R");
        try
        {
            using var p = Process.Start(new ProcessStartInfo("Rscript", [script]) { RedirectStandardOutput = true, UseShellExecute = false });
            if (p is null)
            {
                return;
            }

            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Console.WriteLine("// R peer: " + line);
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("// R peer: Rscript not installed");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CemCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CemCore.sln not found.");
    }
}
