using CemCore.Churn;
using CemCore.Sources;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using CemCore.Tests.Shared;

namespace CemCore.Tests.Churn;

public sealed class LogisticRegressionModelTests
{
    private static LogisticRegressionModel Model(int k, int seed)
    {
        var r = new Random(seed);
        var names = Enumerable.Range(0, k).Select(j => "f" + j).ToArray();
        var means = Enumerable.Range(0, k).Select(_ => (r.NextDouble() * 20) - 10).ToArray();
        var scales = Enumerable.Range(0, k).Select(_ => 0.5 + (r.NextDouble() * 5)).ToArray();
        var coef = Enumerable.Range(0, k).Select(_ => (r.NextDouble() * 4) - 2).ToArray();
        return LogisticRegressionModel.FromStandardizedCoefficients(names, means, scales, coef, (r.NextDouble() * 2) - 1);
    }

    private static double ScalarReference(LogisticRegressionModel m, ReadOnlySpan<double> x)
    {
        // The standardized formula, written independently of the raw-scale folding the kernels use.
        var z = m.Intercept;
        for (var j = 0; j < m.FeatureCount; j++)
        {
            z += m.Coefficients[j] * (x[j] - m.Means[j]) / m.Scales[j];
        }

        return 1.0 / (1.0 + Math.Exp(-z));
    }

