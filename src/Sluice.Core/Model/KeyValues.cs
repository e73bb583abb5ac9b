namespace Sluice;

/// <summary>
/// A key-value record: a small piece of state every process sharing a broker can read and change safely (a job's
/// status, result and progress; a recurring job's last fired occurrence). Writes are atomic and may be conditional on
/// <see cref="Version"/> (compare-and-set), so concurrent writers cannot overwrite each other unnoticed.
/// </summary>
/// <param name="Key">The key: 1-256 characters, no control characters (<see cref="Storage.KeyValueRules.MaxKeyLength"/>).</param>
/// <param name="Value">The value: 0 to 65,536 bytes (<see cref="Storage.KeyValueRules.MaxValueSize"/>), opaque to Sluice.</param>
/// <param name="Version">
/// The write that produced this record: positive, taken from one counter per store that increases with every write
/// of any record and is never reused, not even after the record is deleted, so a version names one
/// write of one key and a compare-and-set on a deleted-and-recreated key cannot succeed by accident. Compare versions
/// of the same key only; they are not consecutive.
/// </param>
/// <param name="ExpiresAt">When the record expires (then reads no longer see it, and the broker's sweep deletes it); <see langword="null"/> for never.</param>
public sealed record KeyValueRecord(string Key, ReadOnlyMemory<byte> Value, long Version, DateTimeOffset? ExpiresAt);

/// <summary>How a key-value write (<c>KeyValueSetAsync</c>) is made.</summary>
public sealed record KeyValueWriteOptions
{
    /// <summary>
    /// The version the record must have for the write to happen (compare-and-set): <see langword="null"/> (default)
    /// writes unconditionally; <c>0</c> writes only when the key has no record (an expired record counts as none);
    /// a positive version writes only when the record's current <see cref="KeyValueRecord.Version"/> equals it. A
    /// write whose condition fails throws <see cref="ErrorCodes.VersionConflict"/> and changes nothing.
    /// </summary>
    public long? ExpectedVersion { get; init; }

    /// <summary>
    /// How long the record lives from this write: after it, reads no longer see it (at once) and the broker's periodic
    /// sweep deletes it. Default <see langword="null"/>: the record never expires (a write without a time-to-live
    /// removes an earlier expiry). 1 millisecond to 365 days (<see cref="Storage.KeyValueRules.MaxTimeToLive"/>); stored
    /// with millisecond precision.
    /// </summary>
    public TimeSpan? TimeToLive { get; init; }
}

/// <summary>One page of a key-value listing, ordered by key (Unicode code point order, the order of the keys' UTF-8 bytes).</summary>
/// <param name="Records">Live records whose keys start with the prefix and come after the <c>after</c> key, in key order; at most the requested limit.</param>
/// <param name="NextAfter">
/// The key to pass as <c>after</c> for the next page (the last key of this page), or <see langword="null"/> when this
/// page is the last one. Records written between pages appear in a later page when their key sorts after it.
/// </param>
public sealed record KeyValuePage(IReadOnlyList<KeyValueRecord> Records, string? NextAfter);
