using Microsoft.Extensions.Logging;

namespace Sluice.Server.Internal;

/// <summary>Log events of the listeners' TLS and connection limits. Event ids 3400-3409 (a test keeps ids unique across assemblies).</summary>
internal static partial class ListenerLog
{
    [LoggerMessage(EventId = 3400, Level = LogLevel.Information, Message = "TLS certificate loaded: {Subject} (thumbprint {Thumbprint}, expires {NotAfter:u})")]
    public static partial void CertificateLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "TLS certificate changed: new connections get {Subject} (thumbprint {Thumbprint}, expires {NotAfter:u})")]
    public static partial void CertificateReloaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "TLS certificate changed but does not load; the previous one is still served: {Reason}")]
    public static partial void CertificateReloadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Warning, Message = "Client {Address} holds {Max} connections to the {Listener} listener: further ones are closed (Sluice:Limits:MaxConnectionsPerClient; logged at most once a minute per address)")]
    public static partial void ClientConnectionsRefused(ILogger logger, string address, string listener, int max);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Information, Message = "Connection limits: {PerListener} per listener over {Listeners} listener(s) (descriptor limit {DescriptorLimit}); {PerClient} per client address")]
    public static partial void ConnectionLimits(ILogger logger, long perListener, int listeners, string descriptorLimit, int perClient);
}
