using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sluice.InMemory;
using Sluice.Storage;

namespace Sluice.Core.Tests.StateMachine;

/// <summary>
/// A seeded random workload over every concern of the in-memory store (standard and FIFO queues with priorities,
/// delays, leases, nacks, dead-lettering, deduplication and overflow; topics with filters; streams with groups, pending
/// lists and claims; key-value records with expiry), run call by call on one or more stores that share a fake clock.
/// Each call's result (or error) is rendered as text, so stores that must behave alike can be compared call by call.
/// </summary>
internal sealed class StateMachineWorkload(int seed, FakeTimeProvider time)
{
    public static readonly DateTimeOffset Start = new(2026, 5, 4, 10, 0, 0, TimeSpan.Zero);

    private static readonly string[] Queues = ["std-a", "std-b", "f.fifo", "dlq", "tmp"];
    private static readonly string[] Groups = ["g1", "g2", "g3"];
    private static readonly string[] DedupIds = ["d1", "d2", "d3", "d4"];
    private static readonly string[] Keys = ["a", "ab", "b", "job/1", "job/2", "job/3"];
    private static readonly string[] Streams = ["s1", "s2"];
    private static readonly string[] Consumers = ["c1", "c2"];

    private readonly Random _rng = new(seed);
    private readonly List<(string Queue, string Handle)> _handles = [];
    private readonly List<(string Queue, long Sequence)> _sequences = [];
    private readonly List<(string Stream, StreamEntryId Id)> _entries = [];
    private readonly List<long> _versions = [];
    private long _call;

    public int Seed => seed;

    /// <summary>One call: what it does (for failure messages) and how to run it on a store; or a move of the shared clock (<paramref name="Advance"/>, run once).</summary>
    public sealed record Call(long Index, string Name, Func<InMemoryMessageStore, ValueTask<object?>> Run, TimeSpan Advance = default);

    /// <summary>Queues, a topic with filtered subscriptions, streams with a group: the state every workload starts from.</summary>
    public static IReadOnlyList<Func<InMemoryMessageStore, ValueTask<object?>>> Setup() =>
    [
        async s => await s.CreateQueueAsync("dlq", new QueueOptions()),
        async s => await s.CreateQueueAsync("std-a", new QueueOptions
        {
            DeadLetterQueue = "dlq",
            MaxReceiveCount = 3,
            MaxLength = 12,
            OverflowPolicy = OverflowPolicy.DeadLetterHead,
            DeduplicationWindow = TimeSpan.FromMinutes(2),
            RetentionPeriod = TimeSpan.FromMinutes(10),
            Tags = new Dictionary<string, string> { ["team"] = "b", ["app"] = "a" },
        }),
        async s => await s.CreateQueueAsync("std-b", new QueueOptions
        {
            MaxLengthBytes = 120,
            OverflowPolicy = OverflowPolicy.DropHead,
            DeduplicationScope = DeduplicationScope.MessageGroup,
            Properties = new Dictionary<string, string> { ["Policy"] = "{}" },
        }),
        async s => await s.CreateQueueAsync("f.fifo", new QueueOptions
        {
            Fifo = true,
            ContentBasedDeduplication = true,
            DeadLetterQueue = "dlq",
            MaxReceiveCount = 2,
            VisibilityTimeout = TimeSpan.FromSeconds(20),
        }),
        async s => await s.CreateTopicAsync("t"),
        async s => await s.SubscribeAsync("t", "std-a", new SubscriptionOptions { RoutingKeyPattern = "orders.*" }),
        async s => await s.SubscribeAsync("t", "std-b", new SubscriptionOptions { FilterPolicy = "{\"color\":[\"red\"]}" }),
        async s => await s.SubscribeAsync("t", "f.fifo", new SubscriptionOptions { RoutingKeyPattern = "orders.#" }),
        async s => { await s.CreateGroupAsync("s1", "g", new StreamGroupOptions { MakeStream = true, MaxDeliveries = 3, DeadLetterStream = "s-dl" }); return null; },
        async s => await s.SetRetentionAsync("s2", new StreamRetention { MaxLength = 15, MaxAge = TimeSpan.FromMinutes(3) }),
        async s => { await s.CreateGroupAsync("s2", "g", new StreamGroupOptions()); return null; },
    ];

