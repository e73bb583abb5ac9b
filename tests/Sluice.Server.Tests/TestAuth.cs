using Sluice.Server.Hosting;

namespace Sluice.Server.Tests;

/// <summary>
/// Authentication for the servers of tests that are not about it: off, through this one line (the auth tests set
/// their own). The real-process tests pass the flag <c>--no-auth</c> (<see cref="Flag"/>).
/// </summary>
internal static class TestAuth
{
    /// <summary>Authentication off.</summary>
    public static AuthOptions Off { get; } = new() { Enabled = false };

    /// <summary>The <c>sluice serve</c> flag that turns authentication off.</summary>
    public const string Flag = "--no-auth";
}
