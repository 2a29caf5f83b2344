using System.Globalization;
using System.Text;
using CemCore.Customers;
using CemCore.Lifecycle;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using FsCheck.Xunit;

namespace CemCore.Tests.Properties;

/// <summary>
/// Consent is never violated: for random rule sets (random purposes, channel lists, priorities, groups, exclusivity, stacking,
/// holdout) and random consent histories (granted, denied, revoked, dated before and after as-of, several records per channel), every
/// decision that names a channel (an offer, or the would-be offer of a holdout customer) names one whose consent for the rule's purpose
/// is in force at as-of, and a context without a profile never gets a channel.
/// </summary>
public sealed class ConsentProperties
{
    private static readonly DateTimeOffset AsOf = new(2026, 3, 10, 2, 0, 0, TimeSpan.Zero);
    private static readonly string[] ChannelNames = ["wechat", "sms", "email", "push", "line"]; // "line" is not a rule channel (rule JSON rejects it) but may appear in consents.
    private static readonly string[] Purposes = ["marketing", "service", "survey"];

    private static PersonalizationRuleSet RandomRules(Random random)
    {
        var sb = new StringBuilder("{ \"offers\": [ { \"id\": \"o1\", \"kind\": \"percentageDiscount\", \"value\": 10 }, { \"id\": \"o2\", \"kind\": \"percentageDiscount\", \"value\": 20 } ], \"rules\": [");
        var count = 1 + random.Next(6);
        for (var i = 0; i < count; i++)
        {
            var channels = ChannelNames.Take(4).Where(_ => random.Next(2) == 0).Select(c => "\"" + c + "\"");
            sb.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? string.Empty : ",")} {{ \"id\": \"r{i}\", \"offer\": \"o{1 + random.Next(2)}\", \"priority\": {(10 * i) + random.Next(10)}, ");
            sb.Append(CultureInfo.InvariantCulture, $"\"purpose\": \"{Purposes[random.Next(Purposes.Length)]}\", \"exclusive\": {(random.Next(4) == 0 ? "true" : "false")}, ");
            if (random.Next(2) == 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\"group\": \"g{random.Next(2)}\", ");
            }

            if (random.Next(3) != 0)
            {
                sb.Append("\"channels\": [").AppendJoin(", ", channels).Append("], ");
            }

            sb.Append(CultureInfo.InvariantCulture, $"\"when\": {{ \"field\": \"churn.probability\", \"op\": \"ge\", \"value\": {random.NextDouble().ToString("F2", CultureInfo.InvariantCulture)} }} }}");
        }

        return PersonalizationRuleJson.Load(sb.Append("] }").ToString());
    }

    private static CustomerProfile RandomProfile(Random random, int n)
    {
        var consents = new List<ConsentRecord>();
        var records = random.Next(10);
        for (var i = 0; i < records; i++)
        {
            consents.Add(new ConsentRecord(
                new ContactChannel(ChannelNames[random.Next(ChannelNames.Length)]),
                (ConsentPurpose)random.Next(3),
                (ConsentStatus)random.Next(3),
                AsOf.AddHours(random.Next(-2000, 200))));
        }

        var preferred = random.Next(3) == 0 ? default : new ContactChannel(ChannelNames[random.Next(ChannelNames.Length)]);
        return new CustomerProfile("C" + n.ToString(CultureInfo.InvariantCulture), AsOf.AddDays(-400), new Demographics(), preferredChannel: preferred, language: "zh-CN", timeZoneId: "Asia/Shanghai", consents: consents);
    }

    [Property(MaxTest = 300)]
    public bool Decisions_NeverUseAChannelWithoutConsentInForce(int seed)
    {
        var random = new Random(seed);
        var rules = RandomRules(random);
        var settings = new DecisionSettings(
            holdout: random.Next(3) == 0 ? new HoldoutGroup(0.3, "s") : null,
            defaultChannels: random.Next(2) == 0 ? null : ChannelNames.Select(c => new ContactChannel(c)).ToList(),
            maxOffersPerDecision: 1 + random.Next(3),
            reserveBudget: false);
        var engine = new OfferDecisionEngine(rules, settings);
        var selected = new PersonalizationRule?[DecisionSettings.MaxStackedOffers];
        for (var n = 0; n < 30; n++)
        {
            var profile = random.Next(10) == 0 ? null : RandomProfile(random, n);
            var context = new CustomerContext(profile, null, AsOf).SetChurnProbability(random.NextDouble()).SetLifecycleStage((LifecycleStage)random.Next(4));
            Array.Clear(selected);
            var stacked = random.Next(2) == 0;
            var decision = stacked ? engine.DecideStacked(context, selected, null) : engine.Decide(context);
            if (decision.Status == DecisionStatus.NoOffer)
            {
                continue;
            }

            if (profile is null || decision.Rule is null || !profile.MayContact(decision.Channel, decision.Rule.Purpose, AsOf))
            {
                return false;
            }

            for (var k = 0; stacked && k < decision.StackedCount; k++)
            {
                // Every stacked offer travels in the same message: its purpose must be consented on that channel too.
                if (selected[k] is not { } rule || !profile.MayContact(decision.Channel, rule.Purpose, AsOf))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
