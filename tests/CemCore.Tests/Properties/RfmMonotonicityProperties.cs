using System.Globalization;
using CemCore.Segmentation.Rfm;
using FsCheck.Xunit;

namespace CemCore.Tests.Properties;

/// <summary>
/// RFM scores are monotone: a customer who bought more recently never has a lower R score, one with more purchases never a lower F
/// score, and more spend never a lower M score, in the batch and when one customer is scored against the cut points (and moving a
/// customer's own recency or frequency in the right direction never lowers the score). <see cref="Segmentation.Rfm.RfmScorerTests"/>
/// compares the batch with a sort oracle; these check the ordering itself, for every pair.
/// </summary>
public sealed class RfmMonotonicityProperties
{
    private static (string[] Ids, double[] Recency, int[] Frequency, decimal[] Monetary) Population(int seed, int n)
    {
        var random = new Random(seed);
        var ties = random.Next(2) == 0;
        var ids = Enumerable.Range(0, n).Select(i => "C" + (i * 7919 % 100_003).ToString(CultureInfo.InvariantCulture)).ToArray();
        var recency = new double[n];
        var frequency = new int[n];
        var monetary = new decimal[n];
        for (var i = 0; i < n; i++)
        {
            frequency[i] = random.Next(12) == 0 ? 0 : 1 + random.Next(ties ? 4 : 40);
            recency[i] = frequency[i] == 0 ? double.NaN : (ties ? random.Next(5) : random.NextDouble() * 700);
            monetary[i] = ties ? 10m * random.Next(4) : Math.Round((decimal)(random.NextDouble() * 900), 2);
        }

        return (ids, recency, frequency, monetary);
    }

    [Property(MaxTest = 300)]
    public bool BatchScores_MonotoneInRecencyFrequencyAndMonetary(int seed, byte size, byte binsRaw)
    {
        var bins = 2 + (binsRaw % 9);
        var (ids, r, f, m) = Population(seed, 2 + (size % 150));
        var result = RfmScorer.Score(RfmValues.Create(ids, r, f, m), new RfmSettings(bins));
        var s = result.Scores;
        for (var i = 0; i < ids.Length; i++)
        {
            for (var j = 0; j < ids.Length; j++)
            {
                if (f[i] == 0 || f[j] == 0)
                {
                    continue; // prospects are scored apart
                }

                if ((r[i] < r[j] && s[i].Recency < s[j].Recency)
                    || (f[i] > f[j] && s[i].Frequency < s[j].Frequency)
                    || (m[i] > m[j] && s[i].Monetary < s[j].Monetary))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Property(MaxTest = 300)]
    public bool OneCustomer_AgainstCutPoints_MonotoneInOwnRecencyAndFrequency(int seed, byte size, int probe)
    {
        var (ids, r, f, m) = Population(seed, 5 + (size % 100));
        var cuts = RfmScorer.Score(RfmValues.Create(ids, r, f, m)).CutPoints;
        var random = new Random(probe);
        var recency = random.NextDouble() * 800;
        var frequency = 1 + random.Next(50);
        var monetary = random.NextDouble() * 1000;
        var id = "P" + probe.ToString(CultureInfo.InvariantCulture);
        var baseScore = cuts.Score(recency, frequency, monetary, id);
        var moreRecent = cuts.Score(recency * random.NextDouble(), frequency, monetary, id);
        var moreFrequent = cuts.Score(recency, frequency + 1 + random.Next(20), monetary, id);
        var richer = cuts.Score(recency, frequency, monetary + random.NextDouble() * 500, id);
        return moreRecent.Recency >= baseScore.Recency && moreFrequent.Frequency >= baseScore.Frequency && richer.Monetary >= baseScore.Monetary
            && moreRecent.Frequency == baseScore.Frequency && moreFrequent.Recency == baseScore.Recency;
    }
}
