using System.CommandLine;
using System.CommandLine.Help;
using CemCore.Sources;

namespace CemCore.Cli.CommandLine;

/// <summary>
/// Parses and invokes the command tree with the CLI's error contract: a parse error or bad input prints one line on stderr
/// (<c>cemcore &lt;command&gt;: message</c>) and exits 2; an internal error exits 1; Ctrl+C cancels the command's token.
/// </summary>
internal static class CliHost
{
    /// <summary>
    /// Adds the commands to the root: only the one whose name is the first argument when there is one (the others are not needed to
    /// parse, run or show help for it), otherwise all of them (root help, <c>--version</c>, a directive, a response file, an unknown
    /// or misspelt name: the root's help and error messages list every command). Issue #17: building every command took ~15 ms and
    /// ~65 JIT compilations of every start of a one-shot run.
    /// </summary>
    /// <exception cref="InvalidOperationException">A factory built a command under another name than its entry (a programming error).</exception>
    public static void AddCommands(RootCommand root, (string Name, Func<Command> Create)[] commands, string[] args)
    {
        var only = args.Length > 0 ? Array.FindIndex(commands, c => string.Equals(c.Name, args[0], StringComparison.Ordinal)) : -1;
        for (var i = 0; i < commands.Length; i++)
        {
            if (only >= 0 && i != only)
            {
                continue;
            }

            var command = commands[i].Create();
            if (!string.Equals(command.Name, commands[i].Name, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The command table names '{commands[i].Name}' but its factory built '{command.Name}'.");
            }

            root.Add(command);
        }
    }

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        CliMemory.AdviseHugePages();
        CliHelp.Install(root);
        if (args.Length == 0)
        {
            await root.Parse(["--help"]).InvokeAsync().ConfigureAwait(false);
            return 2;
        }

        var parse = root.Parse(args);
        var name = CommandPath(parse);
        if (parse.Errors.Count > 0 && !CliHelp.IsHelp(parse.Action))
        {
            if (parse.CommandResult.Command is RootCommand && !args[0].StartsWith('-'))
            {
                var names = string.Join(", ", root.Subcommands.Select(c => c.Name));
                Console.Error.WriteLine($"cemcore: unknown command '{args[0]}'. Commands: {names}.");
                return 2;
            }

            Console.Error.WriteLine($"{name}: {OneLine(parse.Errors[0].Message)}");
            return 2;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        try
        {
            var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            var repeat = RepeatCount();
            if (repeat == 0)
            {
                var noGc = CliMemory.TryStartNoGcRegion();
                try
                {
                    return await parse.InvokeAsync(config, cts.Token).ConfigureAwait(false);
                }
                finally
                {
                    CliMemory.EndNoGcRegion(noGc);
                }
            }

            // Diagnostic (benchmarks/peers/cold_start.sh): the same command N times in this process, each run's wall time on stderr
            // with what the runtime did during it (collections per generation, GC pause, methods JIT-compiled and JIT time), so a
            // one-shot run can be compared with the warm time of the same work and the difference attributed.
            var exit = 0;
            var region = "off";
            for (var run = 1; run <= repeat && exit == 0; run++)
            {
                var before = RuntimeCounters.Now();
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var noGc = CliMemory.TryStartNoGcRegion();
                try
                {
                    exit = await (run == 1 ? parse : root.Parse(args)).InvokeAsync(config, cts.Token).ConfigureAwait(false);
                }
                finally
                {
                    region = !noGc ? "off" : System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion ? "held" : "left";
                    CliMemory.EndNoGcRegion(noGc);
                }

                var ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var d = RuntimeCounters.Now() - before;
                Console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{name}: run {run} of {repeat}: {ms:F1} ms (GCs {d.Gen0}/{d.Gen1}/{d.Gen2}, GC pause {d.PauseMs:F1} ms, allocated {d.AllocatedBytes / 1048576.0:F1} MB, JIT {d.JitMethods} methods {d.JitMs:F1} ms, CPU {d.CpuMs:F1} ms, minor faults {d.MinorFaults}, processors {Environment.ProcessorCount}, pool work items {d.PoolWorkItems}, no-GC region {region})"));
            }

            return exit;
        }
        catch (UsageException ex)
        {
            return Fail(name, ex.Message);
        }
        catch (DataFormatException ex)
        {
            return Fail(name, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return Fail(name, WithoutParameter(ex));
        }
        catch (DirectoryNotFoundException ex)
        {
            return Fail(name, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Fail(name, "cannot open a path: " + ex.Message);
        }
        catch (FileNotFoundException ex)
        {
            return Fail(name, "file not found: " + ex.FileName);
        }
        catch (IOException ex)
        {
            // A read or write failure (a full disk, a read-only or special file such as /proc/version, a file locked by another program).
            return Fail(name, "cannot read or write a file: " + ex.Message);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"{name}: cancelled.");
            return 1;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"{name}: internal error: {ex}");
            return 1;
        }
    }

    /// <summary>
    /// <c>CEMCORE_CLI_REPEAT</c> (1–100): how many times the command runs in this process, each run followed by its timing line on
    /// stderr; unset (0 here) is one run without the line. Anything else is a usage error rather than silently one run.
    /// </summary>
    private static int RepeatCount()
    {
        var text = Environment.GetEnvironmentVariable("CEMCORE_CLI_REPEAT");
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100
            ? n
            : throw new UsageException($"CEMCORE_CLI_REPEAT must be a whole number from 1 to 100 (got '{text}').");
    }

    private static int Fail(string name, string message)
    {
        Console.Error.WriteLine($"{name}: {OneLine(message)}");
        return 2;
    }

    private static string CommandPath(ParseResult parse)
    {
        var parts = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            parts.Add(r.Command is RootCommand ? "cemcore" : r.Command.Name);
        }

        parts.Reverse();
        return string.Join(' ', parts);
    }

