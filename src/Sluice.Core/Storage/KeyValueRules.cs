using System.Globalization;

namespace Sluice.Storage;

/// <summary>
/// The key-value rules every store and the broker share, once: argument limits and their errors, the version check of a
/// conditional write (<see cref="CheckExpected"/>), expiry (<see cref="IsLive"/>, <see cref="ExpiresAt"/>) and the
/// key order (<see cref="KeyOrder"/>).
/// </summary>
public static class KeyValueRules
{
    /// <summary>Longest key: 256 characters (UTF-16 code units).</summary>
    public const int MaxKeyLength = 256;

    /// <summary>Largest value: 65,536 bytes (64 KiB). Key-value records hold state, not payloads: put large data in a message or elsewhere.</summary>
    public const int MaxValueSize = 64 * 1024;

    /// <summary>Most records one listing page returns: 1,000.</summary>
    public const int MaxListLimit = 1000;

    /// <summary>Records a listing page returns by default: 100.</summary>
    public const int DefaultListLimit = 100;

    /// <summary>Longest time-to-live: 365 days.</summary>
    public static readonly TimeSpan MaxTimeToLive = TimeSpan.FromDays(365);

    /// <summary>
    /// The key prefix reserved for Sluice's own records in the key-value store (<c>$sluice/</c>: receive attempts, redrive
    /// tasks, the cluster's maintenance lease, the node registry): user calls through the broker may not get, set, delete
    /// or list keys that start with it (<see cref="CheckNotReserved"/>), and user listings skip them; stores treat these
    /// keys like any other. Each kind of internal record has a sub-prefix (<see cref="AttemptsPrefix"/>).
    /// </summary>
    public const string ReservedPrefix = "$sluice/";

    /// <summary>The sub-prefix of FIFO receive-attempt records: <c>$sluice/attempts/{queue}/{receiveRequestAttemptId}</c>.</summary>
    public const string AttemptsPrefix = ReservedPrefix + "attempts/";

    /// <summary>
    /// A valid key that sorts after every reserved key (<see cref="ReservedPrefix"/> followed by U+10FFFF up to the
    /// 256-character limit): a listing that passes it as <c>after</c> resumes past the reserved block.
    /// </summary>
    public static readonly string ReservedRangeEnd = ReservedPrefix + string.Concat(Enumerable.Repeat("\U0010FFFF", (MaxKeyLength - ReservedPrefix.Length) / 2));

    /// <summary>Whether <paramref name="key"/> is in the reserved range (<see cref="ReservedPrefix"/>).</summary>
    public static bool IsReserved(string key) => key.StartsWith(ReservedPrefix, StringComparison.Ordinal);

    /// <summary>Throws invalid_argument (field <paramref name="field"/>) when <paramref name="key"/> starts with <see cref="ReservedPrefix"/>.</summary>
    /// <exception cref="SluiceException">invalid_argument.</exception>
    public static void CheckNotReserved(string? key, string field = "key")
    {
        if (key is not null && IsReserved(key))
        {
            throw SluiceException.Invalid(field,
                $"{field} '{key}' starts with '{ReservedPrefix}', which is reserved for Sluice's own records (receive attempts, redrive tasks, the maintenance lease, the node registry): use a key that does not start with '{ReservedPrefix}'");
        }
    }

    /// <summary>
    /// Orders keys by Unicode code point, which is the order of their UTF-8 bytes (a SQL database's binary collation over
    /// UTF-8 text sorts the same way). It differs from <see cref="StringComparer.Ordinal"/> only where a character above
    /// U+FFFF (a surrogate pair) meets one from U+E000 to U+FFFF.
    /// </summary>
    public static IComparer<string> KeyOrder { get; } = new CodePointComparer();

    /// <summary>
    /// Throws invalid_argument (field <paramref name="field"/>) unless <paramref name="key"/> is 1-256 characters without
    /// control characters or unpaired surrogates, and does not start with <see cref="ReservedPrefix"/>.
    /// </summary>
    /// <exception cref="SluiceException">invalid_argument.</exception>
    public static void CheckKey(string? key, string field = "key")
    {
        CheckKeyText(key, field);
        CheckNotReserved(key, field);
    }

