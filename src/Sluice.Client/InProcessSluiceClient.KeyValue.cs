namespace Sluice.Client;

public sealed partial class InProcessSluiceClient
{
    /// <inheritdoc />
    public ValueTask<KeyValueRecord?> KeyValueGetAsync(string key, CancellationToken cancellationToken = default) =>
        _broker.KeyValueGetAsync(key, cancellationToken);

    /// <inheritdoc />
    public ValueTask<KeyValueRecord> KeyValueSetAsync(string key, ReadOnlyMemory<byte> value, KeyValueWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        _broker.KeyValueSetAsync(key, value, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> KeyValueDeleteAsync(string key, long? expectedVersion = null, CancellationToken cancellationToken = default) =>
        _broker.KeyValueDeleteAsync(key, expectedVersion, cancellationToken);

    /// <inheritdoc />
    public ValueTask<KeyValuePage> KeyValueListAsync(string? prefix = null, string? after = null, int limit = 100, CancellationToken cancellationToken = default) =>
        _broker.KeyValueListAsync(prefix, after, limit, cancellationToken);
}
