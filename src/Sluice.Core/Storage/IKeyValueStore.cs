namespace Sluice.Storage;

/// <summary>
/// The storage contract for key-value records: small, versioned pieces of state every process sharing the store can
/// read and change safely (job status, results and progress; recurring-job state). A store declares support by
/// implementing it next to <see cref="IQueueStore"/>. Every method is atomic, reads time from the store's
/// <see cref="TimeProvider"/> and returns once its effect is durable. The broker validates arguments first
/// (<see cref="KeyValueRules"/>); the version check, expiry and key order live once there too. Every store passes
/// <c>KeyValueConformanceTests</c>.
/// </summary>
/// <remarks>
/// Semantics every store keeps:
/// <list type="bullet">
/// <item>Versions come from one counter per store: every set takes the next value, which is never reused (the counter
/// survives restarts and deletes), so a version names one write.</item>
/// <item>A record whose expiry is at or before the store's now is invisible to every method at once (a get returns
/// none, a listing skips it, a conditional write sees no record); <see cref="SweepKeyValuesAsync"/> deletes it later.</item>
/// <item>A conditional write or delete whose expected version does not match (<see cref="KeyValueRules.CheckExpected"/>)
/// throws version_conflict and changes nothing.</item>
/// </list>
/// </remarks>
public interface IKeyValueStore
{
    /// <summary>The live record of <paramref name="key"/>, or <see langword="null"/> when it has none (never written, deleted or expired).</summary>
    ValueTask<KeyValueRecord?> GetKeyValueAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="value"/> (copied) under <paramref name="key"/> when <paramref name="expectedVersion"/>
    /// allows it (<see cref="KeyValueWriteOptions.ExpectedVersion"/>), with a new version and an expiry of now plus
    /// <paramref name="timeToLive"/> (<see cref="KeyValueRules.ExpiresAt"/>; none when null).
    /// </summary>
    /// <returns>The record as written.</returns>
    /// <exception cref="SluiceException">version_conflict.</exception>
    ValueTask<KeyValueRecord> SetKeyValueAsync(string key, ReadOnlyMemory<byte> value, long? expectedVersion, TimeSpan? timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Deletes the live record of <paramref name="key"/> when <paramref name="expectedVersion"/> is null or its version.</summary>
    /// <returns>Whether a live record was deleted.</returns>
    /// <exception cref="SluiceException">version_conflict (including a positive expected version and no live record).</exception>
    ValueTask<bool> DeleteKeyValueAsync(string key, long? expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> live records whose keys start with <paramref name="prefix"/> (empty: every key)
    /// and sort after <paramref name="after"/> (null: from the first), in <see cref="KeyValueRules.KeyOrder"/>.
    /// </summary>
    ValueTask<KeyValuePage> ListKeyValuesAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Deletes every expired record; returns how many.</summary>
    ValueTask<long> SweepKeyValuesAsync(CancellationToken cancellationToken = default);
}
