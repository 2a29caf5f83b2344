using CemCore.DependencyInjection;
using CemCore.Samples.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The CemCore nightly worker sample: a generic host that wires CemCore through DI to a SQLite "CRM" and runs the whole pipeline.
//   dotnet run --project samples/CemCore.Samples.Worker
//   dotnet run --project samples/CemCore.Samples.Worker -- --Worker:Database=/tmp/crm.db --Worker:SeedCustomers=10000 --CemCore:TimeUnit=Week
// Exit codes: 0 done, 1 the job failed (logged), 2 bad configuration (one line on stderr).
var builder = Host.CreateApplicationBuilder(args);
var problems = WorkerConfiguration.Validate(builder.Configuration);
if (problems.Count > 0)
{
    await Console.Error.WriteLineAsync("cemcore-worker: invalid configuration: " + string.Join(" ", problems));
    return 2;
}

builder.Services.AddOptions<WorkerOptions>().BindConfiguration("Worker");
builder.Services.AddOptions<CemCoreOptions>().BindConfiguration("CemCore");
WorkerServices.Add(builder.Services);
builder.Services.AddHostedService<NightlyWorker>();

using var host = builder.Build();
var outcome = host.Services.GetRequiredService<JobOutcome>();
await host.RunAsync(); // disposes the services when it returns
return outcome.ExitCode;