    /// <summary>The text rules of <see cref="CheckKey"/>, without the reserved prefix (the broker's own keys pass them too).</summary>
    internal static void CheckKeyText(string? key, string field)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
        {
            throw SluiceException.Invalid(field, $"{field} is {(key is null ? "missing" : $"{key.Length} characters long")}: use 1-{MaxKeyLength} characters without control characters");
        }

        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsControl(c))
            {
                throw SluiceException.Invalid(field, $"{field} has a control character (U+{(int)c:X4}) at index {i}: use 1-{MaxKeyLength} characters without control characters");
            }

            if (char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
            {
                i++; // a pair: one character above U+FFFF
            }
            else if (char.IsSurrogate(c))
            {
                throw SluiceException.Invalid(field, $"{field} has an unpaired surrogate at index {i}: a key must be valid UTF-16 text");
            }
        }
    }

    /// <summary>Throws invalid_argument unless <paramref name="prefix"/> is empty or follows the key rules (<see cref="CheckKey"/>).</summary>
    /// <exception cref="SluiceException">invalid_argument (field <c>prefix</c>).</exception>
    public static void CheckPrefix(string? prefix)
    {
        if (!string.IsNullOrEmpty(prefix))
        {
            CheckKey(prefix, "prefix");
        }
    }

    /// <summary>Throws invalid_argument unless the value is at most <see cref="MaxValueSize"/> bytes.</summary>
    /// <exception cref="SluiceException">invalid_argument (field <c>value</c>).</exception>
    public static void CheckValue(ReadOnlyMemory<byte> value)
    {
        if (value.Length > MaxValueSize)
        {
            throw SluiceException.Invalid("value", string.Create(CultureInfo.InvariantCulture,
                $"value is {value.Length} bytes: a key-value record holds at most {MaxValueSize} bytes (64 KiB); keep large data in a message and store its id"));
        }
    }

    /// <summary>Throws invalid_argument unless the write options are in range.</summary>
    /// <exception cref="SluiceException">invalid_argument (field <c>expectedVersion</c> or <c>timeToLive</c>).</exception>
    public static void CheckWrite(KeyValueWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ExpectedVersion < 0)
        {
            throw SluiceException.Invalid("expectedVersion", string.Create(CultureInfo.InvariantCulture,
                $"expectedVersion {options.ExpectedVersion} is invalid: use 0 (the key must have no record) or a version read from the record"));
        }

        if (options.TimeToLive is { } ttl)
        {
            Validation.Range(ttl, TimeSpan.FromMilliseconds(1), MaxTimeToLive, "timeToLive");
        }
    }

    /// <summary>Throws invalid_argument unless a delete's expected version is absent or positive (a record that must not exist cannot be deleted).</summary>
    /// <exception cref="SluiceException">invalid_argument (field <c>expectedVersion</c>).</exception>
    public static void CheckDelete(long? expectedVersion)
    {
        if (expectedVersion <= 0)
        {
            throw SluiceException.Invalid("expectedVersion", string.Create(CultureInfo.InvariantCulture,
                $"expectedVersion {expectedVersion} is invalid for a delete: give the version read from the record, or none to delete unconditionally"));
        }
    }

    /// <summary>Throws invalid_argument unless the prefix follows <see cref="CheckPrefix"/>, <paramref name="after"/> the key text rules and the listing limit is 1 to <see cref="MaxListLimit"/>.</summary>
    /// <exception cref="SluiceException">invalid_argument (field <c>limit</c>).</exception>
    public static void CheckList(string? prefix, string? after, int limit)
    {
        CheckPrefix(prefix);
        if (after is not null)
        {
            CheckKeyText(after, "after"); // a cursor only: a page may end on a reserved key it left out
        }

        Validation.Range(limit, 1, MaxListLimit, "limit");
    }

    /// <summary>Whether a record stored with <paramref name="expiresAt"/> is visible at <paramref name="now"/>: it never expires, or expires later.</summary>
    public static bool IsLive(DateTimeOffset? expiresAt, DateTimeOffset now) => expiresAt is not { } at || at > now;

    /// <summary>The expiry of a record written at <paramref name="now"/> with <paramref name="timeToLive"/>, in whole milliseconds (what every store keeps).</summary>
    public static DateTimeOffset? ExpiresAt(DateTimeOffset now, TimeSpan? timeToLive) =>
        timeToLive is { } ttl ? DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() + (long)Math.Ceiling(ttl.TotalMilliseconds)) : null;

    /// <summary>
    /// The check of a conditional write or delete: passes when <paramref name="expected"/> is <see langword="null"/>,
    /// or equals <paramref name="current"/> (0 for no live record); otherwise throws version_conflict, and the caller
    /// changes nothing.
    /// </summary>
    /// <param name="key">The key, for the message.</param>
    /// <param name="current">The live record's version, or 0 when the key has no live record.</param>
    /// <param name="expected">The version the caller expects, or <see langword="null"/> for none.</param>
    /// <exception cref="SluiceException">version_conflict (not transient).</exception>
    public static void CheckExpected(string key, long current, long? expected)
    {
        if (expected is not { } want || want == current)
        {
            return;
        }

        var text = (want, current) switch
        {
            (0, _) => $"key '{key}' already has a record (version {current}), and expectedVersion 0 required none: read the record and decide anew",
            (_, 0) => $"key '{key}' has no record (it was deleted or expired), but expectedVersion was {want}: read it again, or write with expectedVersion 0 to create it",
            _ => $"key '{key}' is at version {current}, not the expected {want}: another write came first; read the record again and retry",
        };
        throw new SluiceException(ErrorCodes.VersionConflict, text, "expectedVersion");
    }

    private sealed class CodePointComparer : IComparer<string>
    {
        public int Compare(string? x, string? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (x is null || y is null)
            {
                return x is null ? -1 : 1;
            }

            var n = Math.Min(x.Length, y.Length);
            for (var i = 0; i < n; i++)
            {
                if (x[i] != y[i])
                {
                    return Rank(x[i]) - Rank(y[i]);
                }
            }

            return x.Length - y.Length;
        }

        // Surrogates (U+D800-DFFF) encode code points above U+FFFF: move them after U+E000-FFFF.
        private static int Rank(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
    }

    /// <summary>Whether <paramref name="key"/> starts with <paramref name="prefix"/> (ordinal).</summary>
    public static bool HasPrefix(string key, string prefix) => key.StartsWith(prefix, StringComparison.Ordinal);
}
