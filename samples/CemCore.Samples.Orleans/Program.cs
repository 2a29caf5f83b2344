using System.Globalization;
using CemCore.Samples.Orleans.Domain;
using CemCore.Samples.Orleans.Grains;
using CemCore.Samples.Orleans.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// CemCore on Orleans: a silo hosting customer grains (loyalty, lifecycle, churn, consent, contact budget, idempotent sends) and the
// nightly coordinator. See docs/orleans.md.
//   one silo, in memory:         dotnet run --project samples/CemCore.Samples.Orleans -- --Sample:Customers=200
//   PostgreSQL, two processes:   see docs/orleans.md ("Two silos on one machine").
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error);
var settings = builder.Configuration.GetSection("Orleans").Get<SiloSettings>() ?? new SiloSettings();
builder.UseOrleans(silo => silo.ConfigureSample(settings));
using var host = builder.Build();
await host.StartAsync();

var customers = builder.Configuration.GetValue("Sample:Customers", 0);
var inv = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(inv, $"silo up: storage={settings.Storage} cluster={settings.ClusterId} silo port={settings.SiloPort} gateway port={settings.GatewayPort}"));
if (customers > 0)
{
    var perCustomer = builder.Configuration.GetValue("Sample:EventsPerCustomer", 20);
    var seed = builder.Configuration.GetValue("Sample:Seed", 42);
    IReadOnlyList<MemberEvent> events = MemberEventGenerator.Generate(customers, perCustomer, seed);
    var grains = host.Services.GetRequiredService<IGrainFactory>();
    var producer = new EventProducer(grains, builder.Configuration.GetValue("Sample:Parallelism", 32));
    if (builder.Configuration.GetValue("Sample:Load", false))
    {
        // Load mode: the first 10% of the members warm the silo up (activations, connection pool, JIT), the rest is measured.
        var warm = Math.Max(1, customers / 10);
        var warmIds = new HashSet<string>(events.Select(e => e.CustomerId).Distinct().Take(warm), StringComparer.Ordinal);
        await producer.RunAsync([.. events.Where(e => warmIds.Contains(e.CustomerId))]);
        events = [.. events.Where(e => !warmIds.Contains(e.CustomerId))];
    }

    var result = await producer.RunAsync(events);
    Console.WriteLine(string.Create(inv, $"events: {result.Events} acknowledged in {result.Elapsed.TotalSeconds:F1} s, {result.Retries} retried: {result.Events / result.Elapsed.TotalSeconds:F0} events/s on this silo"));
    Console.WriteLine(string.Create(inv, $"event -> decision (grain call: state write, decision, claim, send): p50 {EventProducer.Quantile(result.LatenciesMs, 0.5):F2} ms, p99 {EventProducer.Quantile(result.LatenciesMs, 0.99):F2} ms"));
    Console.WriteLine(string.Create(inv, $"decision engine step alone: p50 {EventProducer.Quantile(result.DecisionMicroseconds, 0.5):F1} us, p99 {EventProducer.Quantile(result.DecisionMicroseconds, 0.99):F1} us"));
    var partitions = builder.Configuration.GetValue("Sample:Partitions", 4);
    var nightly = await grains.GetGrain<INightlyCoordinatorGrain>("nightly").RunAsync(partitions, events[^1].At.AddDays(1));
    Console.WriteLine(string.Create(inv, $"nightly: {nightly.Members} members, {nightly.Purchasers} purchasers over {nightly.Partitions} partitions; recency cut-points {string.Join(' ', nightly.Recency)}"));
    var sample = await grains.GetGrain<ICustomerGrain>(events[0].CustomerId).GetStateAsync();
    Console.WriteLine(string.Create(inv, $"member {events[0].CustomerId}: stage {sample.Stage}, churn {sample.ChurnScore:F3}, {sample.Postings.Count} postings, {sample.Sends.Count} sends"));
}

if (customers == 0 || builder.Configuration.GetValue("Sample:Stay", false))
{
    Console.WriteLine("silo running; Ctrl+C to stop");
    await host.WaitForShutdownAsync();
}
else
{
    await host.StopAsync();
}
