namespace Sluice.Security;

/// <summary>
/// Where the faces look credentials up (implemented by the server; API keys are kept hashed in the store's reserved
/// key-value space, so every node of a cluster sees the same keys and a revocation applies everywhere).
/// </summary>
public interface ICredentialStore
{
    /// <summary>Whether requests must authenticate. <see langword="false"/> only when configured for local development.</summary>
    bool Required { get; }

    /// <summary>The principal of an API key (its full secret text, as a client sends it), or <see langword="null"/> when unknown, revoked or malformed.</summary>
    /// <param name="apiKey">The key as sent (such as the value after <c>Bearer </c>).</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    ValueTask<SluicePrincipal?> AuthenticateApiKeyAsync(string apiKey, CancellationToken cancellationToken);

    /// <summary>
    /// The secret access key and principal of an AWS SigV4 access key id (configured key pairs and API keys created
    /// with a SigV4 secret), or <see langword="null"/> when unknown or revoked.
    /// </summary>
    /// <param name="accessKeyId">The access key id from the request's credential scope.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    ValueTask<SigV4Credential?> FindSigV4Async(string accessKeyId, CancellationToken cancellationToken);
}

/// <summary>A SigV4 key pair's secret and the principal it authenticates.</summary>
/// <param name="SecretAccessKey">The secret the signature is computed with.</param>
/// <param name="Principal">Who a request signed with it is.</param>
public sealed record SigV4Credential(string SecretAccessKey, SluicePrincipal Principal);
