using Sluice.Storage;

namespace Sluice.InMemory;

/// <summary>
/// A queue's messages and indexes. A queued message is one object (about 150 bytes: times as UTC ticks, the fields
/// few messages use in a side object) plus a node in the queue's map by sequence; the delivery index links most messages
/// into a list rather than a tree node of their own (see <see cref="DeliveryIndex"/>), so a deep backlog costs little
/// memory and a publish or receive does not allocate an index node.
/// </summary>
public sealed partial class InMemoryMessageStore
{
    private const long NoTime = long.MinValue;

    private sealed class Message
    {
        private long _visibleAt;
        private long _sentAt;
        private long _enqueuedAt;
        private long _firstReceivedAt = NoTime;
        private long _leasedAt = NoTime;
        private byte _priority;
        private MessageExtra? _extra;

        public long Sequence { get; set; }

        public required Guid Id { get; init; }

        /// <summary>The body as stored (byte limits count its <see cref="StoredBody.Length"/>; read only into results).</summary>
        public required StoredBody Body { get; init; }

        public required IReadOnlyDictionary<string, MessageAttributeValue> Attributes { get; init; }

        /// <summary>0 to <see cref="OutgoingMessage.MaxPriority"/> (checked by whoever sets it).</summary>
        public int Priority { get => _priority; init => _priority = checked((byte)value); }

        /// <summary>The visibility time as UTC ticks (the delivery index's key, with <see cref="Sequence"/>).</summary>
        public long VisibleAtTicks => _visibleAt;

        public DateTimeOffset VisibleAt { get => Utc(_visibleAt); set => _visibleAt = value.UtcTicks; }

        public DateTimeOffset SentAt { get => Utc(_sentAt); init => _sentAt = value.UtcTicks; }

        public DateTimeOffset EnqueuedAt { get => Utc(_enqueuedAt); set => _enqueuedAt = value.UtcTicks; }

        public long EnqueuedAtTicks => _enqueuedAt;

        public int ReceiveCount { get; set; }

        /// <summary>The fencing token: + 1 at every receive and every move between queues, never reset.</summary>
        public int Generation { get; set; }

        public DateTimeOffset? FirstReceivedAt { get => UtcOrNull(_firstReceivedAt); set => _firstReceivedAt = value?.UtcTicks ?? NoTime; }

        public bool Leased { get; set; }

        /// <summary>When the current lease's receive happened (the 12-hour limit counts from it).</summary>
        public DateTimeOffset? LeasedAt { get => UtcOrNull(_leasedAt); set => _leasedAt = value?.UtcTicks ?? NoTime; }

        public string? DeduplicationId { get => _extra?.DeduplicationId; init => Extra(value)?.DeduplicationId = value; }

        public string? MessageGroupId { get => _extra?.MessageGroupId; init => Extra(value)?.MessageGroupId = value; }

        public string? LastError { get => _extra?.LastError; set => Extra(value)?.LastError = value; }

        public DeadLetterInfo? DeadLetter { get => _extra?.DeadLetter; set => Extra(value)?.DeadLetter = value; }

        /// <summary>Its place in the queue's entry list (<see cref="QueueState.OldestEntered"/>).</summary>
        public Links Entered;

        /// <summary>Its place in its delivery index's run (<see cref="DeliveryIndex"/>), when <see cref="InRun"/>.</summary>
        public Links Run;

        /// <summary>Whether the message is in its delivery index's run, not its tree.</summary>
        public bool InRun { get; set; }

        private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

        private static DateTimeOffset? UtcOrNull(long ticks) => ticks == NoTime ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

        /// <summary>The side object, made when a value is set (setting null where there is none makes nothing).</summary>
        private MessageExtra? Extra(object? value) => value is null && _extra is null ? null : _extra ??= new MessageExtra();
    }

    /// <summary>The fields most messages leave empty: FIFO and deduplication ids, the last error and dead-letter details.</summary>
    private sealed class MessageExtra
    {
        public string? DeduplicationId { get; set; }

        public string? MessageGroupId { get; set; }

        public string? LastError { get; set; }

        public DeadLetterInfo? DeadLetter { get; set; }
    }

    /// <summary>A message's neighbours in one of the lists linked through the messages themselves.</summary>
    private struct Links
    {
        public Message? Before;
        public Message? After;
    }

    /// <summary>
    /// A list linked through the messages (no node per message): the queue's entry list, or a delivery index's run
    /// (<see cref="Message.Entered"/> or <see cref="Message.Run"/>, chosen by <paramref name="run"/>).
    /// </summary>
    private struct MessageList(bool run)
    {
        public Message? First { get; private set; }

        public Message? Last { get; private set; }

