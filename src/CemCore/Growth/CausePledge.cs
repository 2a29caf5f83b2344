using CemCore.Primitives;

namespace CemCore.Growth;

/// <summary>The report of a cause-marketing campaign.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Purchases">Distinct purchases counted.</param>
/// <param name="Pledged">Total pledged (never above the cap).</param>
/// <param name="Cap">The cap.</param>
/// <param name="CapReached">Whether the cap was reached.</param>
/// <param name="UnpledgedPurchases">Purchases after the cap (pledged nothing).</param>
public sealed record PledgeReport(string CampaignId, int Purchases, decimal Pledged, decimal Cap, bool CapReached, int UnpledgedPurchases);

/// <summary>
/// Cause marketing ("each purchase donates 1 yuan", capped per campaign): each distinct order pledges <see cref="PerPurchase"/> until the
/// cap; the purchase that reaches the cap pledges only what is left. Idempotent per order id; thread-safe.
/// </summary>
public sealed class CausePledgeCampaign
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _orders = new(StringComparer.Ordinal);
    private decimal _pledged;
    private int _unpledged;

    /// <summary>Creates a campaign.</summary>
    /// <param name="id">The id.</param>
    /// <param name="perPurchase">The pledge per purchase (&gt; 0).</param>
    /// <param name="cap">The cap (&gt; 0).</param>
    public CausePledgeCampaign(string id, decimal perPurchase, decimal cap)
    {
        Id = Check.NotBlank(id);
        if (perPurchase <= 0m || cap <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(perPurchase), perPurchase, "The pledge per purchase and the cap must be positive.");
        }

        PerPurchase = perPurchase;
        Cap = cap;
    }

    /// <summary>Gets the id.</summary>
    public string Id { get; }

    /// <summary>Gets the pledge per purchase.</summary>
    public decimal PerPurchase { get; }

    /// <summary>Gets the cap.</summary>
    public decimal Cap { get; }

    /// <summary>Records a purchase; returns what it pledged (0 for a repeated order or after the cap).</summary>
    /// <param name="orderId">The order.</param>
    public decimal RecordPurchase(string orderId)
    {
        Check.NotBlank(orderId);
        lock (_gate)
        {
            if (!_orders.Add(orderId))
            {
                return 0m;
            }

            var amount = Math.Min(PerPurchase, Cap - _pledged);
            if (amount <= 0m)
            {
                _unpledged++;
                return 0m;
            }

            _pledged += amount;
            return amount;
        }
    }

    /// <summary>Returns the report.</summary>
    public PledgeReport Report()
    {
        lock (_gate)
        {
            return new PledgeReport(Id, _orders.Count, _pledged, Cap, _pledged >= Cap, _unpledged);
        }
    }
}
