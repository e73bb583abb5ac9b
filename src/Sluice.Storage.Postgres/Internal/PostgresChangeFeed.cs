using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Sluice.Storage.Postgres.Internal;

/// <summary>
/// The PostgreSQL store's change feed: <c>LISTEN/NOTIFY</c> on one channel per schema. A change is delivered to this
/// node's subscribers at once (<see cref="LocalChangeFeed"/>, synchronous) and queued for the other nodes: a sender
/// task takes everything queued since its last round (a burst to one queue becomes one change with the summed count),
/// packs it into payloads under PostgreSQL's 8,000-byte limit and sends them with <c>pg_notify</c> in one statement,
/// after the changes' own commits. A listener task holds one dedicated connection that <c>LISTEN</c>s; a notification
/// from another node is delivered to this node's subscribers, one from this node is skipped (already delivered).
/// When the listener's connection is lost it reconnects with backoff, and once it listens again wakes every waiter of
/// the node (<see cref="StoreChangeKind.Missed"/>): notifications sent meanwhile were lost.
/// </summary>
/// <remarks>
/// Payload (UTF-8 text): <c>1 &lt;origin&gt;</c>, then one line per change: <c>&lt;kind&gt; &lt;count&gt; &lt;name&gt;</c>
/// (the name last: it may hold spaces; names never hold control characters, so not a line feed). A payload of an
/// unknown version wakes every waiter (safe for a node of a newer version).
/// </remarks>
internal sealed class PostgresChangeFeed : IAsyncDisposable
{
    /// <summary>Most bytes of one payload: PostgreSQL refuses 8,000 or more.</summary>
    internal const int MaxPayloadBytes = 7_900;

    private const string Version = "1";

    private readonly LocalChangeFeed _local = new();
    private readonly NpgsqlDataSource _sender;
    private readonly NpgsqlDataSource _listener;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _doorbell = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Dictionary<(StoreChangeKind Kind, string Name), long> _pending = [];
    private Dictionary<(StoreChangeKind Kind, string Name), long> _sending = [];
    private bool _ringing;
    private Task? _senderTask;
    private Task? _listenerTask;
    private int _disposed;

    /// <param name="sender">The store's pooled data source (notifications are sent on its connections).</param>
    /// <param name="connectionString">The store's connection string (the listener's own connection is built from it, outside the pool).</param>
    /// <param name="schema">The store's schema: one channel per schema.</param>
    /// <param name="time">The clock of the reconnect backoff.</param>
    /// <param name="logger">Where lost connections are logged.</param>
    public PostgresChangeFeed(NpgsqlDataSource sender, string connectionString, string schema, TimeProvider time, ILogger logger)
    {
        _sender = sender;
        _time = time;
        _logger = logger;
        Channel = ChannelOf(schema);
        var listener = new NpgsqlConnectionStringBuilder(connectionString)
        {
            // A connection of its own for as long as the store lives: a pooled one would be reset (UNLISTEN) on return.
            Pooling = false,
            ApplicationName = ListenerApplicationName,
            KeepAlive = 15,
        };
        _listener = new NpgsqlDataSourceBuilder(listener.ConnectionString).Build();
    }

    /// <summary>The application name of listener connections (<c>pg_stat_activity.application_name</c>).</summary>
    public const string ListenerApplicationName = "sluice-change-feed";

    /// <summary>This node's id in payloads: random per store object.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The channel: <c>sluice_changes_&lt;schema&gt;</c>, or a hash of the schema when that is over 63 bytes.</summary>
    public string Channel { get; }

    /// <summary>The channel of <paramref name="schema"/> (a valid schema name: a-z 0-9 _).</summary>
    internal static string ChannelOf(string schema)
    {
        var channel = "sluice_changes_" + schema;
        return channel.Length <= 63 ? channel
            : "sluice_changes_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schema)))[..40];
    }

    /// <summary>Delivers to this node's subscribers, then queues for the others (no I/O here).</summary>
    public void Publish(in StoreChange change)
    {
        _local.PublishChange(change);
        if (change.Kind == StoreChangeKind.Missed || Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        bool ring;
        lock (_lock)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_pending, (change.Kind, change.Name), out _);
            count += change.Count;
            ring = !_ringing;
            _ringing = true;
        }

