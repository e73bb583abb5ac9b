using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sluice.Security;
using Sluice.Storage;

namespace Sluice.Server.Security;

/// <summary>
/// The server's <see cref="ICredentialStore"/>: API keys kept in the store's reserved key-value range
/// (<c>$sluice/auth/keys/&lt;id&gt;</c>, so every node of a cluster on one database shares them), and the SigV4 key
/// pairs configured in <c>Sluice:Sqs:Credentials</c>. A key's text is <c>sluice_&lt;id&gt;_&lt;secret&gt;</c> (id: 16 hex
/// characters; secret: 32 random bytes, base64url); only the SHA-256 of the secret is stored, compared in constant
/// time. Keys read from the store are kept for <see cref="Hosting.AuthOptions.CacheTtl"/>, so a revocation on another
/// node applies here within that time, and on this node at once.
/// </summary>
public sealed class SluiceCredentialStore : ICredentialStore
{
    /// <summary>The reserved key prefix of API key records.</summary>
    public const string KeyPrefix = "$sluice/auth/keys/";

    /// <summary>The reserved key written once, by the node that creates the first admin key.</summary>
    internal const string BootstrapKey = "$sluice/auth/bootstrap";

    /// <summary>The prefix of every key text.</summary>
    public const string KeyTextPrefix = "sluice_";

    private const int MaxNameLength = 100;
    private const int MaxGrants = 100;

    private readonly Func<IKeyValueStore> _records;
    private readonly IReadOnlyDictionary<string, string> _configuredSigV4;
    private readonly TimeSpan _cacheTtl;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Record, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates the store.</summary>
    /// <param name="records">The store's key-value records (the reserved range included), such as <c>Broker.SystemRecords</c>; called at each read.</param>
    /// <param name="required">Whether requests must authenticate (<c>Sluice:Auth:Enabled</c>).</param>
    /// <param name="configuredSigV4">Configured SigV4 pairs (access key id to secret; <c>Sluice:Sqs:Credentials</c>): each authenticates an administrator.</param>
    /// <param name="cacheTtl">How long a key read from the store is kept (0: always read).</param>
    /// <param name="time">The clock for creation times and the cache.</param>
    public SluiceCredentialStore(Func<IKeyValueStore> records, bool required, IReadOnlyDictionary<string, string>? configuredSigV4, TimeSpan cacheTtl, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(time);
        _records = records;
        Required = required;
        _configuredSigV4 = configuredSigV4 ?? new Dictionary<string, string>();
        _cacheTtl = cacheTtl;
        _time = time;
    }

    /// <inheritdoc />
    public bool Required { get; }

    /// <inheritdoc />
    public async ValueTask<SluicePrincipal?> AuthenticateApiKeyAsync(string apiKey, CancellationToken cancellationToken)
    {
        if (!TryParse(apiKey, out var id, out var secret))
        {
            return null;
        }

        var record = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Revoked)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        Span<byte> stored = stackalloc byte[SHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(record.SecretHash, stored, out var written) || written != stored.Length ||
            !CryptographicOperations.FixedTimeEquals(hash, stored))
        {
            return null;
        }

