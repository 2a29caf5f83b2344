using CemCore.Churn;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CemCore.Tests.Churn;

public sealed class ChurnValidationTests
{
    [Property(MaxTest = 300)]
    public Property StratifiedSplit_IsPartition_KeepsClassShares(int seed)
    {
        var r = new Random(seed);
        var n = r.Next(2, 300);
        var y = Enumerable.Range(0, n).Select(_ => r.NextDouble() < 0.2).ToArray();
        var fraction = 0.05 + (r.NextDouble() * 0.9);
        var split = ChurnValidation.StratifiedTrainTestSplit(y, fraction, seed);
        var all = split.Train.Concat(split.Test).OrderBy(i => i).ToArray();
        var positives = y.Count(v => v);
        var testPositives = split.Test.Count(i => y[i]);
        var expected = (int)Math.Round(positives * fraction, MidpointRounding.AwayFromZero);
        return (all.SequenceEqual(Enumerable.Range(0, n)) && testPositives == expected).ToProperty();
    }

    [Fact]
    public void StratifiedSplit_IsDeterministicPerSeed()
    {
        var y = Enumerable.Range(0, 100).Select(i => i % 4 == 0).ToArray();
        var a = ChurnValidation.StratifiedTrainTestSplit(y, 0.3, 7);
        var b = ChurnValidation.StratifiedTrainTestSplit(y, 0.3, 7);
        var c = ChurnValidation.StratifiedTrainTestSplit(y, 0.3, 8);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Test, c.Test);
        Assert.Equal(31, a.Test.Count); // per class: round(25 · 0.3) = 8 churners + round(75 · 0.3) = 23 others (halves away from zero)
        Assert.Equal(8, a.Test.Count(i => y[i]));
    }

    [Property(MaxTest = 300)]
    public Property StratifiedKFold_SpreadsEachClassEvenly(int seed)
    {
        var r = new Random(seed);
        var n = r.Next(10, 200);
        var k = r.Next(2, 10);
        var y = Enumerable.Range(0, n).Select(_ => r.NextDouble() < 0.3).ToArray();
        var folds = ChurnValidation.StratifiedKFold(y, k, seed);
        var ok = true;
        foreach (var cls in new[] { false, true })
        {
            var sizes = Enumerable.Range(0, k).Select(f => folds.Where((fold, i) => fold == f && y[i] == cls).Count()).ToArray();
            ok &= sizes.Max() - sizes.Min() <= 1;
        }

        return (ok && folds.All(f => f >= 0 && f < k)).ToProperty();
    }

    [Fact]
    public void CrossValidate_GivesAucPerFold()
    {
        var data = ChurnReference.Load("balanced_c1");
        var cv = ChurnValidation.CrossValidate(data.Features, data.Labels, folds: 5, seed: 1);
        Assert.Equal(5, cv.Folds.Count);
        Assert.All(cv.Folds, f => Assert.True(f.Converged));
        Assert.Equal(400, cv.Folds.Sum(f => f.TestRows));

        // Out-of-sample AUC is below the in-sample AUC from scikit-learn (0.79…) but well above chance.
        Assert.InRange(cv.MeanRocAuc, 0.65, data.Metric("rocAuc") + 0.02);
        Assert.True(cv.MeanLogLoss > 0);
    }

    [Fact]
    public void Split_BadArguments_Throw()
    {
        Assert.Equal("testFraction", Assert.Throws<ArgumentOutOfRangeException>(() => ChurnValidation.StratifiedTrainTestSplit([true, false], 1.0, 1)).ParamName);
        Assert.Throws<ArgumentException>(() => ChurnValidation.StratifiedTrainTestSplit([], 0.5, 1));
        Assert.Equal("folds", Assert.Throws<ArgumentOutOfRangeException>(() => ChurnValidation.StratifiedKFold([true, false], 3, 1)).ParamName);
    }
}
