using System.Text;
using Sluice.Routing;
using Sluice.Storage;

namespace Sluice.InMemory;

/// <summary>The state machine side of the log-structured store: hooks, and the whole state written to and read from a snapshot.</summary>
/// <remarks>
/// Snapshot format 1, little-endian (<see cref="BinaryWriter"/>): the format number (int32), then the queue sequence
/// counter; the queues by name (options, creation time, messages by sequence with every field and lease state,
/// deduplication entries by key); the topics by name (creation time, counters, subscriptions by queue name); the
/// streams by name (record, entries by id, groups by name with consumers by name and pending entries by id); the
/// key-value version counter and records by key; then an end marker. Every collection is written in a fixed order, so
/// one state gives one byte sequence. Strings are UTF-8 with a length prefix (a string that is not valid UTF-16 is
/// written as UTF-16 code units); times as UTC ticks and offset minutes; durations as ticks; an absent value as a
/// zero flag byte.
/// </remarks>
public sealed partial class InMemoryMessageStore
{
    /// <summary>The snapshot format this code writes and reads.</summary>
    internal const int SnapshotFormat = 1;

    private const uint SnapshotEnd = 0x534C4345; // "ECLS" little-endian: the end marker

    private readonly StateMachineHooks _hooks = new();

    /// <summary>
    /// Whether create, update and delete apply the topology checks themselves (<see cref="CheckTopology"/>): a store used
    /// on its own does; a state machine does not (its owner checks before it logs a call, so replaying a log never
    /// refuses a call that was accepted).
    /// </summary>
    private readonly bool _checksTopology = true;

    /// <summary>A store whose ids and bodies come from <paramref name="hooks"/> (the log-structured store's state machine).</summary>
    internal InMemoryMessageStore(TimeProvider timeProvider, StateMachineHooks hooks)
        : this(timeProvider)
    {
        _hooks = hooks;
        _checksTopology = false;
    }

