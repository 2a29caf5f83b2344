using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using CemCore.Forecasting;

namespace CemCore.Benchmarks;

/// <summary>
/// Forecasting performance (issue 11): the airline model (ARIMA(0,1,1)(0,1,1)[12] on log AirPassengers) fit and 12-step forecast,
/// <c>auto.arima</c>-style selection on AirPassengers (s = 12), and 10,000 store × category series (104 weekly points, ARIMA(1,0,1),
/// seeded) fitted and forecast 8 steps: <c>Parallel.For</c> over all cores and one core, reported per series
/// (<c>OperationsPerInvoke</c> = 10,000: Mean is the time per series, series/s = 1/Mean, Allocated is per series).
/// Peer in the same run: R <c>stats::arima</c> and forecast <c>auto.arima</c> timed by benchmarks/peers/arima_r.R (Rscript, when
/// installed) in each benchmark's global setup, printed in the log as "// R peer" lines.
/// </summary>
[MemoryDiagnoser]
public class ForecastBenchmarks
{
    private const int Stores = 10_000;
    private static readonly ArimaSpecification Airline = new(0, 1, 1, 0, 1, 1, 12);
    private static readonly ArimaSpecification Arma11 = new(1, 0, 1);
    private static readonly ArimaFitOptions Log = new(logTransform: true);
    private double[] _air = [];
    private double[][] _many = [];

    [GlobalSetup(Target = nameof(AirlineFit))]
    public void SetupAirline()
    {
        Load();
        RunPeer("fit");
    }

    [GlobalSetup(Target = nameof(AutoAirline))]
    public void SetupAuto()
    {
        Load();
        RunPeer("auto");
    }

    [GlobalSetup(Targets = [nameof(ManySeriesParallel), nameof(ManySeriesOneCore)])]
    public void SetupMany()
    {
        Load();
        RunPeer("many");
    }

    /// <summary>Airline model: exact ML fit and 12-step forecast.</summary>
    [Benchmark]
    public double AirlineFit() => Arima.Fit(_air, Airline, Log).Forecast(12)[11].Mean;

    /// <summary>Automatic order selection on AirPassengers (s = 12).</summary>
    [Benchmark]
    public int AutoAirline() => AutoArima.Select(_air, 12).ModelsFitted;

    /// <summary>10,000 series fitted and forecast 8 steps, Parallel.For over all cores; figures per series.</summary>
    [Benchmark(OperationsPerInvoke = Stores)]
    public double ManySeriesParallel()
    {
        var sums = new double[_many.Length];
        Parallel.For(0, _many.Length, i => sums[i] = Arima.Fit(_many[i], Arma11).Forecast(8)[7].Mean);
        return sums.Sum();
    }

    /// <summary>The same 10,000 series on one thread; figures per series.</summary>
    [Benchmark(OperationsPerInvoke = Stores)]
    public double ManySeriesOneCore()
    {
        var sum = 0.0;
        foreach (var x in _many)
        {
            sum += Arima.Fit(x, Arma11).Forecast(8)[7].Mean;
        }

        return sum;
    }

    private void Load()
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
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static void RunPeer(string part)
    {
        var script = Path.Combine(RepositoryRoot(), "benchmarks", "peers", "arima_r.R");
        try
        {
            using var p = Process.Start(new ProcessStartInfo("Rscript", [script, part]) { RedirectStandardOutput = true, UseShellExecute = false });
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
