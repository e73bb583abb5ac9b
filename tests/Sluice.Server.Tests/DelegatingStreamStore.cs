using Sluice.Storage;

namespace Sluice.Server.Tests;

/// <summary>A store with queues and streams that passes every call to an inner store; tests override the calls they make fail.</summary>
internal abstract class DelegatingStreamStore(IQueueStore inner) : DelegatingStore(inner), IStreamStore
{
    private readonly IStreamStore _streams = (IStreamStore)inner;

    public virtual ValueTask<StreamEntryId?> AppendAsync(string stream, IReadOnlyList<StreamField> fields, StreamAppendOptions options, CancellationToken cancellationToken = default) => _streams.AppendAsync(stream, fields, options, cancellationToken);

    public virtual ValueTask<long> LengthAsync(string stream, CancellationToken cancellationToken = default) => _streams.LengthAsync(stream, cancellationToken);

    public virtual ValueTask<IReadOnlyList<StreamEntry>> RangeAsync(string stream, StreamEntryId first, StreamEntryId last, int? count, bool reverse, CancellationToken cancellationToken = default) => _streams.RangeAsync(stream, first, last, count, reverse, cancellationToken);

    public virtual ValueTask<StreamEntryId?> GetLastIdAsync(string stream, CancellationToken cancellationToken = default) => _streams.GetLastIdAsync(stream, cancellationToken);

    public virtual ValueTask<IReadOnlyList<StreamDelivery>> ReadGroupAsync(string group, string consumer, IReadOnlyList<StreamPosition> positions, int? count, bool noAck, CancellationToken cancellationToken = default) => _streams.ReadGroupAsync(group, consumer, positions, count, noAck, cancellationToken);

    public virtual ValueTask<long> TrimAsync(string stream, StreamTrim trim, CancellationToken cancellationToken = default) => _streams.TrimAsync(stream, trim, cancellationToken);

    public virtual ValueTask<long> DeleteEntriesAsync(string stream, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default) => _streams.DeleteEntriesAsync(stream, ids, cancellationToken);

    public virtual ValueTask CreateGroupAsync(string stream, string group, StreamGroupOptions options, CancellationToken cancellationToken = default) => _streams.CreateGroupAsync(stream, group, options, cancellationToken);

    public virtual ValueTask SetGroupIdAsync(string stream, string group, StreamEntryId? lastDeliveredId, long? entriesRead, CancellationToken cancellationToken = default) => _streams.SetGroupIdAsync(stream, group, lastDeliveredId, entriesRead, cancellationToken);

    public virtual ValueTask<bool> DeleteGroupAsync(string stream, string group, CancellationToken cancellationToken = default) => _streams.DeleteGroupAsync(stream, group, cancellationToken);

    public virtual ValueTask<bool> CreateConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default) => _streams.CreateConsumerAsync(stream, group, consumer, cancellationToken);

    public virtual ValueTask<long> DeleteConsumerAsync(string stream, string group, string consumer, CancellationToken cancellationToken = default) => _streams.DeleteConsumerAsync(stream, group, consumer, cancellationToken);

    public virtual ValueTask<long> AckAsync(string stream, string group, IReadOnlyList<StreamEntryId> ids, CancellationToken cancellationToken = default) => _streams.AckAsync(stream, group, ids, cancellationToken);

    public virtual ValueTask<StreamPendingSummary> PendingSummaryAsync(string stream, string group, CancellationToken cancellationToken = default) => _streams.PendingSummaryAsync(stream, group, cancellationToken);

    public virtual ValueTask<IReadOnlyList<StreamPendingEntry>> PendingAsync(string stream, string group, StreamPendingQuery query, CancellationToken cancellationToken = default) => _streams.PendingAsync(stream, group, query, cancellationToken);

    public virtual ValueTask<StreamDelivery> ClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, IReadOnlyList<StreamEntryId> ids, StreamClaimOptions options, CancellationToken cancellationToken = default) => _streams.ClaimAsync(stream, group, consumer, minIdle, ids, options, cancellationToken);

    public virtual ValueTask<StreamAutoClaimResult> AutoClaimAsync(string stream, string group, string consumer, TimeSpan minIdle, StreamEntryId start, int count, bool justId, CancellationToken cancellationToken = default) => _streams.AutoClaimAsync(stream, group, consumer, minIdle, start, count, justId, cancellationToken);

    public virtual ValueTask<StreamInfo?> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default) => _streams.GetStreamInfoAsync(stream, cancellationToken);

    public virtual ValueTask<StreamFullInfo?> GetStreamFullInfoAsync(string stream, int count, CancellationToken cancellationToken = default) => _streams.GetStreamFullInfoAsync(stream, count, cancellationToken);

    public virtual ValueTask<IReadOnlyList<StreamGroupInfo>> GetGroupsAsync(string stream, CancellationToken cancellationToken = default) => _streams.GetGroupsAsync(stream, cancellationToken);

    public virtual ValueTask<IReadOnlyList<StreamConsumerInfo>> GetConsumersAsync(string stream, string group, CancellationToken cancellationToken = default) => _streams.GetConsumersAsync(stream, group, cancellationToken);

    public virtual ValueTask SetIdAsync(string stream, StreamSetIdOptions options, CancellationToken cancellationToken = default) => _streams.SetIdAsync(stream, options, cancellationToken);

    public virtual ValueTask<StreamInfo> SetRetentionAsync(string stream, StreamRetention retention, CancellationToken cancellationToken = default) => _streams.SetRetentionAsync(stream, retention, cancellationToken);

    public virtual ValueTask<bool> DeleteStreamAsync(string stream, CancellationToken cancellationToken = default) => _streams.DeleteStreamAsync(stream, cancellationToken);

    public virtual ValueTask<bool> RenameStreamAsync(string source, string destination, bool replace, CancellationToken cancellationToken = default) => _streams.RenameStreamAsync(source, destination, replace, cancellationToken);

    public virtual ValueTask<bool> StreamExistsAsync(string stream, CancellationToken cancellationToken = default) => _streams.StreamExistsAsync(stream, cancellationToken);

    public virtual ValueTask<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken = default) => _streams.ListStreamsAsync(cancellationToken);

    public virtual ValueTask<long> SweepStreamsAsync(CancellationToken cancellationToken = default) => _streams.SweepStreamsAsync(cancellationToken);
}
