using System.Data.Common;
using Npgsql;
using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

/// <summary>
/// Key-value records in PostgreSQL: one row per key in <c>kv</c> (the key in the "C" collation, so rows sort by UTF-8
/// bytes, which is Unicode code point order, <see cref="KeyValueRules.KeyOrder"/>), and versions from the sequence
/// <c>kv_version</c>, which never goes back (not after deletes, restarts or rolled-back writes). A conditional write
/// locks the row it checks; when there was none, two nodes creating the key at once meet on its primary key, and the
/// one that commits second runs again and checks against the first one's record.
/// </summary>
public sealed partial class PostgresMessageStore : IKeyValueStore
{
    private const string KeyValueColumns = "key, value, version, expires_at";

    // A record is live while expires_at is NULL or later than now (KeyValueRules.IsLive); $1 is now.
    private const string LiveKeyValue = "(expires_at IS NULL OR expires_at > $1)";

    /// <inheritdoc />
    public ValueTask<KeyValueRecord?> GetKeyValueAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, now, ct) => await ReadKeyValueAsync(c, key, now, lockRow: false, ct).ConfigureAwait(false), cancellationToken);

    /// <inheritdoc />
    public ValueTask<KeyValueRecord> SetKeyValueAsync(string key, ReadOnlyMemory<byte> value, long? expectedVersion, TimeSpan? timeToLive,
        CancellationToken cancellationToken = default)
    {
        var copy = value.ToArray();
        return RunAsync(async (c, now, ct) =>
        {
            var live = await ReadKeyValueAsync(c, key, now, lockRow: true, ct).ConfigureAwait(false);
            KeyValueRules.CheckExpected(key, live?.Version ?? 0, expectedVersion);
            var expiresAt = KeyValueRules.ExpiresAt(Time.FromMs(now), timeToLive);
            // Replaces the row this transaction locked as live, or an expired one; a live row another node inserted after
            // the check (there was none to lock) is a lost race: run again, and check against it.
            var version = (long?)await ScalarAsync(c,
                "INSERT INTO kv(key, value, version, expires_at) VALUES ($1, $2, nextval('kv_version'), $3) " +
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at " +
                "WHERE $4 OR kv.expires_at <= $5 RETURNING version",
                ct, key, copy, expiresAt?.ToUnixTimeMilliseconds(), live is not null, now).ConfigureAwait(false)
                ?? throw new ConflictException("another node created the key after this write checked it");
            return new KeyValueRecord(key, copy, version, expiresAt);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteKeyValueAsync(string key, long? expectedVersion, CancellationToken cancellationToken = default) =>
        RunAsync(async (c, now, ct) =>
        {
            var live = await ReadKeyValueAsync(c, key, now, lockRow: true, ct).ConfigureAwait(false);
            KeyValueRules.CheckExpected(key, live?.Version ?? 0, expectedVersion);
            await ExecuteAsync(c, "DELETE FROM kv WHERE key = $1", ct, key).ConfigureAwait(false);
            return live is not null;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<KeyValuePage> ListKeyValuesAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return RunAsync(async (c, now, ct) =>
        {
            // Keys with the prefix are contiguous in key order: seek to the later of the prefix and 'after', read in order
            // and stop at the first key without the prefix. One row more than the page tells whether another page follows.
            var start = after is not null && KeyValueRules.KeyOrder.Compare(after, prefix) >= 0 ? after : prefix;
            var rows = await QueryAsync(c,
                $"SELECT {KeyValueColumns} FROM kv WHERE key >= $2 AND key IS DISTINCT FROM $3::text AND {LiveKeyValue} ORDER BY key LIMIT $4",
                ReadKeyValueRow, ct, now, start, after, limit + 1).ConfigureAwait(false);
            var records = new List<KeyValueRecord>(Math.Min(limit, rows.Count));
            var more = false;
            foreach (var record in rows)
            {
                if (!KeyValueRules.HasPrefix(record.Key, prefix))
                {
                    break;
                }

                if (records.Count == limit)
                {
                    more = true;
                    break;
                }

                records.Add(record);
            }

            return new KeyValuePage(records, more ? records[^1].Key : null);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<long> SweepKeyValuesAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async (c, now, ct) => (long)await ExecuteAsync(c, "DELETE FROM kv WHERE expires_at <= $1", ct, now).ConfigureAwait(false), cancellationToken);

    private static async Task<KeyValueRecord?> ReadKeyValueAsync(NpgsqlConnection c, string key, long now, bool lockRow, CancellationToken ct) =>
        (await QueryAsync(c, $"SELECT {KeyValueColumns} FROM kv WHERE {LiveKeyValue} AND key = $2" + (lockRow ? " FOR UPDATE" : ""),
            ReadKeyValueRow, ct, now, key).ConfigureAwait(false)) is [var record] ? record : null;

    private static KeyValueRecord ReadKeyValueRow(DbDataReader r) =>
        new(r.GetString(0), r.GetFieldValue<byte[]>(1), r.GetInt64(2), r.IsDBNull(3) ? null : Time.FromMs(r.GetInt64(3)));
}