    /// <summary>
    /// Writes the whole state (queues with their messages, deduplication ids and counters; topics and subscriptions;
    /// streams with entries, groups, consumers and pending lists; key-value records and the version counter) so that
    /// <see cref="ReadSnapshot"/> into a new store gives a store that answers every call the same way. Bodies are written
    /// by <paramref name="writeBody"/> (the log store writes a position, not the bytes). Deterministic: the same state
    /// gives the same bytes.
    /// </summary>
    internal void WriteSnapshot(BinaryWriter writer, Action<BinaryWriter, StoredBody> writeBody)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(writeBody);
        lock (_lock)
        {
            ThrowIfDisposed();
            var w = new SnapshotWriter(writer);
            WriteHead(w);
            foreach (var q in _queues.Values)
            {
                WriteQueueHeader(w, q);
                foreach (var m in q.Messages.Values)
                {
                    WriteMessage(w, m, writeBody);
                }

                WriteDedup(w, q);
            }

            WriteTail(w);
        }
    }

    /// <summary>The format, the sequence counter and the number of queues.</summary>
    private void WriteHead(SnapshotWriter w)
    {
        w.Writer.Write(SnapshotFormat);
        w.Writer.Write(_nextSequence);
        w.Writer.Write(_queues.Count);
    }

    /// <summary>Everything after the queues: topics, streams, key-value records, the end marker.</summary>
    private void WriteTail(SnapshotWriter w)
    {
        var writer = w.Writer;
        writer.Write(_topics.Count);
        foreach (var t in _topics.Values)
        {
            w.String(t.Name);
            w.Time(t.CreatedAt);
            writer.Write(t.Counters.Published);
            writer.Write(t.Counters.Unrouted);
            writer.Write(t.Counters.Delivered);
            writer.Write(t.Subscriptions.Count);
            foreach (var (info, _) in t.Subscriptions.Values)
            {
                w.String(info.Queue);
                w.NullableString(info.Options.RoutingKeyPattern);
                w.NullableString(info.Options.FilterPolicy);
                w.Time(info.CreatedAt);
            }
        }

        _streams.Write(w);

        writer.Write(_keyValueVersion);
        writer.Write(_keyValues.Count);
        foreach (var record in _keyValues.Values)
        {
            w.String(record.Key);
            w.Bytes(record.Value.Span);
            writer.Write(record.Version);
            w.NullableTime(record.ExpiresAt);
        }

        writer.Write(SnapshotEnd);
    }

    /// <summary>Reads a state written by <see cref="WriteSnapshot"/> into this store, which must be new (empty).</summary>
    /// <exception cref="InvalidDataException">The snapshot is not one this version can read.</exception>
    internal void ReadSnapshot(BinaryReader reader, Func<BinaryReader, StoredBody> readBody)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(readBody);
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_queues.Count > 0 || _topics.Count > 0 || _keyValues.Count > 0 || _streams.ListStreams().Count > 0 || _nextSequence != 0 || _keyValueVersion != 0)
            {
                throw new InvalidOperationException("a snapshot can only be read into a new, empty store");
            }

            try
            {
                ReadState(new SnapshotReader(reader), readBody);
            }
            catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or OverflowException or FormatException or DecoderFallbackException or SluiceException)
            {
                ClearState();
                throw new InvalidDataException($"the store snapshot is damaged or incomplete: {ex.Message}", ex);
            }
            catch
            {
                ClearState();
                throw;
            }
        }
    }

    /// <summary>Body bytes of every message in every queue (the bytes of the bodies a visit of every queue message sees), summed per queue: O(queues).</summary>
    internal long BodyBytes()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            long total = 0;
            foreach (var q in _queues.Values)
            {
                total += q.Bytes;
            }

            return total;
        }
    }

    /// <summary>Calls <paramref name="visit"/> once for every body a queue message holds (a body shared by several queues may be visited once per message).</summary>
    internal void VisitBodies(Action<StoredBody> visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        VisitBodies((_, _, body) => visit(body));
    }

    /// <summary>Calls <paramref name="visit"/> with the queue, sequence number and body of every queue message.</summary>
    internal void VisitBodies(Action<string, long, StoredBody> visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        lock (_lock)
        {
            ThrowIfDisposed();
            foreach (var q in _queues.Values)
            {
                foreach (var m in q.Messages.Values)
                {
                    visit(q.Info.Name, m.Sequence, m.Body);
                }
            }
        }
    }

    private void ReadState(SnapshotReader r, Func<BinaryReader, StoredBody> readBody)
    {
        var reader = r.Reader;
        var format = reader.ReadInt32();
        if (format != SnapshotFormat)
        {
            throw new InvalidDataException($"the store snapshot has format {format}; this version of Sluice reads format {SnapshotFormat} only");
        }

        _nextSequence = reader.ReadInt64();
        var queues = r.Count();
        for (var i = 0; i < queues; i++)
        {
            var q = ReadQueue(r, readBody, _time.GetUtcNow());
            if (!_queues.TryAdd(q.Info.Name, q))
            {
                throw new InvalidDataException($"the store snapshot holds queue '{q.Info.Name}' twice");
            }
        }

        var topics = r.Count();
        for (var i = 0; i < topics; i++)
        {
            var t = new TopicState(r.String(), r.Time())
            {
                Counters = new TopicCounters(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64()),
            };
            var subscriptions = r.Count();
            for (var k = 0; k < subscriptions; k++)
            {
                var queue = r.String();
                var options = new SubscriptionOptions { RoutingKeyPattern = r.NullableString(), FilterPolicy = r.NullableString() };
                t.Subscriptions.Add(queue, (new SubscriptionInfo(t.Name, queue, options, r.Time()), SubscriptionFilter.Load(options)));
            }

            _topics.Add(t.Name, t);
        }

        _streams.Read(r);

        _keyValueVersion = reader.ReadInt64();
        var records = r.Count();
        for (var i = 0; i < records; i++)
        {
            var record = new KeyValueRecord(r.String(), r.Bytes(), reader.ReadInt64(), r.NullableTime());
            _keyValues.Add(record.Key, record);
        }

        if (reader.ReadUInt32() != SnapshotEnd)
        {
            throw new InvalidDataException("the store snapshot has no end marker where its state ends");
        }
    }

    private void ClearState()
    {
        _queues.Clear();
        _topics.Clear();
        _keyValues.Clear();
        _streams.Clear();
        _nextSequence = 0;
        _keyValueVersion = 0;
    }

    /// <summary>A queue's name, creation time, options and message count.</summary>
    private static void WriteQueueHeader(SnapshotWriter w, QueueState q)
    {
        var writer = w.Writer;
        var info = q.Info;
        var o = info.Options;
        w.String(info.Name);
        w.Time(info.CreatedAt);
        writer.Write(o.Fifo);
        writer.Write(o.ContentBasedDeduplication);
        writer.Write((int)o.DeduplicationScope);
        w.Duration(o.ReceiveWaitTime);
        w.Strings(o.Tags);
        w.Strings(o.Properties);
        w.Duration(o.VisibilityTimeout);
        w.Duration(o.DeliveryDelay);
        w.Duration(o.RetentionPeriod);
        writer.Write(o.MaxMessageSize);
        w.NullableInt(o.MaxReceiveCount);
        w.NullableString(o.DeadLetterQueue);
        w.NullableLong(o.MaxLength);
        w.NullableLong(o.MaxLengthBytes);
        writer.Write((int)o.OverflowPolicy);
        w.Duration(o.DeduplicationWindow);

        writer.Write(q.Messages.Count);
    }

    /// <summary>One message: every field and its lease state, its body through <paramref name="writeBody"/>.</summary>
    private static void WriteMessage(SnapshotWriter w, Message m, Action<BinaryWriter, StoredBody> writeBody)
    {
        var writer = w.Writer;
        writer.Write(m.Sequence);
        w.Guid(m.Id);
        writeBody(writer, m.Body);
        writer.Write(m.Attributes.Count);
        foreach (var (name, value) in m.Attributes)
        {
            // Enumeration order is kept (it is the order the attributes were published in), so a restored message lists them the same way.
            w.String(name);
            w.String(value.DataType);
            w.NullableString(value.StringValue);
            writer.Write(value.BinaryValue.HasValue);
            if (value.BinaryValue is { } binary)
            {
                w.Bytes(binary.Span);
            }
        }

        writer.Write(m.Priority);
        w.Time(m.VisibleAt);
        w.Time(m.SentAt);
        w.Time(m.EnqueuedAt);
        writer.Write(m.ReceiveCount);
        writer.Write(m.Generation);
        w.NullableTime(m.FirstReceivedAt);
        writer.Write(m.Leased);
        w.NullableTime(m.LeasedAt);
        w.NullableString(m.DeduplicationId);
        w.NullableString(m.MessageGroupId);
        w.NullableString(m.LastError);
        writer.Write(m.DeadLetter is not null);
        if (m.DeadLetter is { } dl)
        {
            w.String(dl.SourceQueue);
            w.String(dl.Reason);
            writer.Write(dl.Attempts);
            w.NullableString(dl.LastError);
            w.Time(dl.DeadLetteredAt);
        }
    }

    /// <summary>A queue's deduplication entries, by key.</summary>
    private static void WriteDedup(SnapshotWriter w, QueueState q)
    {
        var writer = w.Writer;
        writer.Write(q.Dedup.Count);
        foreach (var key in q.Dedup.Keys.Order(StringComparer.Ordinal))
        {
            var (messageId, sequence, expiresAt) = q.Dedup[key];
            w.String(key);
            w.Guid(messageId);
            writer.Write(sequence);
            w.Time(expiresAt);
        }
    }

    private static void SortUnlessSorted(List<Message> messages, IComparer<Message> order)
    {
        for (var i = 1; i < messages.Count; i++)
        {
            if (order.Compare(messages[i - 1], messages[i]) > 0)
            {
                messages.Sort(order);
                return;
            }
        }
    }

    /// <summary>The entry list's order: the time a message entered its queue, then sequence.</summary>
    private sealed class EntryOrder : IComparer<Message>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Message? x, Message? y)
        {
            var order = x!.EnqueuedAtTicks.CompareTo(y!.EnqueuedAtTicks);
            return order != 0 ? order : x.Sequence.CompareTo(y.Sequence);
        }
    }

    private static int ReadPriority(BinaryReader reader, long sequence, string queue)
    {
        var priority = reader.ReadInt32();
        return priority is >= 0 and <= OutgoingMessage.MaxPriority
            ? priority
            : throw new InvalidDataException($"the store snapshot holds message {sequence} with priority {priority} in queue '{queue}'");
    }

    private static QueueState ReadQueue(SnapshotReader r, Func<BinaryReader, StoredBody> readBody, DateTimeOffset now)
    {
        var reader = r.Reader;
        var name = r.String();
        var createdAt = r.Time();
        var options = new QueueOptions
        {
            Fifo = reader.ReadBoolean(),
            ContentBasedDeduplication = reader.ReadBoolean(),
            DeduplicationScope = r.Enum<DeduplicationScope>(),
            ReceiveWaitTime = r.Duration(),
            Tags = r.Strings(),
            Properties = r.Strings(),
            VisibilityTimeout = r.Duration(),
            DeliveryDelay = r.Duration(),
            RetentionPeriod = r.Duration(),
            MaxMessageSize = reader.ReadInt32(),
            MaxReceiveCount = r.NullableInt(),
            DeadLetterQueue = r.NullableString(),
            MaxLength = r.NullableLong(),
            MaxLengthBytes = r.NullableLong(),
            OverflowPolicy = r.Enum<OverflowPolicy>(),
            DeduplicationWindow = r.Duration(),
        };
        var q = new QueueState(new QueueInfo(name, options, createdAt));
        var messages = r.Count();
        var restored = new List<Message>(messages);
        for (var i = 0; i < messages; i++)
        {
            var sequence = reader.ReadInt64();
            var id = r.Guid();
            var body = readBody(reader);
            var attributeCount = r.Count();
            var attributes = NoAttributes;
            if (attributeCount > 0)
            {
                var read = new Dictionary<string, MessageAttributeValue>(attributeCount, StringComparer.Ordinal);
                for (var k = 0; k < attributeCount; k++)
                {
                    var attribute = r.String();
                    var dataType = r.String();
                    var text = r.NullableString();
                    ReadOnlyMemory<byte>? binary = null; // not a conditional expression: null would convert to an empty ReadOnlyMemory
                    if (reader.ReadBoolean())
                    {
                        binary = r.Bytes();
                    }

                    read.Add(attribute, new MessageAttributeValue(dataType, text, binary));
                }

                attributes = read;
            }

            var m = new Message
            {
                Sequence = sequence,
                Id = id,
                Body = body,
                Attributes = attributes,
                Priority = ReadPriority(reader, sequence, name),
                VisibleAt = r.Time(),
                SentAt = r.Time(),
                EnqueuedAt = r.Time(),
                ReceiveCount = reader.ReadInt32(),
                Generation = reader.ReadInt32(),
                FirstReceivedAt = r.NullableTime(),
                Leased = reader.ReadBoolean(),
                LeasedAt = r.NullableTime(),
                DeduplicationId = r.NullableString(),
                MessageGroupId = r.NullableString(),
                LastError = r.NullableString(),
                DeadLetter = reader.ReadBoolean()
                    ? new DeadLetterInfo(r.String(), r.String(), reader.ReadInt32(), r.NullableString(), r.Time())
                    : null,
            };
            restored.Add(m);
        }

        // Added in the order they entered the queue (the entry list then only appends; its order within one instant does
        // not matter), then indexed in delivery order (so that the messages visible now go into the index's run). Written
        // in sequence order, a queue's messages are usually in both orders already: sorted only when they are not.
        SortUnlessSorted(restored, EntryOrder.Instance);
        foreach (var m in restored)
        {
            if (!q.Messages.TryAdd(m.Sequence, m))
            {
                throw new InvalidDataException($"the store snapshot holds message {m.Sequence} twice in queue '{name}'");
            }

            q.Add(m, now: null, added: true);
        }

        SortUnlessSorted(restored, VisibilityOrder.Instance);
        foreach (var m in restored)
        {
            q.Index(m, now);
        }

        var dedup = r.Count();
        for (var i = 0; i < dedup; i++)
        {
            q.Dedup.Add(r.String(), (r.Guid(), reader.ReadInt64(), r.Time()));
        }

        return q;
    }

    /// <summary>The encodings a snapshot's fields use (see the type's remarks).</summary>
    private readonly struct SnapshotWriter(BinaryWriter writer)
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public BinaryWriter Writer => writer;

        public void String(string value)
        {
            // -1 is absent (NullableString); -2 - n marks n UTF-16 code units (a string with a lone surrogate).
            int byteCount;
            try
            {
                byteCount = StrictUtf8.GetByteCount(value);
            }
            catch (EncoderFallbackException)
            {
                writer.Write7BitEncodedInt(-2 - value.Length);
                foreach (var c in value)
                {
                    writer.Write((ushort)c);
                }

                return;
            }

            writer.Write7BitEncodedInt(byteCount);
            Span<byte> small = stackalloc byte[256];
            var bytes = byteCount <= small.Length ? small[..byteCount] : new byte[byteCount];
            StrictUtf8.GetBytes(value, bytes);
            writer.Write(bytes);
        }

        public void NullableString(string? value)
        {
            if (value is null)
            {
                writer.Write7BitEncodedInt(-1);
            }
            else
            {
                String(value);
            }
        }

        public void Strings(IReadOnlyDictionary<string, string> values)
        {
            writer.Write(values.Count);
            foreach (var (key, value) in values)
            {
                String(key);
                String(value);
            }
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            writer.Write7BitEncodedInt(value.Length);
            writer.Write(value);
        }

        public void Guid(Guid value)
        {
            Span<byte> bytes = stackalloc byte[16];
            value.TryWriteBytes(bytes);
            writer.Write(bytes);
        }

        public void Time(DateTimeOffset value)
        {
            writer.Write(value.UtcTicks);
            writer.Write((short)(value.Offset.Ticks / TimeSpan.TicksPerMinute));
        }

        public void NullableTime(DateTimeOffset? value)
        {
            writer.Write(value.HasValue);
            if (value is { } v)
            {
                Time(v);
            }
        }

        public void Duration(TimeSpan value) => writer.Write(value.Ticks);

        public void NullableDuration(TimeSpan? value)
        {
            writer.Write(value.HasValue);
            if (value is { } v)
            {
                writer.Write(v.Ticks);
            }
        }

        public void NullableInt(int? value)
        {
            writer.Write(value.HasValue);
            if (value is { } v)
            {
                writer.Write(v);
            }
        }

        public void NullableLong(long? value)
        {
            writer.Write(value.HasValue);
            if (value is { } v)
            {
                writer.Write(v);
            }
        }

        public void EntryId(StreamEntryId id)
        {
            writer.Write(id.Milliseconds);
            writer.Write(id.Sequence);
        }
    }

    /// <summary>Reads what <see cref="SnapshotWriter"/> wrote.</summary>
    private readonly struct SnapshotReader(BinaryReader reader)
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public BinaryReader Reader => reader;

        public string String() => NullableString() ?? throw new InvalidDataException("the store snapshot has no value where a string must be");

        public string? NullableString()
        {
            var length = reader.Read7BitEncodedInt();
            if (length == -1)
            {
                return null;
            }

            if (length < -1)
            {
                var chars = new char[-2 - length];
                for (var i = 0; i < chars.Length; i++)
                {
                    chars[i] = (char)reader.ReadUInt16();
                }

                return new string(chars);
            }

            return StrictUtf8.GetString(Exactly(length));
        }

        public Dictionary<string, string> Strings()
        {
            var count = Count();
            var values = new Dictionary<string, string>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                values.Add(String(), String());
            }

            return values;
        }

        public byte[] Bytes() => Exactly(reader.Read7BitEncodedInt());

        public Guid Guid()
        {
            Span<byte> bytes = stackalloc byte[16];
            for (var read = 0; read < bytes.Length;)
            {
                var n = reader.Read(bytes[read..]);
                read += n > 0 ? n : throw new EndOfStreamException("the store snapshot ends inside a value");
            }

            return new Guid(bytes);
        }

        public DateTimeOffset Time()
        {
            var utcTicks = reader.ReadInt64();
            var offset = TimeSpan.FromMinutes(reader.ReadInt16());
            return new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(offset);
        }

        public DateTimeOffset? NullableTime() => reader.ReadBoolean() ? Time() : null;

        public TimeSpan Duration() => new(reader.ReadInt64());

        public TimeSpan? NullableDuration() => reader.ReadBoolean() ? Duration() : null;

        public int? NullableInt() => reader.ReadBoolean() ? reader.ReadInt32() : null;

        public long? NullableLong() => reader.ReadBoolean() ? reader.ReadInt64() : null;

        public StreamEntryId EntryId() => new(reader.ReadUInt64(), reader.ReadUInt64());

        public TEnum Enum<TEnum>()
            where TEnum : struct, Enum
        {
            var value = reader.ReadInt32();
            var result = (TEnum)(object)value;
            return System.Enum.IsDefined(result) ? result : throw new InvalidDataException($"the store snapshot holds {value}, which is no {typeof(TEnum).Name}");
        }

        public int Count()
        {
            var count = reader.ReadInt32();
            return count >= 0 ? count : throw new InvalidDataException($"the store snapshot holds a negative count ({count})");
        }

        private byte[] Exactly(int length)
        {
            if (length < 0)
            {
                throw new InvalidDataException($"the store snapshot holds a negative length ({length})");
            }

            var bytes = reader.ReadBytes(length);
            return bytes.Length == length ? bytes : throw new EndOfStreamException("the store snapshot ends inside a value");
        }
    }
}
