using Microsoft.Extensions.Logging;

namespace Sluice.Internal;

/// <summary>Log events of receipt handle signing (broker lifecycle range, 1010-1019).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Created the store's receipt handle key ({Key}): handles from every broker on this store are signed with it")]
    public static partial void HandleKeyCreated(ILogger logger, string key);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "The store {Store} keeps no key-value records: this broker signs receipt handles with a key of its own, so they are invalid after a restart and on other brokers")]
    public static partial void HandleKeyNotShared(ILogger logger, string store);
}
