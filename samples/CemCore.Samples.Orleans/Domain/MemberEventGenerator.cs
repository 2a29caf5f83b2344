using System.Globalization;
using CemCore.Customers;
using CemCore.Transactions;

namespace CemCore.Samples.Orleans.Domain;

/// <summary>A seeded, reproducible stream of member events (consents, purchases, returns, surveys, journey steps).</summary>
public static class MemberEventGenerator
{
    /// <summary>Generates events for <paramref name="customers"/> members, about <paramref name="eventsPerCustomer"/> each, in time order per member.</summary>
    /// <param name="customers">Members (ids <c>m000001</c>, ...).</param>
    /// <param name="eventsPerCustomer">Events per member (at least 1).</param>
    /// <param name="seed">The seed.</param>
    /// <param name="start">The first instant; <see langword="null"/> for 2026-01-05 09:00 UTC.</param>
    /// <returns>The events, ordered by time (ties by id).</returns>
    public static IReadOnlyList<MemberEvent> Generate(int customers, int eventsPerCustomer, int seed, DateTimeOffset? start = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(customers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(eventsPerCustomer, 1);
        var random = new Random(seed);
        var t0 = start ?? new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
        string[] channels = ["sms", "email", "push", "wechat"];
        var all = new List<MemberEvent>(customers * eventsPerCustomer);
        for (var c = 1; c <= customers; c++)
        {
            var id = "m" + c.ToString("D6", CultureInfo.InvariantCulture);
            var at = t0.AddMinutes(random.Next(0, 24 * 60));
            var orders = new List<(string Id, decimal Amount)>();
            for (var k = 0; k < eventsPerCustomer; k++)
            {
                var eventId = string.Create(CultureInfo.InvariantCulture, $"{id}-e{k:D4}");
                var roll = random.NextDouble();
                MemberEvent e;
                if (k == 0 || roll < 0.05)
                {
                    var status = random.NextDouble() < 0.85 ? ConsentStatus.Granted : ConsentStatus.Revoked;
                    e = new MemberEvent(eventId, id, MemberEventKind.Consent, at, Channel: channels[random.Next(channels.Length)], ConsentStatus: status);
                }
                else if (roll < 0.60 || orders.Count == 0)
                {
                    var orderId = string.Create(CultureInfo.InvariantCulture, $"{id}-o{k:D4}");
                    var amount = Math.Round((decimal)(5 + (random.NextDouble() * 400)), 2);
                    orders.Add((orderId, amount));
                    e = new MemberEvent(eventId, id, MemberEventKind.Purchase, at, amount, orderId);
                }
                else if (roll < 0.72)
                {
                    var (orderId, amount) = orders[random.Next(orders.Count)];
                    var part = Math.Round(amount * (decimal)(0.2 + (0.8 * random.NextDouble())), 2);
                    var reason = (ReturnReason)random.Next(1, 4);
                    e = new MemberEvent(eventId, id, MemberEventKind.Return, at, part, orderId, reason);
                }
                else if (roll < 0.85)
                {
                    e = new MemberEvent(eventId, id, MemberEventKind.Survey, at, Nps: random.Next(0, 11), Csat: random.Next(1, 6));
                }
                else
                {
                    e = new MemberEvent(eventId, id, MemberEventKind.Journey, at, Step: random.NextDouble() < 0.6 ? "cart_abandoned" : "browse");
                }

                all.Add(e);
                at = at.AddHours(random.Next(2, 24 * 20)).AddMinutes(random.Next(0, 60));
            }
        }

        return [.. all.OrderBy(e => e.At).ThenBy(e => e.EventId, StringComparer.Ordinal)];
    }
}