    /// <summary>The next random call. <see cref="Observe"/> must be given its result on the first store before the next call is drawn.</summary>
    public Call Next()
    {
        var index = _call++;
        var pick = _rng.Next(100);
        return pick switch
        {
            < 6 => Advance(index),
            < 20 => Publish(index),
            < 30 => Receive(index),
            < 37 => Ack(index),
            < 41 => Nack(index),
            < 43 => DeadLetter(index),
            < 46 => Extend(index),
            < 48 => QueueQuery(index),
            < 50 => Maintenance(index),
            < 52 => QueueAdmin(index),
            < 58 => TopicPublish(index),
            < 60 => TopicAdmin(index),
            < 68 => Append(index),
            < 74 => ReadGroup(index),
            < 77 => StreamAck(index),
            < 80 => Claim(index),
            < 84 => StreamQuery(index),
            < 86 => StreamAdmin(index),
            < 92 => KeyValueWrite(index),
            _ => KeyValueRead(index),
        };
    }

    /// <summary>Remembers what a call returned on the first store (handles, sequences, entry ids, versions) for later calls to use.</summary>
    public void Observe(object? result)
    {
        switch (result)
        {
            case (string queue, IReadOnlyList<PublishResult> published):
                foreach (var p in published)
                {
                    Remember(_sequences, (queue, p.SequenceNumber));
                }

                break;
            case (string queue, ReceiveResult received):
                foreach (var m in received.Messages)
                {
                    Remember(_handles, (queue, m.ReceiptHandle!));
                }

                break;
            case (string stream, StreamEntryId id):
                Remember(_entries, (stream, id));
                break;
            case KeyValueRecord record:
                Remember(_versions, record.Version);
                break;
        }
    }

