using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sluice.Storage.Log.Files;

namespace Sluice.Storage.Log.Tests.PowerLoss;

/// <summary>A power-loss check found the store breaking a promise; the message says what, with the seed and where.</summary>
internal sealed class PowerLossViolation(string message) : Exception(message);

/// <summary>
/// A seeded random workload through <see cref="LogMessageStore"/> on a fault-injecting file system, with simulated
/// power losses at random points and a model of what was confirmed (a call whose task completed). Each life of the
/// store runs batches of concurrent calls until the power goes (at a random file operation: inside a group commit,
/// a checkpoint, compaction or recovery, or between batches); the store is then reopened on what survived and checked
/// against the model:
/// <list type="bullet">
/// <item>every confirmed publish is present, unless a confirmed ack, dead-letter or purge removed it;</item>
/// <item>no confirmed ack is undone (an acked or purged message never comes back, in a check or a receive);</item>
/// <item>receive counts are at least the confirmed receives (and at most those plus the receives the crash cut);</item>
/// <item>fencing tokens never repeat: every receive's handle attempt is above every attempt confirmed before it, and a
/// handle confirmed before a crash is stale once its message has been received again;</item>
/// <item>streams keep every confirmed entry, the group never delivers an entry twice as new, and a confirmed XACK
/// stays acknowledged (confirmed deliveries not acked stay pending).</item>
/// </list>
/// </summary>
internal sealed class PowerLossWorkload
{
    public const string Std = "std";
    public const string Dlq = "std-dlq";
    public const string Fifo = "jobs.fifo";
    public const string FanA = "fan-a";
    public const string FanB = "fan-b";
    public const string Topic = "fan";
    public const string Stream = "events";
    public const string Group = "g";
    public const int MaxReceiveCount = 3;

    private static readonly string[] ReceiveQueues = [Std, Fifo, FanA, FanB];
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly int _seed;
    private readonly Random _random;
    private readonly Func<IStorageFileSystem> _disk;
    private readonly Action<Random> _crashDisk;
    private readonly string _directory;
    private readonly Func<IStorageFileSystem, LogStoreOptions> _options;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly Dictionary<string, ModelMessage> _messages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelEntry> _entries = new(StringComparer.Ordinal);
    private readonly List<(ModelMessage Message, string Queue, string Handle)> _staleProbes = [];

