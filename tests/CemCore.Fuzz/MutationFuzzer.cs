using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace CemCore.Fuzz;

/// <summary>What one bounded run found.</summary>
internal sealed record FuzzSummary(string Harness, long Executions, TimeSpan Elapsed, int CorpusStart, int CorpusEnd, int Edges, int Rejected, IReadOnlyList<string> Crashes);

/// <summary>
/// A seeded, in-process mutation fuzzer for the bounded CI run (no AFL/libFuzzer needed). It starts from the committed corpus, applies
/// stacked byte mutations (bit flips, interesting bytes, dictionary tokens, deletions, repeated chunks, splices) with a fixed seed, and
/// treats every undocumented exception, a broken invariant and an input that runs longer than the hang limit as a crash. When the
/// CemCore assembly was instrumented by <c>sharpfuzz</c>, the edge bitmap that SharpFuzz's instrumentation writes is read after each
/// run and inputs that reach new edges join the corpus (coverage guidance); without instrumentation the mutation is blind.
/// </summary>
internal sealed unsafe class MutationFuzzer : IDisposable
{
    private const int MapSize = 1 << 16;
    private const int MaxInput = 1 << 18;

    private readonly Harness _harness;
    private readonly Random _random;
    private readonly List<byte[]> _corpus = [];
    private readonly byte[] _virgin = new byte[MapSize];
    private readonly byte* _map;
    private readonly string _findings;
    private readonly FileStream _current;
    private readonly Dictionary<string, string> _crashes = new(StringComparer.Ordinal);
    private readonly TimeSpan _hangLimit;
    private long _runStartedTicks;
    private int _edges;

