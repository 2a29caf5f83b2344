using CemCore.Samples.Orleans.Domain;
using Orleans.Storage;

namespace CemCore.Samples.Orleans.Grains;

/// <summary>
/// The customer grain: runs <see cref="MemberModel"/> on the persisted <see cref="MemberState"/>. Idempotency: an event id applied before
/// changes nothing; the event's effects and its id are written in one storage write (one ETag-checked row), so an event is either
/// wholly applied or not at all. A send is claimed in that same write and delivered afterwards; claimed sends are re-driven on the next
/// call, and the provider is idempotent on the send key.
/// </summary>
/// <param name="state">The persisted state.</param>
/// <param name="rules">The programme's rules.</param>
/// <param name="outbox">The sending channel.</param>
public sealed class CustomerGrain(
    [PersistentState("member", StorageNames.Members)] IPersistentState<MemberState> state,
    MemberRules rules,
    IOutboxChannel outbox) : Grain, ICustomerGrain
{
    /// <summary>How often a write that lost an ETag race is re-read and re-applied before giving up.</summary>
    public const int MaxWriteAttempts = 5;

    private MemberModel? _model;

    private MemberModel Model => _model ??= new MemberModel(this.GetPrimaryKeyString(), rules, state.State);

    /// <inheritdoc/>
    public async Task<EventAck> ApplyAsync(MemberEvent memberEvent)
    {
        ArgumentNullException.ThrowIfNull(memberEvent);
        try
        {
            await DeliverClaimedAsync(CancellationToken.None);
            var ack = await ApplyOneAsync(memberEvent);
            await DeliverClaimedAsync(CancellationToken.None);
            return ack;
        }
        catch (Exception)
        {
            await ReloadAfterFailureAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<NightlyInput> GetNightlyInputAsync(DateTimeOffset asOf) => Task.FromResult(Model.InputAsOf(asOf));

    /// <inheritdoc/>
    public async Task<NightlyOutcome> ApplyNightlyAsync(NightlyWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            // Another writer's change is kept: the run is applied on top of what is stored (or found there already).
            return await ApplyAndWriteAsync(m => m.ApplyNightly(write), outcome => outcome == NightlyOutcome.Applied);
        }
        catch (Exception)
        {
            await ReloadAfterFailureAsync();
            throw;
        }
    }

    private async Task ReloadAfterFailureAsync()
    {
        // The in-memory state may hold an unsaved change: start again from what is stored (or from a new activation).
        _model = null;
        try
        {
            await state.ReadStateAsync(CancellationToken.None);
        }
        catch (Exception)
        {
            DeactivateOnIdle();
        }
    }

    /// <inheritdoc/>
    public async Task<int> ApplyBatchAsync(IReadOnlyList<MemberEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var done = 0;
        foreach (var e in events)
        {
            // Between two events the state is persisted, so this is a safe point to stop.
            cancellationToken.ThrowIfCancellationRequested();
            await ApplyAsync(e);
            done++;
        }

        return done;
    }

    /// <inheritdoc/>
    public Task<MemberState> GetStateAsync() => Task.FromResult(state.State);

    /// <inheritdoc/>
    public Task<RfmRow> GetRfmAsync(DateTimeOffset asOf)
    {
        var (r, f, m) = Model.Rfm(asOf);
        return Task.FromResult(new RfmRow(this.GetPrimaryKeyString(), r, f, m));
    }

    private async Task<EventAck> ApplyOneAsync(MemberEvent e)
    {
        var model = Model;
        if (model.HasProcessed(e.EventId))
        {
            return model.Apply(e);
        }

        if (state.State.ProcessedEventIds.Count == 0)
        {
            // Registered before the first write: a member whose first event is stored is always in the directory.
            var id = this.GetPrimaryKeyString();
            await GrainFactory.GetGrain<IMemberDirectoryGrain>(StorageNames.ShardOf(id)).RegisterAsync(id);
        }

        return await ApplyAndWriteAsync(m => m.Apply(e), ack => !ack.Duplicate);
    }

    /// <summary>
    /// Applies a change to the model and writes the state when <paramref name="changed"/> says so. When another writer changed the stored
    /// state (an operator tool, or a second activation during a membership change) the write is refused: the unsaved change is dropped,
    /// the stored state re-read, and the change applied on top of it (or found applied there), up to <see cref="MaxWriteAttempts"/> times.
    /// </summary>
    private async Task<T> ApplyAndWriteAsync<T>(Func<MemberModel, T> apply, Func<T, bool> changed)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = apply(Model);
            if (!changed(result))
            {
                return result;
            }

            try
            {
                await state.WriteStateAsync();
                return result;
            }
            catch (InconsistentStateException) when (attempt < MaxWriteAttempts)
            {
                await state.ReadStateAsync();
                Model.Load(state.State);
            }
        }
    }

    private async Task DeliverClaimedAsync(CancellationToken cancellationToken)
    {
        var sends = state.State.Sends;
        var changed = false;
        for (var i = 0; i < sends.Count; i++)
        {
            var s = sends[i];
            if (s.Status != SendStatus.Claimed)
            {
                continue;
            }

            await outbox.SendAsync(new OutboxMessage(s.Key, this.GetPrimaryKeyString(), s.RuleId, s.OfferId, s.Channel, s.SendAt), cancellationToken);
            sends[i] = s with { Status = SendStatus.Delivered };
            changed = true;
        }

        if (changed)
        {
            try
            {
                await state.WriteStateAsync(CancellationToken.None);
            }
            catch (InconsistentStateException)
            {
                // Someone else wrote meanwhile: reload; any send still claimed there is re-driven (the provider is idempotent on its key).
                await state.ReadStateAsync(CancellationToken.None);
                Model.Load(state.State);
            }
        }
    }
}

/// <summary>One shard of the member directory.</summary>
/// <param name="state">The persisted member ids.</param>
public sealed class MemberDirectoryGrain([PersistentState("directory", StorageNames.Members)] IPersistentState<List<string>> state) : Grain, IMemberDirectoryGrain
{
    /// <inheritdoc/>
    public async Task RegisterAsync(string customerId)
    {
        var list = state.State;
        var i = list.BinarySearch(customerId, StringComparer.Ordinal);
        if (i >= 0)
        {
            return;
        }

        list.Insert(~i, customerId);
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception)
        {
            await state.ReadStateAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> GetMembersAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State]);
}
