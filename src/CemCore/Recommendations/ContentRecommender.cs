using System.Globalization;

namespace CemCore.Recommendations;

/// <summary>
/// Content-based recommendation: a customer's affinity profile over item attributes (category, brand, price band) from their purchases,
/// each purchase weighted by an exponential time decay 0.5^(age / half-life); items are scored by the cosine of their one-hot attribute
/// vector with the profile. Explainable: the reason names the purchase that contributed most ("similar to … that you bought").
/// </summary>
/// <remarks>
/// <para>Price bands are the tertiles of the items' median unit prices (<c>low</c>, <c>mid</c>, <c>high</c>); items without a price
/// have no band. Items already bought are excluded; a customer without history, or a short list, is filled with popular items.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class ContentRecommender : IRecommender
{
    private readonly PurchaseHistory _history;
    private readonly int[][] _features;
    private readonly int[][] _itemsByFeature;
    private readonly string[] _featureNames;
    private readonly int[] _popular;
    private readonly long _asOfTicks;
    private readonly double _halfLifeTicks;

    /// <summary>Creates the recommender.</summary>
    /// <param name="history">The purchase history with item attributes.</param>
    /// <param name="asOf">The instant ages are measured from.</param>
    /// <param name="halfLife">The age at which a purchase weighs half; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="halfLife"/> is not positive.</exception>
    public ContentRecommender(PurchaseHistory history, DateTimeOffset asOf, TimeSpan halfLife)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(halfLife, TimeSpan.Zero);
        _history = history;
        _asOfTicks = asOf.UtcTicks;
        _halfLifeTicks = halfLife.Ticks;
        _popular = PopularityRecommender.Ranking(history);
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var a = history.Attributes;
        var prices = a.Price.Where(double.IsFinite).Order().ToArray();
        var lowCut = prices.Length == 0 ? 0 : prices[(prices.Length - 1) / 3];
        var highCut = prices.Length == 0 ? 0 : prices[2 * (prices.Length - 1) / 3];
        _features = new int[history.Items.Count][];
        for (var i = 0; i < _features.Length; i++)
        {
            var f = new List<int>(3);
            if (a.Category[i] is { } c)
            {
                f.Add(Intern(names, "category:" + c));
            }

            if (a.Brand[i] is { } b)
            {
                f.Add(Intern(names, "brand:" + b));
            }

            if (double.IsFinite(a.Price[i]))
            {
                f.Add(Intern(names, "price:" + (a.Price[i] <= lowCut ? "low" : a.Price[i] <= highCut ? "mid" : "high")));
            }

            _features[i] = [.. f];
        }

        _featureNames = new string[names.Count];
        foreach (var (k, v) in names)
        {
            _featureNames[v] = k;
        }

        var byFeature = new List<int>[names.Count];
        for (var i = 0; i < _features.Length; i++)
        {
            foreach (var f in _features[i])
            {
                (byFeature[f] ??= []).Add(i);
            }
        }

        _itemsByFeature = byFeature.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>Returns the attribute features of an item (<c>category:…</c>, <c>brand:…</c>, <c>price:low|mid|high</c>); empty when unknown.</summary>
    /// <param name="item">The item.</param>
    /// <returns>The features.</returns>
    public IReadOnlyList<string> FeaturesOf(string item)
    {
        var i = _history.IndexOfItem(item);
        return i < 0 ? [] : _features[i].Select(f => _featureNames[f]).ToArray();
    }

    /// <summary>Returns a customer's decayed affinity profile (feature → weight), heaviest first; empty for an unknown customer.</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>The profile.</returns>
    public IReadOnlyList<KeyValuePair<string, double>> ProfileOf(string customerId)
    {
        var c = _history.IndexOfCustomer(customerId);
        if (c < 0)
        {
            return [];
        }

        var profile = new double[_featureNames.Length];
        Profile(c, profile, null);
        return profile.Select((w, f) => new KeyValuePair<string, double>(_featureNames[f], w)).Where(kv => kv.Value > 0)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<ItemRecommendation> Recommend(string customerId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var c = _history.IndexOfCustomer(customerId);
        var n = _history.Items.Count;
        var owned = c < 0 ? [] : _history.ItemsOfIndex(c);
        var itemWeight = new double[n];
        var profile = new double[_featureNames.Length];
        if (c >= 0)
        {
            Profile(c, profile, itemWeight);
        }

        var norm = Math.Sqrt(profile.Sum(w => w * w));
        var scratch = new ItemCfRecommender.Scratch(0, count);
        var k = 0;
        if (norm > 0)
        {
            var seen = new HashSet<int>();
            for (var f = 0; f < profile.Length; f++)
            {
                if (profile[f] <= 0)
                {
                    continue;
                }

                foreach (var j in _itemsByFeature[f])
                {
                    if (owned.BinarySearch(j) >= 0 || !seen.Add(j))
                    {
                        continue;
                    }

                    var dot = 0.0;
                    foreach (var g in _features[j])
                    {
                        dot += profile[g];
                    }

                    k = ItemCfRecommender.Insert(scratch, k, count, j, dot / (norm * Math.Sqrt(_features[j].Length)));
                }
            }
        }

        var list = new List<ItemRecommendation>(count);
        for (var q = 0; q < k; q++)
        {
            var j = scratch.Slots[q];
            list.Add(new ItemRecommendation(_history.Items[j], scratch.SlotScores[q], new RecommendationReason(RecommendationReasonKind.SimilarAttributes, Related(owned, itemWeight, j))));
        }

        foreach (var j in _popular)
        {
            if (list.Count >= count)
            {
                break;
            }

            if (owned.BinarySearch(j) < 0 && !list.Exists(r => r.Item == _history.Items[j]))
            {
                list.Add(new ItemRecommendation(_history.Items[j], 0, new RecommendationReason(RecommendationReasonKind.Popular, null)));
            }
        }

        return list;
    }

    private void Profile(int c, double[] profile, double[]? itemWeight)
    {
        // The customer's events: walk the event arrays of the customer's rows (decay per purchase event).
        var e = _history.Events;
        foreach (var k in EventsOf(c))
        {
            var i = e.Item[k];
            var age = Math.Max(0, _asOfTicks - e.Ticks[k]);
            var w = Math.Pow(0.5, age / _halfLifeTicks);
            if (itemWeight is not null)
            {
                itemWeight[i] += w;
            }

            foreach (var f in _features[i])
            {
                profile[f] += w;
            }
        }
    }

    private IEnumerable<int> EventsOf(int c)
    {
        var index = _history.EventsByCustomer;
        for (var p = index.Start[c]; p < index.Start[c + 1]; p++)
        {
            yield return index.Events[p];
        }
    }

    private string? Related(ReadOnlySpan<int> owned, double[] itemWeight, int j)
    {
        var best = -1;
        var bestScore = 0.0;
        foreach (var i in owned)
        {
            var shared = _features[i].Count(f => Array.IndexOf(_features[j], f) >= 0);
            var s = itemWeight[i] * shared;
            if (s > bestScore)
            {
                best = i;
                bestScore = s;
            }
        }

        return best < 0 ? null : _history.Items[best];
    }

    private static int Intern(Dictionary<string, int> names, string name)
    {
        if (!names.TryGetValue(name, out var i))
        {
            i = names.Count;
            names.Add(name, i);
        }

        return i;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"ContentRecommender({_featureNames.Length} features)");
}
