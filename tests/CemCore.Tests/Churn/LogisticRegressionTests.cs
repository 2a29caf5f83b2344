using CemCore.Churn;

namespace CemCore.Tests.Churn;

public sealed class LogisticRegressionTests
{
    public static TheoryData<string> ReferenceSets() => new(ChurnReference.Names);

    // Oracle: scikit-learn 1.2.1 StandardScaler().fit(X) + LogisticRegression(solver="lbfgs", C, class_weight, tol=1e-10, max_iter=100000)
    // on the standardized X (generate_churn_reference.py). sklearn's own lbfgs stop is within 4.3e-5 of the exact optimum (checked with a
    // numpy Newton solve), so 1e-4 is the honest tolerance.
    [Theory]
    [MemberData(nameof(ReferenceSets))]
    public void Fit_MatchesScikitLearn(string name)
    {
        var data = ChurnReference.Load(name);
        var model = LogisticRegression.Fit(data.Features, data.Labels, data.Settings());

        Assert.True(model.Diagnostics.Converged, model.Diagnostics.ToString());
        var mean = data.Doubles("mean");
        var scale = data.Doubles("scale");
        var coef = data.Doubles("coefficients");
        for (var j = 0; j < coef.Length; j++)
        {
            Assert.Equal(mean[j], model.Means[j], 1e-9);
            Assert.Equal(scale[j], model.Scales[j], 1e-9);
            Assert.Equal(coef[j], model.Coefficients[j], 1e-4);
        }

        Assert.Equal(data.Expected.GetProperty("intercept").GetDouble(), model.Intercept, 1e-4);
        var probabilities = data.Doubles("probabilities");
        var scores = model.Score(data.Features);
        for (var i = 0; i < scores.Length; i++)
        {
            Assert.Equal(probabilities[i], scores[i], 1e-4);
        }
    }
}
