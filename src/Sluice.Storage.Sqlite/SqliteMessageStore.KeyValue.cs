using Microsoft.Data.Sqlite;
using Sluice.Storage.Sqlite.Internal;

namespace Sluice.Storage.Sqlite;

/// <summary>
/// Key-value records in SQLite: one row per key in <c>kv</c> (binary collation, so rows sort in Unicode code point
/// order, <see cref="KeyValueRules.KeyOrder"/>), and the version counter in the one row of <c>kv_version</c>, bumped
/// by every set in the same savepoint, so it never goes back (not after deletes, not after a restart). Nothing is
/// cached in memory: every call runs on the writer.
/// </summary>
public sealed partial class SqliteMessageStore : IKeyValueStore
{
    // New tables only: CREATE ... IF NOT EXISTS brings an older database up to date at open.
    private const string KeyValueSchema = """
        CREATE TABLE IF NOT EXISTS kv(
            key TEXT PRIMARY KEY,
            value BLOB NOT NULL,
            version INTEGER NOT NULL,
            expires_at INTEGER) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS kv_expires ON kv(expires_at) WHERE expires_at IS NOT NULL;
        CREATE TABLE IF NOT EXISTS kv_version(
            id INTEGER PRIMARY KEY CHECK(id = 1),
            version INTEGER NOT NULL);
        INSERT OR IGNORE INTO kv_version(id, version) VALUES(1, 0);
        """;

    // A record is live while expires_at is NULL or later than now (KeyValueRules.IsLive).
    private const string LiveKeyValue = "(expires_at IS NULL OR expires_at > $now)";

    /// <inheritdoc />
    public ValueTask<KeyValueRecord?> GetKeyValueAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync(() => ReadKeyValue(key, Now()), cancellationToken);

    /// <inheritdoc />
    public ValueTask<KeyValueRecord> SetKeyValueAsync(string key, ReadOnlyMemory<byte> value, long? expectedVersion, TimeSpan? timeToLive, CancellationToken cancellationToken = default)
    {
        var copy = value.ToArray();
        return RunAsync(() => ExecSetKeyValue(key, copy, expectedVersion, timeToLive), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteKeyValueAsync(string key, long? expectedVersion, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecDeleteKeyValue(key, expectedVersion), cancellationToken);

    /// <inheritdoc />
    public ValueTask<KeyValuePage> ListKeyValuesAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default) =>
        RunAsync(() => ExecListKeyValues(prefix, after, limit), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> SweepKeyValuesAsync(CancellationToken cancellationToken = default) =>
        RunAsync(() =>
        {
            using var cmd = Command("DELETE FROM kv WHERE expires_at <= $now;", "$now");
            Set(cmd, 0, Now());
            return (long)cmd.ExecuteNonQuery();
        }, cancellationToken);

    private KeyValueRecord? ReadKeyValue(string key, long now)
    {
        using var cmd = Command($"SELECT key, value, version, expires_at FROM kv WHERE key = $key AND {LiveKeyValue};", "$key", "$now");
        Set(cmd, 0, key);
        Set(cmd, 1, now);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadKeyValueRow(r) : null;
    }

    private static KeyValueRecord ReadKeyValueRow(SqliteDataReader r) =>
        new(r.GetString(0), (byte[])r.GetValue(1), r.GetInt64(2), r.IsDBNull(3) ? null : Time.FromMs(r.GetInt64(3)));

    private KeyValueRecord ExecSetKeyValue(string key, byte[] value, long? expectedVersion, TimeSpan? timeToLive)
    {
        var now = _time.GetUtcNow();
        KeyValueRules.CheckExpected(key, ReadKeyValue(key, now.ToUnixTimeMilliseconds())?.Version ?? 0, expectedVersion);

        long version;
        using (var next = Command("UPDATE kv_version SET version = version + 1 WHERE id = 1 RETURNING version;"))
        {
            version = (long)next.ExecuteScalar()!;
        }

        var expiresAt = KeyValueRules.ExpiresAt(now, timeToLive);
        using var cmd = Command("INSERT OR REPLACE INTO kv(key, value, version, expires_at) VALUES($key, $value, $version, $expires);", "$key", "$value", "$version", "$expires");
        Set(cmd, 0, key);
        Set(cmd, 1, value);
        Set(cmd, 2, version);
        Set(cmd, 3, expiresAt?.ToUnixTimeMilliseconds());
        cmd.ExecuteNonQuery();
        return new KeyValueRecord(key, value, version, expiresAt);
    }

    private bool ExecDeleteKeyValue(string key, long? expectedVersion)
    {
        var live = ReadKeyValue(key, Now());
        KeyValueRules.CheckExpected(key, live?.Version ?? 0, expectedVersion);
        using var cmd = Command("DELETE FROM kv WHERE key = $key;", "$key");
        Set(cmd, 0, key);
        cmd.ExecuteNonQuery();
        return live is not null;
    }

    private KeyValuePage ExecListKeyValues(string prefix, string? after, int limit)
    {
        // Keys with the prefix are contiguous in key order: seek to the later of the prefix and 'after', read in order
        // and stop at the first key without the prefix. One row more than the page tells whether another page follows.
        var start = after is not null && KeyValueRules.KeyOrder.Compare(after, prefix) >= 0 ? after : prefix;
        using var cmd = Command(
            $"SELECT key, value, version, expires_at FROM kv WHERE key >= $start AND key IS NOT $after AND {LiveKeyValue} ORDER BY key LIMIT $n;",
            "$start", "$after", "$now", "$n");
        Set(cmd, 0, start);
        Set(cmd, 1, after);
        Set(cmd, 2, Now());
        Set(cmd, 3, limit + 1);
        var records = new List<KeyValueRecord>(Math.Min(limit, 64));
        var more = false;
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var key = r.GetString(0);
            if (!KeyValueRules.HasPrefix(key, prefix))
            {
                break;
            }

            if (records.Count == limit)
            {
                more = true;
                break;
            }

            records.Add(ReadKeyValueRow(r));
        }

        return new KeyValuePage(records, more ? records[^1].Key : null);
    }
}
