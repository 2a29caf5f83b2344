using System.Globalization;
using System.Text.Json;
using CemCore.Experiments;
using CemCore.Experiments.Statistics;

namespace CemCore.Tests.Experiments;

/// <summary>
/// Every statistic against the committed reference vectors (ReferenceData/Experiments/ab_vectors.json), written by
/// generate_ab_vectors.py with Debian python3: scipy 1.10.1, statsmodels 0.13.5, numpy, mpmath 1.2.1. The script names the exact call
/// per family; the family comments below repeat it. Tolerance: relative 1e-9 with an absolute floor of 1e-13 (values that are
/// mathematically 0, e.g. z = 0 or a bound at 0, cannot be compared relatively).
/// </summary>
public sealed class ReferenceVectorTests
{
    private const double Rel = 1e-9;
    private const double AbsFloor = 1e-13;

    internal static JsonElement Family(string name)
    {
        var root = Vectors.Value.RootElement;
        var family = root.GetProperty(name);
        return family;
    }

    private static readonly Lazy<JsonDocument> Vectors = new(() =>
    {
        var asm = typeof(ReferenceVectorTests).Assembly;
        var res = asm.GetManifestResourceNames().Single(n => n.EndsWith("ab_vectors.json", StringComparison.Ordinal));
        using var s = asm.GetManifestResourceStream(res)!;
        return JsonDocument.Parse(s);
    });

    internal static void Close(double expected, double actual, string what, double rel = Rel, double abs = AbsFloor)
    {
        var tol = Math.Max(abs, rel * Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol,
            string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:R}, actual {actual:R}, |diff| {Math.Abs(expected - actual):E3} > {tol:E3}"));
    }

    private static Alternative Alt(JsonElement e) => Enum.Parse<Alternative>(e.GetProperty("alternative").GetString()!);

