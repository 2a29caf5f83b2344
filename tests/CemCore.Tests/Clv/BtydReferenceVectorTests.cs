using System.Globalization;
using System.Reflection;
using CemCore.Clv;

namespace CemCore.Tests.Clv;

/// <summary>
/// Predictions against an independent implementation: ReferenceData/Clv/btyd_reference.py (Debian /usr/bin/python3, scipy 1.10.1,
/// mpmath 1.2.1; linear-space closed forms with scipy.special.hyp2f1, mpmath for the Pareto/NBD pmf) at the published CDNOW
/// parameters (BG/NBD, Pareto/NBD; FHL 2005) and the grocery fixture (MBG/NBD). Tolerance 1e-8 relative.
/// </summary>
public sealed class BtydReferenceVectorTests
{
    private static readonly BgNbdModel Bg = new(0.243, 4.414, 0.793, 2.426);
    private static readonly ParetoNbdModel Pareto = new(0.553, 10.578, 0.606, 11.669);
    private static readonly MbgNbdModel Mbg = new(1.2569, 6.0391, 0.3683, 0.7158);
    private static readonly GammaGammaModel Gg = new(6.25, 3.74, 15.44);

    public static TheoryData<string, int, double, double, double, double, double, double> Customers()
    {
        var data = new TheoryData<string, int, double, double, double, double, double, double>();
        foreach (var f in Rows("btyd_customers.csv"))
        {
            data.Add(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), D(f[2]), D(f[3]), D(f[4]), D(f[5]), D(f[6]), D(f[7]));
        }

        return data;
    }

    public static TheoryData<string, double, int, double, double> Counts()
    {
        var data = new TheoryData<string, double, int, double, double>();
        foreach (var f in Rows("btyd_counts.csv"))
        {
            data.Add(f[0], D(f[1]), int.Parse(f[2], CultureInfo.InvariantCulture), D(f[3]), D(f[4]));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Customers))]
    public void PerCustomer_MatchesScipy(string model, int x, double tx, double age, double t, double ll, double pAlive, double expected)
    {
        var m = Model(model);
        AssertRelative(ll, m.LogLikelihood(x, tx, age), 1e-8);
        AssertRelative(pAlive, m.ProbabilityAlive(x, tx, age), 1e-8);
        AssertRelative(expected, m.ConditionalExpectedPurchases(t, x, tx, age), 1e-8);

        // The batch kernels agree with the scalar path.
        Span<double> one = stackalloc double[1];
        m.ProbabilityAlive([x], [tx], [age], one);
        AssertRelative(pAlive, one[0], 1e-8);
        m.ConditionalExpectedPurchases(t, [x], [tx], [age], one);
        AssertRelative(expected, one[0], 1e-8);
    }

    [Theory]
    [MemberData(nameof(Counts))]
    public void Counts_MatchScipy(string model, double t, int n, double pn, double expected)
    {
        var m = Model(model);
        Assert.True(Math.Abs(pn - m.ProbabilityOfPurchases(n, t)) <= 1e-8 * Math.Max(pn, 1e-6), $"P(X({t})={n}): {pn} vs {m.ProbabilityOfPurchases(n, t)}");
        AssertRelative(expected, m.ExpectedPurchases(t), 1e-8);
    }

    [Fact]
    public void GammaGamma_MatchesScipy()
    {
        var rows = Rows("gammagamma.csv").ToList();
        Assert.Equal(8, rows.Count);
        foreach (var f in rows)
        {
            var x = int.Parse(f[0], CultureInfo.InvariantCulture);
            AssertRelative(D(f[2]), Gg.LogLikelihood(x, D(f[1])), 1e-8);
            AssertRelative(D(f[3]), Gg.ConditionalExpectedAverageSpend(x, D(f[1])), 1e-8);
        }
    }

    private static IBtydModel Model(string name) => name switch
    {
        "bgnbd" => Bg,
        "paretonbd" => Pareto,
        "mbgnbd" => Mbg,
        _ => throw new ArgumentException(name),
    };

    private static void AssertRelative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(Math.Abs(expected), 1e-12), $"expected {expected:R}, got {actual:R}");

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static string[][] Rows(string file)
    {
        var asm = Assembly.GetExecutingAssembly();
        var name = asm.GetManifestResourceNames().Single(n => n.EndsWith("Clv." + file, StringComparison.Ordinal));
        using var stream = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Skip(1).Select(l => l.Split(',')).ToArray();
    }
}