    /// <summary>
    /// The message of an argument error without .NET's decorations (" (Parameter 'x')", "Actual value was ..."), which mean nothing
    /// to a CLI user.
    /// </summary>
    private static string WithoutParameter(ArgumentException ex)
    {
        var message = ex.Message;
        if (ex.ParamName is { } p)
        {
            message = message.Replace($" (Parameter '{p}')", string.Empty, StringComparison.Ordinal);
        }

        if (ex is ArgumentOutOfRangeException { ActualValue: { } actual })
        {
            var tail = "Actual value was " + Convert.ToString(actual, System.Globalization.CultureInfo.CurrentCulture) + ".";
            message = message.Replace(tail, string.Empty, StringComparison.Ordinal);
        }

        return message.Trim();
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    /// <summary>
    /// The runtime's cumulative counters read for the <c>CEMCORE_CLI_REPEAT</c> timing line; the CPU time (user + system, all threads:
    /// far less sensitive to other tenants of a shared machine than the wall time) and, on Linux, the minor (first-touch) page faults
    /// of the whole process (<c>/proc/self/stat</c>; 0 elsewhere), and the thread-pool work items completed (0 when the command ran
    /// only on its own thread: the sequential paths taken when one processor is available).
    /// </summary>
    private readonly record struct RuntimeCounters(int Gen0, int Gen1, int Gen2, double PauseMs, long AllocatedBytes, long JitMethods, double JitMs, double CpuMs, long MinorFaults, long PoolWorkItems)
    {
        public static RuntimeCounters Now()
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            return new(
                GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds,
                GC.GetTotalAllocatedBytes(precise: true), System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,
                self.TotalProcessorTime.TotalMilliseconds, MinorFaultCount(), ThreadPool.CompletedWorkItemCount);
        }

        public static RuntimeCounters operator -(RuntimeCounters a, RuntimeCounters b) =>
            new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.PauseMs - b.PauseMs, a.AllocatedBytes - b.AllocatedBytes, a.JitMethods - b.JitMethods, a.JitMs - b.JitMs,
                a.CpuMs - b.CpuMs, a.MinorFaults - b.MinorFaults, a.PoolWorkItems - b.PoolWorkItems);

        /// <summary>Field 10 (<c>minflt</c>) of <c>/proc/self/stat</c>, counted after the command name's closing parenthesis.</summary>
        private static long MinorFaultCount()
        {
            if (!OperatingSystem.IsLinux())
            {
                return 0;
            }

            try
            {
                var stat = File.ReadAllText("/proc/self/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture); // fields[0] is field 3 (state)
            }
            catch (IOException)
            {
                return 0;
            }
            catch (UnauthorizedAccessException)
            {
                return 0;
            }
        }
    }
}
