using CemCore.DependencyInjection;
using CemCore.Samples.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The CemCore nightly worker sample: a generic host that wires CemCore through DI to a SQLite "CRM".
//   dotnet run --project samples/CemCore.Samples.Worker
//   dotnet run --project samples/CemCore.Samples.Worker -- --Worker:Database=/tmp/crm.db --Worker:SeedCustomers=10000 --CemCore:TimeUnit=Week
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddOptions<WorkerOptions>().BindConfiguration("Worker");
builder.Services.AddSingleton(sp =>
{
    var path = builder.Configuration["Worker:Database"] ?? new WorkerOptions().Database;
    return new SqliteCrm($"Data Source={path}");
});
builder.Services.AddOptions<CemCoreOptions>().BindConfiguration("CemCore");
builder.Services.AddCemCore()
    .AddTransactionSource<SqliteTransactionSource>()
    .AddCustomerSource<SqliteCustomerSource>();
builder.Services.AddHostedService<NightlyJob>();

await builder.Build().RunAsync();
