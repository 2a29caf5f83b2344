using System.Diagnostics;

namespace CemCore.Cli.Tests;

/// <summary>Runs the built sample CLI (CemCore.Cli.dll, copied next to the tests by the project reference) as a child process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args) => RunWithEnvironment(null, args);

    /// <summary>Runs the CLI with extra environment variables (e.g. the crash-test hooks).</summary>
    public static Result RunWithEnvironment(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunIn(null, environment, args);

    /// <summary>Runs the CLI in <paramref name="workingDirectory"/> (null: the test's own), with extra environment variables.</summary>
    public static Result RunIn(string? workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "CemCore.Cli.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("The CLI was not built next to the tests.", dll);
        }

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CI"] = "true"; // no live progress bar
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("The CLI did not finish within 2 minutes: " + string.Join(' ', args));
        }

        return new Result(p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
