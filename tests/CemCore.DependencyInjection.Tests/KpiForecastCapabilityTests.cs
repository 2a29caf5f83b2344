using CemCore.Feedback;
using CemCore.Forecasting;
using CemCore.Sources;
using CemCore.Transactions;
using Microsoft.Extensions.DependencyInjection;

namespace CemCore.DependencyInjection.Tests;

/// <summary>The KPI and forecasting capabilities wired by AddCemCore, against hand-computed values and the library called directly.</summary>
public sealed class KpiForecastCapabilityTests
{
    private static DateTimeOffset Day(int year, int month, int day) => new(year, month, day, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Kpis_FromTheRegisteredSources_MatchHandComputedValues()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ITransactionSource>(new InMemoryTransactionSource(
        [
            new Transaction("o1", "c1", Day(2026, 1, 5), 100m),
            new Transaction("o2", "c1", Day(2026, 1, 10), 50m),
            new Transaction("o3", "c2", Day(2026, 1, 7), 30m),
            new Transaction("r1", "c2", Day(2026, 1, 8), 30m, kind: TransactionKind.Return, originalOrderId: "o3", returnReason: ReturnReason.Quality),
            new Transaction("o0", "c3", Day(2025, 12, 31), 999m), // before the window
        ]));
        services.AddSingleton<IFeedbackSource>(new InMemoryFeedbackSource(
        [
            new SurveyResponse("c1", Day(2026, 1, 6), nps: 10, csat: 5),
            new SurveyResponse("c2", Day(2026, 1, 9), nps: 3),
            new SurveyResponse("c3", Day(2026, 1, 20), nps: 9, csat: 2),
            new SurveyResponse("c3", Day(2026, 2, 1), nps: 0, csat: 1), // after the window
        ]));
        services.AddCemCore();
        using var provider = services.BuildServiceProvider();

        var kpis = await provider.GetRequiredService<IKpiCalculator>().ComputeAsync(new TimeWindow(Day(2026, 1, 1), Day(2026, 2, 1)));

        // By hand: purchases o1, o2 (c1) and o3 (c2) in the window; the return is a row but not a purchase.
        Assert.Equal(4, kpis.Transactions);
        Assert.Equal(2, kpis.Sales.Customers);
        Assert.Equal(3, kpis.Sales.Orders);
        Assert.Equal(180m, kpis.Sales.Revenue);
        Assert.Equal(60.0, kpis.Sales.Aov);
        Assert.Equal(0.5, kpis.Sales.RepeatRate);

        // NPS answers 10, 3, 9: two promoters, one detractor → (2 − 1)/3 = +33.3; CSAT answers 5, 2: one satisfied of two.
        Assert.Equal(3, kpis.Responses);
        Assert.Equal((2, 0, 1), (kpis.Surveys.Nps.Promoters, kpis.Surveys.Nps.Passives, kpis.Surveys.Nps.Detractors));
        Assert.Equal(100.0 / 3, kpis.Surveys.Nps.Score!.Value, 9);
        Assert.Equal((2, 1), (kpis.Surveys.Csat.Responses, kpis.Surveys.Csat.Satisfied));

        await Assert.ThrowsAsync<ArgumentException>(() => provider.GetRequiredService<IKpiCalculator>().ComputeAsync(new TimeWindow(Day(2026, 2, 1), Day(2026, 1, 1))));
    }

    [Fact]
    public void Forecaster_IsAutoArima_AsTheLibraryComputesIt()
    {
        // Monthly sales with a trend, a yearly season and seeded noise (8 years).
        var random = new Random(7);
        var series = Enumerable.Range(0, 96).Select(t => 200 + (1.5 * t) + (25 * Math.Sin(2 * Math.PI * t / 12)) + (8 * (random.NextDouble() - 0.5))).ToArray();
        var services = new ServiceCollection();
        services.AddCemCore();
        using var provider = services.BuildServiceProvider();

        var forecast = provider.GetRequiredService<ISalesForecaster>().Forecast(series, seasonalPeriod: 12, horizon: 6, level: 80);

        var direct = AutoArima.Select(series, 12).Fit;
        Assert.Equal(direct.Specification.ToString(), forecast.Model);
        Assert.Equal(direct.Forecast(6, 80), forecast.Points);
        Assert.Equal(80, forecast.Level);
        Assert.True(forecast.Converged);
        Assert.All(forecast.Points, p => Assert.True(p.Lower < p.Mean && p.Mean < p.Upper));
        Assert.Throws<ArgumentOutOfRangeException>(() => provider.GetRequiredService<ISalesForecaster>().Forecast(series, 12, horizon: 0));
        Assert.Throws<ArgumentException>(() => provider.GetRequiredService<ISalesForecaster>().Forecast([1, 2], 1, 3));
    }

    [Fact]
    public void HostImplementations_OfKpisAndForecasting_Win()
    {
        var services = new ServiceCollection();
        var mine = new NaiveForecaster();
        services.AddSingleton<ISalesForecaster>(mine);
        services.AddCemCore();
        services.AddCemCore();
        using var provider = services.BuildServiceProvider();
        Assert.Same(mine, provider.GetRequiredService<ISalesForecaster>());
        Assert.Single(services, d => d.ServiceType == typeof(IKpiCalculator));
        Assert.IsType<KpiCalculator>(provider.GetRequiredService<IKpiCalculator>());
    }

    private sealed class NaiveForecaster : ISalesForecaster
    {
        public SalesForecast Forecast(IReadOnlyList<double> history, int seasonalPeriod, int horizon, double level = 95, CancellationToken cancellationToken = default) =>
            new("naive", [.. Enumerable.Range(1, horizon).Select(h => new ArimaForecastPoint(h, history[^1], 0, history[^1], history[^1]))], level, true, "last value");
    }
}
