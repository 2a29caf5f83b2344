using CemCore.Lifecycle;
using CemCore.Rules;
using CemCore.Transactions;
using static CemCore.Tests.Rules.RuleTestData;
using CemCore.Tests.Shared;

namespace CemCore.Tests.Rules;

public sealed class AllocationTests
{
    [Fact]
    public void Evaluate_AllocatesNothing()
    {
        var set = ConditionJson.LoadSet("""
            {"conditions":{
              "a":{"all":[{"field":"profile.cityTier","op":"in","value":[1,2]},{"field":"profile.tags","op":"containsAny","value":["x","sneakerhead"]},
                          {"field":"features.category.sneakers.lastPurchase","op":"withinLastDays","value":90},
                          {"field":"features.channel.online.share","op":"ge","value":0.5},{"field":"profile.attributes.lifestyle","op":"eq","value":"urban"}]},
              "b":{"any":[{"field":"lifecycle.stage","op":"in","value":["Decline","Dormant"]},{"field":"event.lastReturn.reason","op":"eq","value":"Size"},
                          {"field":"custom.x","op":"gt","value":3},{"field":"custom.t","op":"eq","value":"z"}]},
              "c":{"not":{"all":[{"ref":"a"},{"ref":"b"},{"field":"profile.age","op":"between","value":[18,40]},{"field":"profile.gender","op":"eq","value":"Female"}]}}
            }}
            """, Registry);
        var context = Context(SneakerFan)
            .SetLifecycleStage(LifecycleStage.Growth)
            .SetLastReturn(new ReturnFact(ReturnReason.Size, AsOf.AddDays(-3)))
            .SetNumber("x", 1)
            .SetText("t", "q");
        var conditions = set.Conditions.ToArray();
        var hits = 0;
        for (var i = 0; i < 10; i++)
        {
            foreach (var c in conditions)
            {
                hits += c.Evaluate(context) ? 1 : 0;
            }
        }

        Assert.Equal(10 * 2, hits); // a and b hold, c does not
        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                foreach (var c in conditions)
                {
                    hits += c.Evaluate(context) ? 1 : 0;
                }
            }
        });

        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
        Assert.Equal(20, hits % 200); // 20 from the warm-up loop, then 200 per run of the probed action
    }

    [Fact]
    public void ContextReset_WithSameCustomFacts_AllocatesNothing()
    {
        var context = new CustomerContext();
        var profile = SneakerFan;
        for (var i = 0; i < 10; i++)
        {
            context.Reset(profile, null, AsOf).SetNumber("x", i).SetText("t", "a").SetChurnProbability(0.5);
        }

        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                context.Reset(profile, null, AsOf).SetNumber("x", i).SetText("t", "a").SetChurnProbability(0.5);
            }
        });

        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
    }
}
