using System.Globalization;
using CemCore.Features;
using CemCore.Transactions;

namespace CemCore.Tests.Features;

/// <summary>
/// <see cref="CustomerFeatures.MonetaryTotal"/> returns <see cref="CustomerFeatures.GrossSpend"/> itself when nothing was refunded, instead
/// of subtracting a zero (issue 17: the decimal subtraction was the costliest part of a rule on <c>features.monetaryTotal</c>). The
/// reference is the definition, <c>GrossSpend − ReturnedAmount</c> with decimal's own subtraction: every customer's total must have the
/// same bits (value, sign and scale, so "12.5" stays "12.5" and "5" is not "5.00"), including zero refunds written with more decimals
/// than the purchases, negative-zero refunds and customers without purchases.
/// </summary>
public sealed class MonetaryTotalTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MonetaryTotal_EveryScaleAndZeroRefund_HasTheBitsOfTheSubtraction(int seed)
    {
        var random = new Random(seed);
        var builder = new TransactionTableBuilder();
        for (var c = 0; c < 3_000; c++)
        {
            var customer = "c" + c.ToString(CultureInfo.InvariantCulture);
            var purchases = random.Next(0, 4);
            for (var p = 0; p < purchases; p++)
            {
                var order = customer + "-o" + p.ToString(CultureInfo.InvariantCulture);
                builder.AddPurchase(customer, Start.AddDays(random.Next(30)), Amount(random), order);
                switch (random.Next(6))
                {
                    case 0:
                        builder.AddReturn(customer, Start.AddDays(31 + random.Next(5)), Amount(random), order);
                        break;
                    case 1:
                        // A zero refund, possibly with more decimals than any purchase, or with the sign bit set.
                        var zero = new decimal(0, 0, 0, random.Next(2) == 0, (byte)random.Next(0, 6));
                        builder.AddReturn(customer, Start.AddDays(31 + random.Next(5)), zero, order);
                        break;
                }
            }

            if (purchases == 0)
            {
                builder.AddCustomer(customer);
            }
        }

        var features = FeatureExtractor.Compute(builder.Build(), Start.AddDays(40));

        var zeroRefunds = 0;
        var zeroRefundsWithLargerScale = 0;
        foreach (var f in features)
        {
            var expected = f.GrossSpend - f.ReturnedAmount;
            Assert.Equal(decimal.GetBits(expected), decimal.GetBits(f.MonetaryTotal));
            if (f.ReturnedAmount == 0m)
            {
                zeroRefunds++;
                zeroRefundsWithLargerScale += f.ReturnedAmount.Scale > f.GrossSpend.Scale ? 1 : 0;
            }
        }

        // Both branches and the scale condition were exercised.
        Assert.InRange(zeroRefunds, 1, features.Count - 1);
        Assert.True(zeroRefundsWithLargerScale > 0, "no zero refund with a larger scale than its purchases");
    }

    /// <summary>An amount with 0 to 4 decimals (the cents path of the extractor takes at most 2, so both of its paths run).</summary>
    private static decimal Amount(Random random)
    {
        var scale = (byte)random.Next(0, 5);
        return new decimal(random.Next(0, 2_000_000), 0, 0, false, scale);
    }
}
