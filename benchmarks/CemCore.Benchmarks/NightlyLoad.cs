using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Segmentation.Rfm;
using CemCore.Synthetic;

namespace CemCore.Benchmarks;

/// <summary>
/// The nightly pipeline load script at scale (issue #13: 10M customers / 100M transactions), outside BenchmarkDotNet because one run
/// takes minutes and its peak memory must be the run's own: <c>nightly-load --compare</c> starts one child process per worker count
/// (1 then 2), each pinned with <c>taskset</c> to as many cores as workers, with server GC, and writes the table.
/// </summary>
/// <remarks>
/// <para>Per worker (a dedicated thread, one contiguous customer range) the range is processed chunk by chunk, generated where it is
/// processed (<see cref="RetailDataGenerator.GenerateTableRange"/>) and dropped after, so no more than one chunk's rows per worker are
/// ever in memory. Phase 1: RFM values straight from the columnar rows (<see cref="RfmValues.FromTransactions"/>) and their
/// <see cref="RfmPartial"/>; the worker merges its partials. Coordinator (the only serial step): the workers' partials merged into the
/// population's cut-points, which become the scoring models' RFM cut-points. Phase 2: the chunk again, features, and per customer the RFM
/// score and segment from the merged cut-points, lifecycle, churn, CLV and the offer decision (<see cref="CustomerScorer"/>). Between the
/// phases only the partials (about 48 bytes per buyer) are kept. Generation (twice per chunk) is timed apart from the pipeline.</para>
/// </remarks>
internal static class NightlyLoad
{
    /// <summary>The purchase rate that gives about 10 transaction rows (order lines and returns) per customer, the issue's 10M / 100M ratio.</summary>
    public const double DefaultPurchasesPerYear = 7.5;

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    public static int Run(string[] args)
    {
        var options = Parse(args);
        if (options.ContainsKey("compare"))
        {
            return Compare(options);
        }

        var customers = Int(options, "customers", 1_000_000);
        var workers = Int(options, "workers", 1);
        var chunk = Int(options, "chunk", 250_000);
        var seed = Int(options, "seed", 7);
        var rate = Double(options, "purchases-per-year", DefaultPurchasesPerYear);
        var result = Measure(customers, workers, chunk, seed, rate);
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(result, s_json));
        return 0;
    }

    /// <summary>One measured run in this process.</summary>
    public static LoadResult Measure(int customers, int workers, int chunk, int seed, double purchasesPerYear)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        var sample = SamplePipeline.Run(new RetailDataSettings(customers: 5_000, seed: 42)).Models;
        var featureSettings = new FeatureSettings(TimeUnit.Week, maxDegreeOfParallelism: 1);
        var rfm = RfmSettings.Default;
        var data = new RetailDataSettings(customers: customers, seed: seed, meanPurchasesPerYear: purchasesPerYear);
        var asOf = data.EndInstant;
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var pauseBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);

        var states = new WorkerState[workers];
        for (var w = 0; w < workers; w++)
        {
            var first = (int)((long)customers * w / workers);
            var end = (int)((long)customers * (w + 1) / workers);
            states[w] = new WorkerState(first, end - first);
        }

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var contentionBefore = Monitor.LockContentionCount;
        var wall = Stopwatch.StartNew();

        // Phase 1 (parallel): per chunk, RFM values straight from the columnar rows and their partial; the worker merges its partials.
        RunWorkers(states, s =>
        {
            var partials = new List<RfmPartial>();
            for (var c = s.First; c < s.First + s.Count; c += chunk)
            {
                var n = Math.Min(chunk, s.First + s.Count - c);
                var t0 = Stopwatch.GetTimestamp();
                var table = RetailDataGenerator.GenerateTableRange(data, c, n);
                var t1 = Stopwatch.GetTimestamp();
                partials.Add(RfmPartial.Create(RfmValues.FromTransactions(table, asOf), rfm));
                s.Rows += table.Count;
                s.Generate += Stopwatch.GetElapsedTime(t0, t1);
                s.Phase1 += Stopwatch.GetElapsedTime(t1);
            }

            var m0 = Stopwatch.GetTimestamp();
            s.Partial = RfmPartial.Merge(partials);
            s.Phase1 += Stopwatch.GetElapsedTime(m0);
        });

        // Coordinator (serial): merge the workers' partials into the population's cut-points; the scoring models take them.
        var merge0 = Stopwatch.GetTimestamp();
        var cuts = RfmPartial.Merge(states.Select(s => s.Partial!)).ToCutPoints(rfm);
        foreach (var s in states)
        {
            s.Partial = null;
        }

        var merge = Stopwatch.GetElapsedTime(merge0);
        var scorer = new CustomerScorer(new ScoringModels(
            asOf, sample.Lifecycle, cuts, sample.SegmentMap, sample.Churn, sample.ChurnFeatures, sample.Clv, sample.Offers, sample.Features));

        // Phase 2 (parallel): per chunk, features, then per customer the RFM score and segment from the merged cut-points, lifecycle,
        // churn, CLV and the offer decision. The chunk's rows and profiles are generated again here (timed apart), so no phase keeps them.
        RunWorkers(states, s =>
        {
            for (var c = s.First; c < s.First + s.Count; c += chunk)
            {
                var n = Math.Min(chunk, s.First + s.Count - c);
                var t0 = Stopwatch.GetTimestamp();
                var table = RetailDataGenerator.GenerateTableRange(data, c, n);
                var profiles = RetailDataGenerator.GenerateCustomersRange(data, c, n).ToArray();
                var t1 = Stopwatch.GetTimestamp();
                var features = FeatureExtractor.Compute(table, asOf, featureSettings);
                var p = 0;
                foreach (var f in features)
                {
                    while (!string.Equals(profiles[p].Id, f.CustomerId, StringComparison.Ordinal))
                    {
                        p++; // customers without transactions have no features (the table's customers are the buyers, in index order)
                    }

                    var score = scorer.Score(profiles[p], f, asOf);
                    s.Offers += score.Offer.Status == DecisionStatus.Offer ? 1 : 0;
                    s.Checksum += (score.Rfm.Recency * 100) + (score.Rfm.Frequency * 10) + score.Rfm.Monetary;
                    s.Scored++;
                }

                s.Generate += Stopwatch.GetElapsedTime(t0, t1);
                s.Phase2 += Stopwatch.GetElapsedTime(t1);
            }
        });
        wall.Stop();

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var contentions = Monitor.LockContentionCount - contentionBefore;
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        return new LoadResult(
            customers,
            workers,
            chunk,
            states.Sum(s => s.Rows),
            states.Sum(s => s.Scored),
            states.Sum(s => s.Offers),
            states.Sum(s => s.Checksum),
            cuts.PurchaserCount,
            wall.Elapsed.TotalSeconds,
            states.Max(s => s.Phase1.TotalSeconds) + merge.TotalSeconds + states.Max(s => s.Phase2.TotalSeconds),
            states.Max(s => s.Phase1.TotalSeconds),
            merge.TotalSeconds,
            states.Max(s => s.Phase2.TotalSeconds),
            states.Max(s => s.Generate.TotalSeconds),
            process.PeakWorkingSet64 / (1024.0 * 1024.0),
            gc.HeapSizeBytes / (1024.0 * 1024.0),
            (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (1024.0 * 1024.0 * 1024.0),
            (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds,
            GC.CollectionCount(2) - gen2Before,
            System.Runtime.GCSettings.IsServerGC,
            Environment.ProcessorCount,
            cpu,
            contentions);
    }

    private static void RunWorkers(WorkerState[] states, Action<WorkerState> body)
    {
        // Dedicated threads, one per worker: no scheduler between the workers and no shared mutable state until the join.
        var errors = new Exception?[states.Length];
        var threads = new Thread[states.Length];
        for (var w = 0; w < states.Length; w++)
        {
            var index = w;
            threads[w] = new Thread(() =>
            {
                try
                {
                    body(states[index]);
                }
                catch (Exception ex)
                {
                    errors[index] = ex;
                }
            }, 16 * 1024 * 1024)
            { IsBackground = true, Name = "nightly-worker-" + index.ToString(CultureInfo.InvariantCulture) };
            threads[w].Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        if (errors.FirstOrDefault(e => e is not null) is { } error)
        {
            throw new InvalidOperationException("A nightly worker failed.", error);
        }
    }

    private static int Compare(Dictionary<string, string> options)
    {
        var customers = Int(options, "customers", 1_000_000);
        var chunk = Int(options, "chunk", 250_000);
        var seed = Int(options, "seed", 7);
        var rate = Double(options, "purchases-per-year", DefaultPurchasesPerYear);
        var counts = options.TryGetValue("workers", out var w) ? w.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray() : [1, 2];
        var results = new List<LoadResult>();
        foreach (var workers in counts)
        {
            var cpus = string.Join(',', Enumerable.Range(0, Math.Min(workers, Environment.ProcessorCount)));
            var self = typeof(NightlyLoad).Assembly.Location;
            var start = new ProcessStartInfo("taskset")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            // Started as `dotnet CemCore.Benchmarks.dll` the child needs the dll; started through the apphost (`dotnet run`) it does not.
            var host = Environment.ProcessPath ?? "dotnet";
            string[] program = string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.Ordinal) ? [host, self] : [host];
            foreach (var a in (string[])["-c", cpus, .. program, "nightly-load",
                "--customers", Str(customers), "--workers", Str(workers), "--chunk", Str(chunk), "--seed", Str(seed), "--purchases-per-year", rate.ToString("R", CultureInfo.InvariantCulture)])
            {
                start.ArgumentList.Add(a);
            }

            start.Environment["DOTNET_gcServer"] = "1";
            start.Environment["DOTNET_GCgen0size"] = "0x4000000"; // 64 MB gen0 budget per heap: fewer gen0 GCs over the per-customer objects
            Console.Error.WriteLine($"// running {workers} worker(s) on CPU {cpus}: {string.Join(' ', start.ArgumentList)}");
            using var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start the child process.");
            string? line;
            LoadResult? result = null;
            while ((line = child.StandardOutput.ReadLine()) is not null)
            {
                if (line.StartsWith("RESULT ", StringComparison.Ordinal))
                {
                    result = JsonSerializer.Deserialize<LoadResult>(line["RESULT ".Length..], s_json);
                }
                else
                {
                    Console.Error.WriteLine(line);
                }
            }

            child.WaitForExit();
            if (child.ExitCode != 0 || result is null)
            {
                Console.Error.WriteLine($"// the {workers}-worker run failed (exit {child.ExitCode})");
                return 1;
            }

            results.Add(result);
        }

        var table = Table(results);
        Console.WriteLine(table);
        if (options.TryGetValue("out", out var path))
        {
            File.AppendAllText(path, table + Environment.NewLine);
        }

        return 0;
    }

    private static string Table(List<LoadResult> results)
    {
        var inv = CultureInfo.InvariantCulture;
        var baseline = results[0];
        var lines = new List<string>
        {
            "| Workers (cores) | Customers | Transaction rows | Scored | Offers | RFM checksum | Pipeline time | Speed-up | Phase 1 | RFM merge (serial) | Phase 2 | Generation (apart) | Wall incl. generation | CPU time / wall | Peak working set | Allocated | GC pause | Gen2 GCs | Lock contentions |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        foreach (var r in results)
        {
            lines.Add(string.Create(inv,
                $"| {r.Workers} | {r.Customers:N0} | {r.Rows:N0} | {r.Scored:N0} | {r.Offers:N0} | {r.RfmChecksum} | {r.PipelineSeconds:F1} s | {baseline.PipelineSeconds / r.PipelineSeconds:F2}× | {r.Phase1Seconds:F1} s | {r.MergeSeconds:F2} s | {r.Phase2Seconds:F1} s | {r.GenerateSeconds:F1} s | {r.WallSeconds:F1} s | {r.CpuSeconds:F1} s / {r.CpuSeconds / r.WallSeconds:F2} | {r.PeakWorkingSetMb:N0} MB | {r.AllocatedGb:F1} GB | {r.GcPauseSeconds:F1} s | {r.Gen2Collections} | {r.LockContentions} |"));
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.", nameof(args));
            }

            var name = args[i][2..];
            options[name] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }

        return options;
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var v) ? int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

    private static double Double(Dictionary<string, string> options, string name, double fallback) =>
        options.TryGetValue(name, out var v) ? double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) : fallback;

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class WorkerState(int first, int count)
    {
        public int First { get; } = first;

        public int Count { get; } = count;

        public RfmPartial? Partial { get; set; }

        public long Rows { get; set; }

        public long Scored { get; set; }

        public long Offers { get; set; }

        public long Checksum { get; set; }

        public TimeSpan Generate { get; set; }

        public TimeSpan Phase1 { get; set; }

        public TimeSpan Phase2 { get; set; }
    }
}

/// <summary>The outcome of one load run (one process).</summary>
internal sealed record LoadResult(
    int Customers,
    int Workers,
    int Chunk,
    long Rows,
    long Scored,
    long Offers,
    long RfmChecksum,
    int Purchasers,
    double WallSeconds,
    double PipelineSeconds,
    double Phase1Seconds,
    double MergeSeconds,
    double Phase2Seconds,
    double GenerateSeconds,
    double PeakWorkingSetMb,
    double HeapMb,
    double AllocatedGb,
    double GcPauseSeconds,
    int Gen2Collections,
    bool ServerGc,
    int Processors,
    double CpuSeconds,
    long LockContentions);
