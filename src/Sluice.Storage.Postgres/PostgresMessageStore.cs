using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

/// <summary>
/// The store for several server nodes on one PostgreSQL database: every operation is one transaction on a pooled
/// connection, and nothing but a cache of immutable queue descriptions is kept in memory, so any number of stores
/// (nodes) can serve the same queues at once.
/// </summary>
/// <remarks>
/// <para>Receives lease messages with <c>SELECT ... FOR UPDATE SKIP LOCKED</c> and an update of the lease columns (a
/// message is deleted only by its ack), so concurrent receivers on any node never take the same message and a node
/// that dies loses nothing: its leases end and the messages are delivered again. Times come from the store's
/// <see cref="TimeProvider"/> (stored as unix milliseconds), never from the database's clock, so every node must keep
/// its clock in sync (NTP), as leases across nodes depend on it.</para>
/// <para>A conflict the database resolves by aborting one transaction (a deadlock, two nodes claiming one
/// deduplication id) runs the operation again (<see cref="PostgresStoreOptions.MaxConflictRetries"/>); a lost or
/// refused connection is <see cref="ErrorCodes.Unavailable"/> (transient). Cancelling a call stops it; a call
/// cancelled while its commit was on the way may still have taken effect.</para>
/// <para>Implements queues, topics, streams, key-value records and the change feed (<see cref="IChangeFeed"/>, over
/// <c>LISTEN/NOTIFY</c>: a publish on one node wakes long polls on every node); docs/design/postgres-store.md says
/// what is still to come.</para>
/// </remarks>
public sealed partial class PostgresMessageStore : IQueueStore
{
    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Disposed = 2;

    private readonly PostgresStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresChangeFeed _feed;

    // One QueueInfo instance per (queue row, stored options text): receipt handles hash a queue's identity once per
    // instance, and a queue read on every operation should not be hashed on every operation.
    private readonly ConcurrentDictionary<long, (string OptionsText, QueueInfo Info)> _infos = new();
    private int _state;