        /// <summary>Links <paramref name="m"/> after <paramref name="before"/> (null: first).</summary>
        public void InsertAfter(Message? before, Message m)
        {
            var after = before is null ? First : LinksOf(before).After;
            ref var links = ref LinksOf(m);
            links.Before = before;
            links.After = after;
            if (before is null)
            {
                First = m;
            }
            else
            {
                LinksOf(before).After = m;
            }

            if (after is null)
            {
                Last = m;
            }
            else
            {
                LinksOf(after).Before = m;
            }
        }

        public void Remove(Message m)
        {
            ref var links = ref LinksOf(m);
            if (links.Before is null)
            {
                First = links.After;
            }
            else
            {
                LinksOf(links.Before).After = links.After;
            }

            if (links.After is null)
            {
                Last = links.Before;
            }
            else
            {
                LinksOf(links.After).Before = links.Before;
            }

            links = default;
        }

        /// <summary>Unlinks every message (so none keeps the others reachable) and empties the list.</summary>
        public void Clear()
        {
            for (var m = First; m is not null;)
            {
                ref var links = ref LinksOf(m);
                var next = links.After;
                links = default;
                m = next;
            }

            First = Last = null;
        }

        public readonly Message? Before(Message m) => LinksOf(m).Before;

        public readonly Message? After(Message m) => LinksOf(m).After;

        private readonly ref Links LinksOf(Message m) => ref run ? ref m.Run : ref m.Entered;
    }

    /// <summary>
    /// One queue. Invariant: every message is in <see cref="Messages"/> and, under its current visibility time, in its
    /// priority's delivery index; <see cref="Bytes"/> is the sum of their body lengths. A message's priority, visibility
    /// time and sequence change only while it is out of the index (<see cref="Unindex"/>, change, <see cref="Index"/>).
    /// </summary>
    private sealed class QueueState(QueueInfo info)
    {
        /// <summary>Per priority, every message (ready, delayed and leased) by visibility time, then sequence.</summary>
        private readonly DeliveryIndex?[] _byVisibility = new DeliveryIndex?[OutgoingMessage.MaxPriority + 1];

        /// <summary>Sequence numbers of each message group's messages (FIFO order).</summary>
        private readonly Dictionary<string, SortedSet<long>> _groups = new(StringComparer.Ordinal);

        /// <summary>Messages held here that dead-lettered from each source queue (this queue as a dead-letter queue).</summary>
        private readonly Dictionary<string, long> _deadLettersBySource = new(StringComparer.Ordinal);

        private Func<string, PublishResult?>? _findStored;
        private DateTimeOffset _findStoredNow;
        private MessageList _entered = new(run: false);

        public QueueInfo Info { get; set; } = info;

        public SortedChunkMap<Message> Messages { get; } = new();

        public Dictionary<string, (Guid MessageId, long Sequence, DateTimeOffset ExpiresAt)> Dedup { get; } = new(StringComparer.Ordinal);

        public long Bytes { get; private set; }

        /// <summary>The snapshot being written while calls go on, until it has written this queue's messages; else null.</summary>
        public QueueSnapshot? Snapshot { get; set; }

        /// <summary>Must be called before a message of this queue changes in any way (a snapshot being written keeps it as it was).</summary>
        public void Changing(Message m) => Snapshot?.Preserve(m);

        /// <summary>
        /// The first message of the entry list: every message, ordered by the time it entered this queue
        /// (<see cref="Message.EnqueuedAt"/>), then by the order it was added; null when the queue is empty.
        /// </summary>
        public Message? OldestEntered => _entered.First;

        /// <summary>How many messages held here dead-lettered from <paramref name="source"/>.</summary>
        public long DeadLettersFrom(string source) => _deadLettersBySource.GetValueOrDefault(source);

        /// <summary>The message a deduplication key names while its window lasts at <paramref name="now"/>, as a duplicate's result (one delegate per queue, not per publish).</summary>
        public Func<string, PublishResult?> FindStored(DateTimeOffset now)
        {
            _findStoredNow = now;
            return _findStored ??= key => Dedup.TryGetValue(key, out var seen) && seen.ExpiresAt > _findStoredNow
                ? new PublishResult(seen.MessageId, true) { SequenceNumber = seen.Sequence }
                : null;
        }

