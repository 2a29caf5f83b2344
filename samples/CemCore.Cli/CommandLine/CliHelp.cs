using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace CemCore.Cli.CommandLine;

/// <summary>
/// Adds an "Examples:" section to a command's <c>--help</c> (after the options), without cluttering the parent's command list.
/// </summary>
internal static class CliHelp
{
    private static readonly ConditionalWeakTable<Command, string[]> ExamplesByCommand = [];

    /// <summary>Registers example command lines shown by <c>cemcore ... &lt;command&gt; --help</c>.</summary>
    public static void Examples(Command command, params string[] examples) => ExamplesByCommand.AddOrUpdate(command, examples);

    /// <summary>Makes the root's help print the registered examples after the default help (called once by <see cref="CliHost"/>).</summary>
    public static void Install(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction help })
            {
                option.Action = new ExamplesHelpAction(help);
            }
        }
    }

    /// <summary>Returns whether <paramref name="action"/> prints help (parse errors are then ignored, as for the default help).</summary>
    public static bool IsHelp(CommandLineAction? action) => action is HelpAction or ExamplesHelpAction;

    private sealed class ExamplesHelpAction(HelpAction help) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var code = help.Invoke(parseResult);
            if (ExamplesByCommand.TryGetValue(parseResult.CommandResult.Command, out var examples) && examples.Length > 0)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var e in examples)
                {
                    output.WriteLine("  " + e);
                }

                output.WriteLine();
            }

            return code;
        }
    }
}