        return PrincipalOf(record);
    }

    /// <inheritdoc />
    public async ValueTask<SigV4Credential?> FindSigV4Async(string accessKeyId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(accessKeyId))
        {
            return null;
        }

        if (_configuredSigV4.TryGetValue(accessKeyId, out var configured))
        {
            return new SigV4Credential(configured, SluicePrincipal.Administrator("sigv4:" + accessKeyId, accessKeyId));
        }

        if (!IsKeyId(accessKeyId))
        {
            return null;
        }

        var record = await ReadAsync(accessKeyId, cancellationToken).ConfigureAwait(false);
        return record is { Revoked: false, SigV4Secret: { } sigV4 } ? new SigV4Credential(sigV4, PrincipalOf(record)) : null;
    }

    /// <summary>Creates an API key.</summary>
    /// <param name="name">1-100 characters without control characters.</param>
    /// <param name="grants">At least one, at most 100.</param>
    /// <param name="sigV4">Whether to create a SigV4 secret access key too.</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the key may still be created.</param>
    /// <returns>The key's description, its text (shown once) and its SigV4 pair when asked for.</returns>
    /// <exception cref="SluiceException">invalid_argument (name, grants); the store's errors.</exception>
    public async ValueTask<CreatedApiKey> CreateAsync(string? name, IReadOnlyList<AccessGrant>? grants, bool sigV4, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            throw new SluiceException(ErrorCodes.InvalidArgument, $"key name '{name}' is invalid: use 1-{MaxNameLength} characters without control characters", "name");
        }

        if (grants is null || grants.Count == 0 || grants.Count > MaxGrants)
        {
            throw new SluiceException(ErrorCodes.InvalidArgument, $"a key needs 1 to {MaxGrants} grants, such as orders-*:publish,consume or *:all", "grants");
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new ApiKeyRecord
        {
            Id = id,
            Name = name,
            Grants = [.. grants.Select(GrantText.Format)],
            CreatedAt = _time.GetUtcNow(),
            SecretHash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(secret))),
            SigV4Secret = sigV4 ? Base64Url(RandomNumberGenerator.GetBytes(30)) : null,
        };
        await _records().SetKeyValueAsync(KeyPrefix + id, Serialize(record), expectedVersion: 0, timeToLive: null, cancellationToken).ConfigureAwait(false);
        _cache[id] = (record, _time.GetUtcNow());
        return new CreatedApiKey(Describe(record), $"{KeyTextPrefix}{id}_{secret}", sigV4 ? id : null, record.SigV4Secret);
    }

    /// <summary>Every API key, revoked ones included, oldest first; never a secret or a hash.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await ReadAllAsync(cancellationToken).ConfigureAwait(false)).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).Select(Describe)];

    /// <summary>Whether any API key exists (revoked ones included).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask<bool> AnyAsync(CancellationToken cancellationToken = default) =>
        (await _records().ListKeyValuesAsync(KeyPrefix, null, 1, cancellationToken).ConfigureAwait(false)).Records.Count > 0;

    /// <summary>Revokes an API key: from now on it authenticates nothing (on this node at once, on others within the cache time).</summary>
    /// <param name="id">The key's id.</param>
    /// <param name="cancellationToken">Cancels the wait; once sent to the store the key may still be revoked.</param>
    /// <returns>The key as revoked (revoking a revoked key returns it unchanged).</returns>
    /// <exception cref="SluiceException">invalid_argument (field <c>id</c>): no key has that id.</exception>
    public async ValueTask<ApiKeyInfo> RevokeAsync(string id, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var stored = IsKeyId(id) ? await _records().GetKeyValueAsync(KeyPrefix + id, cancellationToken).ConfigureAwait(false) : null;
            var record = stored is null ? null : Deserialize(stored.Value);
            if (stored is null || record is null)
            {
                throw KeyNotFound(id);
            }

            if (record.Revoked)
            {
                _cache[id] = (record, _time.GetUtcNow());
                return Describe(record);
            }

            var revoked = record with { Revoked = true, RevokedAt = _time.GetUtcNow() };
            try
            {
                await _records().SetKeyValueAsync(KeyPrefix + id, Serialize(revoked), stored.Version, null, cancellationToken).ConfigureAwait(false);
            }
            catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.VersionConflict)
            {
                continue; // changed meanwhile: read again
            }

            _cache[id] = (revoked, _time.GetUtcNow());
            return Describe(revoked);
        }
    }

    /// <summary>
    /// On the first start with authentication on: when no API key exists, creates an administrator key (<c>*:all</c>)
    /// and returns its text; when one exists (or another node of the cluster is creating it), returns null.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask<CreatedApiKey?> CreateFirstAdminKeyAsync(CancellationToken cancellationToken = default)
    {
        if (await AnyAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            // One node of a cluster starting at once wins this write; the others see a key already made.
            await _records().SetKeyValueAsync(BootstrapKey, Encoding.UTF8.GetBytes(_time.GetUtcNow().ToString("O")), expectedVersion: 0, timeToLive: null, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (SluiceException ex) when (ex.ErrorCode == ErrorCodes.VersionConflict)
        {
            return null;
        }

        return await CreateAsync("admin", [new AccessGrant("*", SluicePermissions.All)], sigV4: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The error for an unknown key id: invalid_argument naming <c>id</c> and how to list keys.</summary>
    internal static SluiceException KeyNotFound(string? id) =>
        new SluiceException(ErrorCodes.InvalidArgument, $"API key '{id}' does not exist: list the keys with 'sluice auth key list' (GET /v1/auth/keys)", "id");

    /// <summary>Splits a key text into id and secret; false when it is not of the form <c>sluice_&lt;16 hex&gt;_&lt;secret&gt;</c>.</summary>
    internal static bool TryParse(string? apiKey, out string id, out string secret)
    {
        id = secret = "";
        if (apiKey is null || apiKey.Length < KeyTextPrefix.Length + 16 + 2 || apiKey.Length > 200 ||
            !apiKey.StartsWith(KeyTextPrefix, StringComparison.Ordinal) || apiKey[KeyTextPrefix.Length + 16] != '_')
        {
            return false;
        }

        id = apiKey.Substring(KeyTextPrefix.Length, 16);
        secret = apiKey[(KeyTextPrefix.Length + 17)..];
        return IsKeyId(id);
    }

    private static bool IsKeyId(string? id) => id is { Length: 16 } && id.All(char.IsAsciiHexDigitLower);

    private static SluicePrincipal PrincipalOf(ApiKeyRecord record) =>
        new(record.Id, record.Name, [.. record.Grants.Select((g, i) => GrantText.Parse(g, $"grants[{i}]"))]);

    private static ApiKeyInfo Describe(ApiKeyRecord r) => new(r.Id, r.Name, r.Grants, r.CreatedAt, r.SigV4Secret is not null, r.Revoked, r.RevokedAt);

    private async ValueTask<ApiKeyRecord?> ReadAsync(string id, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(id, out var cached) && now - cached.ReadAt < _cacheTtl)
        {
            return cached.Record;
        }

        var stored = await _records().GetKeyValueAsync(KeyPrefix + id, cancellationToken).ConfigureAwait(false);
        var record = stored is null ? null : Deserialize(stored.Value);
        if (_cacheTtl > TimeSpan.Zero)
        {
            if (_cache.Count > 10_000)
            {
                _cache.Clear(); // bounded: unknown ids sent by anyone must not grow the cache without end
            }

            _cache[id] = (record, now);
        }

        return record;
    }

    private async ValueTask<List<ApiKeyRecord>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var all = new List<ApiKeyRecord>();
        string? after = null;
        do
        {
            var page = await _records().ListKeyValuesAsync(KeyPrefix, after, KeyValueRules.MaxListLimit, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Records.Select(r => Deserialize(r.Value)).OfType<ApiKeyRecord>());
            after = page.NextAfter;
        }
        while (after is not null);

        return all;
    }

    private static byte[] Serialize(ApiKeyRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, AuthJsonContext.Default.ApiKeyRecord);

    private static ApiKeyRecord? Deserialize(ReadOnlyMemory<byte> value)
    {
        try
        {
            return JsonSerializer.Deserialize(value.Span, AuthJsonContext.Default.ApiKeyRecord);
        }
        catch (JsonException)
        {
            return null; // a damaged record authenticates nothing
        }
    }

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
