using CemCore.Primitives;
using Spectre.Console;

namespace CemCore.Cli;

/// <summary>
/// Shows the library's <see cref="IProgress{T}"/> reports as a live Spectre.Console progress bar on stderr when stderr is a terminal;
/// reports nothing otherwise (redirected stderr, CI). One bar per stage (<c>read</c>, <c>features</c>, <c>generate</c>, …).
/// </summary>
internal sealed class CliProgress : IProgress<OperationProgress>
{
    private readonly ProgressContext _context;
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private CliProgress(ProgressContext context) => _context = context;

    /// <summary>Gets whether a live bar is shown (stderr is an interactive terminal).</summary>
    public static bool IsInteractive => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null;

    /// <summary>Runs <paramref name="work"/> with a progress sink: live bars on a terminal, a no-op sink otherwise.</summary>
    public static T Run<T>(Func<IProgress<OperationProgress>?, T> work)
    {
        if (!IsInteractive)
        {
            return work(null);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context => work(new CliProgress(context)));
    }

    public void Report(OperationProgress value)
    {
        lock (_gate)
        {
            if (!_tasks.TryGetValue(value.Stage, out var task))
            {
                task = _context.AddTask(value.Stage);
                _tasks[value.Stage] = task;
            }

            if (value.Total is { } total and > 0)
            {
                task.IsIndeterminate = false;
                task.MaxValue = total;
                task.Value = Math.Min(value.Completed, total);
            }
            else
            {
                task.IsIndeterminate = true;
            }
        }
    }
}
