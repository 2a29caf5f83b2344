using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Orleans.Storage;

namespace CemCore.Orleans.Tests;

/// <summary>
/// Grain storage that outlives silos (it stands for the database in the in-memory tests: a killed silo loses its activations, not the
/// stored rows). Values are stored as JSON copies with an integer ETag checked on every write, like the ADO.NET provider's version column.
/// </summary>
public sealed class SharedStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<string, (string Json, int Version)> _rows = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _conflicts;

    /// <summary>Gets the number of writes refused for a stale ETag.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Gets or sets a hook called after each successful write with the state name (tests use it to kill a silo mid-run).</summary>
    public Action<string>? AfterWrite { get; set; }

    /// <summary>Forgets every row.</summary>
    public void Clear()
    {
        _rows.Clear();
        AfterWrite = null;
    }

    /// <summary>Returns the stored value of a grain's state, or default.</summary>
    /// <typeparam name="T">The state type.</typeparam>
    /// <param name="stateName">The state name.</param>
    /// <param name="grainId">The grain.</param>
    /// <returns>The value and its version, or (default, 0).</returns>
    public (T? Value, int Version) Get<T>(string stateName, GrainId grainId) =>
        _rows.TryGetValue(Key(stateName, grainId), out var row) ? (JsonSerializer.Deserialize<T>(row.Json), row.Version) : (default, 0);

    /// <summary>Writes a value as another writer would (bumps the version).</summary>
    /// <typeparam name="T">The state type.</typeparam>
    /// <param name="stateName">The state name.</param>
    /// <param name="grainId">The grain.</param>
    /// <param name="value">The value.</param>
    /// <param name="expectedVersion">The version the writer read.</param>
    public void Put<T>(string stateName, GrainId grainId, T value, int expectedVersion)
    {
        lock (_gate)
        {
            var key = Key(stateName, grainId);
            var current = _rows.TryGetValue(key, out var row) ? row.Version : 0;
            if (current != expectedVersion)
            {
                throw new InconsistentStateException("stale", current.ToString(CultureInfo.InvariantCulture), expectedVersion.ToString(CultureInfo.InvariantCulture));
            }

            _rows[key] = (JsonSerializer.Serialize(value), current + 1);
        }
    }

    /// <inheritdoc/>
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (_rows.TryGetValue(Key(stateName, grainId), out var row))
        {
            grainState.State = JsonSerializer.Deserialize<T>(row.Json)!;
            grainState.ETag = row.Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        lock (_gate)
        {
            var key = Key(stateName, grainId);
            var current = _rows.TryGetValue(key, out var row) ? row.Version.ToString(CultureInfo.InvariantCulture) : null;
            if (!string.Equals(current, grainState.ETag, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _conflicts);
                throw new InconsistentStateException($"ETag mismatch on {stateName}", current ?? "none", grainState.ETag ?? "none");
            }

            var next = row.Version + 1;
            _rows[key] = (JsonSerializer.Serialize(grainState.State), next);
            grainState.ETag = next.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }

        AfterWrite?.Invoke(stateName);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        _rows.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => stateName + "|" + grainId.ToString();
}
