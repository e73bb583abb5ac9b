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
            if (_checksTopology)
            {
                QueueRules.CheckDeadLetterQueue(name, options, FindQueueInfo);
            }

            if (_queues.TryGetValue(name, out var existing))
            {
                return ValueTask.FromResult(QueueRules.CreateExisting(existing.Info, options));
            }

            var info = new QueueInfo(name, options, _time.GetUtcNow());
            _queues[name] = new QueueState(info);
            return ValueTask.FromResult(info);
        }
    }

    /// <summary>A queue's description, or <see langword="null"/>; called under the lock.</summary>
    private QueueInfo? FindQueueInfo(string name) => _queues.TryGetValue(name, out var q) ? q.Info : null;

    /// <summary>
    /// The topology checks of a create or update (<paramref name="options"/> given: <see cref="QueueRules.CheckDeadLetterQueue"/>)
    /// or a delete (<see langword="null"/>: <see cref="QueueRules.CheckDeletable"/>) against the current state. A state
    /// machine's owner calls it under its own lock, right before the call it logs.
    /// </summary>
    internal void CheckTopology(string name, QueueOptions? options)
    {
        lock (_lock)
        {
            if (options is not null)
            {
                QueueRules.CheckDeadLetterQueue(name, options, FindQueueInfo);
            }
            else
            {
                QueueRules.CheckDeletable(name, _queues.Values.Where(q => q.Info.Options.DeadLetterQueue == name).Select(q => q.Info.Name));
            }
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
            if (_checksTopology)
            {
                QueueRules.CheckDeadLetterQueue(name, options, FindQueueInfo);
            }

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
            if (_checksTopology)
            {
                CheckTopology(name, null);
            }

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
            q.Add(message, now);
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
        q.Index(m, now);
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
            q.Changing(m);
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
                q.Index(m, now);
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
            q.Changing(m);
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
            q.Changing(m);
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
            q.Index(m, now);
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
        dlq.Add(m, now);
    }

    private static Message Leased(QueueState q, string text, bool requireInFlight, DateTimeOffset now)
    {
        var handle = ReceiptHandle.Parse(text, q.Info);
        var m = q.Messages.GetValueOrDefault(handle.Sequence);
        QueueRules.CheckHandle(q.Info, handle, m is null ? null : new LeaseState(m.Generation, m.Leased, m.VisibleAt), requireInFlight, now);
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
}
