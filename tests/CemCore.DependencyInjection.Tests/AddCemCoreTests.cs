using System.Runtime.CompilerServices;
using CemCore.Channels;
using CemCore.DependencyInjection;
using CemCore.Features;
using CemCore.Jobs;
using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Transactions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CemCore.DependencyInjection.Tests;

public sealed class AddCemCoreTests
{
    [Fact]
    public void AddCemCore_Twice_RegistersNothingNew()
    {
        var services = new ServiceCollection();
        services.AddCemCore();
        var count = services.Count;
        services.AddCemCore();
        Assert.Equal(count, services.Count);
        services.AddCemCore(o => o.RfmBins = 4);
        Assert.Equal(count + 1, services.Count); // only the IConfigureOptions of the new delegate
        Assert.IsAssignableFrom<IConfigureOptions<CemCoreOptions>>(services[^1].ImplementationInstance);
    }

    [Fact]
    public void AddSources_SameTypeTwice_RegisteredOnce()
    {
        var services = new ServiceCollection();
        services.AddCemCore().AddTransactionSource<FakeTransactions>().AddTransactionSource<FakeTransactions>().AddChannel<FakeChannel>().AddChannel<FakeChannel>();
        Assert.Single(services, d => d.ServiceType == typeof(ITransactionSource));
        Assert.Single(services, d => d.ServiceType == typeof(IMessageChannel));
    }

    [Fact]
    public void InvalidOptions_StartupValidation_NamesEveryBadField()
    {
        var services = new ServiceCollection();
        services.AddCemCore(o =>
        {
            o.RfmBins = 1;
            o.TimeZoneId = "Nowhere/Atlantis";
            o.ChurnLabelWindowDays = -5;
            o.ClvMargin = 0;
            o.MaxSendAttempts = 0;
            o.ChurnModelPath = "/nonexistent/model.json";
        });
        using var provider = services.BuildServiceProvider();
        var validator = provider.GetRequiredService<IStartupValidator>();
        var ex = Assert.Throws<OptionsValidationException>(validator.Validate);
        foreach (var field in new[] { "RfmBins", "TimeZoneId", "ChurnLabelWindowDays", "ClvMargin", "MaxSendAttempts", "ChurnModelPath" })
        {
            Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ValidOptions_StartupValidation_Passes_AndSettingsFollowOptions()
    {
        var services = new ServiceCollection();
        services.AddCemCore(o => o.TimeUnit = TimeUnit.Week);
        using var provider = services.BuildServiceProvider();
        Assert.Null(Record.Exception(() => provider.GetRequiredService<IStartupValidator>().Validate()));
        Assert.Equal(TimeUnit.Week, provider.GetRequiredService<FeatureSettings>().TimeUnit);
    }

    [Fact]
    public void HostTimeProvider_Wins()
    {
        var fake = new FakeTimeProvider(new DateTimeOffset(2025, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(fake);
        services.AddCemCore();
        using var provider = services.BuildServiceProvider();
        Assert.Same(fake, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public async Task SnapshotService_ReadsRegisteredSource_AsOfStartOfTodayByInjectedClock()
    {
        var fake = new FakeTimeProvider(new DateTimeOffset(2025, 5, 3, 15, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(fake);
        services.AddCemCore().AddTransactionSource<FakeTransactions>();
        using var provider = services.BuildServiceProvider();
        var features = await provider.GetRequiredService<FeatureSnapshotService>().ComputeAsync();
        Assert.Equal(new DateTimeOffset(2025, 5, 3, 0, 0, 0, TimeSpan.Zero), features.AsOf);
        Assert.True(features.TryGet("c1", out var c1));
        Assert.Equal(2, c1.OrderCount); // the purchase on 2025-05-03 is at/after as-of and ignored
        Assert.Equal(30m, c1.MonetaryTotal);
    }

    [Fact]
    public async Task SnapshotService_TwoSources_ReadsBoth()
    {
        var services = new ServiceCollection();
        services.AddCemCore().AddTransactionSource<FakeTransactions>().AddTransactionSource<OtherTransactions>();
        using var provider = services.BuildServiceProvider();
        var features = await provider.GetRequiredService<FeatureSnapshotService>().ComputeAsync(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.True(features.TryGet("c1", out var c1));
        Assert.Equal(3, c1.OrderCount);
        Assert.True(features.TryGet("c2", out var c2));
        Assert.Equal(7m, c2.MonetaryTotal);
    }

    [Fact]
    public void SnapshotService_WithoutSource_FailsWithClearMessage()
    {
        var services = new ServiceCollection();
        services.AddCemCore();
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<ArgumentException>(() => provider.GetRequiredService<FeatureSnapshotService>());
        Assert.Contains("AddTransactionSource", ex.Message, StringComparison.Ordinal);
    }

    private sealed class FakeTransactions : ITransactionSource
    {
        public async IAsyncEnumerable<Transaction> ReadTransactionsAsync(TimeWindow window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            var all = new[]
            {
                new Transaction("o1", "c1", new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero), 10m),
                new Transaction("o2", "c1", new DateTimeOffset(2025, 4, 20, 0, 0, 0, TimeSpan.Zero), 20m),
                new Transaction("o3", "c1", new DateTimeOffset(2025, 5, 3, 9, 0, 0, TimeSpan.Zero), 99m),
            };
            foreach (var t in all)
            {
                if (window.Contains(t.Timestamp))
                {
                    yield return t;
                }
            }
        }
    }

    private sealed class OtherTransactions : ITransactionSource
    {
        public async IAsyncEnumerable<Transaction> ReadTransactionsAsync(TimeWindow window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new Transaction("x1", "c2", new DateTimeOffset(2025, 4, 2, 0, 0, 0, TimeSpan.Zero), 7m);
        }
    }

    private sealed class FakeChannel : IMessageChannel
    {
        public ContactChannel Channel => ContactChannel.Sms;

        public ChannelCapabilities Capabilities { get; } = new(MaxLength: 70);

        public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(SendResult.Delivered("x"));
    }
}
