using System.CommandLine;
using CemCore.Cli;
using CemCore.Cli.CommandLine;
using CemCore.Cli.Commands;

// cemcore: the CemCore sample CLI (System.CommandLine). Exit codes: 0 ok, 2 bad input or usage (one line on stderr),
// 1 internal error. `cemcore --help`, `cemcore <command> --help`, `cemcore --version`; completion through `dotnet-suggest`.
var root = new RootCommand("cemcore: retail customer-experience analytics on CSV files (CemCore sample CLI).") { HelpName = "cemcore" };

// Commands still on the hand-written CliArgs grammar (being moved to System.CommandLine options, issue #16).
root.Add(LegacyCommand.Create("demo", "Run the whole pipeline on built-in synthetic data.", DemoCommand.RunAsync));
root.Add(LegacyCommand.Create("features", "Per-customer features from a transactions CSV.", FeaturesCommand.RunAsync));
root.Add(LegacyCommand.Create("rfm", "RFM scores and segments.", RfmCommand.RunAsync));
root.Add(LegacyCommand.Create("lifecycle", "Lifecycle stage of every customer.", LifecycleCommand.RunAsync));
root.Add(LegacyCommand.Create("churn", "Train and score churn models (train|score).", ChurnCommands.RunAsync));
root.Add(LegacyCommand.Create("clv", "BTYD customer-lifetime-value models (fit|predict).", ClvCommands.RunAsync));
root.Add(LegacyCommand.Create("ab", "A/B statistics (proportions|means|sample-size|bayes|srm).", AbCommands.RunAsync));
root.Add(LegacyCommand.Create("offers", "Personalized offers with previews and reasons.", OffersCommand.RunAsync));

// Commands on System.CommandLine options: add `root.Add(XCommand.Create());` here (see CommandLine/README.md).
root.Add(LoyaltyCommands.Create());

return await CliHost.RunAsync(root, args).ConfigureAwait(false);
