using BenchmarkDotNet.Attributes;
using CemCore.Churn;
using CemCore.Uplift;

namespace CemCore.Benchmarks;

/// <summary>
/// Uplift modelling on a 100k-row randomized trial × 5 features (issue 11): training the two-model and class-transformation models, scoring
/// 100k customers (row-major batch), the holdout evaluation (Qini + uplift curves, coefficient, AUC) and decile assignment. The baseline is one
/// plain logistic regression fit on the same 100k rows (what a churn model costs), so the training ratios read "× one logistic fit".
/// </summary>
[MemoryDiagnoser]
public class UpliftBenchmarks
{
    private const int Rows = 100_000;
    private const int FeatureCount = 5;

    private FeatureMatrix _features = null!;
    private double[] _rowMajor = [];
    private bool[] _treatment = [];
    private bool[] _outcome = [];
    private double[] _destination = [];
    private double[] _scores = [];
    private UpliftModel _twoModel = null!;
    private UpliftModel _classTransformation = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        _rowMajor = new double[Rows * FeatureCount];
        _treatment = new bool[Rows];
        _outcome = new bool[Rows];
        for (var i = 0; i < Rows; i++)
        {
            for (var j = 0; j < FeatureCount; j++)
            {
                _rowMajor[(i * FeatureCount) + j] = (random.NextDouble() * 4) - 2 + j;
            }

            _treatment[i] = random.NextDouble() < 0.5;
            var x = _rowMajor.AsSpan(i * FeatureCount, FeatureCount);
            var z = -1 + (0.6 * (x[0] - 0)) - (0.4 * (x[1] - 1)) + (_treatment[i] ? 0.2 + (0.8 * (x[2] - 2)) : 0);
            _outcome[i] = random.NextDouble() < 1 / (1 + Math.Exp(-z));
        }

        _features = FeatureMatrix.FromRowMajor(Enumerable.Range(0, FeatureCount).Select(j => "f" + j).ToArray(), _rowMajor);
        _destination = new double[Rows];
        _twoModel = UpliftTrainer.Fit(_features, _treatment, _outcome, new UpliftSettings(UpliftMethod.TwoModel));
        _classTransformation = UpliftTrainer.Fit(_features, _treatment, _outcome, new UpliftSettings(UpliftMethod.ClassTransformation));
        _scores = _twoModel.Score(_features);
    }

    [Benchmark(Baseline = true, Description = "One logistic regression fit, 100k rows (baseline)")]
    public double LogisticFit() => LogisticRegression.Fit(_features, _outcome).Intercept;

    [Benchmark(Description = "Train two-model, 100k rows")]
    public double TrainTwoModel() => UpliftTrainer.Fit(_features, _treatment, _outcome, new UpliftSettings(UpliftMethod.TwoModel)).TreatedModel!.Intercept;

    [Benchmark(Description = "Train class-transformation, 100k rows")]
    public double TrainClassTransformation() =>
        UpliftTrainer.Fit(_features, _treatment, _outcome, new UpliftSettings(UpliftMethod.ClassTransformation)).TransformedModel!.Intercept;

    [Benchmark(Description = "Score two-model, 100k rows (ScoreBatch)")]
    public double ScoreTwoModel()
    {
        _twoModel.ScoreBatch(_rowMajor, _destination);
        return _destination[^1];
    }

    [Benchmark(Description = "Score class-transformation, 100k rows (ScoreBatch)")]
    public double ScoreClassTransformation()
    {
        _classTransformation.ScoreBatch(_rowMajor, _destination);
        return _destination[^1];
    }

    [Benchmark(Description = "Evaluate (Qini + uplift curves), 100k rows")]
    public double Evaluate() => UpliftMetrics.Evaluate(_scores, _treatment, _outcome).QiniCoefficient;

    [Benchmark(Description = "Assign deciles, 100k rows")]
    public int Deciles() => UpliftTargeting.AssignDeciles(_scores)[^1];
}
