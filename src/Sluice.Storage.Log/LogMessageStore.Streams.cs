using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>Streams: every change is a command (entries live in the state), reads go straight to the state.</summary>
public sealed partial class LogMessageStore : IStreamStore
{
    /// <inheritdoc />
    public ValueTask<StreamEntryId?> AppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions options, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamAppend(stream, fields, options), LogSpace.Grow, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> LengthAsync(string stream, CancellationToken cancellationToken = default) => State().LengthAsync(stream, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamEntry>> RangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count, bool reverse, CancellationToken cancellationToken = default) =>
        State().RangeAsync(stream, first, last, count, reverse, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamEntryId?> GetLastIdAsync(string stream, CancellationToken cancellationToken = default) => State().GetLastIdAsync(stream, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamDelivery>> ReadGroupAsync(string group, string consumer, IReadOnlyList<StreamPosition> positions, int? count, bool noAck, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamReadGroup(group, consumer, positions, count, noAck), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> TrimAsync(string stream, StreamTrim trim, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamTrimCommand(stream, trim), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> DeleteEntriesAsync(string stream, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamDeleteEntries(stream, ids), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public async ValueTask CreateGroupAsync(string stream, string group, StreamGroupOptions options, CancellationToken cancellationToken = default) =>
        await CommandAsync(new StreamCreateGroup(stream, group, options), LogSpace.Grow, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask SetGroupIdAsync(string stream, string group, StreamEntryId? lastDeliveredId, long? entriesRead, CancellationToken cancellationToken = default) =>
        await CommandAsync(new StreamSetGroupId(stream, group, lastDeliveredId, entriesRead), LogSpace.Drain, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<bool> DeleteGroupAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamDeleteGroup(stream, group), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> CreateConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamCreateConsumer(stream, group, consumer), LogSpace.Grow, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> DeleteConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamDeleteConsumer(stream, group, consumer), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> AckAsync(string stream, string group, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamAck(stream, group, ids), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamPendingSummary> PendingSummaryAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        State().PendingSummaryAsync(stream, group, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamPendingEntry>> PendingAsync(string stream, string group, StreamPendingQuery query, CancellationToken cancellationToken = default) =>
        State().PendingAsync(stream, group, query, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamDelivery> ClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, IReadOnlyList<StreamEntryId> ids, StreamClaimOptions options, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamClaim(stream, group, consumer, minIdle, ids, options), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamAutoClaimResult> AutoClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, StreamEntryId start, int count, bool justId, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamAutoClaim(stream, group, consumer, minIdle, start, count, justId), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamInfo?> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default) => State().GetStreamInfoAsync(stream, cancellationToken);

    /// <inheritdoc />
    public ValueTask<StreamFullInfo?> GetStreamFullInfoAsync(string stream, int count, CancellationToken cancellationToken = default) =>
        State().GetStreamFullInfoAsync(stream, count, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamGroupInfo>> GetGroupsAsync(string stream, CancellationToken cancellationToken = default) => State().GetGroupsAsync(stream, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StreamConsumerInfo>> GetConsumersAsync(string stream, string group, CancellationToken cancellationToken = default) =>
        State().GetConsumersAsync(stream, group, cancellationToken);

    /// <inheritdoc />
    public async ValueTask SetIdAsync(string stream, StreamSetIdOptions options, CancellationToken cancellationToken = default) =>
        await CommandAsync(new StreamSetId(stream, options), LogSpace.Drain, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<StreamInfo> SetRetentionAsync(string stream, StreamRetention retention, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamSetRetention(stream, retention), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DeleteStreamAsync(string stream, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamDelete(stream), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> RenameStreamAsync(string source, string destination, bool replace, CancellationToken cancellationToken = default) =>
        CommandAsync(new StreamRename(source, destination, replace), LogSpace.Drain, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> StreamExistsAsync(string stream, CancellationToken cancellationToken = default) => State().StreamExistsAsync(stream, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken = default) => State().ListStreamsAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> SweepStreamsAsync(CancellationToken cancellationToken = default) =>
        CommandAsync(new SweepStreams(), LogSpace.Drain, cancellationToken);
}
