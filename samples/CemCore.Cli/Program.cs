using CemCore.Cli;
using CemCore.Cli.Commands;
using CemCore.Sources;

// cemcore: the CemCore sample CLI. Exit codes: 0 ok, 2 bad input or usage (message on stderr), 1 internal error.
var commands = new Dictionary<string, Func<CliArgs, CancellationToken, Task<int>>>(StringComparer.Ordinal)
{
    ["demo"] = DemoCommand.RunAsync,
    ["features"] = FeaturesCommand.RunAsync,
    ["rfm"] = RfmCommand.RunAsync,
    ["lifecycle"] = LifecycleCommand.RunAsync,
    ["churn"] = ChurnCommands.RunAsync,
    ["clv"] = ClvCommands.RunAsync,
    ["ab"] = AbCommands.RunAsync,
    ["offers"] = OffersCommand.RunAsync,
};

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.Out.WriteLine("usage: cemcore <command> [options]");
    Console.Out.WriteLine("commands: " + string.Join(", ", commands.Keys));
    Console.Out.WriteLine("common options: --format json|text");
    return args.Length == 0 ? 2 : 0;
}

if (!commands.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"cemcore: unknown command '{args[0]}'. Commands: {string.Join(", ", commands.Keys)}.");
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
    return await run(new CliArgs(args[1..]), cts.Token).ConfigureAwait(false);
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"cemcore {args[0]}: {ex.Message}");
    return 2;
}
catch (DataFormatException ex)
{
    Console.Error.WriteLine($"cemcore {args[0]}: {ex.Message}");
    return 2;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"cemcore {args[0]}: {OneLine(ex.Message)}");
    return 2;
}
catch (DirectoryNotFoundException ex)
{
    Console.Error.WriteLine($"cemcore {args[0]}: {OneLine(ex.Message)}");
    return 2;
}
catch (UnauthorizedAccessException ex)
{
    Console.Error.WriteLine($"cemcore {args[0]}: cannot open a path: {OneLine(ex.Message)}");
    return 2;
}
catch (FileNotFoundException ex)
{
    Console.Error.WriteLine($"cemcore {args[0]}: file not found: {ex.FileName}");
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine($"cemcore {args[0]}: cancelled.");
    return 1;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"cemcore {args[0]}: internal error: {ex}");
    return 1;
}

static string OneLine(string message) => message.ReplaceLineEndings(" ");