    public MutationFuzzer(Harness harness, int seed, string findings, TimeSpan hangLimit)
    {
        _harness = harness;
        _random = new Random(seed);
        _findings = findings;
        _hangLimit = hangLimit;
        Directory.CreateDirectory(findings);
        _map = (byte*)NativeMemory.AllocZeroed(MapSize);
        SharpFuzz.Common.Trace.SharedMem = _map;

        // The input being run is written through to this file first, so a stack overflow (which kills the process) leaves it behind.
        _current = new FileStream(Path.Combine(findings, "current-input.bin"), FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public FuzzSummary Run(IEnumerable<byte[]> seeds, TimeSpan budget, long maxExecutions)
    {
        var clock = Stopwatch.StartNew();
        var watchdog = new Thread(Watch) { IsBackground = true, Name = "fuzz-watchdog" };
        watchdog.Start();
        long executions = 0;
        var rejected = 0;
        foreach (var seed in seeds)
        {
            var outcome = Execute(seed);
            executions++;
            rejected += outcome == Outcome.Rejected ? 1 : 0;
            _corpus.Add(seed);
        }

        if (_corpus.Count == 0)
        {
            _corpus.Add([]);
        }

        var start = _corpus.Count;
        while (clock.Elapsed < budget && executions < maxExecutions)
        {
            var child = Mutate(_corpus[_random.Next(_corpus.Count)]);
            var outcome = Execute(child);
            executions++;
            rejected += outcome == Outcome.Rejected ? 1 : 0;
            if (outcome != Outcome.Crash && NewCoverage() && _corpus.Count < 4096)
            {
                _corpus.Add(child);
            }
        }

        Volatile.Write(ref _runStartedTicks, -1);
        return new FuzzSummary(_harness.Name, executions, clock.Elapsed, start, _corpus.Count, _edges, rejected, [.. _crashes.Values]);
    }

    public void Dispose()
    {
        Volatile.Write(ref _runStartedTicks, -1);
        SharpFuzz.Common.Trace.SharedMem = null;
        NativeMemory.Free(_map);
        _current.Dispose();
        File.Delete(Path.Combine(_findings, "current-input.bin"));
    }

    /// <summary>Runs one input once and reports its outcome (no mutation, no corpus).</summary>
    public static (Outcome Outcome, Exception? Error) RunOnce(Harness harness, byte[] input)
    {
        try
        {
            harness.Run(input);
            return (Outcome.Accepted, null);
        }
        catch (Exception e) when (harness.IsDocumented(e))
        {
            return (Outcome.Rejected, e);
        }
#pragma warning disable CA1031 // Every other exception is the finding.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (Outcome.Crash, e);
        }
    }

    private Outcome Execute(byte[] input)
    {
        _current.SetLength(0);
        _current.Write(input);
        new Span<byte>(_map, MapSize).Clear();
        SharpFuzz.Common.Trace.PrevLocation = 0;
        Volatile.Write(ref _runStartedTicks, Stopwatch.GetTimestamp());
        var (outcome, error) = RunOnce(_harness, input);
        Volatile.Write(ref _runStartedTicks, 0);
        if (outcome == Outcome.Crash)
        {
            Record(input, error!);
        }

        return outcome;
    }

    private void Record(byte[] input, Exception error)
    {
        var frame = error.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at CemCore.", StringComparison.Ordinal) && !l.StartsWith("at CemCore.Fuzz.", StringComparison.Ordinal)) ?? "?";
        var key = error.GetType().FullName + " " + frame;
        if (_crashes.ContainsKey(key))
        {
            return;
        }

        var name = "crash-" + Convert.ToHexStringLower(SHA256.HashData(input))[..16];
        File.WriteAllBytes(Path.Combine(_findings, name + ".bin"), input);
        File.WriteAllText(Path.Combine(_findings, name + ".txt"), error.ToString());
        _crashes[key] = string.Create(CultureInfo.InvariantCulture, $"{name}: {error.GetType().Name} {frame}");
        Console.Error.WriteLine($"[{_harness.Name}] CRASH {name}: {error.GetType().Name}: {error.Message} {frame}");
    }

    private bool NewCoverage()
    {
        var found = false;
        for (var i = 0; i < MapSize; i++)
        {
            var hits = _map[i];
            if (hits == 0)
            {
                continue;
            }

            // AFL-style hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+.
            var bucket = (byte)(hits switch { 1 => 1, 2 => 2, 3 => 4, < 8 => 8, < 16 => 16, < 32 => 32, < 128 => 64, _ => 128 });
            if ((_virgin[i] & bucket) == 0)
            {
                if (_virgin[i] == 0)
                {
                    _edges++;
                }

                _virgin[i] |= bucket;
                found = true;
            }
        }

        return found;
    }

    private void Watch()
    {
        while (true)
        {
            Thread.Sleep(250);
            var started = Volatile.Read(ref _runStartedTicks);
            if (started < 0)
            {
                return;
            }

            if (started > 0 && Stopwatch.GetElapsedTime(started) > _hangLimit)
            {
                var input = File.ReadAllBytes(Path.Combine(_findings, "current-input.bin"));
                var name = "hang-" + Convert.ToHexStringLower(SHA256.HashData(input))[..16];
                File.WriteAllBytes(Path.Combine(_findings, name + ".bin"), input);
                Console.Error.WriteLine($"[{_harness.Name}] HANG {name}: one input ran longer than {_hangLimit.TotalSeconds} s");
                Environment.Exit(3);
            }
        }
    }

    private byte[] Mutate(byte[] parent)
    {
        var data = new List<byte>(parent);
        var stack = 1 << _random.Next(4);
        for (var s = 0; s < stack; s++)
        {
            switch (_random.Next(10))
            {
                case 0 when data.Count > 0:
                    var bit = _random.Next(data.Count * 8);
                    data[bit / 8] ^= (byte)(1 << (bit % 8));
                    break;
                case 1 when data.Count > 0:
                    data[_random.Next(data.Count)] = Interesting[_random.Next(Interesting.Length)];
                    break;
                case 2 or 3 when _harness.Dictionary.Count > 0:
                    data.InsertRange(_random.Next(data.Count + 1), _harness.Dictionary[_random.Next(_harness.Dictionary.Count)]);
                    break;
                case 4 when data.Count > 0 && _harness.Dictionary.Count > 0:
                    {
                        // Overwrite a run of the input with a token (keeps the length roughly, e.g. replaces a number).
                        var token = _harness.Dictionary[_random.Next(_harness.Dictionary.Count)];
                        var at = _random.Next(data.Count);
                        var len = Math.Min(data.Count - at, 1 + _random.Next(8));
                        data.RemoveRange(at, len);
                        data.InsertRange(at, token);
                        break;
                    }

                case 5 when data.Count > 1:
                    {
                        var at = _random.Next(data.Count);
                        data.RemoveRange(at, Math.Min(data.Count - at, 1 + _random.Next(Math.Min(64, data.Count))));
                        break;
                    }

                case 6 when data.Count > 0:
                    {
                        // Repeat a chunk (deep nesting, long lines, many rows).
                        var at = _random.Next(data.Count);
                        var len = Math.Min(data.Count - at, 1 + _random.Next(32));
                        var chunk = data.GetRange(at, len);
                        var times = 1 << _random.Next(11);
                        for (var t = 0; t < times && data.Count + len <= MaxInput; t++)
                        {
                            data.InsertRange(at, chunk);
                        }

                        break;
                    }

                case 7 when _corpus.Count > 1:
                    {
                        var other = _corpus[_random.Next(_corpus.Count)];
                        if (other.Length > 0)
                        {
                            var from = _random.Next(other.Length);
                            var len = 1 + _random.Next(other.Length - from);
                            data.InsertRange(_random.Next(data.Count + 1), other.AsSpan(from, len).ToArray());
                        }

                        break;
                    }

                case 8 when data.Count > 0:
                    {
                        var at = _random.Next(data.Count);
                        data.RemoveRange(at, data.Count - at);
                        break;
                    }

                default:
                    data.Insert(_random.Next(data.Count + 1), (byte)_random.Next(256));
                    break;
            }
        }

        if (data.Count > MaxInput)
        {
            data.RemoveRange(MaxInput, data.Count - MaxInput);
        }

        return [.. data];
    }

    private static readonly byte[] Interesting = [0, 0xFF, 0x7F, 0x80, 0xC0, 0xEF, 0xBB, 0xBF, (byte)'"', (byte)',', (byte)'\n', (byte)'\r', (byte)'{', (byte)'}',
        (byte)'[', (byte)']', (byte)':', (byte)'-', (byte)'+', (byte)'.', (byte)'e', (byte)'9', (byte)'0', (byte)' ', (byte)'\\', (byte)';', (byte)'@'];
}

/// <summary>How one input ended.</summary>
internal enum Outcome
{
    /// <summary>Parsed.</summary>
    Accepted,

    /// <summary>Rejected with a documented exception.</summary>
    Rejected,

    /// <summary>Anything else.</summary>
    Crash,
}
