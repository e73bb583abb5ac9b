namespace Sluice.Server.Hosting;

/// <summary>
/// Authentication and authorization of every face (section <c>Sluice:Auth</c>; docs/security.md).
/// </summary>
public sealed record AuthOptions
{
    /// <summary>Longest <see cref="CacheTtl"/>: 5 minutes.</summary>
    public static readonly TimeSpan MaxCacheTtl = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether every request must authenticate (API key, JWT, SigV4 or RESP <c>AUTH</c>). Default <see langword="true"/>;
    /// turn it off only for local development (flag <c>--no-auth</c>): the server then warns when it listens beyond loopback.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// How long a node keeps an API key it read from the store before reading it again: a key revoked on another node
    /// of a cluster stops working here within this time (on the node that revoked it, at once). Default 5 seconds;
    /// 0 (always read the store) to <see cref="MaxCacheTtl"/>.
    /// </summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The audit log of administrative actions, appended as JSON lines: a path relative to the data directory
    /// (<see cref="SluiceServerOptions.DataDirectory"/>) or absolute. Default <c>audit.log</c>; empty turns the file off
    /// (the entries still go to the log category <c>Sluice.Audit</c>). Written only while authentication is on.
    /// </summary>
    public string AuditLog { get; init; } = "audit.log";

    /// <summary>Bearer JWT validation for REST and gRPC (section <c>Sluice:Auth:Jwt</c>); off unless a signing key or public key file is set.</summary>
    public JwtOptions Jwt { get; init; } = new();

    /// <summary>Checks the settings; the message names the setting.</summary>
    /// <param name="prefix">The section's configuration path, such as <c>Sluice:Auth</c>.</param>
    /// <exception cref="ArgumentException">A setting is invalid; <see cref="ArgumentException.ParamName"/> is its configuration key.</exception>
    public void Validate(string prefix)
    {
        if (CacheTtl < TimeSpan.Zero || CacheTtl > MaxCacheTtl)
        {
            throw new ArgumentException($"setting {prefix}:CacheTtl '{CacheTtl}' is out of range: use 00:00:00 to 00:05:00", $"{prefix}:CacheTtl");
        }

        if (AuditLog is null)
        {
            throw new ArgumentException($"setting {prefix}:AuditLog is missing: give a file name, or an empty value to turn the audit file off", $"{prefix}:AuditLog");
        }

        if (Jwt is null)
        {
            throw new ArgumentException($"setting {prefix}:Jwt is missing: remove the setting to turn JWT validation off", $"{prefix}:Jwt");
        }

        Jwt.Validate($"{prefix}:Jwt");
    }
}

/// <summary>
/// Offline validation of bearer JWTs (section <c>Sluice:Auth:Jwt</c>): the token's signature by
/// <see cref="SigningKey"/> (HMAC) or the key in <see cref="PublicKeyFile"/> (RSA or EC), its issuer, audience and
/// lifetime. The principal's grants come from the claim <see cref="GrantsClaim"/>.
/// </summary>
public sealed record JwtOptions
{
    /// <summary>The issuer (<c>iss</c>) a token must have; default none (any issuer).</summary>
    public string? Issuer { get; init; }

    /// <summary>The audience (<c>aud</c>) a token must have; default none (any audience).</summary>
    public string? Audience { get; init; }

    /// <summary>The HMAC key tokens are signed with (HS256/384/512), base64; at least 32 bytes. Default none.</summary>
    public string? SigningKey { get; init; }

    /// <summary>A PEM file with the RSA or EC public key tokens are signed with (RS*, PS*, ES*). Default none.</summary>
    public string? PublicKeyFile { get; init; }

    /// <summary>
    /// The claim holding the grants: one or more values (a JSON array or several claims) of the form
    /// <c>PATTERN:PERMISSIONS</c>, such as <c>orders-*:publish,consume</c> or <c>*:admin</c> (permissions: publish,
    /// consume, admin, all). Default <c>sluice_grants</c>.
    /// </summary>
    public string GrantsClaim { get; init; } = "sluice_grants";

    /// <summary>Tolerated clock difference for <c>exp</c> and <c>nbf</c>. Default 1 minute; 0 to 10 minutes.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether JWT validation is on (a signing key or a public key file is set).</summary>
    public bool Enabled => !string.IsNullOrEmpty(SigningKey) || !string.IsNullOrEmpty(PublicKeyFile);

    /// <summary>Checks the settings; the message names the setting.</summary>
    /// <param name="prefix">The section's configuration path, such as <c>Sluice:Auth:Jwt</c>.</param>
    /// <exception cref="ArgumentException">A setting is invalid; <see cref="ArgumentException.ParamName"/> is its configuration key.</exception>
    public void Validate(string prefix)
    {
        if (!string.IsNullOrEmpty(SigningKey))
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(SigningKey);
            }
            catch (FormatException)
            {
                throw new ArgumentException($"setting {prefix}:SigningKey is not base64: give the HMAC key as base64 (at least 32 bytes)", $"{prefix}:SigningKey");
            }

            if (key.Length < 32)
            {
                throw new ArgumentException($"setting {prefix}:SigningKey is {key.Length} bytes: use at least 32 bytes (base64)", $"{prefix}:SigningKey");
            }
        }

        if (!string.IsNullOrEmpty(PublicKeyFile) && !File.Exists(PublicKeyFile))
        {
            throw new ArgumentException($"setting {prefix}:PublicKeyFile '{PublicKeyFile}' does not exist: give a PEM file with an RSA or EC public key", $"{prefix}:PublicKeyFile");
        }

        if (string.IsNullOrEmpty(GrantsClaim))
        {
            throw new ArgumentException($"setting {prefix}:GrantsClaim is empty: name the claim holding the grants (default sluice_grants)", $"{prefix}:GrantsClaim");
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException($"setting {prefix}:ClockSkew '{ClockSkew}' is out of range: use 00:00:00 to 00:10:00", $"{prefix}:ClockSkew");
        }
    }
}
