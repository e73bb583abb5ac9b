using System.Text.Json;
using Sluice.InMemory;
using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>
/// The rare calls (administration, streams, topics' configuration, key-value records, sweeps): each is a command record
/// holding the call's arguments, written as JSON after the record's time. One general mechanism: the same record runs
/// the call live and in replay.
/// </summary>
public sealed partial class LogMessageStore
{
    /// <summary>Command types by record code (<see cref="RecordType.CommandBase"/> + index). Append only: the index is in the files.</summary>
    private static readonly Type[] CommandTypes =
    [
        typeof(CreateQueue), typeof(UpdateQueue), typeof(DeleteQueue), typeof(Purge), typeof(Redrive),
        typeof(DeleteMessages), typeof(MoveMessages), typeof(Sweep),
        typeof(CreateTopic), typeof(DeleteTopic), typeof(Subscribe), typeof(Unsubscribe),
        typeof(StreamAppend), typeof(StreamReadGroup), typeof(StreamTrimCommand), typeof(StreamDeleteEntries),
        typeof(StreamCreateGroup), typeof(StreamSetGroupId), typeof(StreamDeleteGroup), typeof(StreamCreateConsumer),
        typeof(StreamDeleteConsumer), typeof(StreamAck), typeof(StreamClaim), typeof(StreamAutoClaim), typeof(StreamSetId),
        typeof(StreamSetRetention), typeof(StreamDelete), typeof(StreamRename), typeof(SweepStreams),
        typeof(SetKeyValue), typeof(DeleteKeyValue), typeof(SweepKeyValues),
        typeof(DropLostMessages),
    ];

    private static readonly Dictionary<Type, RecordType> CommandCodes =
        CommandTypes.Select((type, index) => (type, index)).ToDictionary(x => x.type, x => (RecordType)((int)RecordType.CommandBase + x.index));

    /// <summary>Logs and runs a command; answers once its record is durable. <paramref name="check"/> runs first, under the same lock, on live calls only (a replay never runs it): when it throws, nothing is logged.</summary>
    private ValueTask<T> CommandAsync<T>(Command<T> command, LogSpace space, CancellationToken cancellationToken, Action<InMemoryMessageStore>? check = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = RecordBuffer.Rent(CommandCodes[command.GetType()]);
        using (var json = new Utf8JsonWriter(record))
        {
            JsonSerializer.Serialize(json, command, command.GetType());
        }

        return CommitAsync<T>(record, space, check is null ? command.Run : state =>
        {
            check(state);
            return command.Run(state);
        }, cancellationToken);
    }

    /// <summary>A logged call with its arguments.</summary>
    private abstract record Command
    {
        public abstract void ApplyTo(InMemoryMessageStore state);
    }

    /// <summary>A logged call returning <typeparamref name="T"/>.</summary>
    private abstract record Command<T> : Command
    {
        public abstract T Run(InMemoryMessageStore state);

        public sealed override void ApplyTo(InMemoryMessageStore state) => Run(state);
    }

    private sealed record CreateQueue(string Name, QueueOptions Options) : Command<QueueInfo>
    {
        public override QueueInfo Run(InMemoryMessageStore state) => Complete(state.CreateQueueAsync(Name, Options));
    }

    private sealed record UpdateQueue(string Name, QueueOptions Options) : Command<QueueInfo>
    {
        public override QueueInfo Run(InMemoryMessageStore state) => Complete(state.UpdateQueueAsync(Name, Options));
    }

