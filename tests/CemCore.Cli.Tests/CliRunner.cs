using System.Diagnostics;

namespace CemCore.Cli.Tests;

/// <summary>
/// Runs the built sample CLI (CemCore.Cli.dll, copied next to the tests by the project reference) as a child process, or, when the
/// environment variable <c>CEMCORE_CLI_EXE</c> names an executable (e.g. the NativeAOT publish, <c>-p:CliPublish=aot</c>), that
/// executable: .ci/run runs this whole suite a second time against the native build.
/// </summary>
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
        var psi = StartInfo();
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

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

    /// <summary>Gets the native executable under test (<c>CEMCORE_CLI_EXE</c>), or <see langword="null"/> for the built CemCore.Cli.dll.</summary>
    public static string? NativeExecutable =>
        Environment.GetEnvironmentVariable("CEMCORE_CLI_EXE") is { Length: > 0 } exe ? Path.GetFullPath(exe) : null;

    /// <summary>The process to start: the native executable, or <c>dotnet CemCore.Cli.dll</c>.</summary>
    public static ProcessStartInfo StartInfo()
    {
        var native = NativeExecutable;
        var target = native ?? Path.Combine(AppContext.BaseDirectory, "CemCore.Cli.dll");
        if (!File.Exists(target))
        {
            throw new FileNotFoundException(native is null ? "The CLI was not built next to the tests." : "CEMCORE_CLI_EXE does not name a file.", target);
        }

        var psi = new ProcessStartInfo(native ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (native is null)
        {
            psi.ArgumentList.Add(target);
        }

        return psi;
    }
}
