using System.Text;
using Sluice.Storage;

namespace Sluice.InMemory;

/// <summary>
/// A snapshot written while calls go on: the same bytes <see cref="WriteSnapshot"/> would have written at its start,
/// but the queues' messages are written a chunk at a time (the caller releases its lock between chunks). Copy on
/// write: from the start until its queue's messages are written, a message about to change or leave its queue is first
/// serialized as it was (its pre-image); messages that enter a queue after the start are left out. Everything else
/// (queue headers, deduplication entries, topics, streams, key-value records) is small next to a backlog and is
/// serialized at the start.
/// </summary>
public sealed partial class InMemoryMessageStore
{
    /// <summary>
    /// Starts a snapshot of the state as it is now (see <see cref="ConcurrentSnapshot"/>); the caller must keep every
    /// call out while this runs and while each <see cref="ConcurrentSnapshot.WriteNext"/> runs (the log store's lock).
    /// </summary>
    internal ConcurrentSnapshot BeginSnapshot(Action<BinaryWriter, StoredBody> writeBody)
    {
        ArgumentNullException.ThrowIfNull(writeBody);
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_queues.Values.Any(q => q.Snapshot is not null))
            {
                throw new InvalidOperationException("a snapshot is being written already");
            }

            return new ConcurrentSnapshot(this, writeBody);
        }
    }

    private static byte[] Serialize(Action<SnapshotWriter> write)
    {
        using var buffer = new System.IO.MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            write(new SnapshotWriter(writer));
        }

        return buffer.ToArray();
    }

    /// <summary>A snapshot being written (<see cref="BeginSnapshot"/>).</summary>
    internal sealed class ConcurrentSnapshot
    {
        private readonly InMemoryMessageStore _store;
        private readonly byte[] _head;
        private readonly List<QueuePart> _queues;
        private readonly byte[] _tail;
        private readonly Action<BinaryWriter, StoredBody> _writeBody;
        private int _next = -1;

        /// <summary>Serializes what is small and marks every queue for copy on write (under the store's lock).</summary>
        internal ConcurrentSnapshot(InMemoryMessageStore store, Action<BinaryWriter, StoredBody> writeBody)
        {
            _store = store;
            _writeBody = writeBody;
            _head = Serialize(store.WriteHead);
            _queues = new List<QueuePart>(store._queues.Count);
            foreach (var q in store._queues.Values)
            {
                _queues.Add(new QueuePart(q, Serialize(w => WriteQueueHeader(w, q)), q.Messages.Count, Serialize(w => WriteDedup(w, q))));
                q.Snapshot = new QueueSnapshot(store._nextSequence, m => Serialize(w => WriteMessage(w, m, writeBody)));
            }

            _tail = Serialize(store.WriteTail);
        }

        /// <summary>Whether every byte has been written.</summary>
        public bool Done { get; private set; }

        /// <summary>
        /// Writes the next part: at most <paramref name="maxMessages"/> messages (and the headers, deduplication entries
        /// and tail around them). Returns whether anything is left. The caller keeps calls out while this runs.
        /// </summary>
        /// <exception cref="InvalidOperationException">A queue's messages did not add up to its count at the start (a bug: the snapshot is not usable).</exception>
        public bool WriteNext(BinaryWriter writer, int maxMessages)
        {
            ArgumentNullException.ThrowIfNull(writer);
            lock (_store._lock)
            {
                if (Done)
                {
                    return false;
                }

                if (_next < 0)
                {
                    writer.Write(_head);
                    _next = 0;
                }

                var budget = maxMessages;
                var w = new SnapshotWriter(writer);
                while (_next < _queues.Count && budget > 0)
                {
                    var part = _queues[_next];
                    var s = part.Queue.Snapshot!;
                    if (!s.Started)
                    {
                        writer.Write(part.Header);
                        s.Started = true;
                    }

                    budget -= s.WriteSome(w, part.Queue, budget, _writeBody);
                    if (s.Finished)
                    {
                        if (s.Written != part.Count)
                        {
                            throw new InvalidOperationException($"snapshot of queue '{part.Queue.Info.Name}': {s.Written} messages written, {part.Count} held at its start");
                        }

                        writer.Write(part.Dedup);
                        part.Queue.Snapshot = null;
                        _next++;
                    }
                }

                if (_next == _queues.Count)
                {
                    writer.Write(_tail);
                    Done = true;
                }

                return !Done;
            }
        }

        /// <summary>Stops copying on write (a snapshot given up, or written).</summary>
        public void Abort()
        {
            lock (_store._lock)
            {
                foreach (var part in _queues)
                {
                    if (part.Queue.Snapshot is { } s)
                    {
                        s.Finished = true;
                        part.Queue.Snapshot = null;
                    }
                }

                Done = true;
            }
        }

        /// <summary>A queue as of the snapshot's start: its header, message count and deduplication entries, serialized then.</summary>
        private sealed record QueuePart(QueueState Queue, byte[] Header, int Count, byte[] Dedup);
    }

    /// <summary>
    /// A queue's side of a <see cref="ConcurrentSnapshot"/>: which of its messages are written (up to
    /// <see cref="Cursor"/>, in sequence order), the pre-images of those not yet written that changed or left, and the
    /// messages that entered after the start with a sequence from before it (moves between queues).
    /// </summary>
    private sealed class QueueSnapshot(long lastSequence, Func<Message, byte[]> serialize)
    {
        private readonly SortedDictionary<long, byte[]> _preImages = [];
        private readonly HashSet<long> _entered = [];

        public bool Started { get; set; }

        public bool Finished { get; set; }

        /// <summary>The highest sequence written so far.</summary>
        public long Cursor { get; private set; } = long.MinValue;

        public int Written { get; private set; }

        /// <summary>Called before a message of this queue changes or leaves it: keeps it as it was, once, if it is still to be written.</summary>
        public void Preserve(Message m)
        {
            if (!Finished && m.Sequence > Cursor && m.Sequence <= lastSequence && !_entered.Contains(m.Sequence) && !_preImages.ContainsKey(m.Sequence))
            {
                _preImages.Add(m.Sequence, serialize(m));
            }
        }

        /// <summary>Called when a message enters this queue: one with a sequence from before the start is not written (it was elsewhere then).</summary>
        public void Entered(Message m)
        {
            if (!Finished && m.Sequence <= lastSequence)
            {
                _entered.Add(m.Sequence);
            }
        }

        /// <summary>Writes up to <paramref name="budget"/> messages in sequence order, merging the live ones with the pre-images; returns how many.</summary>
        public int WriteSome(SnapshotWriter w, QueueState q, int budget, Action<BinaryWriter, StoredBody> writeBody)
        {
            var written = 0;
            using var live = q.Messages.After(Cursor).GetEnumerator();
            var next = NextLive(live);
            while (written < budget)
            {
                long? preImage = _preImages.Count > 0 ? _preImages.Keys.First() : null;
                if (next is null && preImage is null)
                {
                    Finished = true;
                    break;
                }

                if (preImage is { } sequence && (next is null || sequence <= next.Sequence))
                {
                    w.Writer.Write(_preImages[sequence]);
                    _preImages.Remove(sequence);
                    if (next?.Sequence == sequence)
                    {
                        next = NextLive(live); // changed in place: the pre-image stands for it
                    }

                    Cursor = sequence;
                }
                else
                {
                    WriteMessage(w, next!, writeBody);
                    Cursor = next!.Sequence;
                    next = NextLive(live);
                }

                written++;
                Written++;
            }

            return written;
        }

        /// <summary>The next message that was in this queue at the start, or null.</summary>
        private Message? NextLive(IEnumerator<KeyValuePair<long, Message>> live)
        {
            while (live.MoveNext())
            {
                var m = live.Current.Value;
                if (m.Sequence > lastSequence)
                {
                    return null; // published after the start, as is everything after it
                }

                if (!_entered.Contains(m.Sequence))
                {
                    return m;
                }
            }

            return null;
        }
    }
}
