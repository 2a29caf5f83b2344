using System.Globalization;
using CemCore.Churn;
using CemCore.Samples.MlNetChurn;
using Microsoft.ML;

// A host plugging an ML.NET model behind CemCore's IChurnModel, next to the built-in logistic regression.
// Both are trained on the same synthetic churn data and evaluated on the same stratified holdout with ChurnMetrics.
const int Rows = 20_000;
string[] names = ["frequency", "recency_days", "tenure_days", "average_order_value", "return_rate"];
var random = new Random(7);
var x = new double[Rows * names.Length];
var y = new bool[Rows];
for (var i = 0; i < Rows; i++)
{
    var frequency = random.Next(0, 20);
    var recency = random.NextDouble() * 365;
    var tenure = recency + (random.NextDouble() * 1000);
    var aov = 20 + (random.NextDouble() * 180);
    var returns = random.NextDouble() * 0.3;
    double[] row = [frequency, recency, tenure, aov, returns];
    row.CopyTo(x, i * names.Length);
    var z = -1.0 - (0.15 * frequency) + (0.01 * recency) - (0.0005 * tenure) + (3 * returns);
    y[i] = random.NextDouble() < 1 / (1 + Math.Exp(-z));
}

var all = FeatureMatrix.FromRowMajor(names, x);
var split = ChurnValidation.StratifiedTrainTestSplit(y, 0.25, seed: 1);
var train = all.SelectRows(split.Train.ToArray());
var test = all.SelectRows(split.Test.ToArray());
var trainLabels = split.Train.Select(i => y[i]).ToArray();
var testLabels = split.Test.Select(i => y[i]).ToArray();

// Built-in model.
IChurnModel builtIn = LogisticRegression.Fit(train, trainLabels);

// ML.NET model: normalize + L-BFGS logistic regression, wrapped by the adapter.
var ml = new MLContext(seed: 1);
var rows = new MlNetChurnModel.Input[train.RowCount];
for (var i = 0; i < rows.Length; i++)
{
    rows[i] = new MlNetChurnModel.Input { Features = train.Row(i).ToArray().Select(v => (float)v).ToArray(), Label = trainLabels[i] };
}

var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
    .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression());
var trained = pipeline.Fit(ml.Data.LoadFromEnumerable(rows, MlNetChurnModel.Schema(names.Length)));
using var adapter = new MlNetChurnModel(ml, trained, names);

foreach (var (label, model) in new (string, IChurnModel)[] { ("CemCore logistic regression", builtIn), ("ML.NET adapter", adapter) })
{
    var p = new double[test.RowCount];
    model.ScoreBatch(test.Values, p);
    var single = model.Score(test.Row(0));
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{label,-28} holdout AUC {ChurnMetrics.RocAuc(p, testLabels):F4}  log loss {ChurnMetrics.LogLoss(p, testLabels):F4}  first customer {single:F4} (batch {p[0]:F4})"));
}

return 0;
