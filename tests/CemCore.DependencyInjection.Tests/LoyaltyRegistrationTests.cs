using CemCore.Loyalty;
using Microsoft.Extensions.DependencyInjection;

namespace CemCore.DependencyInjection.Tests;

/// <summary>The points ledger follows the DI pattern: an in-memory default from AddCemCore, the host's store wins.</summary>
public sealed class LoyaltyRegistrationTests
{
    [Fact]
    public void AddCemCore_ResolvesOneSharedInMemoryLedger()
    {
        var services = new ServiceCollection();
        services.AddCemCore();
        using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<ILoyaltyStore>();
        Assert.IsType<InMemoryLoyaltyStore>(store);
        Assert.Same(store, provider.GetRequiredService<ILoyaltyStore>());
    }

    [Fact]
    public void AddLoyaltyStore_HostStoreWins_EvenWhenRegisteredAfterAddCemCore()
    {
        var services = new ServiceCollection();
        services.AddCemCore().AddLoyaltyStore<HostStore>();
        services.AddCemCore(); // a second call changes nothing
        using var provider = services.BuildServiceProvider();
        Assert.IsType<HostStore>(provider.GetRequiredService<ILoyaltyStore>());
        Assert.Single(services, d => d.ServiceType == typeof(ILoyaltyStore));
    }

    /// <summary>A host store: the in-memory store under another type, standing in for the host's database.</summary>
    private sealed class HostStore : ILoyaltyStore
    {
        private readonly InMemoryLoyaltyStore _inner = new();

        public LedgerPolicy Policy => _inner.Policy;

        public PostingResult Append(LoyaltyPosting posting) => _inner.Append(posting);

        public IReadOnlyList<PostingResult> AppendBatch(IReadOnlyList<LoyaltyPosting> postings) => _inner.AppendBatch(postings);

        public bool TryGetBalance(string accountId, out long available, out long pending, out long version) =>
            _inner.TryGetBalance(accountId, out available, out pending, out version);

        public LoyaltyAccountView? GetAccount(string accountId) => _inner.GetAccount(accountId);

        public IReadOnlyList<LoyaltyPosting> GetPostings(string accountId) => _inner.GetPostings(accountId);

        public IReadOnlyList<string> GetAccountIds() => _inner.GetAccountIds();

        public IReadOnlyList<LoyaltyPosting> ExpireDue(DateTimeOffset asOf) => _inner.ExpireDue(asOf);
    }
}
