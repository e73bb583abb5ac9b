using Microsoft.Extensions.Logging;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

internal static partial class ServeCommand
{
    /// <summary>
    /// The console formatter of <c>Sluice:Logging:Format</c> (flag <c>--log-format</c>): <c>text</c>, one line per record
    /// with a UTC time; or <c>json</c>, one JSON object per line (Microsoft.Extensions.Logging's JSON console formatter:
    /// Timestamp, EventId, LogLevel, Category, Message, State; UTC ISO 8601 timestamps) for log shippers.
    /// </summary>
    internal static ILoggingBuilder ConsoleFormat(ILoggingBuilder logging, string format) =>
        string.Equals(format, LogOutputOptions.Json, StringComparison.OrdinalIgnoreCase)
            ? logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                o.IncludeScopes = false;
            })
            : logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.UseUtcTimestamp = true;
            });
}