        /// <summary>
        /// Adds a message (indexed as of <paramref name="now"/>; not indexed when <paramref name="now"/> is null: the caller
        /// indexes it; <paramref name="added"/>: the caller put it in <see cref="Messages"/> already).
        /// </summary>
        public void Add(Message m, DateTimeOffset? now, bool added = false)
        {
            if (!added)
            {
                Messages.Add(m.Sequence, m);
            }

            Snapshot?.Entered(m);

            if (now is { } at)
            {
                Index(m, at);
            }

            Enter(m);
            Bytes += m.Body.Length;
            if (m.DeadLetter is { } dead)
            {
                _deadLettersBySource[dead.SourceQueue] = _deadLettersBySource.GetValueOrDefault(dead.SourceQueue) + 1;
            }

            if (m.MessageGroupId is { } g)
            {
                if (!_groups.TryGetValue(g, out var set))
                {
                    _groups[g] = set = [];
                }

                set.Add(m.Sequence);
            }
        }

        public void Remove(Message m)
        {
            Changing(m);
            Messages.Remove(m.Sequence);
            Unindex(m);
            Leave(m);
            Bytes -= m.Body.Length;
            if (m.DeadLetter is { } dead)
            {
                if (_deadLettersBySource[dead.SourceQueue] == 1)
                {
                    _deadLettersBySource.Remove(dead.SourceQueue);
                }
                else
                {
                    _deadLettersBySource[dead.SourceQueue]--;
                }
            }

            if (m.MessageGroupId is { } g && _groups.TryGetValue(g, out var set))
            {
                set.Remove(m.Sequence);
                if (set.Count == 0)
                {
                    _groups.Remove(g);
                }
            }
        }

        public void Clear()
        {
            if (Snapshot is { } snapshot)
            {
                foreach (var (_, m) in Messages.After(snapshot.Cursor))
                {
                    snapshot.Preserve(m);
                }
            }

            Messages.Clear();
            foreach (var index in _byVisibility)
            {
                index?.Clear();
            }

            _groups.Clear();
            _deadLettersBySource.Clear();
            _entered.Clear();
            Bytes = 0;
        }

        /// <summary>Links a message into the entry list: at the end, unless the clock went back (then after the last message that entered no later).</summary>
        private void Enter(Message m)
        {
            var before = _entered.Last;
            while (before is not null && before.EnqueuedAt > m.EnqueuedAt)
            {
                before = _entered.Before(before);
            }

            _entered.InsertAfter(before, m);
        }

        private void Leave(Message m) => _entered.Remove(m);

        /// <summary>Puts a message into the delivery index under its current visibility time (<paramref name="now"/>: see <see cref="DeliveryIndex.Add"/>).</summary>
        public void Index(Message m, DateTimeOffset now) => (_byVisibility[m.Priority] ??= new DeliveryIndex()).Add(m, now.UtcTicks);

        /// <summary>Takes a message out of the delivery index (before its visibility time changes).</summary>
        public void Unindex(Message m)
        {
            Changing(m);
            _byVisibility[m.Priority]!.Remove(m);
        }

        /// <summary>The first message of every message group.</summary>
        public IEnumerable<Message> GroupHeads() => _groups.Values.Select(set => Messages[set.Min]);

        /// <summary>The messages of <paramref name="head"/>'s group after it, in order.</summary>
        public IEnumerable<Message> GroupAfter(Message head) =>
            head.MessageGroupId is { } g && _groups.TryGetValue(g, out var set)
                ? set.GetViewBetween(head.Sequence + 1, long.MaxValue).Select(seq => Messages[seq])
                : [];

        /// <summary>The visible message of <paramref name="priority"/> that goes first (earliest visible, then lowest sequence), or null; O(1) or O(log n).</summary>
        public Message? FirstVisible(int priority, DateTimeOffset now) =>
            _byVisibility[priority]?.First is { } first && first.VisibleAtTicks <= now.UtcTicks ? first : null;

        /// <summary>When the next message that is not visible at <paramref name="now"/> becomes visible, or null.</summary>
        public DateTimeOffset? NextVisibleAfter(DateTimeOffset now)
        {
            DateTimeOffset? best = null;
            foreach (var index in _byVisibility)
            {
                if (index?.FirstAfter(now.UtcTicks) is { } m && (best is null || m.VisibleAt < best))
                {
                    best = m.VisibleAt;
                }
            }

            return best;
        }

        /// <summary>The messages of <paramref name="priority"/> that are (or are not) visible at <paramref name="now"/>, in delivery order.</summary>
        public IEnumerable<Message> ByVisibility(int priority, DateTimeOffset now, bool visible) =>
            _byVisibility[priority] is { } index ? index.ByVisibility(now.UtcTicks, visible) : [];
    }

    /// <summary>
    /// A priority's delivery index: its messages in delivery order (visibility time, then sequence). Messages that are
    /// visible when indexed and come after every message of the run (a publish, a nack without delay, a move: nearly every
    /// ready message) are appended to the <b>run</b>, a list linked through the messages themselves (O(1), no node);
    /// the others (delayed and leased messages, and what arrives out of order) go to a tree. Delivery order is the merge
    /// of the two, so which one holds a message never shows.
    /// </summary>
    private sealed class DeliveryIndex
    {
        private readonly SortedSet<Message> _tree = new(VisibilityOrder.Instance);
        private MessageList _run = new(run: true);

