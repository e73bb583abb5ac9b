using Sluice.Storage;

namespace Sluice.InMemory;

/// <summary>The state machine side of the log-structured store: hooks, and the whole state written to and read from a snapshot.</summary>
public sealed partial class InMemoryMessageStore
{
    private readonly StateMachineHooks _hooks = new();

    /// <summary>A store whose ids and bodies come from <paramref name="hooks"/> (the log-structured store's state machine).</summary>
    internal InMemoryMessageStore(TimeProvider timeProvider, StateMachineHooks hooks)
        : this(timeProvider) => _hooks = hooks;

    /// <summary>
    /// Writes the whole state (queues with their messages, deduplication ids and counters; topics and subscriptions;
    /// streams with entries, groups, consumers and pending lists; key-value records and the version counter) so that
    /// <see cref="ReadSnapshot"/> into a new store gives a store that answers every call the same way. Bodies are written
    /// by <paramref name="writeBody"/> (the log store writes a position, not the bytes). Deterministic: the same state
    /// gives the same bytes.
    /// </summary>
    internal void WriteSnapshot(BinaryWriter writer, Action<BinaryWriter, StoredBody> writeBody) =>
        throw new NotImplementedException("seam: the state helper implements this");

    /// <summary>Reads a state written by <see cref="WriteSnapshot"/> into this store, which must be new (empty).</summary>
    /// <exception cref="InvalidDataException">The snapshot is not one this version can read.</exception>
    internal void ReadSnapshot(BinaryReader reader, Func<BinaryReader, StoredBody> readBody) =>
        throw new NotImplementedException("seam: the state helper implements this");

    /// <summary>Calls <paramref name="visit"/> once for every body a queue message holds (a body shared by several queues may be visited once per message).</summary>
    internal void VisitBodies(Action<StoredBody> visit) =>
        throw new NotImplementedException("seam: the state helper implements this");
}
