using System.CommandLine;
using CemCore.Cli.CommandLine;
using CemCore.Features;
using CemCore.Kpis;
using CemCore.Merging;
using CemCore.Segmentation.Rfm;
using CemCore.Transactions;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>--partitions N</c> of <c>rfm</c>, <c>features</c> and <c>cohorts</c> (issue 13, docs/scale-out.md): customers are hashed into N
/// partitions (<see cref="CustomerPartitioner"/>), each is accumulated separately, the partials are merged and finalized. The output is
/// identical to N = 1 (which runs the one-pass path).
/// </summary>
internal static class Partitioned
{
    public const int MaxPartitions = 1024;

    public static Option<int> Option() =>
        CliOptions.Integer("--partitions", "Customers hashed into N partitions, accumulated separately and merged (output identical to N = 1).", 1, min: 1, max: MaxPartitions);

    /// <summary>Features: one <see cref="FeaturePartial"/> per partition keyed by the customer's first-appearance position.</summary>
    public static CustomerFeatureSet Features(TransactionTable table, DateTimeOffset asOf, FeatureSettings settings, int partitions, CancellationToken cancellationToken)
    {
        var position = new Dictionary<string, long>(table.CustomerIds.Count, StringComparer.Ordinal);
        for (var i = 0; i < table.CustomerIds.Count; i++)
        {
            position.Add(table.CustomerIds[i], i);
        }

        FeaturePartial? merged = null;
        foreach (var part in CustomerPartitioner.Split(table, partitions))
        {
            var partial = FeaturePartial.Create(
                FeatureExtractor.Compute(part, asOf, settings, null, cancellationToken), [.. part.CustomerIds.Select(id => position[id])]);
            merged = merged is null ? partial : merged.MergeWith(partial);
        }

        return merged!.Finish();
    }

    /// <summary>RFM: partials of the partitions' values merged into the population's cut-points, then each partition scored.</summary>
    public static IReadOnlyList<RfmResult> Rfm(TransactionTable table, DateTimeOffset asOf, RfmSettings settings, int partitions)
    {
        var values = CustomerPartitioner.Split(table, partitions).Select(p => RfmValues.FromTransactions(p, asOf)).ToArray();
        var cuts = RfmPartial.Merge(values.Select(v => RfmPartial.Create(v, settings))).Finish();
        return [.. values.Select(v => RfmScorer.ScorePartition(v, cuts, settings))];
    }

    /// <summary>Cohorts: one <see cref="CohortAccumulator"/> per partition over its purchases before as-of, merged.</summary>
    public static CohortMatrix Cohorts(TransactionTable table, DateTimeOffset asOf, int partitions)
    {
        CohortAccumulator? merged = null;
        var end = asOf.UtcTicks;
        foreach (var part in CustomerPartitioner.Split(table, partitions))
        {
            var acc = new CohortAccumulator();
            for (var i = 0; i < part.Count; i++)
            {
                if (part.UtcTicks[i] < end && part.Kinds[i] == TransactionKind.Purchase)
                {
                    acc.Add(part.CustomerIds[part.CustomerIndex[i]], new DateTimeOffset(part.UtcTicks[i], TimeSpan.Zero));
                }
            }

            merged = merged is null ? acc : merged.MergeWith(acc);
        }

        return merged!.Finish();
    }
}
