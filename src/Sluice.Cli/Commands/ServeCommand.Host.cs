using Microsoft.Extensions.Configuration;

namespace Sluice.Cli.Commands;

internal static partial class ServeCommand
{
    // Replaced by the SluiceServer host once the server library lands (branch 'server').
    private static Task<int> RunServerAsync(CliContext context, IConfiguration configuration, CancellationToken cancellationToken)
    {
        _ = configuration;
        _ = cancellationToken;
        return context.FailAsync("'sluice serve' is not available in this build: the server library (Sluice.Server) has no SluiceServer type yet");
    }
}
