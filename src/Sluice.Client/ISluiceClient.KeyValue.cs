namespace Sluice.Client;

/// <summary>Key-value records: versioned state every process using the broker can read and change safely.</summary>
public partial interface ISluiceClient
{
    // ---- Key-value records ----

    /// <summary>Gets a key's record, or <see langword="null"/> when it has none (never written, deleted, or expired).</summary>
    /// <param name="key">1-256 characters without control characters.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="SluiceException">invalid_argument (key), not_supported.</exception>
    ValueTask<KeyValueRecord?> KeyValueGetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a key's record, unconditionally or as a compare-and-set on <see cref="KeyValueWriteOptions.ExpectedVersion"/>
    /// (0: only if the key has none), optionally with a time-to-live; returns the record with its new version.
    /// </summary>
    /// <param name="key">1-256 characters without control characters.</param>
    /// <param name="value">0 to 65,536 bytes.</param>
    /// <param name="options">Condition and time-to-live; default unconditional, never expiring.</param>
    /// <param name="cancellationToken">Cancels the call; a write already sent may still happen.</param>
    /// <exception cref="SluiceException">invalid_argument (key, value, expectedVersion, timeToLive), version_conflict (the condition failed; nothing changed), not_supported.</exception>
    ValueTask<KeyValueRecord> KeyValueSetAsync(string key, ReadOnlyMemory<byte> value, KeyValueWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a key's record, unconditionally or only at <paramref name="expectedVersion"/>; false when the key had none.</summary>
    /// <param name="key">1-256 characters without control characters.</param>
    /// <param name="expectedVersion">The version the record must have (positive); default none.</param>
    /// <param name="cancellationToken">Cancels the call; a delete already sent may still happen.</param>
    /// <exception cref="SluiceException">invalid_argument (key, expectedVersion), version_conflict, not_supported.</exception>
    ValueTask<bool> KeyValueDeleteAsync(string key, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Lists records whose keys start with <paramref name="prefix"/>, a page at a time in key order (Unicode code point order).</summary>
    /// <param name="prefix">Key prefix; null or empty (default) for every key.</param>
    /// <param name="after">Start after this key (the previous page's <see cref="KeyValuePage.NextAfter"/>); null (default) from the first.</param>
    /// <param name="limit">Records per page: 1 to 1,000; default 100.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="SluiceException">invalid_argument (prefix, after, limit), not_supported.</exception>
    ValueTask<KeyValuePage> KeyValueListAsync(string? prefix = null, string? after = null, int limit = 100, CancellationToken cancellationToken = default);
}