    /// <summary>Creates the store; <see cref="InitializeAsync"/> connects and migrates the schema.</summary>
    /// <param name="options">The connection string and schema.</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>. Must be the broker's clock.</param>
    /// <param name="logger">Where the change feed's lost connections are logged; default none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The connection string is empty or not a valid Npgsql connection string, or <see cref="PostgresStoreOptions.Schema"/> is not 1 to 63 characters from a-z 0-9 _ starting with a letter or _.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="PostgresStoreOptions.MaxConflictRetries"/> is not 0 to 100.</exception>
    public PostgresMessageStore(PostgresStoreOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString, "options.ConnectionString");
        if (options.Schema is null || !SchemaName().IsMatch(options.Schema))
        {
            throw new ArgumentException(
                $"schema '{options.Schema}' is invalid: use 1 to 63 characters from a-z 0-9 _, starting with a letter or _", "options.Schema");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxConflictRetries, "options.MaxConflictRetries");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxConflictRetries, 100, "options.MaxConflictRetries");
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        NpgsqlConnectionStringBuilder connection;
        try
        {
            connection = new NpgsqlConnectionStringBuilder(options.ConnectionString) { SearchPath = options.Schema };
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"the connection string is invalid: {ex.Message}", "options.ConnectionString", ex);
        }

        _dataSource = new NpgsqlDataSourceBuilder(connection.ConnectionString).Build();
        _feed = new PostgresChangeFeed(_dataSource, connection.ConnectionString, options.Schema, _time, logger ?? NullLogger.Instance);
    }

    /// <summary>Connects, creates the schema and its tables when missing and migrates them to this version. Idempotent.</summary>
    /// <remarks>Several nodes may start at once: the migration runs under a transaction-scoped advisory lock, so one migrates and the others find it done.</remarks>
    /// <exception cref="SluiceException">
    /// <see cref="ErrorCodes.Unavailable"/>: transient when the database cannot be reached; not transient when the
    /// store was disposed or the schema was written by a newer Sluice.
    /// </exception>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        var state = Volatile.Read(ref _state);
        if (state == Disposed)
        {
            throw StoreErrors.Closed();
        }

        if (state == Running)
        {
            return;
        }

        await MigrateAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.CompareExchange(ref _state, Running, NotStarted);
    }

    /// <summary>Closes the change feed's connection and the connection pool. Later calls fail with <see cref="ErrorCodes.Unavailable"/> (transient); calls under way end with their connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, Disposed) == Disposed)
        {
            return;
        }

        await _feed.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="body"/> in one transaction and commits it: again from the start, in a new transaction,
    /// when it lost a conflict; failures of the database classified into Sluice errors.
    /// </summary>
    private async ValueTask<T> RunAsync<T>(Func<NpgsqlConnection, long, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        ThrowIfNotRunning();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        var result = await body(connection, Now(), cancellationToken).ConfigureAwait(false);
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                        return result;
                    }
                }
            }
            catch (Exception ex) when (PostgresErrors.IsConflict(ex))
            {
                if (attempt >= _options.MaxConflictRetries)
                {
                    throw PostgresErrors.TooManyConflicts(ex);
                }
            }
            catch (ObjectDisposedException) when (Volatile.Read(ref _state) == Disposed)
            {
                throw StoreErrors.Closed();
            }
            catch (Exception ex) when (ex is not OperationCanceledException && PostgresErrors.Classify(ex) is { } error)
            {
                throw error;
            }
        }
    }

    private void ThrowIfNotRunning()
    {
        var state = Volatile.Read(ref _state);
        if (state != Running)
        {
            throw state == NotStarted
                ? new InvalidOperationException("the PostgreSQL store is not initialized: call InitializeAsync first (a Broker does it in StartAsync; AddSluice starts the broker with the host)")
                : StoreErrors.Closed();
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// A command with positional parameters <c>$1</c>, <c>$2</c>, ... bound to <paramref name="values"/> in order
    /// (<see langword="null"/> is SQL NULL). An array of a reference type passed alone (<c>byte[][]</c>, <c>string[]</c>)
    /// would be taken as the parameter list itself: cast it to <see cref="object"/>.
    /// </summary>
    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params ReadOnlySpan<object?> values)
    {
#pragma warning disable CA2100 // Every caller passes constant SQL text; values go through parameters.
        var cmd = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        foreach (var v in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        }

        return cmd;
    }

    /// <summary>A batch command (of an <see cref="NpgsqlBatch"/>) with positional parameters, as <see cref="Command"/>.</summary>
    private static NpgsqlBatchCommand BatchCommand(string sql, params ReadOnlySpan<object?> values)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (var v in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        }

        return cmd;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        var cmd = Command(connection, sql, values);
        await using (cmd.ConfigureAwait(false))
        {
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        var cmd = Command(connection, sql, values);
        await using (cmd.ConfigureAwait(false))
        {
            var value = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is DBNull ? null : value;
        }
    }

    /// <summary>Reads every row of a query with <paramref name="read"/>.</summary>
    private static async Task<List<TRow>> QueryAsync<TRow>(NpgsqlConnection connection, string sql, Func<DbDataReader, TRow> read,
        CancellationToken cancellationToken, params object?[] values)
    {
        var cmd = Command(connection, sql, values);
        await using (cmd.ConfigureAwait(false))
        {
            var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<TRow>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(read(reader));
                }

                return rows;
            }
        }
    }

    /// <summary>The queue row's <see cref="QueueInfo"/>: the cached instance while the stored options text is unchanged.</summary>
    private QueueRow ToQueue(long id, string name, string optionsText, long createdAt)
    {
        if (_infos.TryGetValue(id, out var cached) && cached.OptionsText == optionsText && cached.Info.Name == name)
        {
            return new QueueRow(id, cached.Info);
        }

        var options = JsonSerializer.Deserialize(optionsText, StoreJsonContext.Default.QueueOptions)
            ?? throw new SluiceException(ErrorCodes.Internal, $"queue '{name}' has no stored options: the database is damaged");
        var info = new QueueInfo(name, options, Time.FromMs(createdAt));
        _infos[id] = (optionsText, info);
        return new QueueRow(id, info);
    }

    private static string OptionsText(QueueOptions options) => JsonSerializer.Serialize(options, StoreJsonContext.Default.QueueOptions);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
