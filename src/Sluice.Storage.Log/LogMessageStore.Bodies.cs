using System.IO.Hashing;
using Sluice.Storage.Log.Segments;

namespace Sluice.Storage.Log;

/// <summary>Bodies: kept in the segments, at the place their publish record put them; read and verified after each call, outside the lock.</summary>
public sealed partial class LogMessageStore
{
    /// <summary>The state machine's <c>StoreBody</c> hook: the body of message <paramref name="index"/> of the current call is in the call's record.</summary>
    private LogBody StoreBody(int index, ReadOnlyMemory<byte> body)
    {
        var info = _callBodies[index];
        return new LogBody(this, new LogPosition(_callPosition.Segment, _callPosition.Offset + SegmentLog.HeaderBytes + info.Offset), info.Length, info.Checksum);
    }

    /// <summary>
    /// Fills in the bodies of messages the state machine returned (it defers body reads). A body that cannot be read or
    /// fails its checksum is left out of the answer and logged (queue, sequence, place): its lease, when it was
    /// received, expires and it dead-letters after the queue's max receive count like any poison message.
    /// </summary>
    private IReadOnlyList<QueueMessage> ReadBodies(string queue, IReadOnlyList<QueueMessage> messages)
    {
        List<QueueMessage>? read = null;
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.StoredBody is not { } stored)
            {
                read?.Add(m);
                continue;
            }

            read ??= new List<QueueMessage>(messages.Count);
            try
            {
                read.Add(m with { Body = stored.Read(), StoredBody = null });
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.StorageFailed)
            {
                var place = (stored as LogBody)?.Position ?? default;
                LogStoreLog.BodyUnreadable(_logger, ex, queue, m.SequenceNumber, place.Segment, place.Offset, stored.Length);
            }
        }

        return read ?? messages;
    }

    /// <summary>Reads a body at its place and verifies its checksum; retried once when compaction moved it meanwhile.</summary>
    private byte[] ReadBody(LogBody body)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(body.Length);
        for (var attempt = 0; ; attempt++)
        {
            var place = body.Position;
            try
            {
                Log().Read(place, bytes);
                if (XxHash3.HashToUInt64(bytes) == body.Checksum)
                {
                    return bytes;
                }

                if (body.Position == place || attempt > 0)
                {
                    throw new SluiceException(ErrorCodes.StorageFailed,
                        $"message body at segment {place.Segment} offset {place.Offset} ({body.Length} bytes) failed its checksum: the file is damaged");
                }
            }
            catch (SluiceException) when (body.Position != place && attempt == 0)
            {
                // Moved by compaction while it was being read: read it at its new place.
            }
        }
    }

    /// <summary>A body in the log: its place (moved by compaction), length and XxHash3 checksum. Thread-safe.</summary>
    internal sealed class LogBody(LogMessageStore store, LogPosition position, int length, ulong checksum) : StoredBody
    {
        // Segment in the high 24 bits, offset in the low 40: one atomic read.
        private long _place = Pack(position);

        /// <summary>Where the body's first byte is.</summary>
        public LogPosition Position
        {
            get
            {
                var place = Volatile.Read(ref _place);
                return new LogPosition(place >>> 40, place & ((1L << 40) - 1));
            }
            set => Volatile.Write(ref _place, Pack(value));
        }

        /// <inheritdoc />
        public override int Length => length;

        /// <summary>XxHash3 (64-bit) of the body.</summary>
        public ulong Checksum => checksum;

        /// <inheritdoc />
        public override ReadOnlyMemory<byte> Read() => store.ReadBody(this);

        private static long Pack(LogPosition position) => (position.Segment << 40) | position.Offset;
    }
}
