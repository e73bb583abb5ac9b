using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sluice.InMemory;
using Sluice.Storage;
using Xunit.Sdk;

namespace Sluice.Core.Tests.StateMachine;

/// <summary>
/// The in-memory store as the log store's state machine: a snapshot restores a store that answers every call as the
/// original would (checked by running the same random calls on both), snapshots are deterministic, and the hooks
/// (ids, stored bodies, deferred body reads) change nothing a caller sees.
/// </summary>
public sealed class StateMachineSnapshotTests
{
    private const int CallsBefore = 500;
    private const int CallsAfter = 500;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Snapshot_RandomWorkload_RestoredStoreAnswersAsOriginal(int seed)
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var workload = new StateMachineWorkload(seed, time);
        var original = new Subject(time, tracked: false);
        await RunAsync(workload, CallsBefore, original);

        var bytes = Snapshot(original.Store);
        var restored = new Subject(time, tracked: false);
        Restore(restored.Store, bytes);
        Same(seed, "snapshot of the restored store", Convert.ToHexString(bytes), Convert.ToHexString(Snapshot(restored.Store)));

        await RunAsync(workload, CallsAfter, original, restored);
        Same(seed, "snapshots after the same calls", Convert.ToHexString(Snapshot(original.Store)), Convert.ToHexString(Snapshot(restored.Store)));
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    [InlineData(24)]
    [InlineData(25)]
    [InlineData(26)]
    public async Task ConcurrentSnapshot_RandomCallsBetweenChunks_SameBytesAsASnapshotAtItsStart(int seed)
    {
        // The log store writes a checkpoint a chunk of messages at a time while calls go on: what it writes must be the
        // state at the checkpoint's start, byte for byte, whatever the calls between chunks change, move or delete.
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var workload = new StateMachineWorkload(seed, time);
        var subject = new Subject(time, tracked: true);
        var rng = new Random(seed);
        for (var round = 0; round < 4; round++)
        {
            await RunAsync(workload, CallsBefore / 2, subject);
            var expected = Snapshot(subject.Store);

            var snapshot = subject.Store.BeginSnapshot(WriteBody);
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            {
                while (snapshot.WriteNext(writer, rng.Next(1, 4)))
                {
                    await RunAsync(workload, rng.Next(0, 8), subject);
                }
            }

            Same(seed, $"round {round}: the concurrent snapshot and the snapshot at its start", Convert.ToHexString(expected), Convert.ToHexString(buffer.ToArray()));
        }
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(34)]
    public async Task ConcurrentSnapshot_MessagesMovedBackAndForthAndQueuesRecreated_SameBytesAsASnapshotAtItsStart(int seed)
    {
        // What the random workload does rarely, between chunks of one message: a message leaves a queue and comes back
        // (dead-letter or overflow, then redrive or move), the dead-letter queue is deleted and created again, a topic
        // fans out, the sweep and purge remove messages.
        var rng = new Random(seed);
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var subject = new Subject(time, tracked: true);
        var store = subject.Store;
        var moves = new MoveWorkload(rng, time, subject);
        await moves.SetupAsync();
        for (var round = 0; round < 20; round++)
        {
            await moves.RunAsync(80);
            var expected = Snapshot(store);

            var snapshot = store.BeginSnapshot(WriteBody);
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            {
                while (snapshot.WriteNext(writer, 1))
                {
                    await moves.RunAsync(rng.Next(0, 6));
                }
            }

            Same(seed, $"round {round}: the concurrent snapshot and the snapshot at its start", Convert.ToHexString(expected), Convert.ToHexString(buffer.ToArray()));
        }
    }

