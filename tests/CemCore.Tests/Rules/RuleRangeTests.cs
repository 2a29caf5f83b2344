using CemCore.Rules;

namespace CemCore.Tests.Rules;

/// <summary>Operands outside a built-in field's range are load errors (issue 14: "a probability ≥ 60" loaded and never fired).</summary>
public sealed class RuleRangeTests
{
    [Theory]
    [InlineData("churn.probability", "ge", "60", "[0, 1]", true)]
    [InlineData("churn.probability", "lt", "-0.1", "[0, 1]", false)]
    [InlineData("survey.lastCsat", "le", "7", "[1, 5]", false)]
    [InlineData("survey.lastNps", "ge", "11", "[0, 10]", false)]
    [InlineData("features.orderCount", "lt", "-1", "[0, ∞]", false)]
    [InlineData("uplift.decile", "le", "11", "[1, 10]", false)]
    public void OperandOutsideTheFieldsRange_IsALoadError(string field, string op, string value, string range, bool percentHint)
    {
        var json = $$"""{ "conditions": { "c": { "field": "{{field}}", "op": "{{op}}", "value": {{value}} } } }""";
        var error = Assert.Single(Assert.Throws<RuleDefinitionException>(() => ConditionJson.LoadSet(json)).Errors);
        Assert.Contains($"outside the range {range} of '{field}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(percentHint, error.Message.Contains("a percentage? write 0.6", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("churn.probability", "ge", "0.6")]
    [InlineData("churn.probability", "between", "[0, 1]")]
    [InlineData("survey.lastCsat", "le", "2")]
    [InlineData("features.monetaryTotal", "lt", "-5")]
    public void OperandsInsideTheRange_Load(string field, string op, string value)
    {
        var json = $$"""{ "conditions": { "c": { "field": "{{field}}", "op": "{{op}}", "value": {{value}} } } }""";
        Assert.NotNull(ConditionJson.LoadSet(json)["c"]);
    }
}
