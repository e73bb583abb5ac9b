namespace Sluice.Client;

public sealed partial class InProcessSluiceClient
{
    /// <inheritdoc />
    public ValueTask<StreamEntryId?> StreamAppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions? options = null, CancellationToken cancellationToken = default) =>
        _broker.StreamAppendAsync(stream, fields, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamEntry>> StreamRangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count = null, bool reverse = false, CancellationToken cancellationToken = default) =>
        _broker.StreamRangeAsync(stream, first, last, count, reverse, cancellationToken);

    /// <inheritdoc />
    public ValueTask StreamCreateGroupAsync(string stream, string group, StreamGroupOptions? options = null, CancellationToken cancellationToken = default) =>
        _broker.StreamCreateGroupAsync(stream, group, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> StreamDeleteGroupAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        _broker.StreamDeleteGroupAsync(stream, group, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamReadResult>> StreamReadGroupAsync(string group, string consumer, IReadOnlyList<StreamPosition> positions, StreamReadOptions? options = null, CancellationToken cancellationToken = default) =>
        _broker.StreamReadGroupAsync(group, consumer, positions, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> StreamAckAsync(string stream, string group, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default) =>
        _broker.StreamAckAsync(stream, group, ids, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamInfo> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default) =>
        _broker.GetStreamInfoAsync(stream, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken = default) =>
        _broker.ListStreamsAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DeleteStreamAsync(string stream, CancellationToken cancellationToken = default) =>
        _broker.DeleteStreamAsync(stream, cancellationToken);
}
