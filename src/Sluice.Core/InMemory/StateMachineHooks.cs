using Sluice.Storage;

namespace Sluice.InMemory;

/// <summary>
/// What a durable store built over <see cref="InMemoryMessageStore"/> (the log-structured store replays its log into
/// one) changes about it, so that executing a logged call again gives the same state: where new ids come from, and
/// where bodies are kept. The clock is the store's <see cref="TimeProvider"/> (the log store passes one frozen per call).
/// </summary>
internal sealed class StateMachineHooks
{
    /// <summary>Every id the state machine creates (message ids of publishes and topic publishes), from the call's time. Default <see cref="Guid.CreateVersion7(DateTimeOffset)"/>.</summary>
    public Func<DateTimeOffset, Guid> NewId { get; init; } = Guid.CreateVersion7;

    /// <summary>
    /// Keeps the body of message <c>index</c> (its index in the current publish or topic publish call) and returns how
    /// it is held. Called once per stored message body of a call (a topic publish shares the result among the queues
    /// it reached). Default: a copy in memory.
    /// </summary>
    public Func<int, ReadOnlyMemory<byte>, StoredBody> StoreBody { get; init; } = static (_, body) => new InMemoryBody(body.ToArray());

    /// <summary>
    /// When <see langword="true"/>, the state machine never reads a body while it runs a call: every
    /// <see cref="QueueMessage"/> it returns has an empty <see cref="QueueMessage.Body"/> and its
    /// <c>StoredBody</c> set, and the caller reads the bodies after the call (a read that fails then cannot leave a call
    /// half applied). Default <see langword="false"/>: bodies are read into the results.
    /// </summary>
    public bool DeferBodyReads { get; init; }
}
