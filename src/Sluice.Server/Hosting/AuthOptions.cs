namespace Sluice.Server.Hosting;

/// <summary>
/// Authentication and authorization of every face (section <c>Sluice:Auth</c>; docs/security.md).
/// </summary>
public sealed record AuthOptions
{
    /// <summary>
    /// Whether every request must authenticate (API key, JWT, SigV4 or RESP <c>AUTH</c>). Default <see langword="true"/>;
    /// turn it off only for local development (flag <c>--no-auth</c>): the server then warns when it listens beyond loopback.
    /// </summary>
    public bool Enabled { get; init; } = true;
}
