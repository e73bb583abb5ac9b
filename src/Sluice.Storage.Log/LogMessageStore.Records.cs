using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>
/// The log's records. Every record's payload starts with the call's time (UTC ticks, 8 bytes little-endian), then the
/// call's arguments. The hot calls (publish, receive, ack, nack, extend, dead-letter, topic publish) are encoded by hand:
/// little-endian integers, strings as a 32-bit byte count (-1 for null) and UTF-8, bodies as a 32-bit length, their
/// XxHash3 checksum (8 bytes) and the bytes (so a body is read back from the segment at a known offset). The rare calls
/// are <see cref="Command{T}"/> records written as JSON after the time. Type codes are part of the file format: never
/// reuse or renumber one.
/// </summary>
public sealed partial class LogMessageStore
{
    /// <summary>Record type codes (the byte in each record's header).</summary>
    internal enum RecordType : byte
    {
        /// <summary>A new store's first record: the time and the store's salt (16 bytes).</summary>
        Init = 1,

        /// <summary>Queue publish: queue, message count, messages.</summary>
        Publish = 2,

        /// <summary>Receive: queue, max messages (int32), visibility timeout (ticks).</summary>
        Receive = 3,

        /// <summary>Ack: queue, handle count, handles.</summary>
        Ack = 4,

        /// <summary>Nack: queue, handle, delay (ticks), last error.</summary>
        Nack = 5,

        /// <summary>Extend a lease: queue, handle, visibility timeout (ticks), restart (byte).</summary>
        Extend = 6,

        /// <summary>Explicit dead-letter: queue, handle, last error.</summary>
        DeadLetter = 7,

        /// <summary>Topic publish: topic, message count, then per message its routing key and the message.</summary>
        TopicPublish = 8,

        /// <summary>Compaction: live bodies copied out of an old segment (replay ignores it; a checkpoint holds the new positions).</summary>
        Relocate = 9,

        /// <summary>Fencing tokens: the durable ceiling above every token issued (time, int32). See LogMessageStore.Tokens.cs.</summary>
        TokenCeiling = 10,

        /// <summary>Fencing tokens: the lowest token issued from here on, set at every open (time, int32).</summary>
        TokenFloor = 11,

        /// <summary>First code of the JSON commands: <c>CommandBase + index</c> in <see cref="CommandTypes"/>.</summary>
        CommandBase = 32,
    }

    /// <summary>A body inside the current record's payload: offset of its first byte, length, XxHash3 checksum.</summary>
    internal readonly record struct BodyInfo(int Offset, int Length, ulong Checksum);

    private byte[] _replayBuffer = new byte[4096];
    private readonly List<BodyInfo> _replayBodies = [];

    /// <summary>Recovery: executes one record on the state machine at its recorded time.</summary>
    private void Replay(LogPosition position, byte type, ReadOnlySpan<byte> payload)
    {
        _bytesSinceCheckpoint += payload.Length + SegmentLog.HeaderBytes;
        if ((RecordType)type == RecordType.Relocate)
        {
            return;
        }

        if (_replayBuffer.Length < payload.Length)
        {
            _replayBuffer = new byte[Math.Max(payload.Length, _replayBuffer.Length * 2)];
        }

        payload.CopyTo(_replayBuffer);
        var reader = new RecordReader(_replayBuffer.AsMemory(0, payload.Length));
        var ticks = reader.ReadInt64();
        if ((RecordType)type == RecordType.Init)
        {
            _salt = reader.ReadRaw(SaltBytes).ToArray();
            return;
        }

        if ((RecordType)type is RecordType.TokenCeiling or RecordType.TokenFloor)
        {
            ApplyTokenRecord((RecordType)type, reader.ReadInt32());
            return;
        }

        _replayBodies.Clear();
        _clock.FreezeAt(ticks);
        BeginCall(position, _replayBodies);
        try
        {
            Apply((RecordType)type, ref reader, _replayBodies);
        }
        catch (SluiceException ex)
        {
            // A logged call succeeded when it ran; failing now means the state differs from the one it ran on.
            LogStoreLog.ReplayFailed(_logger, ex, position.Segment, position.Offset, type);
        }
        finally
        {
            _clock.Release();
            _callBodies = NoBodies;
        }
    }