    private sealed record DeleteQueue(string Name) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.DeleteQueueAsync(Name));
    }

    private sealed record Purge(string Queue) : Command<long>
    {
        public override long Run(InMemoryMessageStore state) => Complete(state.PurgeAsync(Queue));
    }

    private sealed record Redrive(string DeadLetterQueue, string? Destination, int MaxMessages) : Command<RedriveStep>
    {
        public override RedriveStep Run(InMemoryMessageStore state) => Complete(state.RedriveAsync(DeadLetterQueue, Destination, MaxMessages));
    }

    private sealed record DeleteMessages(string Queue, IReadOnlyList<long> Sequences) : Command<IReadOnlyList<MessageSetOutcome>>
    {
        public override IReadOnlyList<MessageSetOutcome> Run(InMemoryMessageStore state) => Complete(state.DeleteMessagesAsync(Queue, Sequences));
    }

    /// <summary>Salvage: messages whose bodies are in missing or cut segments leave their queue, leased or not.</summary>
    private sealed record DropLostMessages(string Queue, IReadOnlyList<long> Sequences) : Command<int>
    {
        public override int Run(InMemoryMessageStore state) => state.DropMessages(Queue, Sequences);
    }

    private sealed record MoveMessages(string Queue, IReadOnlyList<long> Sequences, string? Destination, bool KeepDeadLetterInfo) : Command<IReadOnlyList<MessageSetOutcome>>
    {
        public override IReadOnlyList<MessageSetOutcome> Run(InMemoryMessageStore state) => Complete(state.MoveMessagesAsync(Queue, Sequences, Destination, KeepDeadLetterInfo));
    }

    private sealed record Sweep : Command<long>
    {
        public override long Run(InMemoryMessageStore state) => Complete(state.SweepAsync());
    }

    private sealed record CreateTopic(string Name) : Command<TopicInfo>
    {
        public override TopicInfo Run(InMemoryMessageStore state) => Complete(state.CreateTopicAsync(Name));
    }

    private sealed record DeleteTopic(string Name) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.DeleteTopicAsync(Name));
    }

    private sealed record Subscribe(string Topic, string Queue, SubscriptionOptions Options) : Command<SubscriptionInfo>
    {
        public override SubscriptionInfo Run(InMemoryMessageStore state) => Complete(state.SubscribeAsync(Topic, Queue, Options));
    }

    private sealed record Unsubscribe(string Topic, string Queue) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.UnsubscribeAsync(Topic, Queue));
    }

    private sealed record StreamAppend(string Stream, IReadOnlyList<StreamField> Fields, StreamAppendOptions Options) : Command<StreamEntryId?>
    {
        public override StreamEntryId? Run(InMemoryMessageStore state) => Complete(state.AppendAsync(Stream, Fields, Options));
    }

    private sealed record StreamReadGroup(string Group, string Consumer, IReadOnlyList<StreamPosition> Positions, int? Count, bool NoAck) : Command<IReadOnlyList<StreamDelivery>>
    {
        public override IReadOnlyList<StreamDelivery> Run(InMemoryMessageStore state) => Complete(state.ReadGroupAsync(Group, Consumer, Positions, Count, NoAck));
    }

    private sealed record StreamTrimCommand(string Stream, StreamTrim Trim) : Command<long>
    {
        public override long Run(InMemoryMessageStore state) => Complete(state.TrimAsync(Stream, Trim));
    }

    private sealed record StreamDeleteEntries(string Stream, IReadOnlyList<StreamEntryId> Ids) : Command<long>
    {
        public override long Run(InMemoryMessageStore state) => Complete(state.DeleteEntriesAsync(Stream, Ids));
    }

    private sealed record StreamCreateGroup(string Stream, string Group, StreamGroupOptions Options) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.CreateGroupAsync(Stream, Group, Options));
    }

    private sealed record StreamSetGroupId(string Stream, string Group, StreamEntryId? LastDeliveredId, long? EntriesRead) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.SetGroupIdAsync(Stream, Group, LastDeliveredId, EntriesRead));
    }

    private sealed record StreamDeleteGroup(string Stream, string Group) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.DeleteGroupAsync(Stream, Group));
    }

    private sealed record StreamCreateConsumer(string Stream, string Group, string Consumer) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.CreateConsumerAsync(Stream, Group, Consumer));
    }

    private sealed record StreamDeleteConsumer(string Stream, string Group, string Consumer) : Command<long>
    {
        public override long Run(InMemoryMessageStore state) => Complete(state.DeleteConsumerAsync(Stream, Group, Consumer));
    }

    private sealed record StreamAck(string Stream, string Group, IReadOnlyList<StreamEntryId> Ids) : Command<long>
    {
        public override long Run(InMemoryMessageStore state) => Complete(state.AckAsync(Stream, Group, Ids));
    }

    private sealed record StreamClaim(string Stream, string Group, string Consumer, TimeSpan MinIdle, IReadOnlyList<StreamEntryId> Ids, StreamClaimOptions Options) : Command<StreamDelivery>
    {
        public override StreamDelivery Run(InMemoryMessageStore state) => Complete(state.ClaimAsync(Stream, Group, Consumer, MinIdle, Ids, Options));
    }

    private sealed record StreamAutoClaim(string Stream, string Group, string Consumer, TimeSpan MinIdle, StreamEntryId Start, int Count, bool JustId) : Command<StreamAutoClaimResult>
    {
        public override StreamAutoClaimResult Run(InMemoryMessageStore state) => Complete(state.AutoClaimAsync(Stream, Group, Consumer, MinIdle, Start, Count, JustId));
    }

    private sealed record StreamSetId(string Stream, StreamSetIdOptions Options) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.SetIdAsync(Stream, Options));
    }

    private sealed record StreamSetRetention(string Stream, StreamRetention Retention) : Command<StreamInfo>
    {
        public override StreamInfo Run(InMemoryMessageStore state) => Complete(state.SetRetentionAsync(Stream, Retention));
    }

    private sealed record StreamDelete(string Stream) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.DeleteStreamAsync(Stream));
    }

    private sealed record StreamRename(string Source, string Destination, bool Replace) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.RenameStreamAsync(Source, Destination, Replace));
    }

    private sealed record SweepStreams : Command<long>
    {
        public override long Run(InMemoryMessageStore state) => Complete(state.SweepStreamsAsync());
    }

    private sealed record SetKeyValue(string Key, ReadOnlyMemory<byte> Value, long? ExpectedVersion, TimeSpan? TimeToLive) : Command<KeyValueRecord>
    {
        public override KeyValueRecord Run(InMemoryMessageStore state) => Complete(state.SetKeyValueAsync(Key, Value, ExpectedVersion, TimeToLive));
    }

    private sealed record DeleteKeyValue(string Key, long? ExpectedVersion) : Command<bool>
    {
        public override bool Run(InMemoryMessageStore state) => Complete(state.DeleteKeyValueAsync(Key, ExpectedVersion));
    }

    private sealed record SweepKeyValues : Command<long>
    {
        public override long Run(InMemoryMessageStore state) => Complete(state.SweepKeyValuesAsync());
    }
}
