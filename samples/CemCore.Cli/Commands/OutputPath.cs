namespace CemCore.Cli.Commands;

/// <summary>
/// Checks an output path given on the command line before any work is done, so that a path in a missing folder (or a folder) is a
/// usage error (exit 2 with a message) rather than an internal error with a stack trace.
/// </summary>
internal static class OutputPath
{
    /// <summary>Returns <paramref name="path"/> (null stays null) when it can be created; otherwise throws a <see cref="UsageException"/>.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(path))]
    public static string? Check(string option, string? path)
    {
        if (path is null)
        {
            return null;
        }

        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new UsageException($"--{option} '{path}' is a folder; give a file path.");
        }

        var folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new UsageException($"--{option} '{path}': the folder does not exist.");
        }

        return path;
    }
}
