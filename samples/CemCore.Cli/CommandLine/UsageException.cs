namespace CemCore.Cli;

/// <summary>A usage or input error: printed on stderr as one line, exit code 2 (see <see cref="CommandLine.CliHost"/>).</summary>
internal sealed class UsageException(string message) : Exception(message);
