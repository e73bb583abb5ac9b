using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

internal static partial class ServeCommand
{
    /// <summary>Prints the first admin key, once: on the start that created it (authentication on, no key existed).</summary>
    internal static async Task WriteAdminKeyAsync(TextWriter output, SluiceServer server)
    {
        if (server.CreatedAdminKey is not { } key)
        {
            return;
        }

        await output.WriteLineAsync($"""

            Created the first admin API key (shown only this once; the server keeps only its hash):

                {key}

            It is also in {server.AdminKeyPath} (mode 0600), where the sluice CLI finds it;
            curl sends it as -H "authorization: Bearer $(cat {server.AdminKeyPath})".
            Create keys with fewer rights with 'sluice auth key create NAME --grant PATTERN:PERMISSIONS'.

            """).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }
}
