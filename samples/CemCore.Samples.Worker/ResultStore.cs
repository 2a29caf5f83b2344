using System.Globalization;
using CemCore.Dispatch;
using CemCore.Samples.Sqlite;

namespace CemCore.Samples.Worker;

/// <summary>Writes a pipeline run's results to the CRM: one transaction per run, replacing the rows of the same as-of date.</summary>
internal static class ResultStore
{
    /// <summary>Records the start of a run; returns its id and the settings of the last successful run of the same as-of date, if any.</summary>
    public static (long RunId, string? PreviousSettings) BeginRun(SqliteCrm crm, string asOf, string settings, DateTimeOffset now)
    {
        using var c = crm.Open();
        using var tx = SqliteDatabase.BeginWrite(c);
        string? previous;
        using (var find = SqliteCrm.Command(c, tx, "SELECT settings FROM job_runs WHERE as_of = $asof AND status = 'succeeded' ORDER BY run_id DESC LIMIT 1"))
        {
            find.Parameters[0].Value = asOf;
            previous = find.ExecuteScalar() as string;
        }

        using var insert = SqliteCrm.Command(c, tx, "INSERT INTO job_runs (as_of, settings, started_utc, status) VALUES ($asof, $settings, $started, 'running'); SELECT last_insert_rowid();");
        insert.Parameters[0].Value = asOf;
        insert.Parameters[1].Value = settings;
        insert.Parameters[2].Value = now.ToString("O", CultureInfo.InvariantCulture);
        var id = (long)insert.ExecuteScalar()!;
        tx.Commit();
        return (id, previous);
    }

    /// <summary>Records the end of a run.</summary>
    public static void FinishRun(SqliteCrm crm, long runId, string status, string summary, DateTimeOffset now)
    {
        using var c = crm.Open();
        using var cmd = SqliteCrm.Command(c, null, "UPDATE job_runs SET finished_utc = $finished, status = $status, summary = $summary WHERE run_id = $id");
        SqliteCrm.Run(cmd, now.ToString("O", CultureInfo.InvariantCulture), status, summary, runId);
    }

    /// <summary>Replaces the results of the run's as-of date.</summary>
    public static void Save(SqliteCrm crm, PipelineRun run, CampaignRunResult dispatch, string settings)
    {
        var asOf = run.RunKey;
        var p = run.Settings;
        var unit = p.Features.TimeUnit.ToString();
        using var c = crm.Open();
        using var tx = SqliteDatabase.BeginWrite(c);
        foreach (var table in SqliteCrm.ResultTables)
        {
            using var delete = SqliteCrm.Command(c, tx, $"DELETE FROM {table} WHERE as_of = $asof");
            SqliteCrm.Run(delete, asOf);
        }

        using (var cmd = SqliteCrm.Command(c, tx, "INSERT INTO customer_features VALUES ($asof, $id, $unit, $zone, $n, $days, $rec, $m, $x, $tx, $T)"))
        {
            foreach (var f in run.Features)
            {
                SqliteCrm.Run(cmd, asOf, f.CustomerId, unit, p.Features.TimeZone.Id, f.OrderCount, f.PurchaseDays, f.RecencyDays,
                    f.MonetaryTotal.ToString(CultureInfo.InvariantCulture), f.Btyd.Frequency, f.Btyd.Recency, f.Btyd.Age);
            }
        }

        using (var cmd = SqliteCrm.Command(c, tx, "INSERT INTO customer_segments VALUES ($asof, $segmenter, $id, $segment, $settings)"))
        {
            var rfmSettings = string.Create(CultureInfo.InvariantCulture, $"bins={p.Rfm.Bins};binning={p.Rfm.Binning};map={p.Rfm.SegmentMap.Name}");
            foreach (var s in run.Segmentations)
            {
                for (var i = 0; i < s.Count; i++)
                {
                    foreach (var segment in s.SegmentsOf(i))
                    {
                        SqliteCrm.Run(cmd, asOf, s.Segmenter, s.CustomerIds[i], segment, s.Segmenter is "rfm" or "target-groups" ? rfmSettings : string.Empty);
                    }
                }
            }
        }

        using (var cmd = SqliteCrm.Command(c, tx, "INSERT INTO customer_lifecycle VALUES ($asof, $id, $stage, $rule, $days, $expected)"))
        {
            var a = run.Lifecycle.Assessments;
            for (var i = 0; i < run.Lifecycle.Count; i++)
            {
                SqliteCrm.Run(cmd, asOf, run.Lifecycle.CustomerIds[i], a[i].Stage.ToString(), a[i].Rule.ToString(), Finite(a[i].DaysSinceLastPurchase), Finite(a[i].ExpectedIntervalDays));
            }
        }

        using (var cmd = SqliteCrm.Command(c, tx, "INSERT INTO lifecycle_transitions VALUES ($asof, $id, $compared, $from, $to, $reason)"))
        {
            var compared = p.RunKeyOf(run.PreviousLifecycle.AsOf);
            foreach (var t in run.Transitions)
            {
                SqliteCrm.Run(cmd, asOf, t.CustomerId, compared, t.From.ToString(), t.To.ToString(), t.Reason);
            }
        }

        using (var cmd = SqliteCrm.Command(c, tx, "INSERT INTO churn_scores VALUES ($asof, $id, $p, $origin, $window)"))
        {
            for (var i = 0; i < run.Features.Count; i++)
            {
                if (run.ChurnProbabilities[i] is { } probability)
                {
                    SqliteCrm.Run(cmd, asOf, run.Features[i].CustomerId, probability, run.ChurnModelOrigin.ToString(), p.ChurnLabelWindowDays);
                }
            }
        }

        if (p.Clv is { } clv)
        {
            using var cmd = SqliteCrm.Command(c, tx, "INSERT INTO customer_clv VALUES ($asof, $id, $alive, $expected, $clv, $unit, $horizon, $rate, $margin)");
            for (var i = 0; i < run.Features.Count; i++)
            {
                if (run.ClvEstimates[i] is { } e)
                {
                    SqliteCrm.Run(cmd, asOf, run.Features[i].CustomerId, e.ProbabilityAlive, e.ExpectedPurchases, e.Value, clv.Unit.ToString(), clv.HorizonPeriods, clv.DiscountRatePerPeriod, clv.Margin);
                }
            }
        }

        using (var cmd = SqliteCrm.Command(c, tx, "INSERT INTO offer_decisions VALUES ($asof, $id, $status, $reason, $rule, $offer, $channel, $sendat)"))
        {
            for (var i = 0; i < run.Decisions.Count; i++)
            {
                var d = run.Decisions[i];
                SqliteCrm.Run(cmd, asOf, run.Features[i].CustomerId, d.Status.ToString(), d.Reason.ToString(), d.Rule?.Id, d.Rule?.Offer.Id,
                    d.Rule is null ? null : d.Channel.Value, d.Rule is null ? null : d.SendAt.ToString("O", CultureInfo.InvariantCulture));
            }
        }

        using (var cmd = SqliteCrm.Command(c, tx, "INSERT INTO dispatch_outcomes VALUES ($asof, $campaign, $id, $status, $reason, $offer, $channel, $key)"))
        {
            foreach (var o in dispatch.Outcomes)
            {
                SqliteCrm.Run(cmd, asOf, dispatch.CampaignId, o.CustomerId, o.Status.ToString(), o.Reason.ToString(), o.OfferId, o.Channel.Value, o.IdempotencyKey);
            }
        }

        tx.Commit();
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
