using Sluice.Storage;

namespace Sluice.InMemory;

/// <summary>Key-value records in memory, under the store's one lock, in key order (<see cref="KeyValueRules.KeyOrder"/>).</summary>
public sealed partial class InMemoryMessageStore : IKeyValueStore
{
    private readonly SortedDictionary<string, KeyValueRecord> _keyValues = new(KeyValueRules.KeyOrder);
    private long _keyValueVersion;

    /// <inheritdoc />
    public ValueTask<KeyValueRecord?> GetKeyValueAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return ValueTask.FromResult(LiveRecord(key, _time.GetUtcNow()));
        }
    }

    /// <inheritdoc />
    public ValueTask<KeyValueRecord> SetKeyValueAsync(string key, ReadOnlyMemory<byte> value, long? expectedVersion, TimeSpan? timeToLive, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var now = _time.GetUtcNow();
            KeyValueRules.CheckExpected(key, LiveRecord(key, now)?.Version ?? 0, expectedVersion);
            var record = new KeyValueRecord(key, value.ToArray(), ++_keyValueVersion, KeyValueRules.ExpiresAt(now, timeToLive));
            _keyValues[key] = record;
            return ValueTask.FromResult(record);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteKeyValueAsync(string key, long? expectedVersion, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var live = LiveRecord(key, _time.GetUtcNow());
            KeyValueRules.CheckExpected(key, live?.Version ?? 0, expectedVersion);
            _keyValues.Remove(key);
            return ValueTask.FromResult(live is not null);
        }
    }

    /// <inheritdoc />
    public ValueTask<KeyValuePage> ListKeyValuesAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var now = _time.GetUtcNow();

            // A sorted dictionary has no seek: skip keys before the start (the lock keeps this simple, not fast).
            var start = after is not null && KeyValueRules.KeyOrder.Compare(after, prefix) >= 0 ? after : prefix;
            var records = new List<KeyValueRecord>(Math.Min(limit, 64));
            var more = false;
            foreach (var (key, record) in _keyValues)
            {
                var order = KeyValueRules.KeyOrder.Compare(key, start);
                if (order < 0 || (order == 0 && key == after) || !KeyValueRules.IsLive(record.ExpiresAt, now))
                {
                    continue;
                }

                if (!KeyValueRules.HasPrefix(key, prefix))
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

            return ValueTask.FromResult(new KeyValuePage(records, more ? records[^1].Key : null));
        }
    }

    /// <inheritdoc />
    public ValueTask<long> SweepKeyValuesAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var now = _time.GetUtcNow();
            var expired = _keyValues.Values.Where(r => !KeyValueRules.IsLive(r.ExpiresAt, now)).Select(r => r.Key).ToList();
            foreach (var key in expired)
            {
                _keyValues.Remove(key);
            }

            return ValueTask.FromResult((long)expired.Count);
        }
    }

    private KeyValueRecord? LiveRecord(string key, DateTimeOffset now) =>
        _keyValues.TryGetValue(key, out var record) && KeyValueRules.IsLive(record.ExpiresAt, now) ? record : null;
}
