namespace CemCore.Cli.Commands;

/// <summary>Placeholder: implemented by its issue.</summary>
internal static class RfmCommand
{
    public static Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken) => throw new UsageException("This command is not available yet.");
}
