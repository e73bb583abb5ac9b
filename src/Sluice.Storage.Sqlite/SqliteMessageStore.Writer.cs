using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Sluice.Storage.Sqlite.Internal;

namespace Sluice.Storage.Sqlite;

public sealed partial class SqliteMessageStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS queues(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            options TEXT NOT NULL,
            created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS messages(
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            queue_id INTEGER NOT NULL,
            id BLOB NOT NULL,
            body BLOB NOT NULL,
            attributes BLOB,
            priority INTEGER NOT NULL,
            visible_at INTEGER NOT NULL,
            sent_at INTEGER NOT NULL,
            enqueued_at INTEGER NOT NULL,
            receive_count INTEGER NOT NULL,
            first_receive_at INTEGER,
            leased INTEGER NOT NULL,
            dedup_id TEXT,
            last_error TEXT,
            dl_source TEXT,
            dl_reason TEXT,
            dl_attempts INTEGER,
            dl_at INTEGER,
            size INTEGER NOT NULL,
            group_id TEXT,
            lease_gen INTEGER NOT NULL DEFAULT 0,
            leased_at INTEGER,
            body_id INTEGER);
        CREATE INDEX IF NOT EXISTS messages_delivery ON messages(queue_id, priority, visible_at);
        CREATE INDEX IF NOT EXISTS messages_queue ON messages(queue_id);
        CREATE INDEX IF NOT EXISTS messages_enqueued ON messages(queue_id, enqueued_at);
        CREATE INDEX IF NOT EXISTS messages_group ON messages(queue_id, group_id) WHERE group_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS messages_dead_letters ON messages(dl_source, queue_id) WHERE dl_source IS NOT NULL;
        CREATE TABLE IF NOT EXISTS dedup(
            queue_id INTEGER NOT NULL,
            dedup_key TEXT NOT NULL,
            message_id BLOB NOT NULL,
            seq INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY(queue_id, dedup_key)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS dedup_expires ON dedup(expires_at);
        """;

    // Writer-owned state: touched only by the writer thread (and by Open before the writer starts).
    private readonly Dictionary<string, QueueState> _queues = new(StringComparer.Ordinal);
    private readonly List<JournalEntry> _journal = [];
    private readonly List<StoreOperation> _group = [];
    private bool _queuesChanged;
    private SqliteCommand? _begin;
    private SqliteCommand? _commit;
    private SqliteCommand? _rollback;
    private SqliteCommand? _savepoint;
    private SqliteCommand? _release;
    private SqliteCommand? _rollbackTo;

    private SqliteConnection Connection => _connection!;

    private void Open()
    {
        var full = System.IO.Path.GetFullPath(_options.Path);
        if (System.IO.Path.GetDirectoryName(full) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        };
        _connection = new SqliteConnection(builder.ToString());
        _connection.Open();
        var cacheKiB = Math.Max(1, _options.CacheSize / 1024);
        Exec("PRAGMA journal_mode=WAL;");
        Exec(_options.Fsync ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        Exec(string.Create(CultureInfo.InvariantCulture, $"PRAGMA cache_size=-{cacheKiB};"));
        // journal_size_limit: truncate the WAL back to 64 MiB after a checkpoint so a burst does not leave a huge file.
        Exec("PRAGMA temp_store=MEMORY; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=OFF; PRAGMA journal_size_limit=67108864;");
        Exec(Schema);
        Exec(StreamSchema);
        Migrate();
        Exec(TopicSchema);
        Exec(KeyValueSchema);
        _begin = Command("BEGIN IMMEDIATE;");
        _commit = Command("COMMIT;");
        _rollback = Command("ROLLBACK;");
        _savepoint = Command("SAVEPOINT op;");
        _release = Command("RELEASE op;");
        _rollbackTo = Command("ROLLBACK TO op;");
        PrepareMessageCommands();
        LoadState();
    }

    /// <summary>
    /// Brings a database written by an earlier version up to <see cref="Schema"/>: columns added since are added here
    /// (<c>CREATE TABLE IF NOT EXISTS</c> leaves an existing table as it is). Each step is idempotent.
    /// </summary>
    private void Migrate()
    {
        var columns = new HashSet<string>(StringComparer.Ordinal);
        using (var cmd = Command("SELECT name FROM pragma_table_info('messages');"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                columns.Add(r.GetString(0));
            }
        }

        // leased_at: when the current lease's receive happened (the 12-hour lease limit). A row leased before the column
        // existed has no receive time: stamp the upgrade time, so its lease ends at most 12 hours after the upgrade
        // (a NULL would skip the limit, and the lease could be extended forever). One transaction: both or neither.
        if (!columns.Contains("leased_at"))
        {
            Exec(string.Create(CultureInfo.InvariantCulture,
                $"BEGIN IMMEDIATE; ALTER TABLE messages ADD COLUMN leased_at INTEGER; UPDATE messages SET leased_at = {Now()} WHERE leased = 1; COMMIT;"));
        }

        // body_id: a topic copy's shared body (the bodies table, TopicSchema); NULL for a message with its own body,
        // which every row written before topics existed is.
        if (!columns.Contains("body_id"))
        {
            Exec("ALTER TABLE messages ADD COLUMN body_id INTEGER;");
        }
    }

    private void LoadState()
    {
        _queues.Clear();
        using (var cmd = Command("SELECT id, name, options, created_at FROM queues;"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var options = JsonSerializer.Deserialize(r.GetString(2), StoreJsonContext.Default.QueueOptions)
                    ?? throw new SluiceException(ErrorCodes.Internal, $"queue '{r.GetString(1)}' has no stored options: the database is damaged");
                var q = new QueueState(r.GetInt64(0), r.GetString(1), options, Time.FromMs(r.GetInt64(3)));
                _queues.Add(q.Name, q);
            }
        }

        var byId = _queues.Values.ToDictionary(q => q.Id);
        using (var cmd = Command("SELECT queue_id, COUNT(*), COALESCE(SUM(size), 0) FROM messages GROUP BY queue_id;"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                if (byId.TryGetValue(r.GetInt64(0), out var q))
                {
                    q.Count = r.GetInt64(1);
                    q.Bytes = r.GetInt64(2);
                }
            }
        }

        LoadTopics();
        PublishSnapshot();
    }

    private void PublishSnapshot()
    {
        var infos = _queues.Values.Select(q => q.Info).OrderBy(i => i.Name, StringComparer.Ordinal).ToArray();
        _snapshot = new QueueSnapshot(infos.ToFrozenDictionary(i => i.Name, StringComparer.Ordinal), infos);
        _queuesChanged = false;
    }

    private void WriterLoop()
    {
        var reader = _channel.Reader;
        var max = _options.MaxOperationsPerCommit;
        while (!_stopping && WaitToRead(reader))
        {
            while (_group.Count < max && reader.TryRead(out var op))
            {
                _group.Add(op);
            }

            RunGroup(_group);
            _group.Clear();
        }

        while (reader.TryRead(out var op))
        {
            op.SetError(Unavailable());
            op.Complete();
        }
    }

    private static bool WaitToRead(ChannelReader<StoreOperation> reader)
    {
        var wait = reader.WaitToReadAsync();
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Runs a group in one transaction, each operation in its own savepoint, then commits once and completes them all.</summary>
    private void RunGroup(List<StoreOperation> group)
    {
        try
        {
            _begin!.ExecuteNonQuery();
            foreach (var op in group)
            {
                if (op.CancellationToken.IsCancellationRequested)
                {
                    op.SetError(new OperationCanceledException(op.CancellationToken));
                    continue;
                }

                _journal.Clear();
                _savepoint!.ExecuteNonQuery();
                try
                {
                    op.Execute();
                }
#pragma warning disable CA1031 // Any failure of one operation is that operation's result; the group goes on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    UndoJournal();
                    _rollbackTo!.ExecuteNonQuery();
                    op.SetError(ex is SluiceException or OperationCanceledException ? ex
                        : SqliteErrors.Classify(ex) ?? new SluiceException(ErrorCodes.Internal, $"the SQLite store failed an operation: {ex.Message}", null, false, ex));
                }

                _release!.ExecuteNonQuery();
            }

            _commit!.ExecuteNonQuery();
        }
#pragma warning disable CA1031 // Whatever broke the transaction fails the group's operations; the writer must live on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The transaction itself failed (disk full, I/O error): nothing of the group is durable.
            try
            {
                _rollback!.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // SQLite already rolled back (no transaction is active).
            }

            var error = SqliteErrors.Classify(ex) ?? new SluiceException(ErrorCodes.Unavailable,
                "the store could not commit: nothing of the operation was stored; retry (the server log has the cause)", null, isTransient: true, ex);
            foreach (var op in group)
            {
                op.SetError(error);
            }

            TryReload();
        }

        _journal.Clear();
        if (_queuesChanged)
        {
            PublishSnapshot();
        }

        foreach (var op in group)
        {
            op.Complete();
        }
    }

    private void TryReload()
    {
        try
        {
            LoadState();
        }
        catch (SqliteException)
        {
            // The next group fails the same way and retries the reload.
        }
    }

    /// <summary>Changes a queue's counters and journals the change so a failed operation can take it back.</summary>
    private void Adjust(QueueState queue, long count, long bytes)
    {
        queue.Count += count;
        queue.Bytes += bytes;
        _journal.Add(new JournalEntry(queue, count, bytes, null));
    }

    private void OnUndo(Action undo) => _journal.Add(new JournalEntry(null, 0, 0, undo));

    private void UndoJournal()
    {
        for (var i = _journal.Count - 1; i >= 0; i--)
        {
            var e = _journal[i];
            if (e.Queue is { } q)
            {
                q.Count -= e.Count;
                q.Bytes -= e.Bytes;
            }
            else
            {
                e.Undo!();
            }
        }

        _journal.Clear();
    }

    private QueueState RequireQueue(string name) =>
        _queues.TryGetValue(name, out var q) ? q : throw StoreErrors.QueueNotFound(name);

    private QueueState? DeadLetterQueueOf(QueueState queue) =>
        queue.Options.DeadLetterQueue is { } name && _queues.TryGetValue(name, out var dlq) && dlq != queue ? dlq : null;

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Exec(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var cmd = Connection.CreateCommand();
#pragma warning disable CA2100 // Every caller passes a constant SQL text; values go through parameters.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new SqliteParameter(p, DBNull.Value));
        }

        return cmd;
    }

    private static void Set(SqliteCommand cmd, int index, object? value) => cmd.Parameters[index].Value = value ?? DBNull.Value;

    private void DisposeCommands()
    {
        foreach (var cmd in AllCommands())
        {
            cmd?.Dispose();
        }
    }
}
