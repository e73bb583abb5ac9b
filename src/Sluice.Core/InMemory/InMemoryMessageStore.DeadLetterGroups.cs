using Sluice.Storage;

namespace Sluice.InMemory;

public sealed partial class InMemoryMessageStore
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<QueueMessage>> ScanAsync(string queue, long afterSequence, int maxMessages, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var now = _time.GetUtcNow();
            var page = new List<QueueMessage>(Math.Min(maxMessages, 256));
            foreach (var (_, m) in q.Messages.After(afterSequence))
            {
                if (page.Count == maxMessages)
                {
                    break;
                }

                page.Add(View(m, now, null));
            }

            return ValueTask.FromResult<IReadOnlyList<QueueMessage>>(page);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageSetOutcome>> DeleteMessagesAsync(string queue, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var now = _time.GetUtcNow();
            var outcomes = new MessageSetOutcome[sequences.Count];
            for (var i = 0; i < sequences.Count; i++)
            {
                outcomes[i] = Available(q, sequences[i], now, out var m);
                if (outcomes[i] == MessageSetOutcome.Done)
                {
                    q.Remove(m!);
                }
            }

            return ValueTask.FromResult<IReadOnlyList<MessageSetOutcome>>(outcomes);
        }
    }

    /// <summary>Removes messages whether leased or not (a store dropping messages whose bodies are lost); returns how many were there.</summary>
    internal int DropMessages(string queue, IReadOnlyList<long> sequences)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var dropped = 0;
            foreach (var sequence in sequences)
            {
                if (q.Messages.TryGetValue(sequence, out var m))
                {
                    q.Remove(m);
                    dropped++;
                }
            }

            return dropped;
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageSetOutcome>> MoveMessagesAsync(string queue, IReadOnlyList<long> sequences, string? destination, bool keepDeadLetterInfo, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var q = Queue(queue);
            var fixedTarget = destination is null ? null : Queue(destination);
            var now = _time.GetUtcNow();
            var outcomes = new MessageSetOutcome[sequences.Count];
            for (var i = 0; i < sequences.Count; i++)
            {
                outcomes[i] = Available(q, sequences[i], now, out var m);
                if (outcomes[i] != MessageSetOutcome.Done)
                {
                    continue;
                }

                var target = fixedTarget ?? (m!.DeadLetter?.SourceQueue is { } source && _queues.TryGetValue(source, out var s) ? s : null);
                if (target is null || target == q || !QueueRules.Fits(target.Info.Options, target.Messages.Count + 1, target.Bytes + m!.Body.Length))
                {
                    outcomes[i] = MessageSetOutcome.Unmovable;
                    continue;
                }

                Move(q, target, m, keepDeadLetterInfo, now);
            }

            return ValueTask.FromResult<IReadOnlyList<MessageSetOutcome>>(outcomes);
        }
    }

    /// <summary>Whether the message <paramref name="sequence"/> of a queue can be deleted or moved: it is there and not leased.</summary>
    private static MessageSetOutcome Available(QueueState q, long sequence, DateTimeOffset now, out Message? m) =>
        !q.Messages.TryGetValue(sequence, out m) ? MessageSetOutcome.Missing
        : StateOf(m, now) == MessageState.InFlight ? MessageSetOutcome.Leased
        : MessageSetOutcome.Done;

    /// <summary>
    /// Moves a message to another queue: ready now, receive count 0, a new lease generation, entered now; its
    /// dead-letter information and last error kept only when <paramref name="keepDeadLetterInfo"/> is set.
    /// </summary>
    private void Move(QueueState from, QueueState to, Message m, bool keepDeadLetterInfo, DateTimeOffset now)
    {
        from.Remove(m);
        if (!keepDeadLetterInfo)
        {
            m.DeadLetter = null;
            m.LastError = null;
        }

        m.ReceiveCount = 0;
        NextGeneration(m);
        m.Leased = false;
        m.VisibleAt = now;
        m.EnqueuedAt = now;
        to.Add(m, now);
    }
}