    [Property(MaxTest = 200)]
    public Property VectorKernels_AgreeWithScalarReference(int seed)
    {
        var r = new Random(seed);
        var k = r.Next(1, 20);
        var n = r.Next(0, 700);
        var m = Model(k, seed);
        var rows = Enumerable.Range(0, n * k).Select(_ => (r.NextDouble() * 40) - 20).ToArray();
        var columns = new double[n * k];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < k; j++)
            {
                columns[(j * n) + i] = rows[(i * k) + j];
            }
        }

        var batch = new double[n];
        var featureMajor = new double[n];
        var scalar = new double[n];
        var portable = new double[n];
        m.ScoreBatch(rows, batch);
        LogisticKernels.ScoreRowMajorVector(rows, m.RawSpan, m.RawIntercept, portable);
        m.ScoreBatchFeatureMajor(columns, featureMajor);
        LogisticKernels.ScoreRowMajorScalar(rows, m.RawSpan, m.RawIntercept, scalar);
        var ok = true;
        for (var i = 0; i < n; i++)
        {
            var reference = ScalarReference(m, rows.AsSpan(i * k, k));
            ok &= Math.Abs(batch[i] - reference) < 1e-12 && Math.Abs(featureMajor[i] - reference) < 1e-12
                && Math.Abs(scalar[i] - reference) < 1e-12 && Math.Abs(portable[i] - reference) < 1e-12 && Math.Abs(m.Score(rows.AsSpan(i * k, k)) - reference) < 1e-12
                && batch[i] is >= 0 and <= 1;
        }

        return ok.ToProperty();
    }

    [Property(MaxTest = 200)]
    public Property EveryRowMajorPath_AgreesWithScalarPath(int seed)
    {
        // Each kernel the dispatcher can pick, forced; the paths this CPU lacks are covered by running this suite with
        // DOTNET_EnableAVX512=0 (AVX2; .NET 10 ignores the older DOTNET_EnableAVX512F) and DOTNET_EnableHWIntrinsic=0 (scalar), which change what IsAvailable reports.
        var r = new Random(seed);
        var k = r.Next(1, 40);
        var n = r.Next(0, 300);
        var m = Model(k, seed);
        var rows = Enumerable.Range(0, n * k).Select(_ => (r.NextDouble() * 40) - 20).ToArray();
        var scalar = new double[n];
        LogisticKernels.ScoreRowMajor(rows, m.RawSpan, m.RawIntercept, scalar, RowMajorPath.Scalar);
        var ok = true;
        foreach (var path in Enum.GetValues<RowMajorPath>().Where(p => LogisticKernels.IsAvailable(p, k)))
        {
            var got = new double[n];
            LogisticKernels.ScoreRowMajor(rows, m.RawSpan, m.RawIntercept, got, path);
            for (var i = 0; i < n; i++)
            {
                ok &= Math.Abs(got[i] - scalar[i]) < 1e-12 && Math.Abs(got[i] - ScalarReference(m, rows.AsSpan(i * k, k))) < 1e-12;
            }
        }

        return ok.ToProperty();
    }

    [Fact]
    public void StreamingKernels_InfiniteFeature_MatchScalarPath()
    {
        // The tail load re-reads values of the previous chunk with those lanes masked to +0: an infinity there must not turn into
        // ∞ · 0 = NaN. k = 9 puts the infinity at index 5..8, inside both the last full chunk and the overlapping tail.
        var m = Model(9, 3);
        var rows = new double[9 * 24];
        for (var i = 0; i < 24; i++)
        {
            rows[(i * 9) + 5 + (i % 4)] = (i % 2 == 0) ? double.PositiveInfinity : double.NegativeInfinity;
        }

        var scalar = new double[24];
        LogisticKernels.ScoreRowMajor(rows, m.RawSpan, m.RawIntercept, scalar, RowMajorPath.Scalar);
        Assert.DoesNotContain(scalar, double.IsNaN);
        foreach (var path in Enum.GetValues<RowMajorPath>().Where(p => LogisticKernels.IsAvailable(p, 9)))
        {
            var got = new double[24];
            LogisticKernels.ScoreRowMajor(rows, m.RawSpan, m.RawIntercept, got, path);
            Assert.Equal(scalar, got);
        }
    }

    [Fact]
    public void BestRowMajorPath_IsAvailable()
    {
        for (var k = 1; k < 600; k += 7)
        {
            Assert.True(LogisticKernels.IsAvailable(LogisticKernels.BestRowMajorPath(k), k));
        }
    }

    [Fact]
    public void ScoreBatch_ExtremeLogits_SaturateWithoutNaN()
    {
        var m = LogisticRegressionModel.FromStandardizedCoefficients(["a"], [0.0], [1.0], [1.0], 0);
        double[] x = [-1000, -40, 0, 40, 1000, -1000, 1000, 0];
        var p = new double[x.Length];
        m.ScoreBatch(x, p);
        Assert.Equal([0.0, 1.0 / (1 + Math.Exp(40)), 0.5, 1.0 / (1 + Math.Exp(-40)), 1.0, 0.0, 1.0, 0.5], p);
    }

    [Fact]
    public void Scoring_AllocatesNothing()
    {
        var m = Model(9, 1);
        var rows = new double[9 * 1000];
        new Random(2).NextBytes(new byte[1]);
        var dest = new double[1000];
        var cols = new double[9 * 1000];
        m.ScoreBatch(rows, dest);
        m.ScoreBatchFeatureMajor(cols, dest);
        _ = m.Score(rows.AsSpan(0, 9));
        var sum = 0.0;
        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                m.ScoreBatch(rows, dest);
                m.ScoreBatchFeatureMajor(cols, dest);
                sum += m.Score(rows.AsSpan(0, 9));
            }
        });

        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
        Assert.True(sum > 0);
    }

    [Fact]
    public void Scoring_WrongLengths_Throw()
    {
        var m = Model(3, 1);
        var one = Assert.Throws<ArgumentException>(() => m.Score(new double[2]));
        Assert.Contains("Expected 3 features but got 2", one.Message, StringComparison.Ordinal);
        var batch = Assert.Throws<ArgumentException>(() => m.ScoreBatch(new double[7], new double[2]));
        Assert.Equal("rowMajorFeatures", batch.ParamName);
        Assert.Throws<ArgumentException>(() => m.ScoreBatchFeatureMajor(new double[5], new double[2]));
        var empty = Record.Exception(() => m.ScoreBatch([], []));
        Assert.Null(empty);
    }

    [Fact]
    public void Json_RoundTripsExactly()
    {
        var data = ChurnReference.Load("imbalanced_balanced_weights");
        var model = LogisticRegression.Fit(data.Features, data.Labels, new LogisticRegressionSettings(0.5, ClassWeights.Custom(1.0 / 3, 2.5), missingValues: MissingValuePolicy.ImputeConstant(0.1)));
        var json = model.ToJson();
        var back = LogisticRegressionModel.FromJson(json);

        Assert.Equal(json, back.ToJson());
        Assert.Equal(model.FeatureNames, back.FeatureNames);
        Assert.Equal(model.Coefficients, back.Coefficients);
        Assert.Equal(model.Means, back.Means);
        Assert.Equal(model.Scales, back.Scales);
        Assert.Equal(model.RawCoefficients, back.RawCoefficients);
        Assert.Equal(model.Intercept, back.Intercept);
        Assert.Equal(model.FillValues, back.FillValues);
        Assert.Equal(model.MissingValues, back.MissingValues);
        Assert.Equal(model.ClassWeights, back.ClassWeights);
        Assert.Equal(model.Diagnostics, back.Diagnostics);
        Assert.Equal(model.Score(data.Features), back.Score(data.Features));
    }

    [Property(MaxTest = 300)]
    public Property Json_RoundTripsArbitraryDoublesBitForBit(NormalFloat na, NormalFloat nb, NormalFloat nc)
    {
        // Any finite doubles up to ±1e100 (larger ones could overflow the raw-scale folding, which is rejected by design).
        var (a, b, c) = (Math.Clamp(na.Get, -1e100, 1e100), Math.Clamp(nb.Get, -1e100, 1e100), Math.Clamp(nc.Get, -1e100, 1e100));
        var m = LogisticRegressionModel.FromStandardizedCoefficients(["x", "y"], [a, b], [Math.Abs(c) + 1, 0.25], [b, a * 1e-7], c);
        var back = LogisticRegressionModel.FromJson(m.ToJson());
        return (back.Means.SequenceEqual(m.Means) && back.Scales.SequenceEqual(m.Scales) && back.Coefficients.SequenceEqual(m.Coefficients)
            && BitConverter.DoubleToInt64Bits(back.Intercept) == BitConverter.DoubleToInt64Bits(m.Intercept)).ToProperty();
    }

    [Theory]
    [InlineData("not json", null)]
    [InlineData("[]", "format")]
    [InlineData("{\"format\":\"Other\",\"version\":1}", "format")]
    [InlineData("{\"format\":\"CemCore.Churn.LogisticRegressionModel\",\"version\":2}", "version")]
    [InlineData("{\"format\":\"CemCore.Churn.LogisticRegressionModel\",\"version\":1}", "features")]
    public void FromJson_Malformed_ThrowsNamingTheField(string json, string? field)
    {
        var ex = Assert.Throws<DataFormatException>(() => LogisticRegressionModel.FromJson(json));
        Assert.Equal(field, ex.Field);
        if (field == "version")
        {
            Assert.Contains("unsupported model version 2", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FromStandardizedCoefficients_OverflowingRawScale_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => LogisticRegressionModel.FromStandardizedCoefficients(["a"], [0.0], [1e-320], [1e10], 0));
        Assert.Contains("overflow", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_WrongArrayLength_Throws()
    {
        var json = Model(2, 3).ToJson().Replace("\"coefficients\": [", "\"coefficients\": [1,", StringComparison.Ordinal);
        var ex = Assert.Throws<DataFormatException>(() => LogisticRegressionModel.FromJson(json));
        Assert.Equal("coefficients", ex.Field);
        Assert.Contains("expected 2 values", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrepareRows_AppliesPolicy_ReordersByName()
    {
        var train = FeatureMatrix.FromRowMajor(["a", "b"], [1, 10, double.NaN, 20, 3, double.NaN, 5, 40]);
        var model = LogisticRegression.Fit(train, [true, false, true, false], new LogisticRegressionSettings(missingValues: MissingValuePolicy.ImputeTrainingMean));

        // Training means over non-missing values: a = (1+3+5)/3 = 3, b = (10+20+40)/3.
        Assert.Equal(3.0, model.FillValues[0], 1e-15);
        Assert.Equal(70.0 / 3, model.FillValues[1], 1e-12);
        var scoring = FeatureMatrix.FromRowMajor(["extra", "b", "a"], [9, double.NaN, double.NaN]);
        var prepared = model.PrepareRows(scoring);
        Assert.Equal(["a", "b"], prepared.ColumnNames);
        Assert.Equal(3.0, prepared[0, 0], 1e-15);
        Assert.Equal(70.0 / 3, prepared[0, 1], 1e-12);

        var missing = Assert.Throws<ArgumentException>(() => model.PrepareRows(FeatureMatrix.FromRowMajor(["a"], [1])));
        Assert.Contains("'b'", missing.Message, StringComparison.Ordinal);
        var inf = Assert.Throws<DataFormatException>(() => model.PrepareRows(FeatureMatrix.FromRowMajor(["a", "b"], [1, 2, double.PositiveInfinity, 1])));
        Assert.Equal("a", inf.Field);
        Assert.Equal(2, inf.Line);
    }
}
