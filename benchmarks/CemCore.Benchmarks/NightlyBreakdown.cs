using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Personalization;
using CemCore.Segmentation.Rfm;
using CemCore.Synthetic;

namespace CemCore.Benchmarks;

/// <summary>
/// Where one chunk of the nightly pipeline's phase 2 spends its time (issue 17, twenty-sixth session): <c>nightly-load --breakdown</c>
/// generates one chunk once (<c>--chunk</c> customers, default 250,000, of the 1M-customer data set), then times, round after round in
/// this process, the parts of <see cref="NightlyLoad"/>'s phase 2 one by one: the features (<see cref="FeatureExtractor.Compute"/>),
/// making the per-customer <see cref="CustomerFeatures"/> objects (the first enumeration of the set), pairing them with the profiles,
/// and <see cref="CustomerScorer.Score"/>; then the CLV estimate alone over the same buyers. Each part's minor page faults are counted
/// (on this kind of virtual machine a first touch of a 4 KiB page costs ~10 µs). Run it as the load script's children run (pinned,
/// server GC, no call-counting delay), e.g. <c>taskset -c 0 env DOTNET_gcServer=1 DOTNET_GCgen0size=0x4000000
/// DOTNET_TC_CallCountingDelayMs=0 …/CemCore.Benchmarks nightly-load --breakdown</c>. A diagnostic, not a benchmark: no peer.
/// </summary>
internal static class NightlyBreakdown
{
    public static int Run(int chunk, int rounds, int seed, double purchasesPerYear)
    {
        if (chunk < 1 || rounds < 2)
        {
            Console.Error.WriteLine($"nightly-load --breakdown: --chunk must be at least 1 and --rounds at least 2 (got {chunk} and {rounds}).");
            return 2;
        }

        var sample = NightlyLoad.SampleModels();
        var featureSettings = NightlyLoad.ChunkFeatureSettings;
        var data = new RetailDataSettings(customers: Math.Max(chunk, 1_000_000), seed: seed, meanPurchasesPerYear: purchasesPerYear);
        var asOf = data.EndInstant;
        var table = RetailDataGenerator.GenerateTableRange(data, 0, chunk);
        var profiles = RetailDataGenerator.GenerateCustomersRange(data, 0, chunk).ToArray();
        var rfm = RfmSettings.Default;
        var cuts = RfmPartial.Merge([RfmPartial.Create(RfmValues.FromTransactions(table, asOf), rfm)]).ToCutPoints(rfm);
        var scorer = NightlyLoad.Scorer(sample, cuts, asOf);
        var clv = sample.Clv ?? throw new InvalidOperationException("The sample run fitted no CLV model.");
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv,
            $"// one chunk: {chunk:N0} customers, {table.Count:N0} rows; processors {Environment.ProcessorCount}, server GC {System.Runtime.GCSettings.IsServerGC}, " +
            $"call-counting delay {(Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs") is { } d ? d + " ms" : "runtime default")}; " +
            $"first touch of new memory {(FirstTouchMicroseconds() is var touch && double.IsFinite(touch) ? touch.ToString("F1", inv) + " µs per 4 KiB page" : "not measured")}"));
        Console.WriteLine("| Round | Features | (faults) | Feature objects | (faults) | Pairing | Score | CLV estimate alone (second pass) | Buyers | Offers |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var perCustomer = new List<double[]>();
        for (var round = 0; round < rounds; round++)
        {
            var f0 = ParseMemory.ReadMinorFaults() ?? 0;
            var t0 = Stopwatch.GetTimestamp();
            var features = FeatureExtractor.Compute(table, asOf, featureSettings);
            var t1 = Stopwatch.GetTimestamp();
            var f1 = ParseMemory.ReadMinorFaults() ?? 0;
            var orders = 0L;
            foreach (var f in features)
            {
                orders += f.OrderCount; // the first enumeration makes each customer's features object
            }

            var t2 = Stopwatch.GetTimestamp();
            var f2 = ParseMemory.ReadMinorFaults() ?? 0;
            var pairs = new (CustomerProfile Profile, CustomerFeatures Features)[features.Count];
            var p = 0;
            var n = 0;
            foreach (var f in features)
            {
                p = NightlyLoad.ProfileIndex(profiles, p, f.CustomerId);
                pairs[n++] = (profiles[p], f);
            }

            var t3 = Stopwatch.GetTimestamp();
            var offers = 0;
            foreach (var (profile, f) in pairs)
            {
                offers += scorer.Score(profile, f, asOf).Offer.Status == DecisionStatus.Offer ? 1 : 0;
            }

            var t4 = Stopwatch.GetTimestamp();
            var value = 0.0;
            foreach (var (_, f) in pairs)
            {
                value += clv.Estimate(f.Btyd).Value ?? 0.0;
            }

            var t5 = Stopwatch.GetTimestamp();
            GC.KeepAlive(orders + value);
            double Ms(long a, long b) => Stopwatch.GetElapsedTime(a, b).TotalMilliseconds;
            Console.WriteLine(string.Create(inv,
                $"| {round} | {Ms(t0, t1):F0} ms | {f1 - f0:N0} | {Ms(t1, t2):F0} ms | {f2 - f1:N0} | {Ms(t2, t3):F0} ms | {Ms(t3, t4):F0} ms | {Ms(t4, t5):F0} ms | {n:N0} | {offers:N0} |"));
            if (round > 0)
            {
                perCustomer.Add([Ms(t0, t1) * 1e3 / chunk, Ms(t1, t2) * 1e3 / n, Ms(t2, t3) * 1e3 / n, Ms(t3, t4) * 1e3 / n, Ms(t4, t5) * 1e3 / n]);
            }
        }

        double Median(int part)
        {
            var v = perCustomer.Select(x => x[part]).Order().ToArray();
            return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
        }

        Console.WriteLine(string.Create(inv,
            $"// medians of rounds 1..{rounds - 1}: features {Median(0):F2} µs per customer; per buyer: feature object {Median(1):F2} µs, pairing {Median(2):F2} µs, " +
            $"score {Median(3):F2} µs (the CLV estimate alone {Median(4):F2} µs)"));
        return 0;
    }

    /// <summary>
    /// Time per page fault of a first touch: 64 MB from the C allocator (a fresh anonymous mapping at that size), written once per
    /// 4 KiB page. NaN off Linux or when fewer than 1,000 pages faulted (the memory was not new).
    /// </summary>
    private static double FirstTouchMicroseconds()
    {
        const int Bytes = 64 << 20;
        var block = Marshal.AllocHGlobal(Bytes);
        try
        {
            var before = ParseMemory.ReadMinorFaults();
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < Bytes; i += 4096)
            {
                Marshal.WriteByte(block, i, 1);
            }

            var elapsed = Stopwatch.GetElapsedTime(start);
            var faults = ParseMemory.ReadMinorFaults() - before;
            return faults is >= 1_000 ? elapsed.TotalMicroseconds / faults.Value : double.NaN;
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }
}