    /// <summary>Decodes a record's arguments and executes the call on the state machine (replay).</summary>
    private void Apply(RecordType type, ref RecordReader r, List<BodyInfo> bodies)
    {
        switch (type)
        {
            case RecordType.Publish:
                {
                    var queue = r.ReadString()!;
                    var messages = ReadMessages(ref r, bodies);
                    Complete(_state.PublishAsync(queue, messages));
                    break;
                }

            case RecordType.Receive:
                {
                    var queue = r.ReadString()!;
                    var max = r.ReadInt32();
                    var visibility = TimeSpan.FromTicks(r.ReadInt64());
                    Complete(_state.ReceiveAsync(queue, max, visibility));
                    break;
                }

            case RecordType.Ack:
                {
                    var queue = r.ReadString()!;
                    var handles = new string[r.ReadInt32()];
                    for (var i = 0; i < handles.Length; i++)
                    {
                        handles[i] = r.ReadString()!;
                    }

                    Complete(_state.AckAsync(queue, handles));
                    break;
                }

            case RecordType.Nack:
                {
                    var queue = r.ReadString()!;
                    var handle = r.ReadString()!;
                    var delay = TimeSpan.FromTicks(r.ReadInt64());
                    Complete(_state.NackAsync(queue, handle, delay, r.ReadString()));
                    break;
                }

            case RecordType.Extend:
                {
                    var queue = r.ReadString()!;
                    var handle = r.ReadString()!;
                    var visibility = TimeSpan.FromTicks(r.ReadInt64());
                    Complete(_state.ExtendLeaseAsync(queue, handle, visibility, r.ReadByte() != 0));
                    break;
                }

            case RecordType.DeadLetter:
                {
                    var queue = r.ReadString()!;
                    var handle = r.ReadString()!;
                    Complete(_state.DeadLetterAsync(queue, handle, r.ReadString()));
                    break;
                }

            case RecordType.TopicPublish:
                {
                    var topic = r.ReadString()!;
                    var messages = new TopicMessage[r.ReadInt32()];
                    for (var i = 0; i < messages.Length; i++)
                    {
                        var key = r.ReadString();
                        messages[i] = new TopicMessage(ReadMessage(ref r, bodies), key);
                    }

                    Complete(_state.PublishToTopicAsync(topic, messages));
                    break;
                }

            case >= RecordType.CommandBase when (int)type - (int)RecordType.CommandBase < CommandTypes.Length:
                {
                    var command = (Command?)System.Text.Json.JsonSerializer.Deserialize(r.Rest.Span, CommandTypes[(int)type - (int)RecordType.CommandBase])
                        ?? throw new InvalidDataException($"record type {(byte)type}: empty command");
                    command.ApplyTo(_state);
                    break;
                }

            default:
                throw new LogCorruptException($"record type {(byte)type} is unknown to this version of Sluice: open the store with the version that wrote it");
        }
    }

    /// <summary>Completes a state machine call (its methods complete synchronously) and returns its result.</summary>
    private static T Complete<T>(ValueTask<T> call) => call.IsCompletedSuccessfully ? call.Result : call.AsTask().GetAwaiter().GetResult();

    private static bool Complete(ValueTask call)
    {
        if (!call.IsCompletedSuccessfully)
        {
            call.AsTask().GetAwaiter().GetResult();
        }

        return true;
    }

    private static void WriteMessages(RecordBuffer w, IReadOnlyList<OutgoingMessage> messages)
    {
        w.WriteInt32(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            WriteMessage(w, messages[i]);
        }
    }

    private static OutgoingMessage[] ReadMessages(ref RecordReader r, List<BodyInfo> bodies)
    {
        var messages = new OutgoingMessage[r.ReadInt32()];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = ReadMessage(ref r, bodies);
        }