        /// <summary>The message that goes first (visible or not), or null.</summary>
        public Message? First => Earlier(_run.First, _tree.Count > 0 ? _tree.Min : null);

        /// <summary>Indexes a message; it joins the run when visible at <paramref name="nowTicks"/> and after the run's last message.</summary>
        public void Add(Message m, long nowTicks)
        {
            if (m.VisibleAtTicks <= nowTicks && (_run.Last is null || VisibilityOrder.Instance.Compare(_run.Last, m) < 0))
            {
                m.InRun = true;
                _run.InsertAfter(_run.Last, m);
            }
            else
            {
                _tree.Add(m);
            }
        }

        public void Remove(Message m)
        {
            if (!m.InRun)
            {
                _tree.Remove(m);
                return;
            }

            _run.Remove(m);
            m.InRun = false;
        }

        public void Clear()
        {
            _tree.Clear();
            for (var m = _run.First; m is not null; m = _run.After(m))
            {
                m.InRun = false;
            }

            _run.Clear();
        }

        /// <summary>The first message not visible at <paramref name="nowTicks"/>, or null: O(log n) in the tree, and the run walked back from its end over the messages not yet visible (nearly always none).</summary>
        public Message? FirstAfter(long nowTicks) => Earlier(RunFirstAfter(nowTicks), TreeFirstAfter(nowTicks));

        /// <summary>The messages visible (or not) at <paramref name="nowTicks"/>, in delivery order.</summary>
        public IEnumerable<Message> ByVisibility(long nowTicks, bool visible)
        {
            IEnumerable<Message> run, tree;
            if (visible)
            {
                run = RunFrom(_run.First).TakeWhile(m => m.VisibleAtTicks <= nowTicks);
                tree = _tree.TakeWhile(m => m.VisibleAtTicks <= nowTicks);
            }
            else
            {
                run = RunFrom(RunFirstAfter(nowTicks));
                tree = TreeFirstAfter(nowTicks) is { } first ? _tree.GetViewBetween(first, _tree.Max!) : [];
            }

            return Merge(run, tree);
        }

        private Message? RunFirstAfter(long nowTicks)
        {
            Message? first = null;
            for (var m = _run.Last; m is not null && m.VisibleAtTicks > nowTicks; m = _run.Before(m))
            {
                first = m;
            }

            return first;
        }

        /// <summary>The first message of the tree not visible at <paramref name="nowTicks"/>; O(log n).</summary>
        private Message? TreeFirstAfter(long nowTicks)
        {
            if (_tree.Count == 0 || _tree.Max!.VisibleAtTicks <= nowTicks)
            {
                return null;
            }

            if (_tree.Min!.VisibleAtTicks > nowTicks)
            {
                return _tree.Min;
            }

            // A probe just after every message visible at now: the view's minimum is the first one after it.
            var probe = new Message { Id = Guid.Empty, Body = NoBody, Attributes = NoAttributes, VisibleAt = new DateTimeOffset(nowTicks + 1, TimeSpan.Zero), Sequence = long.MinValue };
            return _tree.GetViewBetween(probe, _tree.Max).Min;
        }

        private IEnumerable<Message> RunFrom(Message? first)
        {
            var run = _run;
            for (var m = first; m is not null; m = run.After(m))
            {
                yield return m;
            }
        }

        private static IEnumerable<Message> Merge(IEnumerable<Message> a, IEnumerable<Message> b)
        {
            using var x = a.GetEnumerator();
            using var y = b.GetEnumerator();
            var hasX = x.MoveNext();
            var hasY = y.MoveNext();
            while (hasX || hasY)
            {
                if (hasX && (!hasY || VisibilityOrder.Instance.Compare(x.Current, y.Current) < 0))
                {
                    yield return x.Current;
                    hasX = x.MoveNext();
                }
                else
                {
                    yield return y.Current;
                    hasY = y.MoveNext();
                }
            }
        }

        private static Message? Earlier(Message? a, Message? b) =>
            a is null ? b : b is null ? a : VisibilityOrder.Instance.Compare(a, b) <= 0 ? a : b;
    }

    /// <summary>The delivery index's order: visibility time, then sequence.</summary>
    private sealed class VisibilityOrder : IComparer<Message>
    {
        public static readonly VisibilityOrder Instance = new();

        public int Compare(Message? x, Message? y)
        {
            var order = x!.VisibleAtTicks.CompareTo(y!.VisibleAtTicks);
            return order != 0 ? order : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