        if (ring)
        {
            EnsureStarted(ref _senderTask, SendLoopAsync);
            _doorbell.Release();
        }
    }

    /// <summary>Subscribes; completes once this node listens; fails when its first connection fails (for good: the feed does not try again).</summary>
    public async ValueTask<IDisposable> SubscribeAsync(IChangeSubscriber subscriber, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var subscription = _local.Subscribe(subscriber);
        try
        {
            EnsureStarted(ref _listenerTask, ListenLoopAsync);
            await _listening.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
    }

    private void EnsureStarted(ref Task? task, Func<Task> loop)
    {
        if (Volatile.Read(ref task) is not null)
        {
            return;
        }

        lock (_lock)
        {
            // Checked under the lock: DisposeAsync sets it, then collects the tasks under the lock.
            if (Volatile.Read(ref _disposed) == 0)
            {
                task ??= Task.Run(loop, CancellationToken.None);
            }
        }
    }

    private async Task ListenLoopAsync()
    {
        var token = _stopping.Token;
        var failures = 0;
        var listenedBefore = false;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var connection = await _listener.OpenConnectionAsync(token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += OnNotification;
                    var listen = new NpgsqlCommand($"LISTEN \"{Channel}\"", connection);
                    await using (listen.ConfigureAwait(false))
                    {
                        await listen.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                    }

                    failures = 0;
                    if (listenedBefore)
                    {
                        // Notifications sent while this node did not listen are lost: every waiter looks again.
                        PostgresStoreLog.FeedListening(_logger, Channel);
                        _local.PublishChange(StoreChange.Missed);
                    }

                    listenedBefore = true;
                    _listening.TrySetResult();
                    while (true)
                    {
                        await connection.WaitAsync(token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (!listenedBefore)
            {
                // The first connection failed (the store had just connected to migrate): the subscription fails, as a
                // broker's start does when its store cannot be opened, rather than waiting without end.
                _listening.TrySetException(PostgresErrors.Classify(ex) ?? PostgresErrors.Unreachable(ex));
                return;
            }
            catch (Exception ex)
            {
                PostgresStoreLog.FeedConnectionLost(_logger, ex, Channel, failures);
                try
                {
                    await Task.Delay(Backoff(failures++), _time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The wait before reconnect attempt <paramref name="failures"/> + 1: none for the first, then 100 ms doubling to 5 s.</summary>
    internal static TimeSpan Backoff(int failures) =>
        failures == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * (1L << Math.Min(failures - 1, 10))));

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel != Channel)
        {
            return;
        }

        foreach (var change in Parse(e.Payload, Origin))
        {
            _local.PublishChange(change);
        }
    }

    /// <summary>The changes of a payload; none when it is this node's own (<paramref name="self"/>); a single <see cref="StoreChangeKind.Missed"/> when it cannot be read.</summary>
    internal static List<StoreChange> Parse(string payload, string self)
    {
        var lines = payload.Split('\n');
        var head = lines[0].Split(' ', 2);
        if (head.Length != 2 || head[0] != Version)
        {
            return [StoreChange.Missed];
        }

        if (head[1] == self)
        {
            return [];
        }

        var changes = new List<StoreChange>(lines.Length - 1);
        foreach (var line in lines.AsSpan(1))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length != 3 || !byte.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kind)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return [StoreChange.Missed];
            }

            changes.Add(new StoreChange((StoreChangeKind)kind, parts[2], count));
        }

        return changes;
    }

    /// <summary>Packs changes into payloads of at most <see cref="MaxPayloadBytes"/> UTF-8 bytes each; counts above <see cref="int.MaxValue"/> are capped.</summary>
    internal static List<string> Pack(string origin, IEnumerable<KeyValuePair<(StoreChangeKind Kind, string Name), long>> changes)
    {
        var payloads = new List<string>();
        var head = Version + " " + origin;
        var payload = new StringBuilder(head);
        var bytes = Encoding.UTF8.GetByteCount(head);
        foreach (var ((kind, name), count) in changes)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"\n{(byte)kind} {Math.Min(count, int.MaxValue)} {name}");
            var lineBytes = Encoding.UTF8.GetByteCount(line);
            if (bytes + lineBytes > MaxPayloadBytes && payload.Length > head.Length)
            {
                payloads.Add(payload.ToString());
                payload.Clear().Append(head);
                bytes = Encoding.UTF8.GetByteCount(head);
            }

            payload.Append(line);
            bytes += lineBytes;
        }

        if (payload.Length > head.Length)
        {
            payloads.Add(payload.ToString());
        }

        return payloads;
    }

    private async Task SendLoopAsync()
    {
        var token = _stopping.Token;
        var failures = 0;
        while (true)
        {
            try
            {
                await _doorbell.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_lock)
            {
                (_pending, _sending) = (_sending, _pending);
                _ringing = false;
            }

            try
            {
                var payloads = Pack(Origin, _sending);
                var connection = await _sender.OpenConnectionAsync(token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var notify = new NpgsqlCommand("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", connection);
                    await using (notify.ConfigureAwait(false))
                    {
                        notify.Parameters.Add(new NpgsqlParameter { Value = Channel });
                        notify.Parameters.Add(new NpgsqlParameter { Value = payloads.ToArray() });
                        await notify.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                    }
                }

                _sending.Clear();
                failures = 0;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Kept for the next round (merged with what came meanwhile), after a backoff.
                PostgresStoreLog.FeedSendFailed(_logger, ex, Channel, _sending.Count);
                bool ring;
                lock (_lock)
                {
                    foreach (var (key, count) in _sending)
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(_pending, key, out _) += count;
                    }

                    ring = !_ringing;
                    _ringing = true;
                }

                _sending.Clear();
                try
                {
                    await Task.Delay(Backoff(++failures), _time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (ring)
                {
                    _doorbell.Release();
                }
            }
        }
    }

    /// <summary>Stops both tasks and closes the listener's connection. Changes not sent yet are dropped (their waiters on other nodes wait out their timeouts).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Task?[] tasks;
        lock (_lock)
        {
            tasks = [_senderTask, _listenerTask];
        }

        foreach (var task in tasks)
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _listening.TrySetException(new ObjectDisposedException(nameof(PostgresMessageStore)));
        await _listener.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();

        // _doorbell stays undisposed: a change announced while the store closes may still ring it (it holds no handle).
    }
}
