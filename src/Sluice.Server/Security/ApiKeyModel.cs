using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Server.Security;

/// <summary>An API key as stored (JSON at <c>$sluice/auth/keys/&lt;id&gt;</c>): never the secret itself, only its SHA-256.</summary>
internal sealed record ApiKeyRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    /// <summary>Grants in text form (<see cref="GrantText"/>).</summary>
    public required IReadOnlyList<string> Grants { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>SHA-256 of the secret part of the key text, base64.</summary>
    public required string SecretHash { get; init; }

    /// <summary>The SigV4 secret access key, for keys created with one (SigV4 verification needs the secret itself).</summary>
    public string? SigV4Secret { get; init; }

    public bool Revoked { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>The body of <c>POST /v1/auth/keys</c>.</summary>
/// <param name="Name">A readable name for logs and the audit log: 1-100 characters.</param>
/// <param name="Grants">Grants as <c>PATTERN:PERMISSIONS</c> (<c>orders-*:publish,consume</c>, <c>*:all</c>); at least one.</param>
/// <param name="SigV4">Whether to create a SigV4 secret access key too (for SQS clients; access key id = the key's id).</param>
public sealed record CreateApiKeyRequest(string? Name, IReadOnlyList<string>? Grants, bool SigV4 = false);

/// <summary>An API key as listed: never its secret or hash.</summary>
/// <param name="Id">The key's id (the part after <c>sluice_</c> in the key text; the SigV4 access key id).</param>
/// <param name="Name">Its name.</param>
/// <param name="Grants">Its grants as <c>PATTERN:PERMISSIONS</c>.</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
/// <param name="SigV4">Whether it has a SigV4 secret access key.</param>
/// <param name="Revoked">Whether it was revoked (a revoked key authenticates nothing).</param>
/// <param name="RevokedAt">When it was revoked, or null.</param>
public sealed record ApiKeyInfo(string Id, string Name, IReadOnlyList<string> Grants, DateTimeOffset CreatedAt, bool SigV4, bool Revoked, DateTimeOffset? RevokedAt);

/// <summary>The answer of <c>POST /v1/auth/keys</c>: the key text, shown this once (the server keeps only its hash).</summary>
/// <param name="Key">The key's description.</param>
/// <param name="ApiKey">The key text to send as <c>Authorization: Bearer ...</c>.</param>
/// <param name="AccessKeyId">The SigV4 access key id when asked for (the key's id), or null.</param>
/// <param name="SecretAccessKey">The SigV4 secret access key when asked for, or null.</param>
public sealed record CreatedApiKey(ApiKeyInfo Key, string ApiKey, string? AccessKeyId, string? SecretAccessKey);

/// <summary>The answer of <c>GET /v1/auth/keys</c>.</summary>
/// <param name="Keys">Every key, revoked ones included, ordered by creation time.</param>
public sealed record ApiKeyList(IReadOnlyList<ApiKeyInfo> Keys);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ApiKeyRecord))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyInfo))]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(ApiKeyList))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
