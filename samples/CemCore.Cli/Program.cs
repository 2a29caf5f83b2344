using System.CommandLine;
using CemCore.Cli.CommandLine;
using CemCore.Cli.Commands;

// cemcore: the CemCore sample CLI (System.CommandLine). Exit codes: 0 ok, 2 bad input or usage (one line on stderr),
// 1 internal error. `cemcore --help`, `cemcore <command> --help`, `cemcore --version`; completion through `dotnet-suggest`.
var root = new RootCommand("cemcore: retail customer-experience analytics on CSV files (CemCore sample CLI).") { HelpName = "cemcore" };

root.Add(DemoCommand.Create());
root.Add(FeaturesCommand.Create());
root.Add(RfmCommand.Create());
root.Add(LifecycleCommand.Create());
root.Add(ChurnCommands.Create());
root.Add(ClvCommands.Create());
root.Add(AbCommands.Create());
root.Add(OffersCommand.Create());

// Commands on System.CommandLine options: add `root.Add(XCommand.Create());` here (see CommandLine/README.md).
root.Add(CampaignCommand.Create());
root.Add(KpiCommands.CreateCohorts());
root.Add(KpiCommands.CreateKpis());
root.Add(KpiCommands.CreateAttribution());
root.Add(ReportCommand.Create());
root.Add(JourneyCommands.CreateFunnel());
root.Add(JourneyCommands.CreateJourney());
root.Add(JourneyCommands.CreateMonitor());
root.Add(ReachCommands.CreateReach());
root.Add(ReachCommands.CreateEngagement());
root.Add(ForecastCommand.Create());
root.Add(UpliftCommands.Create());
root.Add(AssocRulesCommand.Create());
root.Add(RecommendCommand.Create());
root.Add(LoyaltyCommands.Create());

return await CliHost.RunAsync(root, args).ConfigureAwait(false);
