using System.Security.Cryptography;
using System.Text;
using Sluice.Security;

namespace Sluice.Faces.Resp.Internal;

/// <summary>Authentication of the RESP face: <see cref="RespOptions.Password"/> and API keys of the server's credential store.</summary>
internal sealed partial class RespServer
{
    /// <summary>The server's credential store, or <see langword="null"/> (only <see cref="RespOptions.Password"/> then).</summary>
    public ICredentialStore? Credentials { get; }

    /// <summary>
    /// Whether a connection must <c>AUTH</c> before other commands: a <see cref="RespOptions.Password"/> is configured, or
    /// the credential store requires authentication.
    /// </summary>
    public bool AuthRequired => Options.Password is not null || Credentials?.Required == true;

    /// <summary>
    /// Checks an <c>AUTH [user] password</c> (or <c>HELLO ... AUTH user password</c>) and, when it passes, marks
    /// <paramref name="session"/> authenticated as its principal; a failure leaves the session as it was (as Redis).
    /// </summary>
    /// <remarks>
    /// Passes: the configured <see cref="RespOptions.Password"/> with no user or user <c>default</c> (an administrator);
    /// an API key the credential store knows, with no user, user <c>default</c>, or the key's name or id as user (ACL
    /// style); and, when authentication is off, user <c>default</c> with any password (Redis's <c>nopass</c> default user).
    /// </remarks>
    /// <param name="session">The connection.</param>
    /// <param name="user">The user name sent, or <see langword="null"/> for <c>AUTH password</c>.</param>
    /// <param name="password">The password sent: the configured password or an API key.</param>
    /// <returns>Whether the credentials are valid.</returns>
    public async ValueTask<bool> AuthenticateAsync(RespSession session, byte[]? user, byte[] password)
    {
        var userName = user is null ? null : Encoding.UTF8.GetString(user);
        var anyUser = userName is null or "default";
        if (!AuthRequired)
        {
            if (!anyUser)
                return false;
            session.Authenticated = true;
            return true;
        }

        if (Options.Password is { } configured && anyUser &&
            CryptographicOperations.FixedTimeEquals(SHA256.HashData(password), SHA256.HashData(Encoding.UTF8.GetBytes(configured))))
        {
            session.Principal = SluicePrincipal.Administrator("resp:default", "default");
            session.ApiKey = null;
            session.Authenticated = true;
            return true;
        }

        if (Credentials is null || password.Length == 0)
            return false;
        var key = Encoding.UTF8.GetString(password);
        var principal = await Credentials.AuthenticateApiKeyAsync(key, session.Aborted).ConfigureAwait(false);
        if (principal is null || !(anyUser || userName == principal.Name || userName == principal.Id))
            return false;
        session.Principal = principal;
        session.ApiKey = key;
        session.ApiKeyCheckedAt = Time.GetTimestamp();
        session.Authenticated = true;
        return true;
    }

    /// <summary>The longest a connection runs on an API key without asking the credential store again: 1 second.</summary>
    public static readonly TimeSpan ApiKeyRecheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether the connection's API key (if it authenticated with one) is still valid: asked of the credential store
    /// again at most once per <see cref="ApiKeyRecheckInterval"/>, so a revoked key stops working on open connections too
    /// (as soon as the store's cache lets it). On a revoked key the session is signed out.
    /// </summary>
    public async ValueTask<bool> StillAuthenticatedAsync(RespSession session)
    {
        if (session.ApiKey is not { } key || Credentials is null || Time.GetElapsedTime(session.ApiKeyCheckedAt) < ApiKeyRecheckInterval)
            return true;
        var principal = await Credentials.AuthenticateApiKeyAsync(key, session.Aborted).ConfigureAwait(false);
        if (principal is null)
        {
            session.ApiKey = null;
            session.Principal = null;
            session.Authenticated = false;
            return false;
        }

        session.Principal = principal;
        session.ApiKeyCheckedAt = Time.GetTimestamp();
        return true;
    }
}