    [Fact]
    public async Task ConcurrentSnapshot_QueuePurgedAndDeletedMidway_StillTheStateAtItsStart()
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var subject = new Subject(time, tracked: true);
        var store = subject.Store;
        await store.CreateQueueAsync("a", new QueueOptions());
        await store.CreateQueueAsync("b", new QueueOptions());
        await store.PublishAsync("a", [.. Enumerable.Range(0, 10).Select(i => new OutgoingMessage(Encoding.UTF8.GetBytes($"a{i}")))]);
        await store.PublishAsync("b", [.. Enumerable.Range(0, 10).Select(i => new OutgoingMessage(Encoding.UTF8.GetBytes($"b{i}")))]);
        var expected = Snapshot(store);

        var snapshot = store.BeginSnapshot(WriteBody);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            Assert.True(snapshot.WriteNext(writer, 3));
            await store.PurgeAsync("a");
            await store.DeleteQueueAsync("b");
            await store.CreateQueueAsync("b", new QueueOptions());
            await store.PublishAsync("b", [new OutgoingMessage("new"u8.ToArray())]);
            while (snapshot.WriteNext(writer, 2))
            {
            }
        }

        Same(0, "the concurrent snapshot and the snapshot at its start", Convert.ToHexString(expected), Convert.ToHexString(buffer.ToArray()));
        Assert.NotNull(store.BeginSnapshot(WriteBody)); // the queues were let go: another snapshot can start
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public async Task Hooks_StoredBodiesWithDeferredReads_SameResultsAsDefaultBodies(int seed)
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var workload = new StateMachineWorkload(seed, time);
        var plain = new Subject(time, tracked: false);
        var tracked = new Subject(time, tracked: true);
        var deferred = 0;
        await RunAsync(workload, CallsBefore + CallsAfter, plain, tracked, (subject, result) =>
        {
            if (subject != tracked)
            {
                return;
            }

            foreach (var m in MessagesIn(result))
            {
                Assert.True(m.Body.IsEmpty, $"seed {seed}: a deferred message came with a body");
                Assert.IsType<TrackedBody>(m.StoredBody);
                deferred++;
            }
        });

        Assert.True(deferred > 100, $"seed {seed}: only {deferred} messages were returned");
        Assert.All(tracked.Bodies, b => Assert.Equal(0, b.Reads));
        Same(seed, "snapshots", Convert.ToHexString(Snapshot(plain.Store)), Convert.ToHexString(Snapshot(tracked.Store)));

        // The restored store keeps the stored bodies it was given, and still defers.
        var restored = new Subject(time, tracked: true);
        Restore(restored.Store, Snapshot(tracked.Store));
        var peeked = await restored.Store.PeekAsync("dlq", 100);
        Assert.All(peeked, m => Assert.True(m.Body.IsEmpty && m.StoredBody is TrackedBody));
    }

    [Fact]
    public async Task Publish_DuplicatesInBatchAndStored_StoreBodyOnlyForNewMessages()
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var stored = new List<int>();
        var store = new InMemoryMessageStore(time, new StateMachineHooks
        {
            StoreBody = (index, body) =>
            {
                stored.Add(index);
                return new InMemoryBody(body.ToArray());
            },
        });
        await store.CreateQueueAsync("q", new QueueOptions());
        await store.PublishAsync("q", [Message("a", "x")]);
        stored.Clear();

        var results = await store.PublishAsync("q", [Message("b", "x"), Message("c", "y"), Message("d", "y"), Message("e", null)]);

        Assert.Equal([true, false, true, false], results.Select(r => r.Duplicate));
        Assert.Equal([1, 3], stored);
    }

    [Fact]
    public async Task PublishToTopic_TwoQueues_OneStoredBodySharedByTheCopies()
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var stored = new List<int>();
        var store = new InMemoryMessageStore(time, new StateMachineHooks
        {
            StoreBody = (index, body) =>
            {
                stored.Add(index);
                return new TrackedBody(body.ToArray());
            },
            DeferBodyReads = true,
        });
        await store.CreateQueueAsync("a", new QueueOptions());
        await store.CreateQueueAsync("b", new QueueOptions());
        await store.CreateTopicAsync("t");
        await store.SubscribeAsync("t", "a", new SubscriptionOptions());
        await store.SubscribeAsync("t", "b", new SubscriptionOptions { RoutingKeyPattern = "x" });

        await store.PublishToTopicAsync("t", [new TopicMessage(Message("one", null), "x"), new TopicMessage(Message("two", null), "y")]);

        Assert.Equal([0, 1], stored);
        var a = await store.PeekAsync("a", 10);
        var b = await store.PeekAsync("b", 10);
        Assert.Equal(2, a.Count);
        var shared = Assert.Single(b);
        Assert.Same(a[0].StoredBody, shared.StoredBody);
        Assert.Equal("one", Encoding.UTF8.GetString(((TrackedBody)shared.StoredBody!).Bytes));
        Assert.All(a.Concat(b), m => Assert.True(m.Body.IsEmpty));
    }

    [Fact]
    public async Task NewId_QueueAndTopicPublishes_EveryIdFromTheHook()
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var ids = new CallIds();
        var store = new InMemoryMessageStore(time, new StateMachineHooks { NewId = ids.NewId });
        await store.CreateQueueAsync("a", new QueueOptions());
        await store.CreateTopicAsync("t");
        await store.SubscribeAsync("t", "a", new SubscriptionOptions());

        ids.Begin(7);
        var published = await store.PublishAsync("a", [Message("1", null), Message("2", null)]);
        ids.Begin(8);
        var fanned = await store.PublishToTopicAsync("t", [new TopicMessage(Message("3", null))]);

        Assert.Equal([CallIds.Id(7, 0), CallIds.Id(7, 1)], published.Select(p => p.MessageId));
        Assert.Equal(CallIds.Id(8, 0), Assert.Single(fanned.Messages).MessageId);
        Assert.Equal([CallIds.Id(7, 0), CallIds.Id(7, 1), CallIds.Id(8, 0)], (await store.PeekAsync("a", 10)).Select(m => m.MessageId));
    }

    [Fact]
    public async Task VisitBodies_MessagesInSeveralQueues_EachMessageBodyOnce()
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var store = new InMemoryMessageStore(time, new StateMachineHooks());
        await store.CreateQueueAsync("a", new QueueOptions());
        await store.CreateQueueAsync("b", new QueueOptions());
        await store.PublishAsync("a", [Message("1", null), Message("22", null)]);
        await store.PublishAsync("b", [Message("333", null)]);

        var lengths = new List<int>();
        store.VisitBodies(b => lengths.Add(b.Length));

        Assert.Equal([1, 2, 3], lengths.Order());
    }

    [Fact]
    public async Task ReadSnapshot_UnknownFormatOrTruncated_InvalidDataAndStoreStaysEmpty()
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var source = new InMemoryMessageStore(time, new StateMachineHooks());
        await source.CreateQueueAsync("q", new QueueOptions());
        await source.PublishAsync("q", [Message("hello", "d")]);
        await source.SetKeyValueAsync("k", new byte[] { 1 }, null, null);
        var bytes = Snapshot(source);

        var target = new InMemoryMessageStore(time, new StateMachineHooks());
        var future = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(future, InMemoryMessageStore.SnapshotFormat + 1);
        Assert.Throws<InvalidDataException>(() => Restore(target, future));
        Assert.Throws<InvalidDataException>(() => Restore(target, bytes[..^7]));
        Assert.Empty(await target.ListQueuesAsync());
        Assert.Null(await target.GetKeyValueAsync("k"));

        Restore(target, bytes);
        Assert.Equal("hello", Encoding.UTF8.GetString(Assert.Single(await target.PeekAsync("q", 10)).Body.Span));
        Assert.Throws<InvalidOperationException>(() => Restore(target, bytes));
    }

    [Fact]
    public async Task Snapshot_QueueOptionsWithEveryField_RestoredEqual()
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var store = new InMemoryMessageStore(time, new StateMachineHooks());
        await store.CreateQueueAsync("d", new QueueOptions());
        var options = new QueueOptions
        {
            Fifo = true,
            ContentBasedDeduplication = true,
            DeduplicationScope = DeduplicationScope.MessageGroup,
            ReceiveWaitTime = TimeSpan.FromSeconds(3),
            Tags = new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" },
            Properties = new Dictionary<string, string> { ["Policy"] = "{}" },
            VisibilityTimeout = TimeSpan.FromSeconds(7),
            DeliveryDelay = TimeSpan.FromSeconds(2),
            RetentionPeriod = TimeSpan.FromHours(2),
            MaxMessageSize = 1234,
            MaxReceiveCount = 4,
            DeadLetterQueue = "d",
            MaxLength = 99,
            MaxLengthBytes = 999,
            OverflowPolicy = OverflowPolicy.DeadLetterHead,
            DeduplicationWindow = TimeSpan.FromMinutes(9),
        };
        var created = await store.CreateQueueAsync("q.fifo", options);

        // Every option differs from its default, so a field the snapshot forgot would come back as the default.
        var defaults = new QueueOptions();
        foreach (var property in typeof(QueueOptions).GetProperties())
        {
            Assert.NotEqual(Render(property.GetValue(defaults)), Render(property.GetValue(options)));
        }

        var restored = new InMemoryMessageStore(time, new StateMachineHooks());
        Restore(restored, Snapshot(store));
        var back = await restored.GetQueueAsync("q.fifo");
        Assert.Equal(created, back);
        Assert.Equal(["z", "a"], back!.Options.Tags.Keys);
    }

    [Fact]
    public async Task Snapshot_KeyWithLoneSurrogate_RoundTrips()
    {
        var time = new FakeTimeProvider(StateMachineWorkload.Start);
        var store = new InMemoryMessageStore(time, new StateMachineHooks());
        var key = "k\uD800x";
        await store.SetKeyValueAsync(key, new byte[] { 5 }, null, null);

        var restored = new InMemoryMessageStore(time, new StateMachineHooks());
        Restore(restored, Snapshot(store));

        Assert.Equal(key, Assert.Single((await restored.ListKeyValuesAsync("", null, 10)).Records).Key);
    }

    private static string Render(object? value) => StateMachineWorkload.Render(value);

    private static OutgoingMessage Message(string body, string? deduplicationId) => new(Encoding.UTF8.GetBytes(body)) { DeduplicationId = deduplicationId };

    private static Task RunAsync(StateMachineWorkload workload, int calls, Subject first, Subject? second = null) =>
        RunAsync(workload, calls, first, second, null);

    /// <summary>
    /// Runs the setup (when the first store is new) and then <paramref name="calls"/> random calls on every store,
    /// comparing each call's outcome on <paramref name="second"/> with the first's.
    /// </summary>
    private static async Task RunAsync(StateMachineWorkload workload, int calls, Subject first, Subject? second, Action<Subject, object?>? inspect)
    {
        var subjects = second is null ? new[] { first } : [first, second];
        if ((await first.Store.ListQueuesAsync()).Count == 0)
        {
            foreach (var step in StateMachineWorkload.Setup())
            {
                foreach (var subject in subjects)
                {
                    subject.Ids.Begin(-1);
                    await StateMachineWorkload.RunAsync(step, subject.Store);
                }
            }
        }

        for (var i = 0; i < calls; i++)
        {
            var call = workload.Next();
            if (call.Advance > TimeSpan.Zero)
            {
                workload.AdvanceClock(call.Advance);
                continue;
            }

            string? expected = null;
            foreach (var subject in subjects)
            {
                subject.Ids.Begin(call.Index);
                var (result, text) = await StateMachineWorkload.RunAsync(call.Run, subject.Store);
                inspect?.Invoke(subject, result);
                if (expected is null)
                {
                    workload.Observe(result);
                    expected = text;
                }
                else
                {
                    Same(workload.Seed, $"call {call.Index} ({call.Name})", expected, text);
                }
            }
        }
    }

    private static IEnumerable<QueueMessage> MessagesIn(object? result) => result switch
    {
        ValueTuple<string, ReceiveResult> received => received.Item2.Messages,
        IEnumerable<QueueMessage> messages => messages,
        _ => [],
    };

    private static void Same(int seed, string what, string expected, string actual)
    {
        if (expected != actual)
        {
            var at = 0;
            while (at < Math.Min(expected.Length, actual.Length) && expected[at] == actual[at])
            {
                at++;
            }

            var from = Math.Max(0, at - 80);
            throw new XunitException($"seed {seed}, {what}: the stores differ at character {at}\n expected ...{expected[from..Math.Min(expected.Length, at + 200)]}\n actual   ...{actual[from..Math.Min(actual.Length, at + 200)]}");
        }
    }

    private static byte[] Snapshot(InMemoryMessageStore store)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            store.WriteSnapshot(writer, WriteBody);
        }

        return buffer.ToArray();
    }

    private static void WriteBody(BinaryWriter w, StoredBody body)
    {
        var bytes = body is TrackedBody tracked ? tracked.Bytes : body.Read().ToArray();
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static void Restore(InMemoryMessageStore store, byte[] snapshot)
    {
        using var reader = new BinaryReader(new MemoryStream(snapshot));
        store.ReadSnapshot(reader, static r => new TrackedBody(r.ReadBytes(r.ReadInt32())));
    }

    /// <summary>Random calls that move messages between queues (see <see cref="ConcurrentSnapshot_MessagesMovedBackAndForthAndQueuesRecreated_SameBytesAsASnapshotAtItsStart"/>).</summary>
    private sealed class MoveWorkload(Random rng, FakeTimeProvider time, Subject subject)
    {
        private static readonly string[] Queues = ["a", "b", "f.fifo", "dlq"];
        private readonly List<(string Queue, string Handle)> _handles = [];
        private readonly List<(string Queue, long Sequence)> _sequences = [];
        private long _call;

        private InMemoryMessageStore Store => subject.Store;

        public async Task SetupAsync()
        {
            await Store.CreateTopicAsync("t");
            foreach (var name in Queues)
            {
                await CreateAsync(name);
            }
        }

        public async Task RunAsync(int calls)
        {
            for (var i = 0; i < calls; i++)
            {
                subject.Ids.Begin(++_call);
                try
                {
                    await NextAsync(Queues[rng.Next(Queues.Length)]);
                }
                catch (SluiceException)
                {
                    // A refused call (a stale handle, a full queue) changes nothing.
                }
            }
        }

        private async Task CreateAsync(string name)
        {
            await Store.CreateQueueAsync(name, name switch
            {
                "a" => new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 2, MaxLength = 12, OverflowPolicy = OverflowPolicy.DeadLetterHead, RetentionPeriod = TimeSpan.FromMinutes(2) },
                "b" => new QueueOptions { DeadLetterQueue = "dlq", MaxReceiveCount = 1, MaxLength = 8, OverflowPolicy = OverflowPolicy.DropHead },
                "f.fifo" => new QueueOptions { Fifo = true, DeadLetterQueue = "dlq", MaxReceiveCount = 2 },
                _ => new QueueOptions(),
            });
            if (name is "a" or "b")
            {
                await Store.SubscribeAsync("t", name, new SubscriptionOptions());
            }
        }

        private (string Queue, string Handle) AnyHandle() => _handles[rng.Next(_handles.Count)];

        private async Task NextAsync(string q)
        {
            switch (rng.Next(14))
            {
                case 0:
                    time.Advance(TimeSpan.FromSeconds(rng.Next(1, 50)));
                    break;
                case 1 or 2:
                    var fifo = q.EndsWith(".fifo", StringComparison.Ordinal);
                    var published = await Store.PublishAsync(q, [.. Enumerable.Range(0, rng.Next(1, 4)).Select(i => new OutgoingMessage(new byte[] { (byte)i })
                    {
                        MessageGroupId = fifo ? "g" + rng.Next(2) : null,
                        DeduplicationId = fifo ? $"d{_call}-{i}" : null,
                        Priority = fifo ? 0 : rng.Next(2),
                    })]);
                    _sequences.AddRange(published.Select(p => (q, p.SequenceNumber)));
                    break;
                case 3 or 4:
                    var received = await Store.ReceiveAsync(q, rng.Next(1, 4), TimeSpan.FromSeconds(rng.Next(0, 20)));
                    _handles.AddRange(received.Messages.Select(m => (q, m.ReceiptHandle!)));
                    break;
                case 5 when _handles.Count > 0:
                    var (nackQueue, nackHandle) = AnyHandle();
                    await Store.NackAsync(nackQueue, nackHandle, TimeSpan.Zero, $"e{_call}");
                    break;
                case 6 when _handles.Count > 0:
                    var (ackQueue, ackHandle) = AnyHandle();
                    await Store.AckAsync(ackQueue, [ackHandle]);
                    break;
                case 7 when _handles.Count > 0:
                    var (deadQueue, deadHandle) = AnyHandle();
                    await Store.DeadLetterAsync(deadQueue, deadHandle, "rejected");
                    break;
                case 8:
                    await Store.RedriveAsync("dlq", rng.Next(2) == 0 ? null : Queues[rng.Next(3)], rng.Next(1, 5));
                    break;
                case 9 when _sequences.Count > 0:
                    var (from, sequence) = _sequences[rng.Next(_sequences.Count)];
                    await Store.MoveMessagesAsync(from, [sequence], rng.Next(2) == 0 ? null : Queues[rng.Next(Queues.Length)], rng.Next(2) == 0);
                    await Store.MoveMessagesAsync("dlq", [sequence], null, false); // and back where it dead-lettered from
                    break;
                case 10:
                    await Store.SweepAsync();
                    break;
                case 11:
                    await Store.PublishToTopicAsync("t", [new TopicMessage(new OutgoingMessage(new byte[] { 9 }))]);
                    break;
                case 12 when rng.Next(4) == 0:
                    await Store.DeleteQueueAsync(q);
                    await CreateAsync(q);
                    break;
                case 13 when _handles.Count > 0:
                    var (extendQueue, extendHandle) = AnyHandle();
                    await Store.ExtendLeaseAsync(extendQueue, extendHandle, TimeSpan.FromSeconds(rng.Next(0, 9)), rng.Next(2) == 0);
                    break;
                default:
                    if (rng.Next(8) == 0)
                    {
                        await Store.PurgeAsync(q);
                    }

                    break;
            }
        }
    }

    /// <summary>A store under test with deterministic ids; <c>tracked</c>: bodies kept as <see cref="TrackedBody"/> and reads deferred.</summary>
    private sealed class Subject
    {
        public Subject(TimeProvider time, bool tracked)
        {
            Store = new InMemoryMessageStore(time, tracked
                ? new StateMachineHooks
                {
                    NewId = Ids.NewId,
                    StoreBody = (_, body) =>
                    {
                        var stored = new TrackedBody(body.ToArray());
                        Bodies.Add(stored);
                        return stored;
                    },
                    DeferBodyReads = true,
                }
                : new StateMachineHooks { NewId = Ids.NewId });
        }

        public CallIds Ids { get; } = new();

        public List<TrackedBody> Bodies { get; } = [];

        public InMemoryMessageStore Store { get; }
    }
}

/// <summary>Deterministic ids, as the log store derives them: from the call's number and a counter within the call.</summary>
internal sealed class CallIds
{
    private long _call;
    private int _next;

    public void Begin(long call)
    {
        _call = call;
        _next = 0;
    }

    public Guid NewId(DateTimeOffset now) => Id(_call, _next++);

    public static Guid Id(long call, int n)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, call);
        BinaryPrimitives.WriteInt32BigEndian(bytes[8..], n);
        return new Guid(bytes, bigEndian: true);
    }
}
