using System.CommandLine;

namespace Sluice.Cli;

/// <summary>The API key a client command sends: <c>--api-key</c>, else <c>SLUICE_API_KEY</c>, else <c>&lt;data-dir&gt;/admin.key</c>.</summary>
internal sealed partial class CliContext
{
    /// <summary>The environment variable holding the API key.</summary>
    public const string ApiKeyVariable = "SLUICE_API_KEY";

    /// <summary>The default data directory, where <c>sluice serve</c> writes <c>admin.key</c>.</summary>
    public const string DefaultDataDirectory = "./sluice-data";

    internal const string UnauthenticatedHint =
        $" (pass a key with --api-key KEY or ${ApiKeyVariable}; on the server's machine the CLI reads <data-dir>/admin.key itself: give --data-dir when it is not {DefaultDataDirectory})";

    public Option<string> ApiKeyOption { get; } = new("--api-key")
    {
        Description = $"The API key to send [default: ${ApiKeyVariable}, else the admin key in --data-dir]",
        Recursive = true,
        HelpName = "KEY",
    };

    public Option<string> KeyDataDirOption { get; } = new("--data-dir")
    {
        Description = $"The server's data directory, where the CLI finds admin.key when no key is given [default: {DefaultDataDirectory}]",
        Recursive = true,
        HelpName = "PATH",
    };

    private void AddKeyOptions(Command command)
    {
        command.Options.Add(ApiKeyOption);
        command.Options.Add(KeyDataDirOption);
    }

    /// <summary>
    /// The key to send, or null for none (a server without authentication needs none). The admin key file is read only
    /// for a server on this machine (a loopback address): it is never sent to another host.
    /// </summary>
    private async Task<string?> ApiKeyAsync(ParseResult parseResult, Uri server, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(ApiKeyOption) is { Length: > 0 } given)
            return given;

        if (Environment(ApiKeyVariable) is { Length: > 0 } fromEnvironment)
            return fromEnvironment;

        if (!server.IsLoopback)
            return null;

        var path = Path.Combine(parseResult.GetValue(KeyDataDirOption) ?? DefaultDataDirectory, Server.Hosting.SluiceServer.AdminKeyFileName);
        try
        {
            var text = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
            return text.Length > 0 ? text : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No readable admin key here: send none; a server that needs one answers 401, and the hint says how to pass it.
            return null;
        }
    }
}
