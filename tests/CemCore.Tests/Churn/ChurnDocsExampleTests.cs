using CemCore.Churn;
using CemCore.Features;
using CemCore.Transactions;

namespace CemCore.Tests.Churn;

/// <summary>The example of docs/churn.md, kept compiling and running here.</summary>
public sealed class ChurnDocsExampleTests
{
    [Fact]
    public void DocsExample_Runs()
    {
        // Transactions of a few customers (in practice: TransactionTableBuilder fed from your sources).
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var builder = new TransactionTableBuilder(64);
        for (var c = 0; c < 40; c++)
        {
            var id = "C" + c;
            for (var k = 0; k <= c % 5; k++)
            {
                builder.AddPurchase(id, t0.AddDays((c * 3) + (k * 20)), 10m + c);
            }
        }

        var table = builder.Build();

        // --- docs/churn.md example starts here ---
        var asOf = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var cutoff = asOf.AddDays(-90);
        var before = FeatureExtractor.Compute(table, cutoff);      // features as of the cutoff
        var after = FeatureExtractor.Compute(table, asOf);         // to build the label
        var customers = before.Where(f => f.HasPurchased).ToList();
        var churned = customers.Select(f => after.TryGet(f.CustomerId, out var now) && now.OrderCount == f.OrderCount).ToArray();

        var x = ChurnFeatureMap.Default.ToMatrix(customers);       // 9 named columns, NaN = missing
        var settings = new LogisticRegressionSettings(
            c: 1.0, classWeights: ClassWeights.Balanced, missingValues: MissingValuePolicy.ImputeTrainingMean);
        var model = LogisticRegression.Fit(x, churned, settings);
        if (!model.Diagnostics.Converged)
        {
            throw new InvalidOperationException($"No convergence: {model.Diagnostics}");
        }

        var p = model.Score(x);                                    // applies the recorded imputation, then scores
        var auc = ChurnMetrics.RocAuc(p, churned);
        var json = model.ToJson();                                 // versioned, exact round trip
        var reloaded = LogisticRegressionModel.FromJson(json);

        var triggers = new WinBackPolicy(threshold: 0.7)
            .Evaluate(customers.Select(f => f.CustomerId).ToArray(), p, asOf);
        // --- example ends here ---

        Assert.Equal(p, reloaded.Score(x));
        Assert.InRange(auc, 0.5, 1.0);
        Assert.All(triggers, t => Assert.True(t.Probability > 0.7));
    }
}
