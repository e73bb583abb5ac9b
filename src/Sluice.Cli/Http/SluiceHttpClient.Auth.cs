using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Sluice.Server.Security;

namespace Sluice.Cli.Http;

/// <summary>API keys: <c>/v1/auth/keys</c> (docs/security.md).</summary>
internal sealed partial class SluiceHttpClient
{
    public Task<CreatedApiKey> CreateApiKeyAsync(string name, IReadOnlyList<string> grants, bool sigV4, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["name"] = name, ["grants"] = new JsonArray([.. grants.Select(g => (JsonNode?)JsonValue.Create(g))]), ["sigV4"] = sigV4 };
        return SendAsync(HttpMethod.Post, "v1/auth/keys", JsonBody(body), AuthCliJson.Default.CreatedApiKey, cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListApiKeysAsync(CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, "v1/auth/keys", null, AuthCliJson.Default.ApiKeyList, cancellationToken).ConfigureAwait(false)).Keys;

    public Task<ApiKeyInfo> RevokeApiKeyAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "v1/auth/keys/" + Uri.EscapeDataString(id), null, AuthCliJson.Default.ApiKeyInfo, cancellationToken);
}

/// <summary>The API key shapes, read from the server and printed with <c>--json</c> (camelCase, as the server writes them).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(ApiKeyList))]
[JsonSerializable(typeof(ApiKeyInfo))]
internal sealed partial class AuthCliJson : JsonSerializerContext;
