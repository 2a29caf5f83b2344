using CemCore.Churn;

namespace CemCore.Tests.Churn;

/// <summary>
/// Tables with more features than rows, whose Newton system <see cref="LogisticRegression"/> solves in the dual (n × n, Woodbury) form.
/// </summary>
public sealed class WideLogisticRegressionTests
{
    public static TheoryData<string> WideSets() => new("wide_c1", "wide_balanced_c01");

    public static TheoryData<string> AllSets() => new([.. ChurnReference.Names, "wide_c1", "wide_balanced_c01"]);

    // Oracle: scikit-learn 1.2.1 StandardScaler + LogisticRegression(solver="lbfgs", C, class_weight, tol=1e-10) on 60 × 200 and
    // 100 × 300 tables (ReferenceData/Churn/generate_wide_reference.py). sklearn's lbfgs stop leaves a scaled gradient of 5.8e-7 and
    // 8.2e-7 ("expectedGradient"; its newton-cg agrees with it to 5.3e-6), so coefficients and probabilities are compared to 1e-4 as in
    // LogisticRegressionTests, and the objective must be no worse than at sklearn's coefficients.
    [Theory]
    [MemberData(nameof(WideSets))]
    public void Fit_WideTable_MatchesScikitLearn(string name)
    {
        var data = ChurnReference.Load(name);
        Assert.True(data.Features.RowCount < data.Features.ColumnCount);
        var settings = data.Settings();
        var model = LogisticRegression.Fit(data.Features, data.Labels, settings);

        Assert.True(model.Diagnostics.Converged, model.Diagnostics.ToString());
        Assert.True(model.Diagnostics.Iterations < 30, model.Diagnostics.ToString());
        var coef = data.Doubles("coefficients");
        var mean = data.Doubles("mean");
        var scale = data.Doubles("scale");
        for (var j = 0; j < coef.Length; j++)
        {
            Assert.Equal(mean[j], model.Means[j], 1e-9);
            Assert.Equal(scale[j], model.Scales[j], 1e-9);
            Assert.Equal(coef[j], model.Coefficients[j], 1e-4);
        }

        var intercept = data.Expected.GetProperty("intercept").GetDouble();
        Assert.Equal(intercept, model.Intercept, 1e-4);
        var probabilities = data.Doubles("probabilities");
        var scores = model.Score(data.Features);
        for (var i = 0; i < scores.Length; i++)
        {
            Assert.Equal(probabilities[i], scores[i], 1e-4);
        }

        // Our optimum is at least as good as sklearn's stop (the objective is strictly convex, so this pins the same minimizer).
        var ours = Objective(data, settings, model.Coefficients.ToArray(), model.Intercept);
        var theirs = Objective(data, settings, coef, intercept);
        Assert.True(ours <= theirs + 1e-12, $"objective {ours:R} > scikit-learn's {theirs:R}");
        Assert.Equal(theirs, model.Diagnostics.Objective, 1e-6 * theirs);
    }

    // The dual step is the primal Newton step computed another way, so forcing either form on any table (tall or wide) must reach
    // the same optimum to well within the 1e-10 gradient tolerance's reach.
    [Theory]
    [MemberData(nameof(AllSets))]
    public void DualAndPrimalForms_ReachTheSameOptimum(string name)
    {
        var data = ChurnReference.Load(name);
        var primal = LogisticRegression.FitCore(data.Features, data.Labels, [], data.Settings(), null, NewtonForm.Primal, default);
        var dual = LogisticRegression.FitCore(data.Features, data.Labels, [], data.Settings(), null, NewtonForm.Dual, default);

        Assert.True(primal.Diagnostics.Converged, primal.Diagnostics.ToString());
        Assert.True(dual.Diagnostics.Converged, dual.Diagnostics.ToString());
        for (var j = 0; j < primal.FeatureCount; j++)
        {
            Assert.Equal(primal.Coefficients[j], dual.Coefficients[j], 1e-7);
        }

        Assert.Equal(primal.Intercept, dual.Intercept, 1e-7);
    }

    [Fact]
    public void FitWithProgress_ReportsEveryIterationUntilTheTolerance()
    {
        var data = ChurnReference.Load("wide_c1");
        var reports = new List<LogisticRegressionProgress>();
        var model = LogisticRegression.FitWithProgress(data.Features, data.Labels, data.Settings(), new ListProgress(reports), default);

        Assert.Equal(model.Diagnostics.Iterations + 1, reports.Count);
        Assert.Equal(Enumerable.Range(0, reports.Count), reports.Select(r => r.Iteration));
        Assert.True(reports[^1].GradientNorm <= LogisticRegressionSettings.DefaultTolerance);
        Assert.True(reports[0].GradientNorm > LogisticRegressionSettings.DefaultTolerance);
        Assert.Equal(model.Diagnostics.Objective, reports[^1].Objective, 1e-9 * reports[^1].Objective);

        // The line search only accepts decreases.
        for (var i = 1; i < reports.Count; i++)
        {
            Assert.True(reports[i].Objective <= reports[i - 1].Objective * (1 + 1e-15), $"iteration {i}");
        }
    }

    /// <summary>0.5‖w‖² + C Σ sᵢ logloss on the standardized features (scikit-learn's objective).</summary>
    private static double Objective(ChurnReference data, LogisticRegressionSettings settings, double[] w, double b)
    {
        var mean = data.Doubles("mean");
        var scale = data.Doubles("scale");
        var n = data.Features.RowCount;
        var k = data.Features.ColumnCount;
        var positives = data.Labels.Count(l => l);
        var (wNeg, wPos) = settings.ClassWeights.Resolve(n - positives, positives);
        var x = data.Features.Values;
        var loss = 0.0;
        for (var i = 0; i < n; i++)
        {
            var z = b;
            for (var j = 0; j < k; j++)
            {
                z += w[j] * (x[(i * k) + j] - mean[j]) / scale[j];
            }

            var softplus = Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            loss += (data.Labels[i] ? wPos : wNeg) * (softplus - (data.Labels[i] ? z : 0));
        }

        return (0.5 * w.Sum(v => v * v)) + (settings.C * loss);
    }

    private sealed class ListProgress(List<LogisticRegressionProgress> reports) : IProgress<LogisticRegressionProgress>
    {
        public void Report(LogisticRegressionProgress value) => reports.Add(value);
    }
}
