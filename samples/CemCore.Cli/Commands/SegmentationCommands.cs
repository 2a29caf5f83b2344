namespace CemCore.Cli.Commands;

/// <summary>Placeholder: implemented by its issue.</summary>
internal static class SegmentationCommands
{
    public static Task<int> RfmAsync(CliArgs args, CancellationToken cancellationToken) => throw new UsageException("This command is not available yet.");

    public static Task<int> LifecycleAsync(CliArgs args, CancellationToken cancellationToken) => throw new UsageException("This command is not available yet.");

}
