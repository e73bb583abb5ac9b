using Sluice.Storage;

namespace Sluice.InMemory;

/// <summary>
/// A store that keeps everything in process memory behind one lock: fast, not durable (a restart loses every
/// message). For tests, embedded use where losing messages on exit is acceptable, and as the reference for the
/// storage contract. Thread-safe.
/// </summary>
/// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
public sealed partial class InMemoryMessageStore(TimeProvider? timeProvider = null) : IQueueStore
{
    private static readonly IReadOnlyDictionary<string, MessageAttributeValue> NoAttributes = new Dictionary<string, MessageAttributeValue>();
    private static readonly StoredBody NoBody = new InMemoryBody(ReadOnlyMemory<byte>.Empty);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, QueueState> _queues = new(StringComparer.Ordinal);
    private long _nextSequence;
    private int _generationFloor;
    private int _maxGeneration;
    private bool _disposed;

    /// <inheritdoc />
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<QueueInfo> CreateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_queues.TryGetValue(name, out var existing))
            {
                return ValueTask.FromResult(QueueRules.CreateExisting(existing.Info, options));
            }

            var info = new QueueInfo(name, options, _time.GetUtcNow());
            _queues[name] = new QueueState(info);
            return ValueTask.FromResult(info);
        }
    }

    /// <inheritdoc />
    public ValueTask<QueueInfo?> GetQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return ValueTask.FromResult(_queues.TryGetValue(name, out var q) ? q.Info : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return ValueTask.FromResult<IReadOnlyList<QueueInfo>>([.. _queues.Values.Select(q => q.Info)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<QueueInfo> UpdateQueueAsync(string name, QueueOptions options, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(name);
            q.Info = q.Info with { Options = options };
            return ValueTask.FromResult(q.Info);
        }
    }

    /// <inheritdoc />
    public ValueTask DeleteQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            Queue(name);
            _queues.Remove(name);
            RemoveSubscriptionsOf(name);
            return ValueTask.CompletedTask;
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PublishResult>> PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var now = _time.GetUtcNow();
            var pending = PlanPublish(q, messages, now, null);

            // Every body is stored before anything changes: a hook that fails leaves the queue as it was.
            var bodies = new StoredBody?[messages.Count];
            for (var i = 0; i < bodies.Length; i++)
            {
                if (pending.Plan.IsNew(i))
                {
                    bodies[i] = _hooks.StoreBody(i, messages[i].Body);
                }
            }

            return ValueTask.FromResult(ApplyPublish(pending, now, bodies, null));
        }
    }

    /// <summary>
    /// Plans a publish into one queue without changing anything (the rules may still refuse it): deduplication, and the
    /// messages to evict under the overflow policy. <see cref="ApplyPublish"/> carries it out.
    /// </summary>
    private PendingPublish PlanPublish(QueueState q, IReadOnlyList<OutgoingMessage> messages, DateTimeOffset now, IReadOnlyList<Guid>? ids)
    {
        var options = q.Info.Options;
        var plan = QueueRules.PlanPublish(options, messages, now, q.FindStored(now), ids, _hooks.NewId);
        List<Message>? evict = null;
        if (!QueueRules.Fits(options, q.Messages.Count + plan.AddCount, q.Bytes + plan.AddBytes))
        {
            evict = [];
            QueueRules.MakeRoom(q.Info, q.Messages.Count, q.Bytes, plan.AddCount, plan.AddBytes,
                q.Messages.Values.Where(m => StateOf(m, now) == MessageState.Ready).Select(m => (m, (long)m.Body.Length)), evict.Add);
        }

        return new PendingPublish(q, messages, plan, evict);
    }

    /// <summary>
    /// Carries out a planned publish: evicts, then stores the new messages with their stored bodies: new message
    /// <c>k</c>'s is <paramref name="bodies"/>[<paramref name="indexes"/>[k]] (<paramref name="bodies"/>[k] without indexes).
    /// </summary>
    private IReadOnlyList<PublishResult> ApplyPublish(PendingPublish pending, DateTimeOffset now, StoredBody?[] bodies, IReadOnlyList<int>? indexes)
    {
        var (q, messages, plan, evict) = pending;
        var options = q.Info.Options;
        var overflowDlq = QueueRules.DeadLettersOnOverflow(options) ? DeadLetterQueueOf(q) : null;
        for (var v = 0; v < evict?.Count; v++)
        {
            if (overflowDlq is not null)
            {
                MoveToDeadLetter(q, overflowDlq, evict[v], DeadLetterInfo.OverflowReason, now);
            }
            else
            {
                q.Remove(evict[v]);
            }
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (!plan.IsNew(i))
            {
                continue;
            }

            var m = messages[i];
            var message = new Message
            {
                Sequence = ++_nextSequence,
                Id = plan.MessageId(i),
                Body = bodies[indexes is null ? i : indexes[i]]!,
                Attributes = m.Attributes is { Count: > 0 } a ? new Dictionary<string, MessageAttributeValue>(a, StringComparer.Ordinal) : NoAttributes,
                Priority = m.Priority,
                VisibleAt = now + QueueRules.DeliveryDelay(options, m),
                SentAt = now,
                EnqueuedAt = now,
                DeduplicationId = m.DeduplicationId,
                MessageGroupId = m.MessageGroupId,
            };
            q.Add(message);
            plan.Stored(i, message.Sequence);
            if (plan.DeduplicationKeys[i] is { } key)
            {
                q.Dedup[key] = (message.Id, message.Sequence, now + options.DeduplicationWindow);
            }
        }

        return plan.Complete();
    }

    /// <summary>A publish into one queue, planned and not yet carried out (<see cref="Evict"/>: null when nothing is).</summary>
    private readonly record struct PendingPublish(QueueState Queue, IReadOnlyList<OutgoingMessage> Messages, PublishPlan Plan, List<Message>? Evict);

    /// <inheritdoc />
    public ValueTask<ReceiveResult> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var now = _time.GetUtcNow();
            var delivered = new List<QueueMessage>(Math.Min(maxMessages, 16));
            var options = q.Info.Options;
            var dlq = DeadLetterQueueOf(q);

            if (q.Info.Options.Fifo)
            {
                // Only a group's head (lowest sequence) can go, and only when visible; its group's following visible
                // messages then fill the response in order. Dead-lettering a head makes the next one the head: look again.
                bool movedAny;
                do
                {
                    movedAny = false;
                    foreach (var head in q.GroupHeads().Where(h => h.VisibleAt <= now).OrderBy(h => h.Sequence).ToList())
                    {
                        if (delivered.Count >= maxMessages)
                        {
                            break;
                        }

                        if (DeadLetteredOnReceive(q, dlq, head, now))
                        {
                            movedAny = true;
                            continue;
                        }

                        delivered.Add(Lease(q, head, now, visibilityTimeout));
                        foreach (var follower in q.GroupAfter(head).ToList())
                        {
                            if (delivered.Count >= maxMessages || follower.VisibleAt > now || (dlq is not null && QueueRules.ReceivesUsedUp(options, follower.ReceiveCount)))
                            {
                                break; // not deliverable now: the rest of the group waits behind it
                            }

                            delivered.Add(Lease(q, follower, now, visibilityTimeout));
                        }
                    }
                }
                while (movedAny && delivered.Count < maxMessages);
            }
            else
            {
                for (var priority = OutgoingMessage.MaxPriority; priority >= 0 && delivered.Count < maxMessages; priority--)
                {
                    if (visibilityTimeout <= TimeSpan.Zero)
                    {
                        // A zero lease leaves a message visible: choose before leasing, so no message is leased twice in one call.
                        foreach (var m in q.ByVisibility(priority, now, visible: true).Take(maxMessages - delivered.Count).ToList())
                        {
                            if (!DeadLetteredOnReceive(q, dlq, m, now))
                            {
                                delivered.Add(Lease(q, m, now, visibilityTimeout));
                            }
                        }

                        continue;
                    }

                    while (delivered.Count < maxMessages && q.FirstVisible(priority, now) is { } m)
                    {
                        if (!DeadLetteredOnReceive(q, dlq, m, now))
                        {
                            delivered.Add(Lease(q, m, now, visibilityTimeout));
                        }
                    }
                }
            }

            DateTimeOffset? next = delivered.Count == 0 ? q.NextVisibleAfter(now) : null;
            return ValueTask.FromResult(new ReceiveResult(delivered, next));
        }
    }

    /// <summary>Leases a message for <paramref name="visibilityTimeout"/> and returns its delivery.</summary>
    private QueueMessage Lease(QueueState q, Message m, DateTimeOffset now, TimeSpan visibilityTimeout)
    {
        q.Unindex(m);
        m.ReceiveCount++;
        NextGeneration(m);
        m.FirstReceivedAt ??= now;
        m.Leased = true;
        m.LeasedAt = now;
        m.VisibleAt = now + visibilityTimeout;
        q.Index(m);
        return View(m, now, ReceiptHandle.Issue(q.Info, m.Sequence, m.Generation));
    }

    /// <summary>Moves a message a receive found to the dead-letter queue instead of delivering it, when its receives are used up.</summary>
    private bool DeadLetteredOnReceive(QueueState q, QueueState? dlq, Message m, DateTimeOffset now)
    {
        if (dlq is not null && QueueRules.ReceivesUsedUp(q.Info.Options, m.ReceiveCount))
        {
            MoveToDeadLetter(q, dlq, m, DeadLetterInfo.MaxReceiveCountReason, now);
            return true;
        }

        return false;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BatchItemResult>> AckAsync(string queue, IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var now = _time.GetUtcNow();
            var results = new BatchItemResult[receiptHandles.Count];
            for (var i = 0; i < receiptHandles.Count; i++)
            {
                try
                {
                    var m = Leased(q, receiptHandles[i], requireInFlight: false, now);
                    q.Remove(m);
                    results[i] = BatchItemResult.Ok;
                }
                catch (SluiceException ex)
                {
                    results[i] = BatchItemResult.From(ex);
                }
            }

            return ValueTask.FromResult<IReadOnlyList<BatchItemResult>>(results);
        }
    }

    /// <inheritdoc />
    public ValueTask NackAsync(string queue, string receiptHandle, TimeSpan delay, string? lastError, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var now = _time.GetUtcNow();
            var m = Leased(q, receiptHandle, requireInFlight: true, now);
            m.LastError = lastError ?? m.LastError;
            if (QueueRules.ReceivesUsedUp(q.Info.Options, m.ReceiveCount) && DeadLetterQueueOf(q) is { } dlq)
            {
                MoveToDeadLetter(q, dlq, m, DeadLetterInfo.MaxReceiveCountReason, now);
            }
            else
            {
                q.Unindex(m);
                m.Leased = false;
                m.VisibleAt = now + delay;
                q.Index(m);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <inheritdoc />
    public ValueTask DeadLetterAsync(string queue, string receiptHandle, string? lastError, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var dlq = DeadLetterQueueOf(q) ?? throw StoreErrors.NoDeadLetterQueue(queue);
            var now = _time.GetUtcNow();
            var m = Leased(q, receiptHandle, requireInFlight: false, now);
            m.LastError = lastError ?? m.LastError;
            MoveToDeadLetter(q, dlq, m, DeadLetterInfo.RejectedReason, now);
            return ValueTask.CompletedTask;
        }
    }

    /// <inheritdoc />
    public ValueTask<DateTimeOffset> ExtendLeaseAsync(string queue, string receiptHandle, TimeSpan visibilityTimeout, bool restart = false, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var now = _time.GetUtcNow();
            var m = Leased(q, receiptHandle, requireInFlight: true, now);
            if (restart)
            {
                m.LeasedAt = now;
            }
            else
            {
                LeaseLimit.Check(m.LeasedAt, now, visibilityTimeout);
            }

            q.Unindex(m);
            m.VisibleAt = now + visibilityTimeout;
            m.Leased = visibilityTimeout > TimeSpan.Zero;
            q.Index(m);
            return ValueTask.FromResult(m.VisibleAt);
        }
    }

    /// <inheritdoc />
    public ValueTask<long> PurgeAsync(string queue, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            long count = q.Messages.Count;
            q.Clear();
            return ValueTask.FromResult(count);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var now = _time.GetUtcNow();
            // Visible messages first, then the others; each by priority (highest first), visibility time and sequence.
            var list = new List<QueueMessage>(Math.Min(maxMessages, 64));
            foreach (var visible in (ReadOnlySpan<bool>)[true, false])
            {
                for (var priority = OutgoingMessage.MaxPriority; priority >= 0 && list.Count < maxMessages; priority--)
                {
                    foreach (var m in q.ByVisibility(priority, now, visible))
                    {
                        if (list.Count == maxMessages)
                        {
                            break;
                        }

                        list.Add(View(m, now, null));
                    }
                }
            }

            return ValueTask.FromResult<IReadOnlyList<QueueMessage>>(list);
        }
    }

    /// <inheritdoc />
    public ValueTask<QueueCounts> GetCountsAsync(string queue, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            // From the indexes: only the messages not visible now are walked (leased or delayed); the rest are ready.
            var q = Queue(queue);
            var now = _time.GetUtcNow();
            long inFlight = 0, delayed = 0;
            for (var priority = 0; priority <= OutgoingMessage.MaxPriority; priority++)
            {
                foreach (var m in q.ByVisibility(priority, now, visible: false))
                {
                    if (m.Leased)
                    {
                        inFlight++;
                    }
                    else
                    {
                        delayed++;
                    }
                }
            }

            var deadLettered = DeadLetterQueueOf(q)?.DeadLettersFrom(queue) ?? 0;
            var ready = q.Messages.Count - inFlight - delayed;
            return ValueTask.FromResult(new QueueCounts(ready, inFlight, delayed, q.Bytes, deadLettered, q.OldestEntered?.EnqueuedAt));
        }
    }

    /// <inheritdoc />
    public ValueTask<RedriveStep> RedriveAsync(string deadLetterQueue, string? destination, int maxMessages, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var dlq = Queue(deadLetterQueue);
            var fixedTarget = destination is null ? null : Queue(destination);
            var now = _time.GetUtcNow();
            // The step's moves are chosen first (in sequence order, counting what each destination takes), then made:
            // the dead-letter queue is walked only as far as the step goes, and never copied.
            var moves = new List<(Message Message, QueueState Target)>(Math.Min(maxMessages, 64));
            Dictionary<QueueState, (long Count, long Bytes)>? taken = null;
            QueueState? full = null;
            foreach (var m in dlq.Messages.Values)
            {
                if (moves.Count == maxMessages)
                {
                    break;
                }

                var target = fixedTarget ?? (m.DeadLetter?.SourceQueue is { } source && _queues.TryGetValue(source, out var s) ? s : null);
                if (target is null || target == dlq || StateOf(m, now) == MessageState.InFlight)
                {
                    continue; // no source to go back to, or a dead-letter consumer holds it
                }

                var (count, bytes) = taken?.GetValueOrDefault(target) ?? default;
                if (!QueueRules.Fits(target.Info.Options, target.Messages.Count + count + 1, target.Bytes + bytes + m.Body.Length))
                {
                    full = target;
                    continue;
                }

                (taken ??= [])[target] = (count + 1, bytes + m.Body.Length);
                moves.Add((m, target));
            }

            foreach (var (m, target) in moves)
            {
                Move(dlq, target, m, keepDeadLetterInfo: false, now);
            }

            var moved = moves.Count;

            return ValueTask.FromResult(QueueRules.EndRedriveStep(moved, dlq.Messages.Count, full?.Info.Name));
        }
    }

    /// <inheritdoc />
    public ValueTask<long> SweepAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var now = _time.GetUtcNow();
            long deleted = 0;
            foreach (var q in _queues.Values)
            {
                var cutoff = now - q.Info.Options.RetentionPeriod;
                while (q.OldestEntered is { } m && m.EnqueuedAt <= cutoff)
                {
                    q.Remove(m);
                    deleted++;
                }

                foreach (var key in q.Dedup.Where(d => d.Value.ExpiresAt <= now).Select(d => d.Key).ToList())
                {
                    q.Dedup.Remove(key);
                }
            }

            return ValueTask.FromResult(deleted);
        }
    }

    private QueueState Queue(string name)
    {
        ThrowIfDisposed();
        return _queues.TryGetValue(name, out var q) ? q : throw StoreErrors.QueueNotFound(name);
    }

    /// <summary>
    /// The lowest fencing token the next lease or move may take (0: none). The log store raises it at every open above
    /// every token handed out before, including tokens of receives whose records a crash took away, so that no token is
    /// ever issued twice (tokens are reserved in blocks: see docs/design/log-store.md). Part of the state the log
    /// replays (set by a record), not of the snapshot: the log store keeps it in its checkpoint header.
    /// </summary>
    internal int GenerationFloor
    {
        get { lock (_lock) { return _generationFloor; } }
        set { lock (_lock) { _generationFloor = value; } }
    }

    /// <summary>The highest fencing token issued since the store was built or restored (restored with <see cref="GenerationFloor"/>).</summary>
    internal int MaxGeneration
    {
        get { lock (_lock) { return _maxGeneration; } }
        set { lock (_lock) { _maxGeneration = value; } }
    }

    /// <summary>Takes the message's next fencing token: + 1, and at least <see cref="GenerationFloor"/>.</summary>
    private void NextGeneration(Message m)
    {
        m.Generation = Math.Max(m.Generation + 1, _generationFloor);
        if (m.Generation > _maxGeneration)
        {
            _maxGeneration = m.Generation;
        }
    }

    private QueueState? DeadLetterQueueOf(QueueState q) =>
        q.Info.Options.DeadLetterQueue is { } name && _queues.TryGetValue(name, out var dlq) ? dlq : null;

    private void MoveToDeadLetter(QueueState source, QueueState dlq, Message m, string reason, DateTimeOffset now)
    {
        source.Remove(m);
        m.DeadLetter = new DeadLetterInfo(source.Info.Name, reason, m.ReceiveCount, m.LastError, now);
        m.ReceiveCount = 0;
        NextGeneration(m);
        m.Leased = false;
        m.VisibleAt = now;
        m.EnqueuedAt = now;
        dlq.Add(m);
    }

    private static Message Leased(QueueState q, string text, bool requireInFlight, DateTimeOffset now)
    {
        var handle = ReceiptHandle.Parse(text, q.Info);
        var m = q.Messages.GetValueOrDefault(handle.Sequence);
        QueueRules.CheckHandle(q.Info, text, handle, m is null ? null : new LeaseState(m.Generation, m.Leased, m.VisibleAt), requireInFlight, now);
        return m!;
    }

    private static MessageState StateOf(Message m, DateTimeOffset now) =>
        m.VisibleAt <= now ? MessageState.Ready : m.Leased ? MessageState.InFlight : MessageState.Delayed;

    /// <summary>A message as a call returns it: its body read, or (<see cref="StateMachineHooks.DeferBodyReads"/>) left for the caller to read.</summary>
    private QueueMessage View(Message m, DateTimeOffset now, string? receiptHandle) => new()
    {
        MessageId = m.Id,
        Body = _hooks.DeferBodyReads ? ReadOnlyMemory<byte>.Empty : m.Body.Read(),
        StoredBody = _hooks.DeferBodyReads ? m.Body : null,
        Attributes = m.Attributes,
        Priority = m.Priority,
        SentAt = m.SentAt,
        ReceiveCount = m.ReceiveCount,
        FirstReceivedAt = m.FirstReceivedAt,
        VisibleAt = m.VisibleAt,
        State = StateOf(m, now),
        ReceiptHandle = receiptHandle,
        DeduplicationId = m.DeduplicationId,
        MessageGroupId = m.MessageGroupId,
        SequenceNumber = m.Sequence,
        DeadLetter = m.DeadLetter,
        LastError = m.LastError,
    };

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw StoreErrors.Closed();
        }
    }

    private sealed class Message
    {
        public long Sequence { get; set; }

        public required Guid Id { get; init; }

        /// <summary>The body as stored (byte limits count its <see cref="StoredBody.Length"/>; read only into results).</summary>
        public required StoredBody Body { get; init; }

        public required IReadOnlyDictionary<string, MessageAttributeValue> Attributes { get; init; }

        public int Priority { get; init; }

        public DateTimeOffset VisibleAt { get; set; }

        public DateTimeOffset SentAt { get; init; }

        public DateTimeOffset EnqueuedAt { get; set; }

        public int ReceiveCount { get; set; }

        /// <summary>The fencing token: + 1 at every receive and every move between queues, never reset.</summary>
        public int Generation { get; set; }

        public DateTimeOffset? FirstReceivedAt { get; set; }

        public bool Leased { get; set; }

        /// <summary>When the current lease's receive happened (the 12-hour limit counts from it).</summary>
        public DateTimeOffset? LeasedAt { get; set; }

        public string? DeduplicationId { get; init; }

        public string? MessageGroupId { get; init; }

        public string? LastError { get; set; }

        public DeadLetterInfo? DeadLetter { get; set; }

        /// <summary>The queue's entry list (<see cref="QueueState.OldestEntered"/>): the message that entered before this one.</summary>
        public Message? EnteredBefore { get; set; }

        /// <summary>The message that entered after this one.</summary>
        public Message? EnteredAfter { get; set; }
    }

    /// <summary>
    /// One queue. Invariant: every message is in <see cref="Messages"/> and, under its current visibility time, in its
    /// priority's delivery index; <see cref="Bytes"/> is the sum of their body lengths. A message's priority, visibility
    /// time and sequence change only while it is out of the index (<see cref="Unindex"/>, change, <see cref="Index"/>).
    /// </summary>
    private sealed class QueueState(QueueInfo info)
    {
        /// <summary>Per priority, every message (ready, delayed and leased) by visibility time, then sequence.</summary>
        private readonly SortedSet<Message>?[] _byVisibility = new SortedSet<Message>?[OutgoingMessage.MaxPriority + 1];

        /// <summary>Sequence numbers of each message group's messages (FIFO order).</summary>
        private readonly Dictionary<string, SortedSet<long>> _groups = new(StringComparer.Ordinal);

        /// <summary>Messages held here that dead-lettered from each source queue (this queue as a dead-letter queue).</summary>
        private readonly Dictionary<string, long> _deadLettersBySource = new(StringComparer.Ordinal);

        private Func<string, PublishResult?>? _findStored;
        private DateTimeOffset _findStoredNow;
        private Message? _newestEntered;

        public QueueInfo Info { get; set; } = info;

        public SortedDictionary<long, Message> Messages { get; } = [];

        public Dictionary<string, (Guid MessageId, long Sequence, DateTimeOffset ExpiresAt)> Dedup { get; } = new(StringComparer.Ordinal);

        public long Bytes { get; private set; }

        /// <summary>
        /// The first message of the entry list: every message, ordered by the time it entered this queue
        /// (<see cref="Message.EnqueuedAt"/>), then by the order it was added; null when the queue is empty.
        /// </summary>
        public Message? OldestEntered { get; private set; }

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

        public void Add(Message m)
        {
            Messages.Add(m.Sequence, m);
            Index(m);
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
            Messages.Clear();
            foreach (var set in _byVisibility)
            {
                set?.Clear();
            }

            _groups.Clear();
            _deadLettersBySource.Clear();
            for (var m = OldestEntered; m is not null;)
            {
                var next = m.EnteredAfter;
                m.EnteredBefore = m.EnteredAfter = null;
                m = next;
            }

            OldestEntered = _newestEntered = null;
            Bytes = 0;
        }

        /// <summary>Links a message into the entry list: at the end, unless the clock went back (then after the last message that entered no later).</summary>
        private void Enter(Message m)
        {
            var before = _newestEntered;
            while (before is not null && before.EnqueuedAt > m.EnqueuedAt)
            {
                before = before.EnteredBefore;
            }

            var after = before is null ? OldestEntered : before.EnteredAfter;
            m.EnteredBefore = before;
            m.EnteredAfter = after;
            if (before is null)
            {
                OldestEntered = m;
            }
            else
            {
                before.EnteredAfter = m;
            }

            if (after is null)
            {
                _newestEntered = m;
            }
            else
            {
                after.EnteredBefore = m;
            }
        }

        private void Leave(Message m)
        {
            if (m.EnteredBefore is null)
            {
                OldestEntered = m.EnteredAfter;
            }
            else
            {
                m.EnteredBefore.EnteredAfter = m.EnteredAfter;
            }

            if (m.EnteredAfter is null)
            {
                _newestEntered = m.EnteredBefore;
            }
            else
            {
                m.EnteredAfter.EnteredBefore = m.EnteredBefore;
            }

            m.EnteredBefore = m.EnteredAfter = null;
        }

        /// <summary>Puts a message into the delivery index under its current visibility time.</summary>
        public void Index(Message m) => (_byVisibility[m.Priority] ??= new SortedSet<Message>(VisibilityOrder.Instance)).Add(m);

        /// <summary>Takes a message out of the delivery index (before its visibility time changes).</summary>
        public void Unindex(Message m) => _byVisibility[m.Priority]!.Remove(m);

        /// <summary>The first message of every message group.</summary>
        public IEnumerable<Message> GroupHeads() => _groups.Values.Select(set => Messages[set.Min]);

        /// <summary>The messages of <paramref name="head"/>'s group after it, in order.</summary>
        public IEnumerable<Message> GroupAfter(Message head) =>
            head.MessageGroupId is { } g && _groups.TryGetValue(g, out var set)
                ? set.GetViewBetween(head.Sequence + 1, long.MaxValue).Select(seq => Messages[seq])
                : [];

        /// <summary>The visible message of <paramref name="priority"/> that goes first (earliest visible, then lowest sequence), or null; O(log n).</summary>
        public Message? FirstVisible(int priority, DateTimeOffset now) =>
            _byVisibility[priority] is { Count: > 0 } set && set.Min is { } first && first.VisibleAt <= now ? first : null;

        /// <summary>When the next message that is not visible at <paramref name="now"/> becomes visible, or null.</summary>
        public DateTimeOffset? NextVisibleAfter(DateTimeOffset now)
        {
            DateTimeOffset? best = null;
            foreach (var set in _byVisibility)
            {
                if (FirstAfter(set, now) is { } m && (best is null || m.VisibleAt < best))
                {
                    best = m.VisibleAt;
                }
            }

            return best;
        }

        /// <summary>The messages of <paramref name="priority"/> that are (or are not) visible at <paramref name="now"/>, in delivery order.</summary>
        public IEnumerable<Message> ByVisibility(int priority, DateTimeOffset now, bool visible)
        {
            var set = _byVisibility[priority];
            if (set is not { Count: > 0 })
            {
                yield break;
            }

            if (!visible)
            {
                if (FirstAfter(set, now) is { } first)
                {
                    foreach (var m in set.GetViewBetween(first, set.Max!))
                    {
                        yield return m;
                    }
                }

                yield break;
            }

            foreach (var m in set)
            {
                if (m.VisibleAt > now)
                {
                    yield break;
                }

                yield return m;
            }
        }

        /// <summary>The first message of <paramref name="set"/> not visible at <paramref name="now"/>; O(log n).</summary>
        private static Message? FirstAfter(SortedSet<Message>? set, DateTimeOffset now)
        {
            if (set is not { Count: > 0 } || set.Max!.VisibleAt <= now)
            {
                return null;
            }

            if (set.Min!.VisibleAt > now)
            {
                return set.Min;
            }

            // A probe just after every message visible at now: the view's minimum is the first one after it.
            var probe = new Message { Id = Guid.Empty, Body = NoBody, Attributes = NoAttributes, VisibleAt = now.AddTicks(1), Sequence = long.MinValue };
            return set.GetViewBetween(probe, set.Max).Min;
        }
    }

    /// <summary>The delivery index's order: visibility time, then sequence.</summary>
    private sealed class VisibilityOrder : IComparer<Message>
    {
        public static readonly VisibilityOrder Instance = new();

        public int Compare(Message? x, Message? y)
        {
            var order = x!.VisibleAt.UtcTicks.CompareTo(y!.VisibleAt.UtcTicks);
            return order != 0 ? order : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
