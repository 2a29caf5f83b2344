using CemCore.Churn;
using CemCore.Sources;

namespace CemCore.Tests.Churn;

public sealed class LogisticRegressionBadInputTests
{
    private static readonly FeatureMatrix Four = FeatureMatrix.FromRowMajor(["a", "b"], [1, 2, 3, 4, 5, 6, 7, 9]);

    [Fact]
    public void Fit_SingleClass_ThrowsClearError()
    {
        var ex = Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(Four, [true, true, true, true]));
        Assert.Equal("labels", ex.ParamName);
        Assert.Contains("single class", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_Empty_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(FeatureMatrix.FromRowMajor(["a"], []), []));
        Assert.Contains("no rows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_MismatchedLabels_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(Four, [true, false]));
        Assert.Contains("Expected 4 labels (one per row) but got 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_NaNUnderReject_NamesColumnAndRow()
    {
        var x = FeatureMatrix.FromRowMajor(["a", "b"], [1, 2, 3, double.NaN, 5, 6]);
        var ex = Assert.Throws<DataFormatException>(() => LogisticRegression.Fit(x, [true, false, true]));
        Assert.Equal("b", ex.Field);
        Assert.Equal(2, ex.Line);
        Assert.Contains("0-based row index 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_Infinity_IsRejectedEvenWhenImputing()
    {
        var x = FeatureMatrix.FromRowMajor(["a", "b"], [1, 2, double.NegativeInfinity, 4, 5, 6]);
        var ex = Assert.Throws<DataFormatException>(() =>
            LogisticRegression.Fit(x, [true, false, true], new LogisticRegressionSettings(missingValues: MissingValuePolicy.ImputeTrainingMean)));
        Assert.Equal("a", ex.Field);
        Assert.Contains("infinite", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_AllMissingColumnWithMeanImputation_Throws()
    {
        var x = FeatureMatrix.FromRowMajor(["a", "b"], [1, double.NaN, 3, double.NaN]);
        var ex = Assert.Throws<DataFormatException>(() =>
            LogisticRegression.Fit(x, [true, false], new LogisticRegressionSettings(missingValues: MissingValuePolicy.ImputeTrainingMean)));
        Assert.Equal("b", ex.Field);
    }

    [Fact]
    public void Fit_ConstantColumn_GetsScaleOneAndZeroCoefficient()
    {
        var x = FeatureMatrix.FromRowMajor(["a", "k"], [1, 7, 2, 7, 3, 7, 4, 7, 5, 7]);
        var model = LogisticRegression.Fit(x, [false, false, true, false, true]);
        Assert.True(model.Diagnostics.Converged);
        Assert.Equal(1.0, model.Scales[1]);
        Assert.Equal(7.0, model.Means[1]);
        Assert.Equal(0.0, model.Coefficients[1]);
    }

    [Fact]
    public void Fit_PerfectlySeparable_StaysFiniteBecauseOfL2()
    {
        // Unpenalized maximum likelihood diverges here; 0.5‖w‖² keeps the minimizer finite. Larger C → larger (but finite) w.
        var x = FeatureMatrix.FromRowMajor(["a"], [1, 2, 3, 4, 5, 6]);
        bool[] y = [false, false, false, true, true, true];
        var small = LogisticRegression.Fit(x, y, new LogisticRegressionSettings(c: 1));
        var large = LogisticRegression.Fit(x, y, new LogisticRegressionSettings(c: 1e4));
        Assert.True(small.Diagnostics.Converged);
        Assert.True(large.Diagnostics.Converged, large.Diagnostics.ToString());
        Assert.True(double.IsFinite(large.Coefficients[0]));
        Assert.True(large.Coefficients[0] > small.Coefficients[0]);
    }

    [Fact]
    public void Fit_IterationLimit_ReturnsLastIterateWithStatus()
    {
        var data = ChurnReference.Load("balanced_c1");
        var model = LogisticRegression.Fit(data.Features, data.Labels, new LogisticRegressionSettings(maxIterations: 1));
        Assert.False(model.Diagnostics.Converged);
        Assert.Equal(LogisticRegressionStatus.MaxIterationsReached, model.Diagnostics.Status);
        Assert.Equal(1, model.Diagnostics.Iterations);
        Assert.True(model.Diagnostics.GradientNorm > LogisticRegressionSettings.DefaultTolerance);
    }

    [Fact]
    public void Fit_WithoutStandardization_MatchesStandardizedModelOnRawScale()
    {
        // With standardize=false, the penalty applies to raw-scale coefficients: a different model. It must still converge and score in [0, 1].
        var data = ChurnReference.Load("balanced_c1");
        var model = LogisticRegression.Fit(data.Features, data.Labels, new LogisticRegressionSettings(standardize: false));
        Assert.True(model.Diagnostics.Converged);
        Assert.All(model.Means, m => Assert.Equal(0.0, m));
        Assert.All(model.Score(data.Features), p => Assert.InRange(p, 0.0, 1.0));
    }

    [Fact]
    public void Settings_OutOfRange_Throw()
    {
        Assert.Equal("c", Assert.Throws<ArgumentOutOfRangeException>(() => new LogisticRegressionSettings(c: 0)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentOutOfRangeException>(() => new LogisticRegressionSettings(c: double.NaN)).ParamName);
        Assert.Equal("tolerance", Assert.Throws<ArgumentOutOfRangeException>(() => new LogisticRegressionSettings(tolerance: 0)).ParamName);
        Assert.Equal("maxIterations", Assert.Throws<ArgumentOutOfRangeException>(() => new LogisticRegressionSettings(maxIterations: 0)).ParamName);
        Assert.Equal("positive", Assert.Throws<ArgumentOutOfRangeException>(() => ClassWeights.Custom(1, -1)).ParamName);
        Assert.Equal("constant", Assert.Throws<ArgumentOutOfRangeException>(() => MissingValuePolicy.ImputeConstant(double.NaN)).ParamName);
    }

    [Fact]
    public void FeatureMatrix_BadShapes_Throw()
    {
        Assert.Throws<ArgumentException>(() => FeatureMatrix.FromRowMajor(["a", "b"], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => FeatureMatrix.FromRowMajor(["a", "a"], [1, 2]));
        Assert.Throws<ArgumentException>(() => FeatureMatrix.FromRowMajor([], []));
        Assert.Throws<ArgumentException>(() => FeatureMatrix.FromRowMajor([" "], [1]));
    }

    [Fact]
    public void BalancedWeights_AreScikitLearnDefinition()
    {
        // sklearn.utils.class_weight.compute_class_weight("balanced"): n_samples / (n_classes * bincount(y)).
        var (neg, pos) = ClassWeights.Balanced.Resolve(negatives: 90, positives: 10);
        Assert.Equal(100.0 / 180, neg, 1e-15);
        Assert.Equal(5.0, pos, 1e-15);
    }
}
