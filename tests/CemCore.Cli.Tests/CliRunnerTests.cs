namespace CemCore.Cli.Tests;

public sealed class CliRunnerTests
{
    [Fact]
    public void UnknownCommand_ExitCode2()
    {
        var result = CliRunner.Run("no-such-command");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown command", result.StdErr, StringComparison.Ordinal);
    }
}
