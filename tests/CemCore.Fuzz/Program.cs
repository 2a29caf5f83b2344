using System.Globalization;
using CemCore.Fuzz;
using SharpFuzz;

// cemcore-fuzz: see docs/fuzzing.md.
//   list                                   the harnesses
//   run [options]                          bounded in-process mutation run over the committed corpus (CI)
//   repro HARNESS PATH...                  runs files (or every file of folders) once; exit 1 on a crash
//   afl HARNESS                            SharpFuzz entry point for afl-fuzz (long runs, instrumented CemCore.dll)
//   libfuzzer HARNESS                      SharpFuzz entry point for libfuzzer-dotnet (long runs, instrumented CemCore.dll)
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: CemCore.Fuzz list | run [--harness NAME|all] [--seconds S] [--iterations N] [--seed N] [--corpus DIR] [--findings DIR] [--hang-seconds S] | repro HARNESS PATH... | afl HARNESS | libfuzzer HARNESS");
    return args.Length == 0 ? 2 : 0;
}

switch (args[0])
{
    case "list":
        foreach (var h in Harnesses.All)
        {
            Console.WriteLine($"{h.Name,-22} {h.Summary}");
        }

        return 0;
    case "run":
        return RunBounded(args[1..]);
    case "repro" when args.Length >= 3:
        return Repro(Require(args[1]), args[2..]);
    case "afl" when args.Length == 2:
        {
            var h = Require(args[1]);
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                RunOrRethrow(h, ms.ToArray());
            });
            return 0;
        }

    case "libfuzzer" when args.Length == 2:
        {
            var h = Require(args[1]);
            Fuzzer.LibFuzzer.Run(span => RunOrRethrow(h, span.ToArray()));
            return 0;
        }

    default:
        Console.Error.WriteLine($"unknown command '{args[0]}' (try --help)");
        return 2;
}

static Harness Require(string name) =>
    Harnesses.Find(name) ?? throw new ArgumentException($"unknown harness '{name}'; known: {string.Join(", ", Harnesses.All.Select(h => h.Name))}", nameof(name));

// Documented rejections are normal; anything else escapes so that AFL/libFuzzer record the input as a crash.
static void RunOrRethrow(Harness h, byte[] input)
{
    var (outcome, error) = MutationFuzzer.RunOnce(h, input);
    if (outcome == Outcome.Crash)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error!).Throw();
    }
}

static int Repro(Harness h, string[] paths)
{
    var crashes = 0;
    foreach (var file in paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
    {
        var (outcome, error) = MutationFuzzer.RunOnce(h, File.ReadAllBytes(file));
        Console.WriteLine($"{Path.GetFileName(file)}: {outcome}{(error is null ? string.Empty : " " + error.GetType().Name + ": " + error.Message)}");
        if (outcome == Outcome.Crash)
        {
            Console.WriteLine(error);
            crashes++;
        }
    }

    return crashes == 0 ? 0 : 1;
}

static int RunBounded(string[] options)
{
    string harness = "all", corpus = Path.Combine(AppContext.BaseDirectory, "corpus"), findings = Path.Combine("artifacts", "fuzz");
    double seconds = 4, hang = 10;
    long iterations = long.MaxValue;
    var seed = 20261204;
    for (var i = 0; i + 1 < options.Length; i += 2)
    {
        var v = options[i + 1];
        switch (options[i])
        {
            case "--harness": harness = v; break;
            case "--seconds": seconds = double.Parse(v, CultureInfo.InvariantCulture); break;
            case "--iterations": iterations = long.Parse(v, CultureInfo.InvariantCulture); break;
            case "--seed": seed = int.Parse(v, CultureInfo.InvariantCulture); break;
            case "--corpus": corpus = v; break;
            case "--findings": findings = v; break;
            case "--hang-seconds": hang = double.Parse(v, CultureInfo.InvariantCulture); break;
            default: Console.Error.WriteLine($"unknown option '{options[i]}'"); return 2;
        }
    }

    var selected = harness == "all" ? Harnesses.All : [Require(harness)];
    var failed = false;
    Console.WriteLine($"| harness | executions | seconds | exec/s | corpus (seeds → kept) | edges | rejected | crashes |");
    Console.WriteLine($"|---|---:|---:|---:|---|---:|---:|---|");
    foreach (var h in selected)
    {
        var dir = Path.Combine(corpus, h.Name);
        var seeds = Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList() : [];
        using var fuzzer = new MutationFuzzer(h, seed, Path.Combine(findings, h.Name), TimeSpan.FromSeconds(hang));
        var s = fuzzer.Run(seeds, TimeSpan.FromSeconds(seconds), iterations);
        failed |= s.Crashes.Count > 0;
        var rate = s.Executions / Math.Max(s.Elapsed.TotalSeconds, 1e-9);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Harness} | {s.Executions:N0} | {s.Elapsed.TotalSeconds:F1} | {rate:N0} | {s.CorpusStart} → {s.CorpusEnd} | {s.Edges} | {s.Rejected:N0} | {(s.Crashes.Count == 0 ? "0" : string.Join("; ", s.Crashes))} |"));
    }

    return failed ? 1 : 0;
}