    private static void Remember<T>(List<T> list, T item)
    {
        list.Add(item);
        if (list.Count > 40)
        {
            list.RemoveAt(0);
        }
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private bool Chance(int percent) => _rng.Next(100) < percent;

    private Call Advance(long index)
    {
        var by = _rng.Next(10) switch
        {
            0 => TimeSpan.FromMinutes(4),
            1 => TimeSpan.FromMilliseconds(_rng.Next(1, 5)),
            _ => TimeSpan.FromSeconds(_rng.Next(1, 25)),
        };
        return new Call(index, $"advance {by}", _ => ValueTask.FromResult<object?>(null), by);
    }

    /// <summary>Moves the shared clock.</summary>
    public void AdvanceClock(TimeSpan by) => time.Advance(by);

    private OutgoingMessage RandomMessage(bool fifo)
    {
        var body = new byte[_rng.Next(0, 40)];
        _rng.NextBytes(body);
        Dictionary<string, MessageAttributeValue>? attributes = null;
        foreach (var name in new[] { "color", "size", "bin" }.OrderBy(_ => _rng.Next()))
        {
            if (!Chance(40))
            {
                continue;
            }

            attributes ??= [];
            attributes[name] = name switch
            {
                "color" => MessageAttributeValue.FromString(Pick(["red", "blue"])),
                "size" => MessageAttributeValue.FromNumber(_rng.Next(100).ToString(CultureInfo.InvariantCulture)),
                _ => MessageAttributeValue.FromBinary(new byte[] { (byte)_rng.Next(256), 1 }),
            };
        }

        return new OutgoingMessage(body)
        {
            Attributes = attributes,
            Priority = fifo ? 0 : _rng.Next(10) < 6 ? 0 : _rng.Next(10),
            Delay = fifo || Chance(70) ? null : TimeSpan.FromSeconds(_rng.Next(0, 30)),
            DeduplicationId = fifo ? (Chance(70) ? Pick(DedupIds) + _rng.Next(3) : null) : Chance(30) ? Pick(DedupIds) : null,
            MessageGroupId = fifo || Chance(30) ? Pick(Groups) : null,
        };
    }

    private Call Publish(long index)
    {
        var queue = Pick(Queues);
        var fifo = queue.EndsWith(".fifo", StringComparison.Ordinal);
        var messages = Enumerable.Range(0, _rng.Next(1, 5)).Select(_ => RandomMessage(fifo)).ToArray();
        if (fifo)
        {
            // The broker derives a content-based deduplication id; the store is given one.
            messages = [.. messages.Select(m => m with { DeduplicationId = m.DeduplicationId ?? Broker.ContentDeduplicationId(m.Body.Span) })];
        }

        return new Call(index, $"publish {queue} x{messages.Length}", async s => (queue, await s.PublishAsync(queue, messages)));
    }

    private Call Receive(long index)
    {
        var queue = Pick(Queues);
        var max = _rng.Next(1, 6);
        var visibility = TimeSpan.FromSeconds(_rng.Next(0, 40));
        return new Call(index, $"receive {queue} {max} {visibility}", async s => (queue, await s.ReceiveAsync(queue, max, visibility)));
    }

    private (string Queue, string Handle) AnyHandle() =>
        _handles.Count > 0 && Chance(95) ? Pick(_handles) : ("std-a", "AQAAAAAAAAAAAAAAAAAAAAEAAAAB");

    private Call Ack(long index)
    {
        var picks = Enumerable.Range(0, _rng.Next(1, 4)).Select(_ => AnyHandle()).ToArray();
        var queue = picks[0].Queue;
        var handles = picks.Select(p => p.Handle).ToArray();
        return new Call(index, $"ack {queue} x{handles.Length}", async s => await s.AckAsync(queue, handles));
    }

    private Call Nack(long index)
    {
        var (queue, handle) = AnyHandle();
        var delay = TimeSpan.FromSeconds(_rng.Next(0, 10));
        var error = Chance(50) ? "boom " + _rng.Next(10) : null;
        return new Call(index, $"nack {queue}", async s =>
        {
            await s.NackAsync(queue, handle, delay, error);
            return "ok";
        });
    }

    private Call DeadLetter(long index)
    {
        var (queue, handle) = AnyHandle();
        return new Call(index, $"dead-letter {queue}", async s =>
        {
            await s.DeadLetterAsync(queue, handle, "rejected by test");
            return "ok";
        });
    }

    private Call Extend(long index)
    {
        var (queue, handle) = AnyHandle();
        var by = TimeSpan.FromSeconds(_rng.Next(0, 60));
        var restart = Chance(30);
        return new Call(index, $"extend {queue} {by} {restart}", async s => await s.ExtendLeaseAsync(queue, handle, by, restart));
    }

    private Call QueueQuery(long index)
    {
        var queue = Pick(Queues);
        var max = _rng.Next(1, 30);
        var after = _sequences.Count > 0 ? Pick(_sequences).Sequence - 3 : 0;
        return _rng.Next(4) switch
        {
            0 => new Call(index, $"peek {queue}", async s => await s.PeekAsync(queue, max)),
            1 => new Call(index, $"counts {queue}", async s => await s.GetCountsAsync(queue)),
            2 => new Call(index, $"scan {queue}", async s => await s.ScanAsync(queue, after, 7)),
            _ => new Call(index, "list queues", async s => await s.ListQueuesAsync()),
        };
    }

    private Call Maintenance(long index)
    {
        var max = _rng.Next(1, 6);
        var destination = Chance(50) ? null : "std-b";
        return _rng.Next(5) switch
        {
            0 => new Call(index, "sweep", async s => await s.SweepAsync()),
            1 => new Call(index, "redrive dlq", async s => await s.RedriveAsync("dlq", destination, max)),
            2 => DeleteOrMove(index, delete: true),
            3 => DeleteOrMove(index, delete: false),
            _ => new Call(index, "purge tmp", async s => await s.PurgeAsync("tmp")),
        };
    }

    private Call DeleteOrMove(long index, bool delete)
    {
        var picks = Enumerable.Range(0, _rng.Next(1, 4)).Select(_ => _sequences.Count > 0 ? Pick(_sequences) : (Queue: "dlq", Sequence: 1L)).ToArray();
        var queue = Chance(60) ? "dlq" : picks[0].Queue;
        var sequences = picks.Select(p => p.Sequence).ToArray();
        var destination = Chance(50) ? null : Pick(Queues);
        var keep = Chance(50);
        return delete
            ? new Call(index, $"delete messages {queue}", async s => await s.DeleteMessagesAsync(queue, sequences))
            : new Call(index, $"move messages {queue} {destination}", async s => await s.MoveMessagesAsync(queue, sequences, destination, keep));
    }

    private Call QueueAdmin(long index)
    {
        var maxBytes = _rng.Next(60, 200);
        var policy = Chance(50) ? OverflowPolicy.DropHead : OverflowPolicy.Reject;
        return _rng.Next(4) switch
        {
            0 => new Call(index, "create tmp", async s => await s.CreateQueueAsync("tmp", new QueueOptions { MaxLength = 5, OverflowPolicy = OverflowPolicy.Reject })),
            1 => new Call(index, "delete tmp", async s =>
            {
                await s.DeleteQueueAsync("tmp");
                return "ok";
            }),
            2 => new Call(index, "update std-b", async s => await s.UpdateQueueAsync("std-b", new QueueOptions
            {
                MaxLengthBytes = maxBytes,
                OverflowPolicy = policy,
                DeduplicationScope = DeduplicationScope.MessageGroup,
            })),
            _ => new Call(index, "get std-a", async s => await s.GetQueueAsync("std-a")),
        };
    }

    private Call TopicPublish(long index)
    {
        var messages = Enumerable.Range(0, _rng.Next(1, 4)).Select(_ =>
        {
            var m = RandomMessage(fifo: true);
            return new TopicMessage(m, Pick(["orders.eu", "orders", "orders.eu.x", "other", null!]));
        }).ToArray();
        return new Call(index, $"topic publish x{messages.Length}", async s => await s.PublishToTopicAsync("t", messages));
    }

    private Call TopicAdmin(long index) => _rng.Next(4) switch
    {
        0 => new Call(index, "subscribe tmp", async s => await s.SubscribeAsync("t", "tmp", new SubscriptionOptions { FilterPolicy = "{\"size\":[{\"numeric\":[\">\",50]}]}" })),
        1 => new Call(index, "unsubscribe tmp", async s =>
        {
            await s.UnsubscribeAsync("t", "tmp");
            return "ok";
        }),
        2 => new Call(index, "list subscriptions", async s => await s.ListSubscriptionsAsync("t")),
        _ => new Call(index, "topics", async s => await s.ListTopicsAsync()),
    };

    private Call Append(long index)
    {
        var stream = Pick(Streams);
        var fields = Enumerable.Range(0, _rng.Next(1, 3)).Select(i =>
        {
            var value = new byte[_rng.Next(0, 12)];
            _rng.NextBytes(value);
            return new StreamField(Encoding.UTF8.GetBytes("f" + i), value);
        }).ToArray();
        var options = new StreamAppendOptions
        {
            Trim = Chance(15) ? new StreamTrim { Threshold = _rng.Next(3, 20), Approximate = Chance(50) } : null,
        };
        return new Call(index, $"append {stream}", async s => await s.AppendAsync(stream, fields, options) is { } id ? (stream, id) : null);
    }

    private Call ReadGroup(long index)
    {
        var stream = Pick(Streams);
        var consumer = Pick(Consumers);
        var position = Chance(70)
            ? new StreamPosition(stream, StreamPositionKind.Undelivered)
            : new StreamPosition(stream, StreamPositionKind.After, StreamEntryId.MinValue);
        var count = _rng.Next(1, 5);
        var noAck = Chance(10);
        return new Call(index, $"read group {stream} {consumer} {position.Kind}", async s => await s.ReadGroupAsync("g", consumer, [position], count, noAck));
    }

    private (string Stream, StreamEntryId Id) AnyEntry() => _entries.Count > 0 ? Pick(_entries) : ("s1", new StreamEntryId(1, 0));

    private Call StreamAck(long index)
    {
        var picks = Enumerable.Range(0, _rng.Next(1, 4)).Select(_ => AnyEntry()).ToArray();
        var stream = picks[0].Stream;
        var ids = picks.Select(p => p.Id).ToArray();
        return Chance(80)
            ? new Call(index, $"stream ack {stream}", async s => await s.AckAsync(stream, "g", ids))
            : new Call(index, $"xdel {stream}", async s => await s.DeleteEntriesAsync(stream, ids));
    }

    private Call Claim(long index)
    {
        var (stream, id) = AnyEntry();
        var consumer = Pick(Consumers);
        var minIdle = TimeSpan.FromSeconds(_rng.Next(0, 30));
        if (Chance(50))
        {
            var options = new StreamClaimOptions { Force = Chance(20), JustId = Chance(20) };
            return new Call(index, $"claim {stream} {id}", async s => await s.ClaimAsync(stream, "g", consumer, minIdle, [id], options));
        }

        var count = _rng.Next(1, 4);
        var justId = Chance(20);
        return new Call(index, $"autoclaim {stream}", async s => await s.AutoClaimAsync(stream, "g", consumer, minIdle, StreamEntryId.MinValue, count, justId));
    }

    private Call StreamQuery(long index)
    {
        var stream = Pick(Streams);
        var query = new StreamPendingQuery { Count = 20, MinIdle = Chance(50) ? TimeSpan.FromSeconds(5) : null };
        var count = _rng.Next(1, 50);
        var reverse = Chance(50);
        return _rng.Next(7) switch
        {
            0 => new Call(index, $"pending {stream}", async s => await s.PendingAsync(stream, "g", query)),
            1 => new Call(index, $"pending summary {stream}", async s => await s.PendingSummaryAsync(stream, "g")),
            2 => new Call(index, $"range {stream}", async s => await s.RangeAsync(stream, StreamEntryId.MinValue, StreamEntryId.MaxValue, count, reverse)),
            3 => new Call(index, $"full info {stream}", async s => await s.GetStreamFullInfoAsync(stream, 0)),
            4 => new Call(index, $"groups {stream}", async s => await s.GetGroupsAsync(stream)),
            5 => new Call(index, $"consumers {stream}", async s => await s.GetConsumersAsync(stream, "g")),
            _ => new Call(index, "streams", async s => await s.ListStreamsAsync()),
        };
    }

    private Call StreamAdmin(long index)
    {
        var consumer = Pick(Consumers);
        var maxBytes = _rng.Next(100, 400);
        return _rng.Next(4) switch
        {
            0 => new Call(index, "sweep streams", async s => await s.SweepStreamsAsync()),
            1 => new Call(index, "delete consumer", async s => await s.DeleteConsumerAsync("s1", "g", consumer)),
            2 => new Call(index, "retention s1", async s => await s.SetRetentionAsync("s1", new StreamRetention { MaxBytes = maxBytes })),
            _ => new Call(index, "create consumer", async s => await s.CreateConsumerAsync("s2", "g", consumer)),
        };
    }

    private Call KeyValueWrite(long index)
    {
        var key = Pick(Keys);
        if (Chance(25))
        {
            long? expected = Chance(50) ? null : _versions.Count > 0 ? Pick(_versions) : 0;
            return new Call(index, $"kv delete {key}", async s => await s.DeleteKeyValueAsync(key, expected));
        }

        var value = new byte[_rng.Next(0, 16)];
        _rng.NextBytes(value);
        long? version = _rng.Next(4) switch
        {
            0 => 0,
            1 when _versions.Count > 0 => Pick(_versions),
            _ => null,
        };
        TimeSpan? ttl = Chance(40) ? TimeSpan.FromMilliseconds(_rng.Next(1, 120_000)) : null;
        return new Call(index, $"kv set {key}", async s => await s.SetKeyValueAsync(key, value, version, ttl));
    }

    private Call KeyValueRead(long index)
    {
        var key = Pick(Keys);
        var prefix = Pick(["", "a", "job/"]);
        var after = Chance(50) ? null : Pick(Keys);
        var limit = _rng.Next(1, 4);
        return _rng.Next(3) switch
        {
            0 => new Call(index, "kv get", async s => await s.GetKeyValueAsync(key)),
            1 => new Call(index, "kv list", async s => await s.ListKeyValuesAsync(prefix, after, limit)),
            _ => new Call(index, "kv sweep", async s => await s.SweepKeyValuesAsync()),
        };
    }

    /// <summary>Runs a call and renders its outcome: the result, or the error's type, code and message.</summary>
    public static async Task<(object? Result, string Text)> RunAsync(Func<InMemoryMessageStore, ValueTask<object?>> call, InMemoryMessageStore store)
    {
        try
        {
            var result = await call(store);
            return (result, Render(result));
        }
        catch (SluiceException ex)
        {
            return (null, $"error {ex.ErrorCode}: {ex.Message}");
        }
        catch (Exception ex)
        {
            return (null, $"error {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>
    /// Every public property of a result, recursively, collections in their enumeration order; a message's body is its
    /// bytes, read from its stored body when the store left it to the caller.
    /// </summary>
    public static string Render(object? value)
    {
        var text = new StringBuilder();
        Render(value, text);
        return text.ToString();
    }

    private static void Render(object? value, StringBuilder text)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case string s:
                text.Append('"').Append(s).Append('"');
                return;
            case DateTimeOffset t:
                text.Append(t.ToString("O", CultureInfo.InvariantCulture));
                return;
            case ReadOnlyMemory<byte> bytes:
                text.Append(Convert.ToHexString(bytes.Span));
                return;
            case byte[] bytes:
                text.Append(Convert.ToHexString(bytes));
                return;
            case QueueMessage m when m.StoredBody is { } stored:
                Render(m with { Body = stored is TrackedBody tracked ? tracked.Bytes : stored.Read(), StoredBody = null }, text);
                return;
            case IFormattable or bool or Guid or TimeSpan or Enum:
                text.Append(string.Format(CultureInfo.InvariantCulture, "{0}", value));
                return;
            case IDictionary dictionary:
                text.Append('{');
                foreach (DictionaryEntry entry in dictionary)
                {
                    Render(entry.Key, text);
                    text.Append(':');
                    Render(entry.Value, text);
                    text.Append(',');
                }

                text.Append('}');
                return;
            case IEnumerable items:
                text.Append('[');
                foreach (var item in items)
                {
                    Render(item, text);
                    text.Append(',');
                }

                text.Append(']');
                return;
        }

        var type = value.GetType();
        if (type.IsGenericType && type.FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal))
        {
            text.Append('(');
            foreach (var field in type.GetFields())
            {
                Render(field.GetValue(value), text);
                text.Append(',');
            }

            text.Append(')');
            return;
        }

        text.Append(type.Name).Append('{');
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            text.Append(property.Name).Append('=');
            Render(property.GetValue(value), text);
            text.Append(';');
        }

        text.Append('}');
    }
}

/// <summary>A body kept by a test's <see cref="StateMachineHooks.StoreBody"/>: counts its reads.</summary>
internal sealed class TrackedBody(byte[] bytes) : StoredBody
{
    private int _reads;

    public byte[] Bytes => bytes;

    public int Reads => Volatile.Read(ref _reads);

    public override int Length => bytes.Length;

    public override ReadOnlyMemory<byte> Read()
    {
        Interlocked.Increment(ref _reads);
        return bytes;
    }
}
