using CemCore.Channels;
using CemCore.DependencyInjection;
using CemCore.Dispatch;
using CemCore.Primitives;
using CemCore.Samples.Sqlite;
using CemCore.Samples.Sqlite.Dispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CemCore.Samples.Worker;

/// <summary>The worker's registrations (shared by <c>Program</c> and the tests): the CRM, its ports, the outbox channels and CemCore.</summary>
public static class WorkerServices
{
    /// <summary>Rule segments of the sample CRM (they see RFM, lifecycle, churn and CLV).</summary>
    public const string RuleSegments = """
        {
          "version": 1,
          "segments": [
            { "name": "Frequent buyers", "kind": "behavioural", "when": { "field": "features.orderCount", "op": "ge", "value": 5 } },
            { "name": "At risk", "kind": "behavioural", "description": "Churn probability at least 0.6",
              "when": { "field": "churn.probability", "op": "ge", "value": 0.6 } },
            { "name": "Slipping away", "kind": "behavioural", "when": { "field": "lifecycle.stage", "op": "in", "value": ["Decline", "Dormant"] } },
            { "name": "Tier-1 cities", "kind": "geographic", "when": { "field": "profile.cityTier", "op": "eq", "value": 1 } }
          ]
        }
        """;

    /// <summary>Adds the worker's services. Options (<see cref="WorkerOptions"/>, <c>CemCoreOptions</c>) are bound by the caller.</summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection Add(IServiceCollection services)
    {
        services.AddSingleton(sp => new SqliteCrm(sp.GetRequiredService<IOptions<WorkerOptions>>().Value.Database));
        // The durable, claim-before-send send log of samples/CemCore.Samples.Sqlite (table dispatch_send_log in the same database):
        // the host's registration wins over CemCore's in-memory default.
        services.AddSingleton(sp => new SqliteDispatchStores(new SqliteDatabase(sp.GetRequiredService<IOptions<WorkerOptions>>().Value.Database)));
        services.AddSingleton<ISendLog>(sp => sp.GetRequiredService<SqliteDispatchStores>().SendLog);

        // The worker writes every customer's dispatch outcome back (table dispatch_outcomes), so it keeps the outcomes in the result.
        services.AddSingleton(sp => new DispatchSettings(
            Retry: new RetryPolicy(sp.GetRequiredService<IOptions<CemCoreOptions>>().Value.MaxSendAttempts, RetryPolicy.Default.BaseDelay, RetryPolicy.Default.MaxDelay),
            KeepOutcomes: true));
        foreach (var channel in new[] { ContactChannel.WeChat, ContactChannel.AppPush, ContactChannel.Sms, ContactChannel.Email })
        {
            services.AddSingleton<IMessageChannel>(sp => new OutboxChannel(sp.GetRequiredService<SqliteCrm>(), channel, sp.GetRequiredService<TimeProvider>()));
        }

        // The points ledger on the same database (tables loyalty_postings and loyalty_accounts): AddLoyaltyStore<T>() replaces CemCore's
        // in-memory default; the store is built by DI from the registered SqliteDatabase.
        services.AddSingleton(sp => sp.GetRequiredService<SqliteCrm>().Database);
        services.AddCemCore()
            .AddLoyaltyStore<SqliteLoyaltyStore>()
            .AddTransactionSource<SqliteTransactionSource>()
            .AddCustomerSource<SqliteCustomerSource>()
            .AddRuleSegments(RuleSegments)
            .AddTargetGroups();
        services.AddSingleton<NightlyJob>();
        services.AddSingleton<JobOutcome>();
        return services;
    }
}
