using Sluice.Storage;

namespace Sluice;

/// <summary>
/// Key-value records: versioned state shared by every process using the broker, with compare-and-set and expiry
/// (<see cref="KeyValueRecord"/>). The store must implement <see cref="IKeyValueStore"/>; otherwise every method throws
/// not_supported. Keys are 1-256 characters without control characters, values at most 64 KiB (invalid_argument
/// naming the field). Keys starting with <see cref="KeyValueRules.ReservedPrefix"/> (<c>$sluice/</c>) hold Sluice's own
/// records: these methods refuse them (invalid_argument) and listings skip them. Bad input changes no state.
/// </summary>
public sealed partial class Broker
{
    /// <summary>Whether the store implements key-value records.</summary>
    public bool SupportsKeyValues => _store is IKeyValueStore;

    private IKeyValueStore KeyValues => StoreFor<IKeyValueStore>("key-value records");

    /// <summary>Gets a key's record.</summary>
    /// <param name="key">1-256 characters without control characters.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The record, or <see langword="null"/> when the key has none (never written, deleted, or expired).</returns>
    /// <exception cref="SluiceException">invalid_argument (key), not_supported.</exception>
    public async ValueTask<KeyValueRecord?> KeyValueGetAsync(string key, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Consume, key);
        KeyValueRules.CheckKey(key);
        KeyValueRules.CheckNotReserved(key);
        return await KeyValues.GetKeyValueAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a key's record: unconditionally, or as a compare-and-set on <see cref="KeyValueWriteOptions.ExpectedVersion"/>
    /// (0: only if the key has no record), optionally expiring after <see cref="KeyValueWriteOptions.TimeToLive"/>.
    /// </summary>
    /// <param name="key">1-256 characters without control characters.</param>
    /// <param name="value">0 to 65,536 bytes; copied.</param>
    /// <param name="options">The condition and time-to-live; default unconditional, never expiring.</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the write may still happen.</param>
    /// <returns>The record as written, with its new version.</returns>
    /// <exception cref="SluiceException">
    /// invalid_argument (key, value, expectedVersion, timeToLive), version_conflict (the condition failed; nothing
    /// changed), not_supported.
    /// </exception>
    public async ValueTask<KeyValueRecord> KeyValueSetAsync(string key, ReadOnlyMemory<byte> value, KeyValueWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Publish, key);
        KeyValueRules.CheckKey(key);
        KeyValueRules.CheckNotReserved(key);
        KeyValueRules.CheckValue(value);
        options ??= DefaultWrite;
        KeyValueRules.CheckWrite(options);
        return await KeyValues.SetKeyValueAsync(key, value, options.ExpectedVersion, options.TimeToLive, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a key's record, unconditionally or only at <paramref name="expectedVersion"/>.</summary>
    /// <param name="key">1-256 characters without control characters.</param>
    /// <param name="expectedVersion">The version the record must have; default none (delete whatever is there).</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the delete may still happen.</param>
    /// <returns>Whether a record was deleted (false: the key had none).</returns>
    /// <exception cref="SluiceException">invalid_argument (key; expectedVersion not positive), version_conflict (the record is at another version or gone; nothing changed), not_supported.</exception>
    public async ValueTask<bool> KeyValueDeleteAsync(string key, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        SluiceAccess.Demand(SluicePermissions.Publish, key);
        KeyValueRules.CheckKey(key);
        KeyValueRules.CheckNotReserved(key);
        KeyValueRules.CheckDelete(expectedVersion);
        return await KeyValues.DeleteKeyValueAsync(key, expectedVersion, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists records by key prefix, one page at a time, in key order (Unicode code point order).</summary>
    /// <param name="prefix">Keys start with it; empty or null (default) for every key.</param>
    /// <param name="after">Start after this key (a page's <see cref="KeyValuePage.NextAfter"/>); null (default) from the first.</param>
    /// <param name="limit">Records per page: 1 to 1,000; default 100.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <remarks>Under a principal (<see cref="SluiceAccess.Enter"/>) a page keeps only the keys it may see, so a page can hold fewer than <paramref name="limit"/> records while <see cref="KeyValuePage.NextAfter"/> still points further.</remarks>
    /// <exception cref="SluiceException">invalid_argument (prefix, after, limit), not_supported.</exception>
    public async ValueTask<KeyValuePage> KeyValueListAsync(string? prefix = null, string? after = null, int limit = KeyValueRules.DefaultListLimit, CancellationToken cancellationToken = default)
    {
        var page = await KeyValueListAllAsync(prefix, after, limit, cancellationToken).ConfigureAwait(false);
        return SluiceAccess.Current is null ? page : new KeyValuePage(Visible(page.Records, r => r.Key), page.NextAfter);
    }

    private async ValueTask<KeyValuePage> KeyValueListAllAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        KeyValueRules.CheckList(prefix, after, limit);
        KeyValueRules.CheckNotReserved(prefix, "prefix");
        prefix ??= "";
        var page = await KeyValues.ListKeyValuesAsync(prefix, after, limit, cancellationToken).ConfigureAwait(false);
        if (!page.Records.Any(r => KeyValueRules.IsReserved(r.Key)))
        {
            return page;
        }

        // The page reached the reserved block (it sorts as one run of keys): keep what came before it, then go on past it.
        var kept = page.Records.Where(r => !KeyValueRules.IsReserved(r.Key)).ToList();
        if (page.NextAfter is null)
        {
            return new KeyValuePage(kept, null);
        }

        var resume = KeyValueRules.KeyOrder.Compare(page.NextAfter, KeyValueRules.ReservedRangeEnd) > 0 ? page.NextAfter : KeyValueRules.ReservedRangeEnd;
        var rest = await KeyValues.ListKeyValuesAsync(prefix, resume, limit - kept.Count, cancellationToken).ConfigureAwait(false);
        kept.AddRange(rest.Records);
        return new KeyValuePage(kept, rest.NextAfter);
    }

    private static readonly KeyValueWriteOptions DefaultWrite = new();
}
