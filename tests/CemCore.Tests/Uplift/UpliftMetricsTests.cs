using System.Text.Json;
using CemCore.Uplift;

namespace CemCore.Tests.Uplift;

/// <summary>
/// Qini curve, uplift curve, Qini coefficient and uplift AUC against the independent Python implementation of the same formulas
/// (Radcliffe 2007; Gutierrez &amp; Gérardy 2017) in ReferenceData/Uplift/generate_uplift_reference.py, to 1e-9.
/// </summary>
public sealed class UpliftMetricsTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in UpliftReference.Names)
        {
            foreach (var set in UpliftReference.ScoreSets)
            {
                data.Add(name, set);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Metrics_MatchPythonReference(string name, string set)
    {
        var data = UpliftReference.Load(name);
        var scores = data.Scores(set);
        var m = data.Metrics(set);

        var qini = UpliftMetrics.QiniCurve(scores, data.Treatment, data.Outcome);
        Assert.Equal(UpliftReference.Ints(m.GetProperty("qiniK")), qini.Counts);
        AssertClose(UpliftReference.Doubles(m.GetProperty("qiniValues")), qini.Values);

        var uplift = UpliftMetrics.UpliftCurve(scores, data.Treatment, data.Outcome);
        Assert.Equal(UpliftReference.Ints(m.GetProperty("upliftK")), uplift.Counts);
        AssertClose(UpliftReference.Doubles(m.GetProperty("upliftValues")), uplift.Values);

        var e = UpliftMetrics.Evaluate(scores, data.Treatment, data.Outcome);
        Assert.Equal(m.GetProperty("qiniArea").GetDouble(), e.QiniArea, 1e-9);
        Assert.Equal(m.GetProperty("qiniRandomArea").GetDouble(), e.QiniRandomArea, 1e-9);
        Assert.Equal(m.GetProperty("qiniPerfectArea").GetDouble(), e.QiniPerfectArea, 1e-9);
        Assert.Equal(m.GetProperty("qiniCoefficient").GetDouble(), e.QiniCoefficient, 1e-9);
        Assert.Equal(m.GetProperty("upliftAuc").GetDouble(), e.UpliftAuc, 1e-9);
        Assert.Equal(m.GetProperty("upliftAucRandom").GetDouble(), e.UpliftAucRandom, 1e-9);
        Assert.Equal(e.QiniCoefficient, UpliftMetrics.QiniCoefficient(scores, data.Treatment, data.Outcome));
        Assert.Equal(e.UpliftAuc, UpliftMetrics.UpliftAuc(scores, data.Treatment, data.Outcome));
        Assert.Equal(data.Expected.GetProperty("treatedRows").GetInt32(), e.TreatedRows);
        Assert.Equal(data.Expected.GetProperty("controlRows").GetInt32(), e.ControlRows);
    }

    [Fact]
    public void ConstantScore_IsExactlyRandom_AndInformativeScoresBeatIt()
    {
        var data = UpliftReference.Load("rct_balanced");
        var constant = UpliftMetrics.Evaluate(data.Scores("constant"), data.Treatment, data.Outcome);
        Assert.Equal(0.0, constant.QiniCoefficient, 1e-12);
        Assert.Equal(constant.UpliftAucRandom, constant.UpliftAuc, 1e-12);
        var truth = UpliftMetrics.Evaluate(data.Scores("trueRounded2"), data.Treatment, data.Outcome);
        Assert.True(truth.QiniCoefficient > 0.1, truth.ToString());
        Assert.True(truth.UpliftAuc > truth.UpliftAucRandom, truth.ToString());
    }

    [Fact]
    public void TiedRows_InputOrderDoesNotMatter()
    {
        var data = UpliftReference.Load("rct_unequal");
        var scores = data.Scores("trueRounded1");
        var reversed = Enumerable.Range(0, scores.Length).Reverse().ToArray();
        var a = UpliftMetrics.Evaluate(scores, data.Treatment, data.Outcome);
        var b = UpliftMetrics.Evaluate(
            reversed.Select(i => scores[i]).ToArray(), reversed.Select(i => data.Treatment[i]).ToArray(), reversed.Select(i => data.Outcome[i]).ToArray());
        Assert.Equal(a, b);
    }

    [Fact]
    public void HandComputed_SmallTrial()
    {
        // Scores 0.9 (T, Y=1), 0.5 (C, Y=0), 0.5 (T, Y=0), 0.1 (C, Y=1).
        double[] s = [0.9, 0.5, 0.5, 0.1];
        bool[] t = [true, false, true, false];
        bool[] y = [true, false, false, true];
        var qini = UpliftMetrics.QiniCurve(s, t, y);
        int[] counts = [0, 1, 3, 4];
        double[] qiniValues = [0.0, 1.0, 1.0, 0.0];
        double[] upliftValues = [0.0, 1.0, 1.5, 0.0];
        Assert.Equal(counts, qini.Counts);
        Assert.Equal(qiniValues, qini.Values); // after 3: R_T=1, R_C=0; after 4: 1 - 1·2/2
        var uplift = UpliftMetrics.UpliftCurve(s, t, y);
        Assert.Equal(upliftValues, uplift.Values); // (1/2 - 0/1)·3 and (1/2 - 1/2)·4
        var e = UpliftMetrics.Evaluate(s, t, y);
        // Qini area: [1/4·(0+1/4)/2] + [2/4·(1/4+1/4)/2] + [1/4·(1/4+0)/2] = 1/32 + 1/8 + 1/32 = 0.1875.
        Assert.Equal(0.1875, e.QiniArea, 1e-15);
        Assert.Equal(0.0, e.QiniRandomArea);
        // Oracle scores 1, 0, 0, -1 give the same ordering here, so the coefficient is 1.
        Assert.Equal(1.0, e.QiniCoefficient, 1e-15);
        Assert.Equal((0.125 / 4) + (0.5 * 2.5 / 4 / 2) + (0.25 * 1.5 / 4 / 2), e.UpliftAuc, 1e-15);
        Assert.Equal(0.0, e.AverageTreatmentEffect);
    }

    [Fact]
    public void NoResponder_CoefficientIsNaN()
    {
        var e = UpliftMetrics.Evaluate([0.3, 0.2], [true, false], [false, false]);
        Assert.True(double.IsNaN(e.QiniCoefficient));
        Assert.Equal(0.0, e.UpliftAuc);
    }

    [Fact]
    public void BadInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => UpliftMetrics.Evaluate([], [], []));
        Assert.Throws<ArgumentException>(() => UpliftMetrics.QiniCurve([0.1, 0.2], [true], [true, false]));
        Assert.Throws<ArgumentException>(() => UpliftMetrics.UpliftCurve([0.1], [true], []));
        var ex = Assert.Throws<ArgumentException>(() => UpliftMetrics.Evaluate([0.1, double.NaN], [true, false], [true, false]));
        Assert.Equal("scores", ex.ParamName);
        Assert.Throws<ArgumentException>(() => UpliftTargeting.AssignDeciles([double.PositiveInfinity]));
    }

    private static void AssertClose(double[] expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9, $"point {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
