namespace Sluice.Client;

/// <summary>How <see cref="ISluiceClient.ConsumeAsync"/> delivers a queue's messages.</summary>
public sealed record ConsumeOptions
{
    /// <summary>
    /// Credit (prefetch): the most messages delivered to this consumer and not yet acked, nacked or dead-lettered.
    /// The server never has more than this many unsettled with the consumer; each settlement returns one credit.
    /// Default 100; 1 to 1,000.
    /// </summary>
    public int Prefetch { get; init; } = 100;

    /// <summary>Lease length of each delivered message. Default: the queue's visibility timeout; 0 to 12 hours.</summary>
    public TimeSpan? VisibilityTimeout { get; init; }
}
