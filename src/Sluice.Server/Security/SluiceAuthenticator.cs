using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sluice.Security;
using Sluice.Server.Hosting;

namespace Sluice.Server.Security;

/// <summary>The outcome of authenticating a request: a principal, or why not (for the face's unauthenticated error).</summary>
/// <param name="Principal">Who sent the request, or <see langword="null"/> when it did not authenticate.</param>
/// <param name="Failure">Why it did not authenticate (a sentence for the error's detail), or <see langword="null"/>.</param>
public readonly record struct AuthenticationResult(SluicePrincipal? Principal, string? Failure)
{
    /// <summary>Whether a principal was found.</summary>
    public bool Succeeded => Principal is not null;
}

/// <summary>
/// Authenticates a bearer credential (an API key, <c>sluice_...</c>, or a JWT when <c>Sluice:Auth:Jwt</c> is
/// configured) for the REST face and the gRPC face: one service both call (registered in the server's services).
/// </summary>
public sealed class SluiceAuthenticator
{
    private static readonly string PublicKeySetting = "Sluice:Auth:Jwt:PublicKeyFile";

    private readonly ICredentialStore _credentials;
    private readonly JwtOptions _jwt;
    private readonly JsonWebTokenHandler? _handler;
    private readonly TokenValidationParameters? _parameters;
    private readonly TimeProvider _time;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="credentials">Where API keys are looked up.</param>
    /// <param name="jwt">The JWT settings (validated); JWTs are refused unless <see cref="JwtOptions.Enabled"/>.</param>
    /// <param name="time">The clock for token lifetimes.</param>
    /// <exception cref="ArgumentException">The public key file holds no RSA or EC public key (names the setting).</exception>
    public SluiceAuthenticator(ICredentialStore credentials, JwtOptions jwt, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(jwt);
        ArgumentNullException.ThrowIfNull(time);
        _credentials = credentials;
        _jwt = jwt;
        _time = time;
        if (!jwt.Enabled)
        {
            return;
        }

        var keys = new List<SecurityKey>();
        if (!string.IsNullOrEmpty(jwt.SigningKey))
        {
            keys.Add(new SymmetricSecurityKey(Convert.FromBase64String(jwt.SigningKey)));
        }

        if (!string.IsNullOrEmpty(jwt.PublicKeyFile))
        {
            keys.Add(PublicKey(jwt.PublicKeyFile));
        }

        _handler = new JsonWebTokenHandler { MapInboundClaims = false };
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            ValidateIssuerSigningKey = true,
            ValidateIssuer = !string.IsNullOrEmpty(jwt.Issuer),
            ValidIssuer = jwt.Issuer,
            ValidateAudience = !string.IsNullOrEmpty(jwt.Audience),
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = jwt.ClockSkew,
            // Lifetimes on the server's clock (a fake one in tests).
            LifetimeValidator = (notBefore, expires, _, p) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return (notBefore is null || notBefore.Value <= now + p.ClockSkew) && expires is { } e && e > now - p.ClockSkew;
            },
        };
    }

    /// <summary>Whether requests must authenticate (<c>Sluice:Auth:Enabled</c>).</summary>
    public bool Required => _credentials.Required;

    /// <summary>Authenticates the request's <c>Authorization: Bearer ...</c> header.</summary>
    /// <param name="context">The HTTP request (REST or gRPC).</param>
    public ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return AuthenticateAsync(context.Request.Headers.Authorization.ToString(), context.RequestAborted);
    }

    /// <summary>Authenticates an <c>Authorization</c> header value (<c>Bearer &lt;API key or JWT&gt;</c>).</summary>
    /// <param name="authorization">The header's value; null or empty when absent.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    public async ValueTask<AuthenticationResult> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return new(null, "this server requires an API key: send the header 'Authorization: Bearer <key>' (the first admin key is in <data-dir>/admin.key; docs/security.md)");
        }

        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return new(null, "the Authorization header is not a bearer credential: send 'Authorization: Bearer <API key or JWT>'");
        }

        var credential = authorization[scheme.Length..].Trim();
        if (credential.StartsWith(SluiceCredentialStore.KeyTextPrefix, StringComparison.Ordinal))
        {
            var principal = await _credentials.AuthenticateApiKeyAsync(credential, cancellationToken).ConfigureAwait(false);
            return principal is null
                ? new(null, "the API key is unknown, revoked or malformed: use a key from 'sluice auth key create' (or <data-dir>/admin.key)")
                : new(principal, null);
        }

        if (_handler is null || _parameters is null)
        {
            return new(null, "the bearer credential is not an API key (sluice_...), and this server validates no JWTs (Sluice:Auth:Jwt is not configured)");
        }

        var result = await _handler.ValidateTokenAsync(credential, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return new(null, $"the bearer JWT is invalid ({result.Exception?.GetType().Name ?? "rejected"}): check its signature, issuer, audience and expiry");
        }

        var subject = result.ClaimsIdentity.FindFirst("sub")?.Value ?? "(no subject)";
        var grants = new List<AccessGrant>();
        var claims = result.ClaimsIdentity.FindAll(_jwt.GrantsClaim).ToList();
        for (var i = 0; i < claims.Count; i++)
        {
            try
            {
                grants.Add(GrantText.Parse(claims[i].Value, $"{_jwt.GrantsClaim}[{i}]"));
            }
            catch (SluiceException ex)
            {
                return new(null, $"the bearer JWT's claim {_jwt.GrantsClaim} is invalid: {ex.Message}");
            }
        }

        return new(new SluicePrincipal("jwt:" + subject, subject, grants), null);
    }

    private static SecurityKey PublicKey(string path)
    {
        var pem = File.ReadAllText(path);
        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (ArgumentException)
        {
            // Not RSA: try EC.
        }

        try
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return new ECDsaSecurityKey(ec);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"setting Sluice:Auth:Jwt:PublicKeyFile '{path}' holds no RSA or EC public key in PEM form", PublicKeySetting, ex);
        }
    }
}