    private static double? D(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetDouble();

    private static long L(JsonElement e, string name) => e.GetProperty(name).GetInt64();

    [Fact]
    public void EveryFamily_HasAtLeast100Cases()
    {
        foreach (var f in new[] { "proportionsZTest", "oneProportionInterval", "differenceInterval", "relativeLift", "welchSummary", "welchRaw", "chiSquare2x2", "srm", "powerProportions", "powerMeans", "bayes", "msprt", "cuped", "ratio", "multipleTesting" })
        {
            Assert.True(Family(f).GetArrayLength() >= 100, f);
        }
    }

    [Fact]
    public void ZTest_PooledAndUnpooled_MatchStatsmodels()
    {
        // statsmodels.stats.proportion.proportions_ztest(count=[ts, cs], nobs=[tn, cn], value=0, alternative=..., prop_var=False)
        // statsmodels.stats.proportion.test_proportions_2indep(ts, tn, cs, cn, value=0, method='wald', compare='diff', alternative=..., correction=False)
        var tiny = 0;
        foreach (var c in Family("proportionsZTest").EnumerateArray())
        {
            var alt = Alt(c);
            var pooled = Proportions.ZTest(L(c, "cs"), L(c, "cn"), L(c, "ts"), L(c, "tn"), alt, ProportionVariance.Pooled);
            var unpooled = Proportions.ZTest(L(c, "cs"), L(c, "cn"), L(c, "ts"), L(c, "tn"), alt, ProportionVariance.Unpooled);
            Check(c, pooled, "pooledZ", "pooledP");
            Check(c, unpooled, "unpooledZ", "unpooledP");
            if (pooled.IsDefined && pooled.PValue < 1e-20)
            {
                tiny++;
            }
        }

        Assert.True(tiny >= 5, "the vectors must include p-values below 1e-20");

        static void Check(JsonElement c, TestResult r, string z, string p)
        {
            var ez = D(c, z);
            if (ez is null)
            {
                Assert.False(r.IsDefined);
                Assert.NotNull(r.UndefinedReason);
                return;
            }

            Assert.True(r.IsDefined, c.ToString());
            Close(ez.Value, r.Statistic, z + " " + c);
            Close(D(c, p)!.Value, r.PValue, p + " " + c, abs: 1e-300);
        }
    }

    [Fact]
    public void OneProportionIntervals_MatchStatsmodelsProportionConfint()
    {
        // statsmodels.stats.proportion.proportion_confint(count, nobs, alpha, method='normal'|'agresti_coull'|'wilson'|'beta'|'jeffreys')
        foreach (var c in Family("oneProportionInterval").EnumerateArray())
        {
            var method = Enum.Parse<ProportionIntervalMethod>(c.GetProperty("method").GetString()!);
            var ci = Proportions.Interval(L(c, "count"), L(c, "nobs"), 1 - c.GetProperty("alpha").GetDouble(), method);
            Close(D(c, "lower")!.Value, ci.Lower, "lower " + c, abs: 1e-15);
            Close(D(c, "upper")!.Value, ci.Upper, "upper " + c, abs: 1e-15);
        }
    }

    [Fact]
    public void DifferenceIntervals_MatchStatsmodelsConfintProportions2Indep()
    {
        // statsmodels.stats.proportion.confint_proportions_2indep(ts, tn, cs, cn, method='wald'|'newcomb'|'agresti-caffo', compare='diff', alpha, correction=False)
        foreach (var c in Family("differenceInterval").EnumerateArray())
        {
            var method = Enum.Parse<DifferenceIntervalMethod>(c.GetProperty("method").GetString()!);
            var ci = Proportions.DifferenceInterval(L(c, "cs"), L(c, "cn"), L(c, "ts"), L(c, "tn"), 1 - c.GetProperty("alpha").GetDouble(), method);
            Close(D(c, "lower")!.Value, ci.Lower, "lower " + c);
            Close(D(c, "upper")!.Value, ci.Upper, "upper " + c);
        }
    }

    [Fact]
    public void RelativeLift_MatchesDeltaMethodFormula()
    {
        // numpy/scipy formula in the generator: Var(r) = Var(p_t)/p_c^2 + p_t^2 Var(p_c)/p_c^4, z = scipy.stats.norm.isf(alpha/2)
        foreach (var c in Family("relativeLift").EnumerateArray())
        {
            var r = Proportions.RelativeLift(L(c, "cs"), L(c, "cn"), L(c, "ts"), L(c, "tn"), 1 - c.GetProperty("alpha").GetDouble());
            if (D(c, "lift") is not { } lift)
            {
                Assert.False(r.IsDefined);
                continue;
            }

            Close(lift, r.Estimate, "lift " + c);
            Close(D(c, "lower")!.Value, r.Interval.Lower, "lower " + c);
            Close(D(c, "upper")!.Value, r.Interval.Upper, "upper " + c);
        }
    }

    [Fact]
    public void WelchFromSummaries_MatchesScipyTtestIndFromStats()
    {
        // scipy.stats.ttest_ind_from_stats(mt, st, nt, mc, sc, nc, equal_var=False, alternative=...); df from scipy.stats._stats_py._unequal_var_ttest_denom
        foreach (var c in Family("welchSummary").EnumerateArray())
        {
            var r = Means.WelchTTest(c.GetProperty("meanC").GetDouble(), c.GetProperty("sdC").GetDouble(), L(c, "nC"),
                c.GetProperty("meanT").GetDouble(), c.GetProperty("sdT").GetDouble(), L(c, "nT"), Alt(c));
            if (D(c, "t") is not { } t)
            {
                Assert.False(r.IsDefined, c.ToString());
                continue;
            }

            Close(t, r.Statistic, "t " + c);
            Close(D(c, "df")!.Value, r.DegreesOfFreedom, "df " + c);
            Close(D(c, "p")!.Value, r.PValue, "p " + c, abs: 1e-300);
        }
    }

    [Fact]
    public void WelchFromSamples_MatchesScipyTtestInd()
    {
        // scipy.stats.ttest_ind(treatment, control, equal_var=False, alternative=...)
        foreach (var c in Family("welchRaw").EnumerateArray())
        {
            var control = c.GetProperty("control").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var treatment = c.GetProperty("treatment").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var r = Means.WelchTTestFromSamples(control, treatment, Alt(c));
            Close(D(c, "t")!.Value, r.Statistic, "t");
            Close(D(c, "df")!.Value, r.DegreesOfFreedom, "df");
            Close(D(c, "p")!.Value, r.PValue, "p");
        }
    }

    [Fact]
    public void ChiSquare2x2_MatchesScipyChi2Contingency()
    {
        // scipy.stats.chi2_contingency([[ts, tn-ts], [cs, cn-cs]], correction=yates)
        foreach (var c in Family("chiSquare2x2").EnumerateArray())
        {
            var r = ChiSquareTests.TwoByTwo(L(c, "cs"), L(c, "cn"), L(c, "ts"), L(c, "tn"), c.GetProperty("yates").GetBoolean());
            if (D(c, "chiSquare") is not { } chi)
            {
                Assert.False(r.IsDefined, c.ToString());
                continue;
            }

            Close(chi, r.Statistic, "chi2 " + c);
            Close(D(c, "p")!.Value, r.PValue, "p " + c, abs: 1e-300);
        }
    }

    [Fact]
    public void Srm_MatchesScipyChisquare()
    {
        // scipy.stats.chisquare(f_obs=observed, f_exp=np.array(weights) * sum(observed))
        foreach (var c in Family("srm").EnumerateArray())
        {
            var obs = c.GetProperty("observed").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            var w = c.GetProperty("weights").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var r = ChiSquareTests.SampleRatioMismatch(obs, w);
            Close(D(c, "chiSquare")!.Value, r.Statistic, "chi2 " + c, rel: 1e-8);
            Close(D(c, "p")!.Value, r.PValue, "p " + c, rel: 1e-8, abs: 1e-300);
        }
    }

    [Fact]
    public void PowerAndSampleSize_Proportions_MatchStatsmodels()
    {
        foreach (var c in Family("powerProportions").EnumerateArray())
        {
            double p1 = c.GetProperty("baseline").GetDouble(), mde = c.GetProperty("mde").GetDouble(), alpha = c.GetProperty("alpha").GetDouble(), power = c.GetProperty("power").GetDouble();
            var nEval = c.GetProperty("nEval").GetDouble();

            // statsmodels.stats.proportion.samplesize_proportions_2indep_onetail(diff=mde, prop2=p1, power, ratio=1, alpha, alternative='two-sided')
            Close(D(c, "nDefault")!.Value, PowerAnalysis.SampleSizeForProportions(p1, mde, alpha, power).ExactPerGroup, "nDefault " + c);

            // statsmodels.stats.power.normal_sample_size_one_tail(mde, power, alpha/2, std_null=std_alternative=sqrt(p1q1+p2q2))
            Close(D(c, "nUnpooled")!.Value, PowerAnalysis.SampleSizeForProportions(p1, mde, alpha, power, ProportionSampleSizeMethod.Unpooled).ExactPerGroup, "nUnpooled");

            // normal_sample_size_one_tail(h, power, alpha/2, std_null=std_alternative=sqrt(2)), h = proportion_effectsize(p2, p1)
            Close(D(c, "nCohenH")!.Value, PowerAnalysis.SampleSizeForProportions(p1, mde, alpha, power, ProportionSampleSizeMethod.CohensH).ExactPerGroup, "nCohenH");

            // statsmodels.stats.proportion.power_proportions_2indep(mde, p1, nEval, ratio=1, alpha, alternative='two-sided')
            Close(D(c, "powerDefault")!.Value, PowerAnalysis.PowerForProportions(p1, mde, nEval, alpha), "powerDefault");

            // statsmodels.stats.power.NormalIndPower().power(h, nEval, alpha, ratio=1, alternative='two-sided')
            Close(D(c, "powerCohenH")!.Value, PowerAnalysis.PowerForProportions(p1, mde, nEval, alpha, ProportionSampleSizeMethod.CohensH), "powerCohenH");

            // scipy.optimize.brentq root of samplesize_proportions_2indep_onetail(d, p1, power, alpha=alpha) = nEval
            if (D(c, "mdeDefault") is { } m)
            {
                Close(m, PowerAnalysis.MinimumDetectableEffectForProportions(p1, nEval, alpha, power, increase: mde > 0), "mde " + c, rel: 1e-9, abs: 1e-12);
            }
        }
    }

    [Fact]
    public void PowerAndSampleSize_Means_MatchStatsmodels()
    {
        foreach (var c in Family("powerMeans").EnumerateArray())
        {
            double sigma = c.GetProperty("sigma").GetDouble(), delta = c.GetProperty("delta").GetDouble(), alpha = c.GetProperty("alpha").GetDouble(), power = c.GetProperty("power").GetDouble();
            var nEval = c.GetProperty("nEval").GetDouble();

            // statsmodels.stats.power.normal_sample_size_one_tail(delta, power, alpha/2, std_null=std_alternative=sigma*sqrt(2))
            Close(D(c, "n")!.Value, PowerAnalysis.SampleSizeForMeans(sigma, delta, alpha, power).ExactPerGroup, "n");

            // statsmodels.stats.power.NormalIndPower().power(delta/sigma, nEval, alpha, ratio=1, alternative='two-sided')
            Close(D(c, "powerAtN")!.Value, PowerAnalysis.PowerForMeans(sigma, delta, nEval, alpha), "power");
            Close(D(c, "mde")!.Value, PowerAnalysis.MinimumDetectableEffectForMeans(sigma, nEval, alpha, power), "mde");
        }
    }

    [Fact]
    public void BetaBinomial_MatchesMpmath()
    {
        // P(T > C) and expected loss: mpmath 1.2.1 at 30 digits (Miller's sum, or mpmath.quad for non-integer priors);
        // credible intervals: scipy.stats.beta.ppf(0.025, a, b) / scipy.stats.beta.isf(0.025, a, b)
        foreach (var c in Family("bayes").EnumerateArray())
        {
            var prior = new BetaPrior(c.GetProperty("priorAlpha").GetDouble(), c.GetProperty("priorBeta").GetDouble());
            var r = BetaBinomial.Compare(L(c, "cs"), L(c, "cn"), L(c, "ts"), L(c, "tn"), prior);
            var integer = prior.Alpha == Math.Floor(prior.Alpha);
            Close(D(c, "probabilityTreatmentBetter")!.Value, r.ProbabilityTreatmentBetter, "P " + c, rel: integer ? 1e-9 : 1e-8, abs: 1e-15);
            Close(D(c, "expectedLossTreatment")!.Value, r.ExpectedLossTreatment, "loss " + c, rel: integer ? 1e-9 : 1e-7, abs: 1e-15);
            Close(D(c, "controlLower")!.Value, r.ControlCredibleInterval.Lower, "cl " + c);
            Close(D(c, "controlUpper")!.Value, r.ControlCredibleInterval.Upper, "cu " + c);
            Close(D(c, "treatmentLower")!.Value, r.TreatmentCredibleInterval.Lower, "tl " + c);
            Close(D(c, "treatmentUpper")!.Value, r.TreatmentCredibleInterval.Upper, "tu " + c);
        }
    }

    [Fact]
    public void Msprt_MatchesJohariFormula()
    {
        // Formula of Johari et al. (2022) as written in the generator (numpy/math; no library implements it).
        foreach (var c in Family("msprt").EnumerateArray())
        {
            var r = SequentialTest.Evaluate(c.GetProperty("difference").GetDouble(), c.GetProperty("varianceC").GetDouble(), L(c, "nC"),
                c.GetProperty("varianceT").GetDouble(), L(c, "nT"), c.GetProperty("tau").GetDouble(), c.GetProperty("alpha").GetDouble());
            Close(D(c, "logLikelihoodRatio")!.Value, r.LogLikelihoodRatio, "logL", abs: 1e-12);
            Close(D(c, "p")!.Value, r.PValue, "p");
            Close(D(c, "lower")!.Value, r.ConfidenceSequence.Lower, "lower");
            Close(D(c, "upper")!.Value, r.ConfidenceSequence.Upper, "upper");
        }
    }

    [Fact]
    public void Cuped_MatchesNumpyOnRawData()
    {
        // numpy.cov(y_all, x_all)[0,1] / numpy.var(x_all, ddof=1) (== statsmodels OLS slope); adjusted values per unit, numpy.var(ddof=1)/n.
        // The reference works on raw values, CemCore on power sums: tolerance 1e-8 relative.
        foreach (var c in Family("cuped").EnumerateArray())
        {
            var r = Cuped.Compare(Sums(c.GetProperty("control")), Sums(c.GetProperty("treatment")));
            Close(D(c, "theta")!.Value, r.Theta, "theta", rel: 1e-8, abs: 1e-10);
            Close(D(c, "adjustedMeanC")!.Value, r.ControlAdjustedMean, "mc", rel: 1e-9, abs: 1e-10);
            Close(D(c, "adjustedMeanT")!.Value, r.TreatmentAdjustedMean, "mt", rel: 1e-9, abs: 1e-10);
            Close(D(c, "adjustedVarianceOfMeanC")!.Value, r.ControlVarianceOfMean, "vc", rel: 1e-8);
            Close(D(c, "adjustedVarianceOfMeanT")!.Value, r.TreatmentVarianceOfMean, "vt", rel: 1e-8);
        }
    }

    [Fact]
    public void RatioMetric_MatchesNumpyDeltaMethod()
    {
        // (np.var(y, ddof=1) - 2 R np.cov(y, x)[0,1] + R^2 np.var(x, ddof=1)) / (n mean(x)^2) on raw data
        foreach (var c in Family("ratio").EnumerateArray())
        {
            var r = RatioMetric.Estimate(Sums(c.GetProperty("sums")));
            Close(D(c, "ratio")!.Value, r.Ratio, "ratio");
            Close(D(c, "varianceOfRatio")!.Value, r.VarianceOfRatio, "var", rel: 1e-8);
        }
    }

    [Fact]
    public void MultipleTesting_MatchesStatsmodelsMultipletests()
    {
        // statsmodels.stats.multitest.multipletests(p, alpha, method='bonferroni'|'holm'|'fdr_bh'|'fdr_by')
        foreach (var c in Family("multipleTesting").EnumerateArray())
        {
            var p = c.GetProperty("p").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var method = Enum.Parse<MultipleTestingMethod>(c.GetProperty("method").GetString()!);
            var adjusted = MultipleTesting.Adjust(p, method);
            var expected = c.GetProperty("adjusted").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var reject = c.GetProperty("reject").EnumerateArray().Select(x => x.GetBoolean()).ToArray();
            var alpha = c.GetProperty("alpha").GetDouble();
            for (var i = 0; i < p.Length; i++)
            {
                Close(expected[i], adjusted[i], method + " adjusted", abs: 1e-300);
                Assert.Equal(reject[i], adjusted[i] <= alpha);
            }
        }
    }

    internal static MetricSummary Sums(JsonElement s) => new(
        s.GetProperty("n").GetInt64(), s.GetProperty("sumY").GetDouble(), s.GetProperty("sumY2").GetDouble(),
        s.GetProperty("sumX").GetDouble(), s.GetProperty("sumX2").GetDouble(), s.GetProperty("sumXY").GetDouble());
}
