namespace Sluice.Security;

/// <summary>
/// What a principal may do to a resource (a queue, topic, stream or key-value key) whose name matches a grant's
/// pattern. Which broker operation needs which permission is stated once, in <see cref="SluiceAccess"/>.
/// </summary>
[Flags]
public enum SluicePermissions
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Send to queues, publish to topics, append to streams, set key-value records.</summary>
    Publish = 1,

    /// <summary>Receive, peek, ack, nack, extend; read streams and consumer groups; read stats and key-value records.</summary>
    Consume = 2,

    /// <summary>Create, update, purge and delete; dead letters and redrive; consumer-group and subscription management; API keys; the cluster listing.</summary>
    Admin = 4,

    /// <summary>Every permission.</summary>
    All = Publish | Consume | Admin,
}
