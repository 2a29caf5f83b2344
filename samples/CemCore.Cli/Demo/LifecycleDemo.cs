namespace CemCore.Cli.Demo;

/// <summary>Demo section (placeholder until its issue lands).</summary>
internal static class LifecycleDemo
{
    public static void Run(DemoContext context) => _ = context;
}
