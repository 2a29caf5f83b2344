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
/// (1 then 2), each pinned with <c>taskset</c> to as many cores as workers, with server GC and, as docs/hosting.md recommends for batch
/// hosts, no call-counting delay (<c>--tiering batch</c>, the default; <c>--tiering default</c> keeps the runtime's), and writes the table.
/// </summary>
/// <remarks>
/// <para>The customers are processed in rounds; each round gives every worker (a dedicated thread) one chunk of a contiguous block of
/// workers × chunk customers. A round: every worker generates its chunk (<see cref="RetailDataGenerator.GenerateTableRange"/>; timed as
/// generation), a barrier, every worker runs the pipeline on its chunk (the pipeline window), a barrier. So no more than one chunk's rows
/// per worker are ever in memory, and the generator never runs inside a pipeline window: its allocations and the GC pauses they cause
/// (which stop every thread under server GC) are not charged to the pipeline, and each window ends when the slowest worker ends (load
/// imbalance is counted). Phase 1: RFM values straight from the columnar rows (<see cref="RfmValues.FromTransactions"/>) and the chunk's
/// <see cref="RfmPartial"/> (sorted runs). Coordinator (the only serial step): the partials merged lazily and the population's cut-points
/// selected from their runs, which become the scoring models' RFM cut-points. Phase 2: the chunk again, features, and per customer the RFM
/// score and segment from the merged cut-points, lifecycle, churn, CLV and the offer decision (<see cref="CustomerScorer"/>). Between the
/// phases only the partials (about 48 bytes per buyer) are kept.</para>
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

        if (options.ContainsKey("breakdown"))
        {
            return NightlyBreakdown.Run(Int(options, "chunk", 250_000), Int(options, "rounds", 6), Int(options, "seed", 7), Double(options, "purchases-per-year", DefaultPurchasesPerYear));
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

    /// <summary>The features of one chunk: weekly BTYD units, one thread (the workers are the parallelism).</summary>
    internal static FeatureSettings ChunkFeatureSettings { get; } = new(TimeUnit.Week, maxDegreeOfParallelism: 1);

    /// <summary>The scoring models of the sample run (5,000 synthetic customers) whose RFM cut-points phase 2 replaces.</summary>
    internal static ScoringModels SampleModels() => SamplePipeline.Run(new RetailDataSettings(customers: 5_000, seed: 42)).Models;

    /// <summary>Phase 2's scorer: the sample run's models with the population's RFM cut-points.</summary>
    internal static CustomerScorer Scorer(ScoringModels sample, RfmCutPoints cuts, DateTimeOffset asOf) => new(new ScoringModels(
        asOf, sample.Lifecycle, cuts, sample.SegmentMap, sample.Churn, sample.ChurnFeatures, sample.Clv, sample.Offers, sample.Features));

    /// <summary>The index of <paramref name="customerId"/>'s profile at or after <paramref name="from"/>: customers without
    /// transactions have no features (the table's customers are the buyers, in index order).</summary>
    internal static int ProfileIndex(CustomerProfile[] profiles, int from, string customerId)
    {
        while (!string.Equals(profiles[from].Id, customerId, StringComparison.Ordinal))
        {
            from++;
        }

        return from;
    }

    /// <summary>One measured run in this process.</summary>
    public static LoadResult Measure(int customers, int workers, int chunk, int seed, double purchasesPerYear)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        var sample = SampleModels();
        var featureSettings = ChunkFeatureSettings;
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
            states[w] = new WorkerState();
        }

        // Rounds: each round hands every worker one chunk of a contiguous block of workers × chunk customers (the same count ±1), so
        // the workers finish their rounds together; static partitioning (no work stealing: the generator's cost per customer does not
        // depend on the index).
        var perRound = (long)chunk * workers;
        var rounds = (int)((customers + perRound - 1) / perRound);
        var clock = new PhaseClock();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var contentionBefore = Monitor.LockContentionCount;
        var wall = Stopwatch.StartNew();

        // Phase 1 (parallel): per chunk, RFM values straight from the columnar rows and their partial (a sorted run); no merge in the workers.
        var partials = new RfmPartial[rounds, workers];
        RunRounds(states, rounds, customers, perRound, clock, 1, (s, w, k, first, n) =>
        {
            var table = RetailDataGenerator.GenerateTableRange(data, first, n);
            s.Rows += table.Count;
            return () => partials[k, w] = RfmPartial.Create(RfmValues.FromTransactions(table, asOf), rfm);
        });

        // Coordinator (serial): merge the chunks' partials (lazy: the runs side by side) and select the population's cut-points from them.
        var merge0 = Stopwatch.GetTimestamp();
        var cuts = RfmPartial.Merge(partials.Cast<RfmPartial>()).ToCutPoints(rfm);
        Array.Clear(partials);
        var merge = Stopwatch.GetElapsedTime(merge0);
        var scorer = Scorer(sample, cuts, asOf);

        // Phase 2 (parallel): per chunk, features, then per customer the RFM score and segment from the merged cut-points, lifecycle,
        // churn, CLV and the offer decision. The chunk's rows and profiles are generated again (outside the pipeline window), so no phase keeps them.
        RunRounds(states, rounds, customers, perRound, clock, 2, (s, w, k, first, n) =>
        {
            var table = RetailDataGenerator.GenerateTableRange(data, first, n);
            var profiles = RetailDataGenerator.GenerateCustomersRange(data, first, n).ToArray();
            return () =>
            {
                var features = FeatureExtractor.Compute(table, asOf, featureSettings);
                var p = 0;
                foreach (var f in features)
                {
                    p = ProfileIndex(profiles, p, f.CustomerId);
                    var score = scorer.Score(profiles[p], f, asOf);
                    s.Offers += score.Offer.Status == DecisionStatus.Offer ? 1 : 0;
                    s.Checksum += (score.Rfm.Recency * 100) + (score.Rfm.Frequency * 10) + score.Rfm.Monetary;
                    s.Scored++;
                }
            };
        });
        wall.Stop();

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var contentions = Monitor.LockContentionCount - contentionBefore;
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        var pipeline = clock.Pipeline[1] + merge.TotalSeconds + clock.Pipeline[2];
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
            pipeline,
            clock.Pipeline[1],
            merge.TotalSeconds,
            clock.Pipeline[2],
            clock.Generate,
            process.PeakWorkingSet64 / (1024.0 * 1024.0),
            gc.HeapSizeBytes / (1024.0 * 1024.0),
            (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (1024.0 * 1024.0 * 1024.0),
            (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds,
            GC.CollectionCount(2) - gen2Before,
            System.Runtime.GCSettings.IsServerGC,
            Environment.ProcessorCount,
            cpu,
            contentions)
        {
            PipelineCpuSeconds = clock.PipelineCpu,
            PipelineGcPauseSeconds = clock.PipelineGcPause,
            PipelineAllocatedGb = states.Sum(s => s.PipelineAllocated) / (1024.0 * 1024.0 * 1024.0),
            GenerateAllocatedGb = states.Sum(s => s.GenerateAllocated) / (1024.0 * 1024.0 * 1024.0),
            WorkerBusySeconds = [.. states.Select(s => s.Busy.TotalSeconds)],
            Phase1BusySeconds = [.. states.Select(s => s.Phase1Busy.TotalSeconds)],
            WorkerCpuSeconds = [.. states.Select(s => s.BusyCpu)],
        };
    }

    /// <summary>Runs the rounds of one phase on one dedicated thread per worker. Each round: every worker generates its chunk (timed as
    /// generation), a barrier, every worker runs the pipeline on it (the pipeline window, from the barrier to the last worker's end: it
    /// includes the wait for the slowest worker and every GC pause in it), a barrier. So the generator never runs inside a pipeline window,
    /// and its allocations and GC pauses are not charged to the pipeline (when one worker generated while another computed, the server GC
    /// the generator triggered stopped both).</summary>
    private static void RunRounds(
        WorkerState[] states, int rounds, int customers, long perRound, PhaseClock clock, int phase, Func<WorkerState, int, int, int, int, Action> generate)
    {
        var workers = states.Length;
        var windowStart = 0L;
        var cpuAt = TimeSpan.Zero;
        var pauseAt = TimeSpan.Zero;
        using var self = Process.GetCurrentProcess();
        var step = 0;
        var barrier = new Barrier(workers, _ =>
        {
            // Runs on the last worker to arrive; even steps end a generation window, odd steps end a pipeline window.
            var now = Stopwatch.GetTimestamp();
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            var pause = GC.GetTotalPauseDuration();
            if (step % 2 == 0)
            {
                clock.Generate += Stopwatch.GetElapsedTime(windowStart == 0 ? clock.Started : windowStart, now).TotalSeconds;
            }
            else
            {
                clock.Pipeline[phase] += Stopwatch.GetElapsedTime(windowStart, now).TotalSeconds;
                clock.PipelineCpu += (cpu - cpuAt).TotalSeconds;
                clock.PipelineGcPause += (pause - pauseAt).TotalSeconds;
            }

            windowStart = now;
            cpuAt = cpu;
            pauseAt = pause;
            step++;
        });
        clock.Started = Stopwatch.GetTimestamp();
        using (barrier)
        {
            RunWorkers(states, (s, w) =>
            {
                for (var k = 0; k < rounds; k++)
                {
                    var blockFirst = k * perRound;
                    var blockCount = Math.Min(perRound, customers - blockFirst);
                    var first = (int)(blockFirst + (blockCount * w / workers));
                    var end = (int)(blockFirst + (blockCount * (w + 1) / workers));
                    var a0 = GC.GetAllocatedBytesForCurrentThread();
                    var work = generate(s, w, k, first, end - first);
                    var a1 = GC.GetAllocatedBytesForCurrentThread();
                    barrier.SignalAndWait();
                    var cpu0 = ThreadCpuSeconds();
                    var t0 = Stopwatch.GetTimestamp();
                    work();
                    s.Busy += Stopwatch.GetElapsedTime(t0);
                    s.BusyCpu += ThreadCpuSeconds() - cpu0;
                    if (phase == 1)
                    {
                        s.Phase1Busy += Stopwatch.GetElapsedTime(t0);
                    }

                    s.GenerateAllocated += a1 - a0;
                    s.PipelineAllocated += GC.GetAllocatedBytesForCurrentThread() - a1;
                    barrier.SignalAndWait();
                }
            });
        }
    }

    /// <summary>The calling thread's CPU time (user + system) from <c>/proc/thread-self/stat</c>, in seconds (10 ms resolution); 0 where
    /// that file does not exist. Against the thread's busy wall time it tells time taken by other processes or spent blocked (a GC pause,
    /// a page fault) from time computing.</summary>
    private static double ThreadCpuSeconds()
    {
        const string Path = "/proc/thread-self/stat";
        if (!File.Exists(Path))
        {
            return 0;
        }

        var text = File.ReadAllText(Path);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are indexes 11 and 12; clock ticks of 1/100 s.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static void RunWorkers(WorkerState[] states, Action<WorkerState, int> body)
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
                    body(states[index], index);
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
        // The children run as docs/hosting.md recommends for a batch host (the worker sample's runtimeconfig): hot methods tier up at
        // once. "default" runs them with the runtime's own call-counting delay (100 ms after the last new tier-0 method, ten times
        // that with one processor), which a nightly run on one core paid for seconds (NightlyPipelineBenchmarks.md, twenty-sixth session).
        var tiering = options.TryGetValue("tiering", out var tier) ? tier : "batch";
        if (tiering is not ("batch" or "default"))
        {
            Console.Error.WriteLine($"nightly-load: --tiering must be batch or default (got '{tiering}').");
            return 2;
        }

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
            if (tiering == "batch")
            {
                start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
            }
            else
            {
                start.Environment.Remove("DOTNET_TC_CallCountingDelayMs");
            }

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

        var table = Table(results, tiering == "batch" ? "0 ms" : "runtime default");
        Console.WriteLine(table);
        if (options.TryGetValue("out", out var path))
        {
            File.AppendAllText(path, table + Environment.NewLine);
        }

        return 0;
    }

    private static string Table(List<LoadResult> results, string callCountingDelay)
    {
        var inv = CultureInfo.InvariantCulture;
        var baseline = results[0];
        var lines = new List<string>
        {
            "| Workers (cores) | Customers | Transaction rows | Scored | Offers | RFM checksum | Pipeline time | Speed-up | Phase 1 | RFM merge (serial) | Phase 2 | Pipeline CPU / time | Worker busy (share of pipeline) | Worker on-CPU while busy | Pipeline allocated | Pipeline GC pause | Generation (apart) | Generation allocated | Wall incl. generation | Peak working set | Gen2 GCs | Lock contentions | Call-counting delay |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        };
        foreach (var r in results)
        {
            var busy = string.Join(" / ", r.WorkerBusySeconds.Select(b => string.Create(inv, $"{b / (r.Phase1Seconds + r.Phase2Seconds):P0}")));
            var onCpu = string.Join(" / ", r.WorkerBusySeconds.Zip(r.WorkerCpuSeconds, (b, c) => string.Create(inv, $"{c / b:P0}")));
            lines.Add(string.Create(inv,
                $"| {r.Workers} | {r.Customers:N0} | {r.Rows:N0} | {r.Scored:N0} | {r.Offers:N0} | {r.RfmChecksum} | {r.PipelineSeconds:F1} s | {baseline.PipelineSeconds / r.PipelineSeconds:F2}× | {r.Phase1Seconds:F1} s | {r.MergeSeconds:F3} s | {r.Phase2Seconds:F1} s | {r.PipelineCpuSeconds:F1} s / {r.PipelineCpuSeconds / (r.Phase1Seconds + r.Phase2Seconds):F2} | {busy} | {onCpu} | {r.PipelineAllocatedGb:F1} GB | {r.PipelineGcPauseSeconds:F1} s | {r.GenerateSeconds:F1} s | {r.GenerateAllocatedGb:F1} GB | {r.WallSeconds:F1} s | {r.PeakWorkingSetMb:N0} MB | {r.Gen2Collections} | {r.LockContentions} | {callCountingDelay} |"));
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

    private sealed class PhaseClock
    {
        public long Started { get; set; }

        public double Generate { get; set; }

        public double[] Pipeline { get; } = new double[3];

        public double PipelineCpu { get; set; }

        public double PipelineGcPause { get; set; }
    }

    private sealed class WorkerState
    {
        public long Rows { get; set; }

        public long Scored { get; set; }

        public long Offers { get; set; }

        public long Checksum { get; set; }

        public TimeSpan Busy { get; set; }

        public TimeSpan Phase1Busy { get; set; }

        public double BusyCpu { get; set; }

        public long GenerateAllocated { get; set; }

        public long PipelineAllocated { get; set; }
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
    long LockContentions)
{
    /// <summary>Gets the process CPU time inside the pipeline windows (generation excluded).</summary>
    public double PipelineCpuSeconds { get; init; }

    /// <summary>Gets the GC pause time inside the pipeline windows.</summary>
    public double PipelineGcPauseSeconds { get; init; }

    /// <summary>Gets the bytes the workers allocated inside the pipeline windows.</summary>
    public double PipelineAllocatedGb { get; init; }

    /// <summary>Gets the bytes the workers allocated generating.</summary>
    public double GenerateAllocatedGb { get; init; }

    /// <summary>Gets each worker's time computing inside the pipeline windows (the rest of a window it waited for the slowest worker).</summary>
    public double[] WorkerBusySeconds { get; init; } = [];

    /// <summary>Gets each worker thread's CPU time while busy.</summary>
    public double[] WorkerCpuSeconds { get; init; } = [];

    /// <summary>Gets each worker's computing time in phase 1.</summary>
    public double[] Phase1BusySeconds { get; init; } = [];
}
