using System.CommandLine;
using CemCore.Cli.CommandLine;
using CemCore.Cli.Commands;

// cemcore: the CemCore sample CLI (System.CommandLine). Exit codes: 0 ok, 2 bad input or usage (one line on stderr),
// 1 internal error. `cemcore --help`, `cemcore <command> --help`, `cemcore --version`; completion through `dotnet-suggest`.
var root = new RootCommand("cemcore: retail customer-experience analytics on CSV files (CemCore sample CLI).") { HelpName = "cemcore" };

// Every command by its name. Only the command named by the first argument is built (issue #17: building all of them took ~15 ms and
// ~65 JIT compilations at every start); `cemcore --help`, an unknown name or any other first argument builds them all.
// Add a command with one line: ("name", XCommand.Create), the name being the one its factory gives it (see CommandLine/README.md).
(string Name, Func<Command> Create)[] commands =
[
    ("demo", DemoCommand.Create),
    ("features", FeaturesCommand.Create),
    ("rfm", RfmCommand.Create),
    ("lifecycle", LifecycleCommand.Create),
    ("churn", ChurnCommands.Create),
    ("clv", ClvCommands.Create),
    ("ab", AbCommands.Create),
    ("offers", OffersCommand.Create),
    ("campaign", CampaignCommand.Create),
    ("cohorts", KpiCommands.CreateCohorts),
    ("kpis", KpiCommands.CreateKpis),
    ("attribution", KpiCommands.CreateAttribution),
    ("report", ReportCommand.Create),
    ("funnel", JourneyCommands.CreateFunnel),
    ("journey", JourneyCommands.CreateJourney),
    ("monitor", JourneyCommands.CreateMonitor),
    ("reach", ReachCommands.CreateReach),
    ("engagement", ReachCommands.CreateEngagement),
    ("forecast", ForecastCommand.Create),
    ("uplift", UpliftCommands.Create),
    ("assoc-rules", AssocRulesCommand.Create),
    ("recommend", RecommendCommand.Create),
    ("loyalty", LoyaltyCommands.Create),
];
try
{
    CliHost.AddCommands(root, commands, args);
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine("cemcore: internal error: " + ex.Message); // a table entry under the wrong name (HelpCliTests)
    return 1;
}

return await CliHost.RunAsync(root, args).ConfigureAwait(false);
