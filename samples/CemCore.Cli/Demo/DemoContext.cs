using System.Text.Json.Nodes;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Transactions;

namespace CemCore.Cli.Demo;

/// <summary>What every demo section sees: the generated data, the features, and the two outputs (text and JSON).</summary>
internal sealed class DemoContext
{
    public required IReadOnlyList<CustomerProfile> Customers { get; init; }

    public required TransactionTable Transactions { get; init; }

    public required DateTimeOffset AsOf { get; init; }

    public required CustomerFeatureSet Features { get; init; }

    public required int Seed { get; init; }

    /// <summary>Extra generated data (events, surveys…) keyed by name; sections cast what they need.</summary>
    public Dictionary<string, object> Extras { get; } = new(StringComparer.Ordinal);

    /// <summary>Text report (null in JSON mode).</summary>
    public TextWriter? Out { get; init; }

    /// <summary>JSON report: each section adds one property.</summary>
    public JsonObject Json { get; } = [];

    public void Heading(string title)
    {
        Out?.WriteLine();
        Out?.WriteLine($"== {title} ==");
    }

    public void Line(string text) => Out?.WriteLine(text);
}
