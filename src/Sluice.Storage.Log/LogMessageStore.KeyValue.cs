using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>Key-value records: writes are commands, reads go straight to the state.</summary>
public sealed partial class LogMessageStore : IKeyValueStore
{
    /// <inheritdoc />
    public ValueTask<KeyValueRecord?> GetKeyValueAsync(string key, CancellationToken cancellationToken = default) => State().GetKeyValueAsync(key, cancellationToken);

    /// <inheritdoc />
    public ValueTask<KeyValueRecord> SetKeyValueAsync(string key, ReadOnlyMemory<byte> value, long? expectedVersion, TimeSpan? timeToLive, CancellationToken cancellationToken = default) =>
        CommandAsync(new SetKeyValue(key, value, expectedVersion, timeToLive), LogSpace.Grow, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DeleteKeyValueAsync(string key, long? expectedVersion, CancellationToken cancellationToken = default) =>
        CommandAsync(new DeleteKeyValue(key, expectedVersion), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<KeyValuePage> ListKeyValuesAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default) =>
        State().ListKeyValuesAsync(prefix, after, limit, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> SweepKeyValuesAsync(CancellationToken cancellationToken = default) =>
        CommandAsync(new SweepKeyValues(), LogSpace.Drain, cancellationToken);
}