        return messages;
    }

    /// <summary>A message: body, priority (byte), delay (ticks, -1 for none), deduplication id, message group id, attributes (count, -1 for none; name, data type, string value, binary value).</summary>
    private static void WriteMessage(RecordBuffer w, OutgoingMessage m)
    {
        w.WriteBody(m.Body.Span);
        w.WriteByte((byte)m.Priority);
        w.WriteInt64(m.Delay is { } delay ? delay.Ticks : -1);
        w.WriteString(m.DeduplicationId);
        w.WriteString(m.MessageGroupId);
        if (m.Attributes is not { } attributes)
        {
            w.WriteInt32(-1);
            return;
        }

        w.WriteInt32(attributes.Count);
        foreach (var (name, value) in attributes)
        {
            w.WriteString(name);
            w.WriteString(value.DataType);
            w.WriteString(value.StringValue);
            w.WriteBytes(value.BinaryValue is { } binary ? binary.Span : null, value.BinaryValue.HasValue);
        }
    }

    private static OutgoingMessage ReadMessage(ref RecordReader r, List<BodyInfo> bodies)
    {
        var body = r.ReadBody(bodies);
        var priority = r.ReadByte();
        var delay = r.ReadInt64();
        var dedup = r.ReadString();
        var group = r.ReadString();
        var count = r.ReadInt32();
        Dictionary<string, MessageAttributeValue>? attributes = null;
        if (count >= 0)
        {
            attributes = new Dictionary<string, MessageAttributeValue>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var name = r.ReadString()!;
                var type = r.ReadString()!;
                var text = r.ReadString();
                var binary = r.ReadBytesCopy();
                attributes[name] = new MessageAttributeValue(type, text, binary is null ? (ReadOnlyMemory<byte>?)null : binary);
            }
        }

        return new OutgoingMessage(body)
        {
            Priority = priority,
            Delay = delay < 0 ? null : TimeSpan.FromTicks(delay),
            DeduplicationId = dedup,
            MessageGroupId = group,
            Attributes = attributes,
        };
    }

    /// <summary>A record being encoded: a growable pooled buffer (one cached per thread) whose first 8 bytes are the call's time.</summary>
    internal sealed class RecordBuffer : IBufferWriter<byte>
    {
        [ThreadStatic]
        private static RecordBuffer? t_cached;

        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1024);
        private int _length;

        public RecordType Type { get; private set; }

        /// <summary>The bodies written, in message order.</summary>
        public List<BodyInfo> Bodies { get; } = [];

        public int Length => _length;

        public ReadOnlySpan<byte> Payload => _buffer.AsSpan(0, _length);

        public static RecordBuffer Rent(RecordType type)
        {
            var buffer = t_cached ?? new RecordBuffer();
            t_cached = null;
            buffer.Type = type;
            buffer._length = 8;
            buffer.Bodies.Clear();
            return buffer;
        }

        public void Return()
        {
            if (_buffer.Length > 1024 * 1024)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(1024);
            }

            Bodies.Clear();
            t_cached = this;
        }

        public void SetTime(DateTimeOffset now) => BinaryPrimitives.WriteInt64LittleEndian(_buffer, now.UtcTicks);

        public void WriteByte(byte value)
        {
            GetSpan(1)[0] = value;
            _length++;
        }

        public void WriteInt32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
            _length += 4;
        }

        public void WriteInt64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
            _length += 8;
        }

        public void WriteString(string? value)
        {
            if (value is null)
            {
                WriteInt32(-1);
                return;
            }

            var span = GetSpan(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
            var written = Encoding.UTF8.GetBytes(value, span[4..]);
            BinaryPrimitives.WriteInt32LittleEndian(span, written);
            _length += 4 + written;
        }

        public void WriteBytes(ReadOnlySpan<byte> value, bool present)
        {
            if (!present)
            {
                WriteInt32(-1);
                return;
            }

            WriteInt32(value.Length);
            value.CopyTo(GetSpan(value.Length));
            _length += value.Length;
        }

        /// <summary>A body: length, checksum, bytes; remembered in <see cref="Bodies"/>.</summary>
        public void WriteBody(ReadOnlySpan<byte> body)
        {
            var checksum = XxHash3.HashToUInt64(body);
            WriteInt32(body.Length);
            WriteInt64((long)checksum);
            Bodies.Add(new BodyInfo(_length, body.Length, checksum));
            body.CopyTo(GetSpan(body.Length));
            _length += body.Length;
        }

        public void Advance(int count) => _length += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsMemory(_length);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsSpan(_length);
        }

        private void Ensure(int sizeHint)
        {
            var need = _length + Math.Max(sizeHint, 1);
            if (need <= _buffer.Length)
            {
                return;
            }

            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _buffer.Length * 2));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    /// <summary>Reads what <see cref="RecordBuffer"/> wrote.</summary>
    internal struct RecordReader(ReadOnlyMemory<byte> payload)
    {
        private int _position;

        public readonly ReadOnlyMemory<byte> Rest => payload[_position..];

        public byte ReadByte() => payload.Span[_position++];

        public int ReadInt32()
        {
            var value = BinaryPrimitives.ReadInt32LittleEndian(payload.Span[_position..]);
            _position += 4;
            return value;
        }

        public long ReadInt64()
        {
            var value = BinaryPrimitives.ReadInt64LittleEndian(payload.Span[_position..]);
            _position += 8;
            return value;
        }

        public ReadOnlyMemory<byte> ReadRaw(int length)
        {
            var value = payload.Slice(_position, length);
            _position += length;
            return value;
        }

        public string? ReadString()
        {
            var length = ReadInt32();
            return length < 0 ? null : Encoding.UTF8.GetString(ReadRaw(length).Span);
        }

        public byte[]? ReadBytesCopy()
        {
            var length = ReadInt32();
            return length < 0 ? null : ReadRaw(length).ToArray();
        }

        /// <summary>A body (not copied: valid while the payload is), remembered in <paramref name="bodies"/>.</summary>
        public ReadOnlyMemory<byte> ReadBody(List<BodyInfo> bodies)
        {
            var length = ReadInt32();
            var checksum = (ulong)ReadInt64();
            bodies.Add(new BodyInfo(_position, length, checksum));
            return ReadRaw(length);
        }
    }
}