    // Keys of messages gone for sure in an earlier life, and stream values acknowledged and forgotten: a check must
    // never find them again (pending, for stream entries).
    private readonly HashSet<string> _gone = new(StringComparer.Ordinal);
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);
    private StreamEntryId _maxDelivered;
    private long _nextBody;
    private int _life;
    private int _batch;
    private string _crashPoint = "";

    /// <param name="seed">The run's seed (printed; replay it with SLUICE_POWERLOSS_SEED).</param>
    /// <param name="disk">The fault-injecting file system as the next process sees it (a power loss gives a new view of the disk).</param>
    /// <param name="crashDisk">Simulates a power loss on the disk (drop unsynced writes, tear the last).</param>
    /// <param name="directory">The store's directory on <paramref name="disk"/>.</param>
    /// <param name="options">The store's options over a given file system.</param>
    public PowerLossWorkload(int seed, Func<IStorageFileSystem> disk, Action<Random> crashDisk, string directory, Func<IStorageFileSystem, LogStoreOptions> options)
    {
        _seed = seed;
        _random = new Random(seed);
        _disk = disk;
        _crashDisk = crashDisk;
        _directory = directory;
        _options = options;
    }

    /// <summary>Power losses so far.</summary>
    public int CrashPoints { get; private set; }

    /// <summary>Crashes that landed during recovery.</summary>
    public int RecoveryCrashes { get; private set; }

    /// <summary>Messages and stream entries the model tracks now (what the store holds, roughly).</summary>
    public (int Messages, int Entries) Tracked => (_messages.Count, _entries.Count);

    /// <summary>Calls confirmed so far.</summary>
    public long ConfirmedCalls { get; private set; }

    /// <summary>Power losses by where they landed: "segment" (a segment file's operation), "other file" (checkpoints and the rest), "between operations".</summary>
    public SortedDictionary<string, int> CutsByPlace { get; } = new(StringComparer.Ordinal);

    /// <summary>Calls a crash cut (outcome unknown).</summary>
    public long CutCalls { get; private set; }

    /// <summary>Runs until <paramref name="crashPoints"/> power losses were checked; throws <see cref="PowerLossViolation"/> at the first broken promise.</summary>
    public async Task RunAsync(int crashPoints)
    {
        var (store, power) = await OpenAsync();
        await SetUpAsync(store);
        while (CrashPoints < crashPoints)
        {
            _life++;
            _batch = 0;
            ArmCrash(power);
            if (_random.Next(3) == 0)
            {
                // A checkpoint and compaction right after recovery (and the check), before any new call: of the state
                // the checkpoint and the log replay rebuilt, with the power armed so that it may go in the middle.
                await MaintainAsync(store, power);
            }

            while (!power.IsOff)
            {
                _batch++;
                await RunBatchAsync(store, power);
                _time.Advance(TimeSpan.FromMilliseconds(_random.Next(0, 8_000)));
            }

            Tally(power);
            await AbandonAsync(store);
            (store, power) = await OpenAsync();
            await CheckAsync(store);
        }

        await store.DisposeAsync();
    }

    private async Task MaintainAsync(LogMessageStore store, PowerSwitch power)
    {
        try
        {
            await store.CheckpointAndCompactAsync().WaitAsync(CallTimeout);
        }
        catch (TimeoutException)
        {
            Fail("a checkpoint and compaction right after recovery hangs");
        }
        catch (Exception e) when (power.IsOff && e is IOException or SluiceException or ObjectDisposedException)
        {
            // The power went during it: the next open must cope with its half-done work.
        }
    }

    private string Where => $"seed {_seed} (SLUICE_POWERLOSS_SEED={_seed}), life {_life}, batch {_batch}, crash {_crashPoint}";

    private void Fail(string what) => throw new PowerLossViolation($"{what}\n  at {Where}");

    private void ArmCrash(PowerSwitch power)
    {
        // Mostly in the middle of the store's file operations (group commits, checkpoints, compaction), sometimes
        // between two batches of calls.
        if (_random.Next(5) > 0)
        {
            var after = _random.Next(0, 60);
            power.ArmAfter(after);
            _crashPoint = $"armed for mutating file operation +{after} of life {_life}";
        }
        else
        {
            _crashPoint = "between batches";
        }
    }

    private async Task<(LogMessageStore Store, PowerSwitch Power)> OpenAsync()
    {
        while (true)
        {
            var power = new PowerSwitch(_disk(), () => _crashDisk(_random));
            var recoveryCrash = _life > 0 && _random.Next(8) == 0;
            if (recoveryCrash)
            {
                power.ArmAfter(_random.Next(0, 6));
            }

            var store = new LogMessageStore(_options(power), _time);
            try
            {
                await store.InitializeAsync().AsTask().WaitAsync(CallTimeout);
                power.ArmAfter(-1);
                if (power.IsOff)
                {
                    // The power went after the open returned, in work the open left running in the background (a
                    // checkpoint or compaction): the process is gone, so this is a crash during recovery, and what this
                    // store would answer now (reads fail, unreadable bodies are left out) is not what the disk holds.
                    RecoveryCrashes++;
                    Tally(power);
                    await AbandonAsync(store);
                    continue;
                }

                return (store, power);
            }
            catch (Exception e) when (power.IsOff)
            {
                // The power went again during recovery: recovery must cope with its own half-done work.
                _ = e;
                RecoveryCrashes++;
                Tally(power);
                await AbandonAsync(store);
            }
            catch (Exception e)
            {
                Fail($"the store does not open after a power loss: {e}");
                throw;
            }
        }
    }

    private void Tally(PowerSwitch power)
    {
        CrashPoints++;
        var during = power.CutDuring ?? "between operations";
        _crashPoint = $"{_crashPoint}: during {during}";
        var place = during.StartsWith("between", StringComparison.Ordinal) ? "between operations"
            : during.Contains("segments", StringComparison.Ordinal) ? "segment"
            : "other file";
        CutsByPlace[place] = CutsByPlace.GetValueOrDefault(place) + 1;
    }

    private async Task AbandonAsync(LogMessageStore store)
    {
        // The process is gone: its file operations fail from now on. Disposing must not hang.
        try
        {
            await store.DisposeAsync().AsTask().WaitAsync(CallTimeout);
        }
        catch (TimeoutException)
        {
            Fail("disposing a store whose file system lost power hangs");
        }
        catch (Exception e) when (e is IOException or SluiceException or AggregateException or ObjectDisposedException)
        {
            // Expected: the power is off.
        }
    }

    private async Task SetUpAsync(LogMessageStore store)
    {
        await store.CreateQueueAsync(Dlq, new QueueOptions());
        await store.CreateQueueAsync(Std, new QueueOptions { MaxReceiveCount = MaxReceiveCount, DeadLetterQueue = Dlq });
        await store.CreateQueueAsync(Fifo, new QueueOptions { Fifo = true });
        await store.CreateQueueAsync(FanA, new QueueOptions());
        await store.CreateQueueAsync(FanB, new QueueOptions());
        await store.CreateTopicAsync(Topic);
        await store.SubscribeAsync(Topic, FanA, new SubscriptionOptions());
        await store.SubscribeAsync(Topic, FanB, new SubscriptionOptions());
        await store.CreateGroupAsync(Stream, Group, new StreamGroupOptions { MakeStream = true, LastDeliveredId = StreamEntryId.MinValue });
    }

    // ----- one batch of concurrent calls -----

    private sealed class Call
    {
        public required string Name { get; init; }

        /// <summary>0: publishes, 1: receives, 2: calls on held handles (the order confirmed effects are applied in).</summary>
        public int Order { get; init; }

        /// <summary>Makes the call; returns the model update of a confirmed call.</summary>
        public required Func<Task<Action>> Run { get; init; }

        /// <summary>The model update when the crash cut the call (outcome unknown).</summary>
        public required Action Cut { get; init; }
    }

    /// <summary>What the calls of one batch do to a queue; calls that would race on one message are not put in one batch.</summary>
    [Flags]
    private enum Use
    {
        None = 0,
        Publish = 1,
        Receive = 2,
        Handles = 4,
    }

    /// <summary>The queue uses of the batch being planned; a purge is alone among the queue calls of its batch.</summary>
    private sealed class BatchPlan
    {
        public Dictionary<string, Use> Uses { get; } = new(StringComparer.Ordinal);

        public HashSet<ModelMessage> Messages { get; } = [];

        public HashSet<ModelEntry> Entries { get; } = [];

        public bool Purge { get; set; }

        public bool Claim(string queue, Use use)
        {
            if (Purge)
            {
                return false;
            }

            var current = Uses.GetValueOrDefault(queue);
            var allowed = use switch
            {
                Use.Publish => true,
                Use.Receive => (current & (Use.Receive | Use.Handles)) == 0,
                _ => (current & Use.Receive) == 0,
            };
            if (allowed)
            {
                Uses[queue] = current | use;
            }

            return allowed;
        }

        public bool ClaimPurge()
        {
            if (Purge || Uses.Keys.Any(k => !k.StartsWith("stream:", StringComparison.Ordinal)))
            {
                return false;
            }

            Purge = true;
            return true;
        }
    }

    private async Task RunBatchAsync(LogMessageStore store, PowerSwitch power)
    {
        var plan = new BatchPlan();
        var calls = new List<Call>();
        var size = _random.Next(1, 7);
        for (var attempt = 0; calls.Count < size && attempt < size * 4; attempt++)
        {
            if (Plan(store, plan) is { } call)
            {
                calls.Add(call);
            }
        }

        if (_random.Next(40) == 0)
        {
            // The power goes between two batches, with the previous batch's calls all answered.
            power.CutNow();
            return;
        }

        // Issue every call before awaiting any, so that group commit puts several records in one fsync. A call that
        // completes after the power went is not confirmed: the process died, its answer never left (and what it
        // answered may differ from what it would have, since its reads fail after the cut).
        var tasks = calls.Select(c => Observe(c.Run(), power)).ToArray();
        var outcomes = new (Call Call, Action? Apply)[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            try
            {
                var apply = await tasks[i].WaitAsync(CallTimeout);
                outcomes[i] = (calls[i], apply);
                if (apply is null)
                {
                    CutCalls++;
                }
                else
                {
                    ConfirmedCalls++;
                }
            }
            catch (TimeoutException)
            {
                Fail($"{calls[i].Name} did not complete within {CallTimeout.TotalSeconds} s (power off: {power.IsOff})");
            }
            catch (PowerLossViolation)
            {
                throw;
            }
            catch (Exception e) when (power.IsOff)
            {
                _ = e;
                outcomes[i] = (calls[i], null);
                CutCalls++;
            }
            catch (Exception e)
            {
                Fail($"{calls[i].Name} failed with the power on: {e}");
            }
        }

        foreach (var (call, apply) in outcomes.OrderBy(o => o.Call.Order))
        {
            if (apply is null)
            {
                call.Cut();
            }
            else
            {
                apply();
            }
        }
    }

    private static async Task<Action?> Observe(Task<Action> call, PowerSwitch power)
    {
        var apply = await call.ConfigureAwait(false);
        return power.IsOff ? null : apply;
    }

    private Call? Plan(LogMessageStore store, BatchPlan plan)
    {
        if (_staleProbes.Count > 0 && _random.Next(3) == 0)
        {
            var probe = _staleProbes[^1];
            if (!plan.Messages.Contains(probe.Message) && plan.Claim(probe.Queue, Use.Handles))
            {
                _staleProbes.RemoveAt(_staleProbes.Count - 1);
                plan.Messages.Add(probe.Message);
                return StaleProbe(store, probe.Message, probe.Queue, probe.Handle);
            }
        }

        var roll = _random.Next(1000);
        switch (roll)
        {
            case < 150:
                {
                    var queue = _random.Next(3) == 0 ? Fifo : Std;
                    return plan.Claim(queue, Use.Publish) ? Publish(store, queue, _random.Next(5) == 0 ? _random.Next(2, 6) : 1) : null;
                }

            case < 180:
                return plan.Claim(FanA, Use.Publish) && plan.Claim(FanB, Use.Publish) ? TopicPublish(store, _random.Next(1, 4)) : null;

            case < 400:
                {
                    var queue = ReceiveQueues[_random.Next(ReceiveQueues.Length)];
                    return plan.Claim(queue, Use.Receive) ? Receive(store, queue) : null;
                }

            case < 820:
                {
                    var held = _messages.Values.Where(m => m.Held is not null && !m.Gone && !plan.Messages.Contains(m)).ToList();
                    if (held.Count == 0)
                    {
                        return null;
                    }

                    var message = held[_random.Next(held.Count)];
                    var queue = message.Origin;
                    if (!plan.Claim(queue, Use.Handles))
                    {
                        return null;
                    }

                    plan.Messages.Add(message);
                    var kind = _random.Next(100);
                    if (kind < 72)
                    {
                        // An ack of up to three held messages of one queue in one call.
                        var more = held.Where(m => m != message && m.Origin == queue).Take(_random.Next(0, 3)).ToList();
                        plan.Messages.UnionWith(more);
                        return Ack(store, queue, [message, .. more]);
                    }

                    return kind switch
                    {
                        < 84 => Nack(store, message),
                        < 94 => Extend(store, message),
                        _ when queue == Std => DeadLetter(store, message),
                        _ => Extend(store, message),
                    };
                }

            case < 835:
                // Purge the fullest queue: with the acks, it keeps the store (and the run) from growing.
                return plan.ClaimPurge() ? Purge(store, Fullest()) : null;

            case < 900:
                return Append(store);

            case < 935:
                return plan.Claim("stream:" + Stream, Use.Receive) ? ReadGroup(store) : null;

            case < 970:
                return plan.Claim("stream:" + Stream, Use.Handles) ? StreamAck(store, plan) : null;

            default:
                // Alone among the group calls of its batch: it trims what the group acknowledged before the batch.
                return plan.Claim("stream:" + Stream, Use.Receive) ? StreamTrim(store) : null;
        }
    }

    private string Fullest() =>
        new[] { Std, Dlq, Fifo, FanA, FanB }.MaxBy(q => _messages.Values.Count(m => !m.Gone && m.MayBeIn(q, Dlq)))!;

    private string NextBody(string prefix) => $"{prefix}-{++_nextBody}";

    private ModelMessage Track(string queue, string body)
    {
        var message = new ModelMessage { Origin = queue, Body = body };
        _messages.Add(message.Key, message);
        return message;
    }

    private Call Publish(LogMessageStore store, string queue, int count)
    {
        var bodies = Enumerable.Range(0, count).Select(_ => NextBody(queue == Fifo ? "f" : "m")).ToArray();
        var messages = bodies.Select(b => new OutgoingMessage(Encoding.UTF8.GetBytes(b))
        {
            Priority = queue == Fifo ? 0 : _random.Next(3),
            MessageGroupId = queue == Fifo ? "g" + _random.Next(3) : null,
            DeduplicationId = queue == Fifo ? b : null,
        }).ToArray();
        var tracked = bodies.Select(b => Track(queue, b)).ToArray();
        return new Call
        {
            Name = $"publish {count} to {queue} ({bodies[0]}..)",
            Order = 0,
            Run = async () =>
            {
                var results = await store.PublishAsync(queue, messages);
                return () =>
                {
                    if (results.Count != count || results.Any(r => r.Duplicate))
                    {
                        Fail($"publish of {count} to {queue} returned {results.Count} results (duplicates: {results.Count(r => r.Duplicate)})");
                    }

                    foreach (var m in tracked)
                    {
                        m.Confirmed = true;
                    }
                };
            },
            Cut = () => { },
        };
    }

    private Call TopicPublish(LogMessageStore store, int count)
    {
        var bodies = Enumerable.Range(0, count).Select(_ => NextBody("t")).ToArray();
        var messages = bodies.Select(b => new TopicMessage(new OutgoingMessage(Encoding.UTF8.GetBytes(b)))).ToArray();
        var tracked = bodies.SelectMany(b => new[] { Track(FanA, b), Track(FanB, b) }).ToArray();
        return new Call
        {
            Name = $"topic publish {count} ({bodies[0]}..)",
            Order = 0,
            Run = async () =>
            {
                var outcome = await store.PublishToTopicAsync(Topic, messages);
                return () =>
                {
                    if (outcome.Messages.Count != count || outcome.Messages.Any(m => m.Queues != 2))
                    {
                        Fail($"topic publish of {count} reached {string.Join(",", outcome.Messages.Select(m => m.Queues))} queues, not 2 each");
                    }

                    foreach (var m in tracked)
                    {
                        m.Confirmed = true;
                    }
                };
            },
            Cut = () => { },
        };
    }

    private Call Receive(LogMessageStore store, string queue)
    {
        var max = _random.Next(1, 11);
        var visibility = TimeSpan.FromSeconds(_random.Next(3, 40));
        return new Call
        {
            Name = $"receive {max} from {queue}",
            Order = 1,
            Run = async () =>
            {
                var result = await store.ReceiveAsync(queue, max, visibility);
                return () => OnReceived(queue, result.Messages, _time.GetUtcNow() + visibility);
            },
            Cut = () =>
            {
                foreach (var m in _messages.Values.Where(m => !m.Gone && m.MayBeIn(queue, Dlq)))
                {
                    m.MaybeReceives++;
                    if (queue == Std && m.Receives + m.MaybeReceives >= MaxReceiveCount)
                    {
                        m.MaybeDeadLettered = true;
                    }
                }
            },
        };
    }

    private void OnReceived(string queue, IReadOnlyList<QueueMessage> received, DateTimeOffset leaseEnd)
    {
        foreach (var q in received)
        {
            var body = Encoding.UTF8.GetString(q.Body.Span);
            if (!_messages.TryGetValue(queue + "/" + body, out var m))
            {
                Fail($"receive from {queue} returned '{body}', which was never published there");
                return;
            }

            if (m.Gone)
            {
                Fail($"receive from {queue} returned {m}, which was acknowledged or purged (a confirmed removal undone)");
            }

            var handle = ReceiptHandle.Parse(q.ReceiptHandle);
            if (handle.Attempt <= m.MaxAttempt)
            {
                Fail($"receive from {queue} issued fencing token {handle.Attempt} for {m}: not above {m.MaxAttempt}, confirmed earlier (a token issued twice)");
            }

            if (q.ReceiveCount < m.Receives + 1 || q.ReceiveCount > m.Receives + m.MaybeReceives + 1)
            {
                Fail($"receive from {queue} returned {m} with receive count {q.ReceiveCount}, expected {m.Receives + 1}..{m.Receives + m.MaybeReceives + 1}");
            }

            // A receive answers before its record is durable (a lease may be lost in a crash: docs/design/log-store.md),
            // so it confirms neither the message's publish nor its receive count; its fencing token it does confirm.
            m.LooseReceives += q.ReceiveCount - m.Receives;
            m.Receives = q.ReceiveCount;
            m.MaybeReceives = 0;
            m.MaxAttempt = handle.Attempt;
            m.Held = q.ReceiptHandle;
            m.LeaseEnd = leaseEnd;
            if (m.OldHandle is { } old)
            {
                _staleProbes.Add((m, queue, old));
                m.OldHandle = null;
            }
        }

        if (queue == Std)
        {
            // A receive moves candidates that reached the max receive count to the dead-letter queue instead of
            // delivering them; which ones it met is not reported.
            foreach (var m in _messages.Values.Where(m => m.Origin == Std && !m.Gone && !m.DeadLettered && m.Receives >= MaxReceiveCount))
            {
                m.MaybeDeadLettered = true;
            }
        }
    }

    /// <summary>A FIFO queue refuses a handle whose lease ended as stale (the group was unlocked).</summary>
    private bool ExpiredOnFifo(ModelMessage m, string? refusal) =>
        refusal == ErrorCodes.ReceiptHandleStale && m.Origin == Fifo && _time.GetUtcNow() >= m.LeaseEnd;

    /// <summary>A refusal is expected for a held handle only when the message may have moved or gone meanwhile.</summary>
    private bool MayHaveLeft(ModelMessage m) => m.MaybeDeadLettered || m.MaybeGone;

    private void OnLeft(ModelMessage m)
    {
        // The held handle was refused because the message moved to the dead-letter queue or was removed.
        m.Held = null;
        if (m.MaybeDeadLettered && !m.MaybeGone)
        {
            m.DeadLettered = true;
        }
    }

    private Call Ack(LogMessageStore store, string queue, IReadOnlyList<ModelMessage> messages)
    {
        var handles = messages.Select(m => m.Held!).ToArray();
        return new Call
        {
            Name = $"ack {string.Join(", ", messages.Select(m => m.Key))}",
            Order = 2,
            Run = async () =>
            {
                var results = await store.AckAsync(queue, handles);
                return () =>
                {
                    for (var i = 0; i < messages.Count; i++)
                    {
                        var m = messages[i];
                        if (results[i].ErrorCode is null)
                        {
                            m.Gone = true;
                            m.Held = null;
                        }
                        else if (MayHaveLeft(m) && results[i].ErrorCode == ErrorCodes.MessageNotFound)
                        {
                            OnLeft(m);
                        }
                        else if (ExpiredOnFifo(m, results[i].ErrorCode))
                        {
                            m.Held = null;
                        }
                        else
                        {
                            Fail($"ack of {m} with its latest handle was refused: {results[i].ErrorCode} {results[i].ErrorMessage}");
                        }
                    }
                };
            },
            Cut = () =>
            {
                foreach (var m in messages)
                {
                    m.MaybeGone = true;
                    m.Held = null;
                }
            },
        };
    }

    private Call Nack(LogMessageStore store, ModelMessage m)
    {
        var handle = m.Held!;
        var delay = TimeSpan.FromSeconds(_random.Next(0, 20));
        return new Call
        {
            Name = $"nack {m.Key} delay {delay.TotalSeconds} s",
            Order = 2,
            Run = async () =>
            {
                string? refused = null;
                try
                {
                    await store.NackAsync(m.Origin, handle, delay, "power-loss test");
                }
                catch (SluiceException e) when (e.ErrorCode is ErrorCodes.MessageNotFound or ErrorCodes.ReceiptHandleStale or ErrorCodes.MessageNotInFlight)
                {
                    refused = e.ErrorCode;
                }

                return () =>
                {
                    if (refused is null)
                    {
                        m.Held = null;
                        if (m.Origin == Std && m.Receives >= MaxReceiveCount)
                        {
                            m.DeadLettered = true;
                        }
                    }
                    else if (refused == ErrorCodes.MessageNotInFlight || ExpiredOnFifo(m, refused) || (MayHaveLeft(m) && refused == ErrorCodes.MessageNotFound))
                    {
                        // Its lease ended (time moved on): nack refuses a message that is not in flight.
                        if (refused == ErrorCodes.MessageNotFound)
                        {
                            OnLeft(m);
                        }
                    }
                    else
                    {
                        Fail($"nack of {m} with its latest handle was refused: {refused}");
                    }
                };
            },
            Cut = () =>
            {
                m.Held = null;
                if (m.Origin == Std && m.Receives >= MaxReceiveCount)
                {
                    m.MaybeDeadLettered = true;
                }
            },
        };
    }

    private Call Extend(LogMessageStore store, ModelMessage m)
    {
        var handle = m.Held!;
        var visibility = TimeSpan.FromSeconds(_random.Next(1, 40));
        return new Call
        {
            Name = $"extend {m.Key} by {visibility.TotalSeconds} s",
            Order = 2,
            Run = async () =>
            {
                string? refused = null;
                try
                {
                    await store.ExtendLeaseAsync(m.Origin, handle, visibility);
                }
                catch (SluiceException e) when (e.ErrorCode is ErrorCodes.MessageNotFound or ErrorCodes.ReceiptHandleStale or ErrorCodes.MessageNotInFlight)
                {
                    refused = e.ErrorCode;
                }

                return () =>
                {
                    if (refused is null)
                    {
                        m.LeaseEnd = _time.GetUtcNow() + visibility;
                    }
                    else if (refused == ErrorCodes.MessageNotFound && MayHaveLeft(m))
                    {
                        OnLeft(m);
                    }
                    else if (refused is not ErrorCodes.MessageNotInFlight && !ExpiredOnFifo(m, refused))
                    {
                        Fail($"extend of {m} with its latest handle was refused: {refused}");
                    }
                };
            },
            Cut = () => { },
        };
    }

    private Call DeadLetter(LogMessageStore store, ModelMessage m)
    {
        var handle = m.Held!;
        return new Call
        {
            Name = $"dead-letter {m.Key}",
            Order = 2,
            Run = async () =>
            {
                string? refused = null;
                try
                {
                    await store.DeadLetterAsync(m.Origin, handle, "power-loss test");
                }
                catch (SluiceException e) when (e.ErrorCode is ErrorCodes.MessageNotFound or ErrorCodes.ReceiptHandleStale)
                {
                    refused = e.ErrorCode;
                }

                return () =>
                {
                    if (refused is null)
                    {
                        m.DeadLettered = true;
                        m.Held = null;
                    }
                    else if (MayHaveLeft(m) && refused == ErrorCodes.MessageNotFound)
                    {
                        OnLeft(m);
                    }
                    else
                    {
                        Fail($"dead-letter of {m} with its latest handle was refused: {refused}");
                    }
                };
            },
            Cut = () =>
            {
                m.MaybeDeadLettered = true;
                m.Held = null;
            },
        };
    }

    private Call StaleProbe(LogMessageStore store, ModelMessage m, string queue, string handle) => new()
    {
        Name = $"ack {m.Key} with the handle confirmed before the crash",
        Order = 2,
        Run = async () =>
        {
            var results = await store.AckAsync(queue, [handle]);
            return () =>
            {
                if (results[0].ErrorCode is null)
                {
                    Fail($"ack of {m} with a handle confirmed before a crash succeeded after the message was received again: the fencing token was issued twice");
                }
            };
        },
        Cut = () => { },
    };

    private Call Purge(LogMessageStore store, string queue)
    {
        return new Call
        {
            Name = $"purge {queue}",
            Order = 2,
            Run = async () =>
            {
                await store.PurgeAsync(queue);
                return () =>
                {
                    foreach (var m in _messages.Values.Where(m => !m.Gone && m.MayBeIn(queue, Dlq)))
                    {
                        var only = queue == Dlq ? m.DeadLettered : m.Origin == queue && !m.DeadLettered && !m.MaybeDeadLettered;
                        if (only)
                        {
                            m.Gone = true;
                            m.Held = null;
                        }
                        else
                        {
                            m.MaybeGone = true;
                        }
                    }
                };
            },
            Cut = () =>
            {
                foreach (var m in _messages.Values.Where(m => !m.Gone && m.MayBeIn(queue, Dlq)))
                {
                    m.MaybeGone = true;
                }
            },
        };
    }

    private Call Append(LogMessageStore store)
    {
        var value = NextBody("e");
        var entry = new ModelEntry { Value = value };
        _entries.Add(value, entry);
        return new Call
        {
            Name = $"append {value}",
            Order = 0,
            Run = async () =>
            {
                var id = await store.AppendAsync(Stream, [StreamField.FromText("v", value)], new StreamAppendOptions());
                return () =>
                {
                    entry.Id = id;
                    entry.Confirmed = true;
                };
            },
            Cut = () => { },
        };
    }

    private Call ReadGroup(LogMessageStore store)
    {
        var consumer = "c" + _random.Next(2);
        var count = _random.Next(1, 6);
        return new Call
        {
            Name = $"read group {count} as {consumer}",
            Order = 1,
            Run = async () =>
            {
                var deliveries = await store.ReadGroupAsync(Group, consumer, [StreamPosition.Undelivered(Stream)], count, noAck: false);
                return () =>
                {
                    foreach (var e in deliveries[0].Entries)
                    {
                        var value = Encoding.UTF8.GetString(e.Fields![0].Value.Span);
                        if (!_entries.TryGetValue(value, out var entry))
                        {
                            Fail($"read group returned {e.Id} '{value}', which was never appended");
                            return;
                        }

                        if (entry.Delivered)
                        {
                            Fail($"read group delivered {entry} as new again (the group's last-delivered id went back)");
                        }

                        entry.Id = e.Id;
                        entry.Confirmed = true;
                        entry.Delivered = true;
                        if (e.Id > _maxDelivered)
                        {
                            _maxDelivered = e.Id;
                        }
                    }
                };
            },
            Cut = () => { },
        };
    }

    private Call? StreamAck(LogMessageStore store, BatchPlan plan)
    {
        var pending = _entries.Values.Where(e => e.Delivered && !e.Acked && !e.MaybeAcked && !plan.Entries.Contains(e)).Take(_random.Next(1, 5)).ToList();
        if (pending.Count == 0)
        {
            return null;
        }

        plan.Entries.UnionWith(pending);

        var ids = pending.Select(e => e.Id!.Value).ToArray();
        return new Call
        {
            Name = $"stream ack {string.Join(",", ids)}",
            Order = 2,
            Run = async () =>
            {
                var acked = await store.AckAsync(Stream, Group, ids);
                return () =>
                {
                    if (acked != ids.Length)
                    {
                        Fail($"XACK of {ids.Length} pending entries ({string.Join(", ", pending)}) acknowledged {acked}");
                    }

                    foreach (var e in pending)
                    {
                        e.Acked = true;
                    }
                };
            },
            Cut = () =>
            {
                foreach (var e in pending)
                {
                    e.MaybeAcked = true;
                }
            },
        };
    }

    private Call? StreamTrim(LogMessageStore store)
    {
        // Trim what the group has acknowledged: MINID at the first entry still needed (or past every known one).
        var known = _entries.Values.Where(e => e.Id is not null).ToList();
        if (known.Count == 0)
        {
            return null;
        }

        var needed = known.Where(e => !e.Acked).Select(e => e.Id!.Value).DefaultIfEmpty(Next(known.Max(e => e.Id!.Value))).Min();
        var trimmed = known.Where(e => e.Id!.Value < needed).ToList();
        return new Call
        {
            Name = $"trim to MINID {needed}",
            Order = 2,
            Run = async () =>
            {
                var removed = await store.TrimAsync(Stream, Sluice.StreamTrim.ToMinId(needed));
                return () =>
                {
                    // At least the known entries below it (more when a trim cut by a crash did not survive).
                    if (removed < trimmed.Count)
                    {
                        Fail($"XTRIM MINID {needed} removed {removed} entries, fewer than the {trimmed.Count} known below it");
                    }

                    Forget(trimmed);
                };
            },
            Cut = () => Forget(trimmed),
        };

        static StreamEntryId Next(StreamEntryId id) => id.Sequence == ulong.MaxValue ? new(id.Milliseconds + 1, 0) : new(id.Milliseconds, id.Sequence + 1);
    }

    /// <summary>Stops checking entries for presence (acknowledged and trimmed, or done with); they must never be pending again.</summary>
    private void Forget(IEnumerable<ModelEntry> entries)
    {
        foreach (var e in entries)
        {
            _entries.Remove(e.Value);
            _done.Add(e.Value);
        }
    }

    // ----- the check after each power loss -----

    private async Task CheckAsync(LogMessageStore store)
    {
        var found = new Dictionary<string, (string Queue, QueueMessage Message)>(StringComparer.Ordinal);
        foreach (var queue in new[] { Std, Dlq, Fifo, FanA, FanB })
        {
            var after = 0L;
            while (true)
            {
                var page = await store.ScanAsync(queue, after, 500);
                foreach (var q in page)
                {
                    var body = Encoding.UTF8.GetString(q.Body.Span);
                    var origin = queue == Dlq ? q.DeadLetter?.SourceQueue ?? "?" : queue;
                    if (!found.TryAdd(origin + "/" + body, (queue, q)))
                    {
                        Fail($"'{origin}/{body}' is twice in the store after a power loss (in {queue} and {found[origin + "/" + body].Queue})");
                    }
                }

                if (page.Count < 500)
                {
                    break;
                }

                after = page[^1].SequenceNumber;
            }
        }

        foreach (var (key, (queue, q)) in found)
        {
            if (_gone.Contains(key))
            {
                Fail($"'{key}' is back in {queue} after a power loss: it was acknowledged, dead-lettered away or purged in an earlier life");
            }

            if (!_messages.TryGetValue(key, out var m))
            {
                Fail($"'{key}' is in {queue} after a power loss but was never published");
                return;
            }

            if (m.Gone)
            {
                Fail($"{m} is back in {queue} after a power loss: a confirmed ack, dead-letter or purge was undone");
            }

            if (!m.MayBeIn(queue, Dlq))
            {
                Fail($"{m} is in {queue} after a power loss, where it cannot be");
            }

            if (queue == m.Origin && (q.ReceiveCount < m.Receives - m.LooseReceives || q.ReceiveCount > m.Receives + m.MaybeReceives))
            {
                Fail($"{m} has receive count {q.ReceiveCount} after a power loss, expected {m.Receives - m.LooseReceives}..{m.Receives + m.MaybeReceives} (receives made durable by a later record, up to every receive answered or cut)");
            }
        }

        foreach (var m in _messages.Values.Where(m => m.Confirmed && !m.Gone && !m.MaybeGone))
        {
            if (!found.ContainsKey(m.Key))
            {
                Fail($"{m} is lost after a power loss: its publish was confirmed and no confirmed ack, dead-letter or purge removed it");
            }
        }

        // What survived is now the truth the next life starts from.
        foreach (var m in _messages.Values.Where(m => !m.Gone).ToList())
        {
            if (!found.TryGetValue(m.Key, out var at))
            {
                _messages.Remove(m.Key);
                _gone.Add(m.Key);
                continue;
            }

            m.Confirmed = true;
            m.MaybeGone = false;
            m.DeadLettered = at.Queue == Dlq;
            m.MaybeDeadLettered = false;
            if (at.Queue == m.Origin)
            {
                m.Receives = at.Message.ReceiveCount;
            }

            m.MaybeReceives = 0;
            m.LooseReceives = 0;
            m.OldHandle = m.Held ?? m.OldHandle;
            m.Held = null;
        }

        // Keep gone messages (a later check must not find them) but drop the ones of earlier lives to bound memory:
        // a message gone before the previous check was already checked absent once and its key is never reused.
        foreach (var key in _messages.Where(p => p.Value.Gone).Select(p => p.Key).ToList())
        {
            _messages.Remove(key);
            _gone.Add(key);
        }

        _staleProbes.Clear();
        await CheckStreamAsync(store);
    }

    private async Task CheckStreamAsync(LogMessageStore store)
    {
        var entries = await store.RangeAsync(Stream, StreamEntryId.MinValue, StreamEntryId.MaxValue, null, false);
        var present = new Dictionary<string, StreamEntryId>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            var value = Encoding.UTF8.GetString(e.Fields![0].Value.Span);
            if (!_entries.ContainsKey(value) && !_done.Contains(value))
            {
                Fail($"stream entry {e.Id} '{value}' after a power loss was never appended");
            }

            present[value] = e.Id;
        }

        foreach (var entry in _entries.Values.Where(e => e.Confirmed))
        {
            if (!present.TryGetValue(entry.Value, out var id))
            {
                Fail($"stream entry {entry} is lost after a power loss: its append was confirmed");
            }
            else if (entry.Id is { } known && known != id)
            {
                Fail($"stream entry {entry} has id {id} after a power loss");
            }
        }

        var group = (await store.GetGroupsAsync(Stream)).Single(g => g.Name == Group);
        if (group.LastDeliveredId < _maxDelivered)
        {
            Fail($"the group's last-delivered id is {group.LastDeliveredId} after a power loss, below {_maxDelivered} delivered by a confirmed read");
        }

        var pending = (await store.PendingAsync(Stream, Group, new StreamPendingQuery { Count = 1_000_000 })).Select(p => p.Id).ToHashSet();
        foreach (var entry in _entries.Values.Where(e => e.Delivered))
        {
            var isPending = pending.Contains(entry.Id!.Value);
            if (entry.Acked && isPending)
            {
                Fail($"stream entry {entry} is pending again after a power loss: a confirmed XACK was undone");
            }

            if (!entry.Acked && !entry.MaybeAcked && !isPending)
            {
                Fail($"stream entry {entry} is no longer pending after a power loss, but no XACK of it was sent");
            }
        }

        // Resolve: what is in the stream is confirmed; everything up to the last-delivered id was delivered.
        foreach (var entry in _entries.Values.ToList())
        {
            if (!present.TryGetValue(entry.Value, out var id))
            {
                _entries.Remove(entry.Value);
                continue;
            }

            entry.Id = id;
            entry.Confirmed = true;
            entry.Delivered = id <= group.LastDeliveredId;
            entry.Acked = entry.Delivered && !pending.Contains(id);
            entry.MaybeAcked = false;

        }

        foreach (var value in present.Keys.Where(_done.Contains))
        {
            if (pending.Contains(present[value]))
            {
                Fail($"stream entry '{value}' acknowledged in an earlier life is pending again after a power loss");
            }
        }

        _maxDelivered = group.LastDeliveredId;
    }
}
